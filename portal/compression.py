"""Text responses travel compressed (Flask-Compress): Burmese, Thai, Khmer and Lao take three
bytes a character, and a reporter on a cheap phone pays for every one of them.

Only public pages are compressed. Staff pages are left alone: they carry tip text and
reflect search terms, the two ingredients of a BREACH-style length attack on TLS.
Streamed responses (CSV exports) are never compressed either.
"""

from __future__ import annotations

from flask import Flask, request
from flask_compress import Compress
from werkzeug.wrappers import Response

_compress = Compress()


def init_app(app: Flask) -> None:
    """Compress public text responses of 500 bytes or more for clients that ask for it."""
    app.config.update(
        COMPRESS_REGISTER=False,  # our own hook below decides which responses
        COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_STREAMS=False,
        COMPRESS_MIN_SIZE=500,
    )
    _compress.init_app(app)

    @app.after_request
    def _compress_public(response: Response) -> Response:
        if request.path.startswith("/staff") or request.path == "/metrics":
            return response
        return _compress.after_request(response)

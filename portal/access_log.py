"""gunicorn's access log without secrets: whatever the format, a one-time setup link's token
(`/staff/setup/<token>`, valid 24 hours) is cut out of every field before the line is written.
The format in deploy/gunicorn.conf.py already leaves out the client address."""

from __future__ import annotations

import re
from typing import Any

from gunicorn.glogging import Logger

# The part of a URL that is a secret in itself.
SECRET_PATH = re.compile(r"(/staff/setup/|/check/picture/)[^/?#\s\"]+")


def redact(value: str) -> str:
    """`value` with the token of any setup link or screenshot reading replaced by `-`."""
    return SECRET_PATH.sub(r"\1-", value)


class PrivateAccessLogger(Logger):
    """gunicorn's logger; each access-log field goes through `redact`."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()}

"""Error pages in the reader's language, and no stack trace for anyone."""

from __future__ import annotations

import logging

from flask import Flask, g, render_template, request
from flask_babel import lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from portal import metrics
from portal.extensions import db

log = logging.getLogger(__name__)

MESSAGES = {
    400: (
        _l("Something in the form was not right"),
        _l("Please go back, check what you typed and try again."),
    ),
    401: (_l("Please sign in"), _l("This page is only for signed-in staff.")),
    403: (_l("Not allowed"), _l("You cannot open this page.")),
    404: (
        _l("Page not found"),
        _l("This page does not exist. Check the address, or start again from the home page."),
    ),
    405: (_l("Not allowed"), _l("This page cannot be used in this way.")),
    413: (
        _l("Too much to send at once"),
        _l("Your photos are too large. Please send fewer or smaller images (up to 10 MB each)."),
    ),
    429: (
        _l("Please wait a moment"),
        _l(
            "Many attempts came from your connection in a short time. Please wait a few "
            "minutes and try again. Nothing you sent before is lost."
        ),
    ),
    500: (_l("Something went wrong on our side"), _l("Please try again in a few minutes.")),
    503: (
        _l("We are busy right now"),
        _l("Please try again in a few minutes. Nothing you sent before is lost."),
    ),
}
CSRF_MESSAGE = (
    _l("This form has expired"),
    _l(
        "For your safety, forms stop working after a while. Please go back, "
        "reload the page and send it again."
    ),
)


def render_error(code: int, title: object = None, message: object = None) -> tuple[str, int]:
    default_title, default_message = MESSAGES.get(code, MESSAGES[500])
    g.error_page = True  # the language switcher then leads home, not back to the error
    return render_template(
        "errors/error.html",
        code=code,
        title=title or default_title,
        message=message or default_message,
    ), code


def init_app(app: Flask) -> None:
    """Register the handlers; each renders the same calm page with its own words."""

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> tuple[str, int]:
        if request.method == "POST":
            metrics.count_refusal(400)
        return render_error(400, *CSRF_MESSAGE)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> tuple[str, int]:
        code = error.code or 500
        if isinstance(error, RateLimitExceeded):
            metrics.count_refusal(429, getattr(error.limit, "scope", None))
        return render_error(code if code in MESSAGES else 400)

    @app.errorhandler(OperationalError)
    def _database_down(error: OperationalError) -> tuple[str, int]:
        log.error("database unavailable: %s", type(error.orig).__name__)
        db.session.rollback()
        return render_error(503)

    @app.errorhandler(500)
    def _internal(error: Exception) -> tuple[str, int]:
        return render_error(500)

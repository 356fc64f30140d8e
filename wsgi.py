"""Entry point for gunicorn in a checkout; installed, use `portal.wsgi:app` (the same app)."""

from portal.wsgi import app

__all__ = ["app"]

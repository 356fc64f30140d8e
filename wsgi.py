"""Entry point for gunicorn: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`."""

from portal import create_app

app = create_app()

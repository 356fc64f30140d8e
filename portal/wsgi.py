"""The WSGI application for gunicorn: `gunicorn -c deploy/gunicorn.conf.py portal.wsgi:app`.

Importable from an installed wheel wherever the server runs. Unsafe production settings stop
the server with one line saying which (gunicorn's master checks them first: portal.preflight).
"""

from portal import create_app
from portal.config import ConfigError
from portal.preflight import refuse

try:
    app = create_app()
except ConfigError as refused:
    refuse(refused)

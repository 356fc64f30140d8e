"""The WSGI application for gunicorn: `gunicorn -c deploy/gunicorn.conf.py portal.wsgi:app`.

Importable from an installed wheel wherever the server runs. A setting that makes
production unsafe stops the server with one line saying which, not a traceback.
"""

import sys

from portal import create_app
from portal.config import ConfigError

# gunicorn's exit status for "a worker failed to boot": the master stops instead of
# starting the same broken worker again and again.
_WORKER_BOOT_ERROR = 3

try:
    app = create_app()
except ConfigError as refused:
    print(f"waspada: refusing to start: {refused}", file=sys.stderr, flush=True)
    raise SystemExit(_WORKER_BOOT_ERROR) from None

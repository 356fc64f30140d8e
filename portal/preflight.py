"""Refuse to start in one line: the check gunicorn's master runs before any worker starts
(deploy/gunicorn.conf.py), and the same refusal for a worker that builds the app."""

from __future__ import annotations

import os
import sys
from typing import NoReturn

from portal import check_settings
from portal.config import ConfigError

# gunicorn's exit status for "a worker failed to boot": the master stops instead of
# starting the same broken worker again and again.
EXIT_STATUS = 3


def refuse(refused: ConfigError) -> NoReturn:
    """Say what is unsafe, on one line, and stop."""
    print(f"waspada: refusing to start: {refused}", file=sys.stderr, flush=True)
    raise SystemExit(EXIT_STATUS) from None


def preflight() -> None:
    """Check the settings (and, in production, the catalogs) without building the app."""
    try:
        check_settings(os.environ)
    except ConfigError as refused:
        refuse(refused)

"""Debian's Chromium, never a downloaded one: where it is and how the tests start it. The
session's one browser is the `browser` fixture of tests/conftest.py, shared by the browser
tests and the OCR tests (two Playwright instances in one process would fail)."""

from __future__ import annotations

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]

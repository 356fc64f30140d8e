"""Headless Chromium (Debian's, never a downloaded one) against a live test server."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from portal.devserver import AnonymousRequestHandler
from tests.chromium import CHROMIUM, FLAGS  # noqa: F401 - the browser fixture is in tests/conftest.py

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


@pytest.fixture
def live_server(app):
    server = make_server(
        "127.0.0.1", 0, app, threaded=True, request_handler=AnonymousRequestHandler
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(params=[True, False], ids=["js", "no-js"])
def phone(request, browser):
    """A 360 px wide phone, with and without JavaScript."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        java_script_enabled=request.param,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    outside: list[str] = []
    context.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith("http://127.0.0.1") else None,
    )
    page = context.new_page()
    page.js_enabled = request.param  # type: ignore[attr-defined]
    page.outside_requests = outside  # type: ignore[attr-defined]
    yield page
    context.close()
    assert outside == [], f"requests to other hosts: {outside}"


def go(page, selector: str) -> None:
    """Click a link or a form's button and wait until the next page has loaded.

    Every page is rendered on the server, so each of these clicks navigates; reading the
    page before its load event could see half a document (seen once in CI: a help page
    whose results had not been parsed yet)."""
    with page.expect_navigation(wait_until="load"):
        page.click(selector)


def screenshot(page, name: str) -> Path | None:
    """A full-page picture in tests/artifacts/ for a person to look at, when SCREENSHOTS=1 (as
    `make screenshots` sets). No test reads them, and the 228 of one run cost more than half a
    minute of CPU, so `make test` leaves them out."""
    if os.environ.get("SCREENSHOTS") != "1":
        return None
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, scale="css")
    return path

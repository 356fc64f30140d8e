"""Test helpers: naughty strings and driving forms the way a browser does."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
# A copy of ../shared/data/blns.txt (MIT licence, tests/data/blns.LICENSE), so the naughty
# string tests run in a clone made anywhere; a test keeps the copy equal to the original.
BLNS = ROOT / "tests" / "data" / "blns.txt"


def blns_raw() -> list[str]:
    """Every line of the Big List of Naughty Strings, comments and blank lines included."""
    return BLNS.read_text(encoding="utf-8").split("\n")


def blns_lines() -> list[str]:
    """The Big List of Naughty Strings, comments and blank lines removed."""
    return [line for line in blns_raw() if line and not line.startswith("#")]


def shared_file(relative: str) -> Path:
    """A file of the team's shared folder next to the project (`reference/…`, `data/…`).

    The checks against the researched reference need it. A clone made elsewhere skips
    them and says why; CI, where the folder is always there, fails instead.
    """
    path = SHARED / relative
    if not path.exists():
        message = f"{path} is missing: clone the project next to the shared folder"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


_INPUT = re.compile(r'<input[^>]*name="(csrf_token|form_token)"[^>]*value="([^"]*)"')


def form_tokens(html: str) -> dict[str, str]:
    """The hidden csrf_token and form_token of the first form on a page."""
    found: dict[str, str] = {}
    for name, value in _INPUT.findall(html):
        found.setdefault(name, value)
    return found


def get_form(client, url: str) -> dict[str, str]:
    """Open a form page and return its hidden tokens."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return form_tokens(response.text)


def submit_report(
    client,
    category: str = "drugs",
    lang: str = "en",
    *,
    tokens=None,
    files=None,
    headers=None,
    **fields,
):
    """Fill in and send a report form as a browser would (multipart, with its tokens)."""
    tokens = tokens or get_form(client, f"/{lang}/report/{category}")
    data = {**tokens, **fields}
    if files:
        data["images"] = files
    return client.post(
        f"/{lang}/report/{category}",
        data=data,
        headers=headers or {},
        content_type="multipart/form-data",
    )


RECEIPT = re.compile(r'id="receipt-code">([^<]*)<')


def receipt_from(client, lang: str = "en") -> str:
    """The receipt code shown on the done page."""
    page = client.get(f"/{lang}/report/done")
    match = RECEIPT.search(page.text)
    assert match, "no receipt code on the done page"
    return match.group(1)


def wait_for(condition, timeout: float, what: str) -> None:
    """Poll `condition` until it is true; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_worker(env: dict[str, str], log: Path | None = None) -> subprocess.Popen:
    """A real `flask triage worker` in a process group of its own; its output goes to `log`."""
    output = log.open("wb") if log else subprocess.DEVNULL
    try:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "flask", "--app", "portal", "triage", "worker"],
            cwd=ROOT,
            env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    finally:
        if log:
            output.close()


def stop_process_groups(processes: list[subprocess.Popen]) -> None:
    """SIGTERM each process group still running, then SIGKILL any that take over 30 s."""
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def database_bytes(app, backend) -> bytes:
    """Everything the database holds, as an attacker with its files (SQLite: the database and
    its WAL) or a dump (PostgreSQL) would see it."""
    from portal.extensions import db

    url = backend["DATABASE_URL"]
    if url.startswith("sqlite"):
        with app.app_context():
            db.session.remove()  # no transaction of this test left open
        path = Path(url.removeprefix("sqlite:///"))
        files = [str(p) for p in (path, Path(f"{path}-wal")) if p.exists()]
        # Read by another process: closing a descriptor of a SQLite file in this one would
        # drop the locks every connection of this process holds on it, and a worker process
        # writing next to such a connection later corrupted the database.
        return subprocess.run(["cat", *files], check=True, capture_output=True).stdout
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    return subprocess.run(
        ["pg_dump", "--no-owner", plain], check=True, capture_output=True, timeout=120
    ).stdout

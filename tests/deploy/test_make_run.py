"""`make run`, as a new user runs it: web, worker, embedded Redis and demo data come up
on their own, with no warning to puzzle over, and the worker triages every demo tip."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import sqlite3
import subprocess
import sys
import urllib.parse
import urllib.request

import pytest

from portal.demo import DEMO_TIPS
from portal.tips.receipts import submission_key
from tests.helpers import ROOT, form_tokens, free_port, stop_process_groups, wait_for

pytestmark = pytest.mark.slow
# The settings a deployment sets; a new user has none of them.
SETTINGS = {"WASPADA_ENV", "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "RECEIPT_SALT", "UPLOAD_DIR"}


def _healthz(port: int) -> dict | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
            return json.load(answer)
    except OSError:
        return None


def test_make_run_serves_the_demo_and_triages_it(tmp_path):
    port = free_port()
    instance = tmp_path / "instance"
    env = {key: value for key, value in os.environ.items() if key not in SETTINGS}
    env |= {"WASPADA_INSTANCE": str(instance), "PORT": str(port)}
    log_path = tmp_path / "make-run.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own Makefile
            ["make", "--no-print-directory", "run"],  # noqa: S607
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    database = instance / "waspada.sqlite3"

    def states() -> list[str]:
        with sqlite3.connect(database) as conn:
            return [row[0] for row in conn.execute("SELECT triage_state FROM tips")]

    try:
        wait_for(lambda: _healthz(port) is not None, 300, "the portal to answer /healthz")
        wait_for(lambda: states() == ["done"] * len(DEMO_TIPS), 60, "every demo tip triaged")
        assert _healthz(port) == {"database": "ok", "queue_depth": 0, "redis": "ok"}
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/id/", timeout=5) as home:
            assert home.status == 200
        # The staff side, as the printed instructions say: each demo account signs in and
        # sees only its organisation's tips.
        accounts = dict(re.findall(r"^  (demo-[a-z]+) +password (\S+)", log_path.read_text(), re.M))
        assert set(accounts) == {"demo-coordinator", "demo-bnn", "demo-embassy"}, accounts
        seen = {user: _queue_as(port, env, user, password) for user, password in accounts.items()}
    finally:
        stop_process_groups([process])
        output = log_path.read_text(encoding="utf-8")
        print(output)  # shown by pytest when the test fails
    # One receipt code per demo tip, printed for the new user to try.
    assert len(re.findall(r"receipt \w{4} \w{4} \w{4} \w{4}\b", output)) == len(DEMO_TIPS), output
    assert "Traceback" not in output
    assert "demo code" in output
    with sqlite3.connect(database) as conn:
        ids = dict(conn.execute("SELECT submission_key, id FROM tips").fetchall())
    drugs, vietnamese_offer = (
        ids[submission_key(token)] for token, _tip in DEMO_TIPS[:2]
    )
    assert seen["demo-coordinator"] == set(ids.values())
    assert seen["demo-bnn"] == {drugs}
    assert seen["demo-embassy"] == {vietnamese_offer}
    # Werkzeug's own "development server" notice is the only warning a new user sees.
    warnings = [line for line in output.splitlines() if "WARNING" in line]
    assert [line for line in warnings if "development server" not in line] == []


def _queue_as(port: int, env: dict[str, str], username: str, password: str) -> set[int]:
    """Sign in through the real forms with the printed password and `flask demo code`;
    return the tip ids on the queue (every status)."""
    base = f"http://127.0.0.1:{port}"
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )

    def post(path: str, page: str, **fields: str) -> str:
        data = urllib.parse.urlencode({"csrf_token": form_tokens(page)["csrf_token"], **fields})
        with opener.open(f"{base}{path}", data=data.encode(), timeout=10) as answer:
            return answer.read().decode()

    with opener.open(f"{base}/staff/login", timeout=10) as answer:
        page = post("/staff/login", answer.read().decode(), username=username, password=password)
    code = subprocess.run(  # noqa: S603 - the command the instructions print
        [sys.executable, "-m", "flask", "--app", "portal", "demo", "code", username],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    ).stdout.strip()
    post("/staff/login/code", page, code=code)
    with opener.open(f"{base}/staff/queue?status=", timeout=10) as answer:
        return {int(n) for n in re.findall(r'href="/staff/tips/(\d+)"', answer.read().decode())}

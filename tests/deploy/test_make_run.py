"""`make run`, as a new user runs it: web, worker, embedded Redis and demo data come up
on their own, with no warning to puzzle over, and the worker triages every demo tip."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import urllib.request

import pytest

from portal.demo import DEMO_TIPS
from tests.helpers import ROOT, free_port, stop_process_groups, wait_for

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
    finally:
        stop_process_groups([process])
        output = log_path.read_text(encoding="utf-8")
        print(output)  # shown by pytest when the test fails
    # One receipt code per demo tip, printed for the new user to try.
    assert len(re.findall(r"receipt \w{4} \w{4} \w{4} \w{4}\b", output)) == len(DEMO_TIPS), output
    assert "Traceback" not in output
    # Werkzeug's own "development server" notice is the only warning a new user sees.
    warnings = [line for line in output.splitlines() if "WARNING" in line]
    assert [line for line in warnings if "development server" not in line] == []

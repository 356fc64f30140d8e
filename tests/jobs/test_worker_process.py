"""A worker SIGKILLed mid-job: after a restart the tip is triaged exactly once."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from rq.job import Job

from portal.extensions import db
from portal.jobs import store
from portal.jobs.queue import job_id_for
from portal.models import Tip, TriageState
from tests.conftest import make_env
from tests.helpers import submit_report, wait_for

pytestmark = pytest.mark.slow
HERE = Path(__file__).resolve().parent


def test_worker_killed_mid_job_leads_to_exactly_one_triage(
    app_factory, backend, redis_client, tmp_path
):
    extra = {"TRIAGE_STALE_AFTER": "2", "TRIAGE_SWEEP_INTERVAL": "1"}
    app = app_factory(**extra)
    client = app.test_client()
    assert (
        submit_report(
            client, "drugs", country="ID", description="Jual sabu WA 0812-3456-7890 t.me/toko_gelap"
        ).status_code
        == 303
    )
    with app.app_context():
        tip_id = db.session.scalar(db.select(Tip.id))
    env = {**os.environ, **make_env(backend, **extra), "PYTHONPATH": str(HERE.parent.parent)}
    instance = str(tmp_path / "instance")

    slow = subprocess.Popen(
        [sys.executable, str(HERE / "slow_worker.py"), instance],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        text=True,
    )
    try:
        assert slow.stdout.readline().strip() == "STALLED"
        # RQ puts the work horse in a session of its own: kill the worker and the horse.
        horses = psutil.Process(slow.pid).children(recursive=True)
        assert horses, "the job should be running in a forked work horse"
        for process in [psutil.Process(slow.pid), *horses]:
            process.kill()
        slow.wait(timeout=10)
        psutil.wait_procs(horses, timeout=10)
    finally:
        if slow.poll() is None:
            os.killpg(slow.pid, signal.SIGKILL)

    with app.app_context():
        assert db.session.get(Tip, tip_id).triage_state == TriageState.QUEUED
        assert store.tip_indicators(tip_id) == []  # the killed job's writes never landed
    job = Job.fetch(job_id_for(tip_id), connection=redis_client)
    assert job.get_status() == "started"  # RQ still believes it is running

    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "portal", "triage", "worker"],
        env={**env, "WASPADA_INSTANCE": instance},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:

        def triaged() -> bool:
            with app.app_context():
                db.session.expire_all()
                return db.session.get(Tip, tip_id).triage_state == TriageState.DONE

        wait_for(triaged, 60, "the restarted worker to triage the tip")
        time.sleep(2)  # give a duplicate run, if there were one, time to show
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)

    with app.app_context():
        tip = db.session.get(Tip, tip_id)
        assert tip.triage_state == TriageState.DONE
        assert tip.triage_attempts == 1
        found = store.tip_indicators(tip_id)
        assert ("phone", "+6281234567890") in found
        assert len(found) == len(set(found))

"""A worker SIGKILLed mid-job: after a restart the tip is triaged exactly once. A worker
asked to stop as Redis stops too: it exits."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from rq import Worker
from rq.exceptions import StopRequested
from rq.job import Job

from portal import redis_server
from portal.extensions import db
from portal.jobs import store
from portal.jobs import worker as worker_module
from portal.jobs.queue import get_queue, job_id_for
from portal.models import Tip, TriageState
from tests.conftest import make_env
from tests.helpers import start_worker, submit_report, wait_for

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

    worker = start_worker({**env, "WASPADA_INSTANCE": instance})
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


def test_worker_stops_when_redis_stops_with_it(app_factory, backend, tmp_path):
    """Both stopped at once (Ctrl+C on `make run`, a host shutting down): the worker exits
    instead of waiting for a Redis that is not coming back."""
    app_factory()  # the schema
    redis_dir = tmp_path / "redis"
    redis_process = redis_server.start_embedded(redis_dir)
    url = redis_server.embedded_url(redis_dir)
    env = {**make_env(backend), "REDIS_URL": url, "WASPADA_INSTANCE": str(tmp_path / "instance")}
    log_path = tmp_path / "worker.log"
    worker = start_worker(env, log_path)
    try:
        connection = redis_server.connect(url)
        wait_for(lambda: Worker.all(connection=connection), 60, "the worker to register")
        worker.send_signal(signal.SIGTERM)
        redis_process.terminate()
        redis_process.wait(timeout=10)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        if redis_process.poll() is None:
            redis_process.kill()
        print(log_path.read_text(encoding="utf-8"))  # shown by pytest when the test fails


def test_a_stop_asked_for_during_the_sweep_is_kept(app, redis_client, monkeypatch):
    """RQ's signal handler raises StopRequested wherever the worker is; in the sweep it
    must reach RQ, not be logged as a failed sweep (the worker then never stopped)."""

    def signalled_mid_sweep() -> int:
        raise StopRequested

    monkeypatch.setattr(worker_module, "sweep", signalled_mid_sweep)
    monkeypatch.setattr(worker_module, "recover", signalled_mid_sweep)  # the first pass
    worker = worker_module.TriageWorker([get_queue(app)], connection=redis_client)
    with app.app_context(), pytest.raises(StopRequested):
        worker.run_maintenance_tasks()


def test_the_command_listener_has_let_go_when_the_worker_unsubscribes(app, redis_client):
    """RQ's listener reads for 60 s at a time and stopping waits 1 s for it: ours reads for
    under a second, so it is gone when the worker moves on (it could hold a stop for a
    minute)."""
    worker = worker_module.TriageWorker([get_queue(app)], connection=redis_client)
    worker.subscribe()
    time.sleep(0.2)  # the listener is now blocked in a read
    started = time.monotonic()
    worker.unsubscribe()
    assert not worker.pubsub_thread.is_alive()
    assert time.monotonic() - started < 1.5


def test_an_idle_worker_stops_within_five_seconds_of_sigterm(app_factory, backend, tmp_path):
    app_factory()  # the schema
    env = {**make_env(backend), "WASPADA_INSTANCE": str(tmp_path / "instance")}
    log_path = tmp_path / "worker.log"
    worker = start_worker(env, log_path)
    try:
        connection = redis_server.connect(env["REDIS_URL"])
        wait_for(lambda: Worker.all(connection=connection), 60, "the worker to register")
        time.sleep(1.5)  # idle: blocked on the queue, its listener blocked in a read
        started = time.monotonic()
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
        assert time.monotonic() - started < 5, log_path.read_text(encoding="utf-8")
        assert worker.returncode == 0
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)

"""Redis going away and coming back empty, again and again: every tip is triaged exactly
once within 30 s of its return, without waiting for the periodic sweep. A job orphaned by
a worker killed as it took it is found as soon as Redis is back. A worker killed in the
middle of a batch loses no tip and triages none twice."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pytest
from rq import Worker
from sqlalchemy import func

from portal import redis_server
from portal.extensions import db
from portal.jobs import store
from portal.jobs.queue import get_queue, job_id_for
from portal.models import Tip, TipIndicator, TriageState
from tests.conftest import make_env
from tests.helpers import start_worker, stop_process_groups, submit_report, wait_for
from tests.test_faults import _states

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
RECOVERY_SECONDS = 30


def _attempts() -> Counter:
    db.session.expire_all()
    return Counter(db.session.scalars(db.select(Tip.triage_attempts)).all())


class PrivateRedis:
    """An embedded Redis of our own (short path: socket length limit)."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="wsp-rec-"))
        self.url = redis_server.embedded_url(self.dir)
        self.process = redis_server.start_embedded(self.dir)

    def stop(self, *, keep_data: bool = False) -> None:
        if keep_data:
            redis_server.connect(self.url).save()  # restarted, it loads what it had
        else:
            (self.dir / "dump.rdb").unlink(missing_ok=True)
        self.process.terminate()
        self.process.wait(timeout=10)

    def start(self) -> None:
        self.process = redis_server.start_embedded(self.dir)

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def private_redis():
    redis = PrivateRedis()
    yield redis
    redis.close()


def _logs(tmp_path: Path) -> str:
    return "\n".join(
        f"--- {log.name}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-30:])
        for log in sorted(tmp_path.glob("*.log"))
    )


def test_redis_restarted_empty_ten_times_every_tip_triaged_within_30_s(
    app_factory, backend, private_redis, tmp_path
):
    # The periodic sweep is left at its default (a minute): recovery must not wait for it.
    extra = {"REDIS_URL": private_redis.url}
    app = app_factory(**extra)
    env = {**make_env(backend, **extra), "WASPADA_INSTANCE": str(app.instance_path)}
    workers = [start_worker(env, tmp_path / f"worker-{n}.log") for n in range(2)]
    client = app.test_client()
    try:
        connection = redis_server.connect(private_redis.url)
        wait_for(lambda: len(Worker.all(connection=connection)) == 2, 60, "two workers")
        total, waits = 0, []
        for repetition in range(10):
            for number in range(60):
                if number == 20:
                    private_redis.stop()
                if number == 40:
                    private_redis.start()  # empty: every job it held is gone
                    back_at = time.monotonic()
                response = submit_report(
                    client,
                    "job-offer",
                    description=f"Recovery {repetition}/{number}: kerja di Bavet",
                )
                assert response.status_code == 303
            total += 60
            with app.app_context():
                try:
                    wait_for(
                        lambda total=total: _states()[TriageState.DONE] == total,
                        RECOVERY_SECONDS - (time.monotonic() - back_at),
                        f"repetition {repetition}: every tip triaged within 30 s of Redis returning",
                    )
                except AssertionError as error:
                    raise AssertionError(f"{error}: {dict(_states())}\n{_logs(tmp_path)}") from None
            waits.append(round(time.monotonic() - back_at, 1))
        time.sleep(2)  # a duplicate run, if there were one, would show now
        with app.app_context():
            assert _attempts() == {1: total}, _attempts()
        print("seconds from Redis's return to the last tip triaged:", waits)
        assert all(worker.poll() is None for worker in workers), "a worker died"
    finally:
        stop_process_groups(workers)


def _dying_worker(env: dict[str, str], instance: str, where: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(HERE / "jobs" / "dying_worker.py"), instance, where],
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        text=True,
    )


def test_a_job_orphaned_by_a_worker_killed_as_it_took_it_is_triaged_once_redis_is_back(
    app_factory, backend, private_redis, tmp_path
):
    extra = {"REDIS_URL": private_redis.url}
    app = app_factory(**extra)
    env = {**make_env(backend, **extra), "WASPADA_INSTANCE": str(app.instance_path)}
    client = app.test_client()
    assert (
        submit_report(client, "drugs", description="Jual sabu WA 0812-3456-7890").status_code == 303
    )
    with app.app_context():
        tip_id = db.session.scalar(db.select(Tip.id))
        queue = get_queue(app)
        connection = queue.connection

    dying = _dying_worker(env, str(app.instance_path), "take")
    try:
        assert dying.stdout.readline().split() == ["TAKEN", job_id_for(tip_id)]
        dying.wait(timeout=30)
    finally:
        if dying.poll() is None:
            os.killpg(dying.pid, signal.SIGKILL)
    # The job is nowhere a worker looks: out of the queue, in RQ's intermediate list.
    assert connection.llen(queue.key) == 0
    assert job_id_for(tip_id).encode() in connection.lrange(f"{queue.key}:intermediate", 0, -1)

    private_redis.stop(keep_data=True)
    worker = start_worker(env, tmp_path / "worker.log")  # waits for Redis
    try:
        time.sleep(2)
        private_redis.start()  # with the orphaned job as it was
        back_at = time.monotonic()
        with app.app_context():

            def triaged() -> bool:
                db.session.expire_all()
                return db.session.get(Tip, tip_id).triage_state == TriageState.DONE

            try:
                wait_for(triaged, RECOVERY_SECONDS, "the orphaned tip triaged within 30 s")
            except AssertionError as error:
                raise AssertionError(f"{error}\n{_logs(tmp_path)}") from None
            print(f"triaged {time.monotonic() - back_at:.1f} s after Redis returned")
            time.sleep(2)
            assert db.session.get(Tip, tip_id).triage_attempts == 1
    finally:
        stop_process_groups([worker])


def test_a_worker_killed_mid_batch_loses_no_tip_and_triages_none_twice(
    app_factory, backend, redis_client, tmp_path
):
    extra = {"TRIAGE_BATCH": "5", "TRIAGE_STALE_AFTER": "2", "TRIAGE_SWEEP_INTERVAL": "1"}
    app = app_factory(**extra)
    client = app.test_client()
    for number in range(12):
        description = f"Jual sabu WA 0812-3456-{7100 + number % 3} t.me/toko_{number % 4}"
        assert (
            submit_report(client, "drugs", country="ID", description=description).status_code == 303
        )
    env = {**make_env(backend, **extra)}
    instance = str(tmp_path / "instance")

    dying = _dying_worker(env, instance, "batch")
    try:
        assert dying.stdout.readline().split() == ["STALLED", "5"]
        os.killpg(dying.pid, signal.SIGKILL)
        dying.wait(timeout=10)
    finally:
        if dying.poll() is None:
            os.killpg(dying.pid, signal.SIGKILL)
    with app.app_context():
        assert _states()[TriageState.DONE] == 0
        assert (
            db.session.scalar(db.select(func.count()).select_from(TipIndicator)) == 0
        )  # rolled back

    worker = start_worker({**env, "WASPADA_INSTANCE": instance}, tmp_path / "worker.log")
    try:
        with app.app_context():
            wait_for(lambda: _states()[TriageState.DONE] == 12, 60, "all 12 triaged")
            time.sleep(2)
            assert _attempts() == {1: 12}
            edges = [
                tuple(row)
                for row in db.session.execute(
                    db.select(TipIndicator.tip_id, TipIndicator.indicator_id)
                )
            ]
            assert len(edges) == len(set(edges))
            ids = list(db.session.scalars(db.select(Tip.id).order_by(Tip.id)))
            # Every tip shares a phone number with others: one cluster, as if never killed.
            assert len({db.session.get(Tip, i).cluster_id for i in ids}) == 1
            assert ("phone", "+6281234567100") in store.tip_indicators(ids[0])
    finally:
        stop_process_groups([worker])

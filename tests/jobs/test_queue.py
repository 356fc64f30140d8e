import json
import threading
import time

from rq import Queue

from portal.extensions import db
from portal.jobs.queue import enqueue_triage_after_commit, job_id_for
from portal.jobs.sweeper import sweep
from portal.jobs.triage import triage_tip
from portal.jobs.worker import TriageWorker
from portal.models import Tip, TriageState
from tests.helpers import submit_report


def states(app) -> dict[int, str]:
    with app.app_context():
        return dict(db.session.execute(db.select(Tip.id, Tip.triage_state)).all())


def test_job_id_is_derived_from_the_tip_and_a_tip_is_never_queued_twice(app, client, redis_client):
    submit_report(client, "drugs", description="jual sabu")
    [tip_id] = states(app)
    with app.test_request_context():
        enqueue_triage_after_commit([tip_id])
        enqueue_triage_after_commit([tip_id])
    queue = Queue("triage", connection=redis_client)
    assert queue.job_ids == [job_id_for(tip_id)]


def test_processes_queuing_one_tip_at_once_push_its_job_once(
    app, client, redis_client, monkeypatch
):
    """The web process and a sweep may look for a tip's job at the same moment; each finds
    none, and without a claim each pushed the job id, so the job ran twice."""
    submit_report(client, "drugs", description="jual sabu")
    [tip_id] = states(app)
    queue = Queue("triage", connection=redis_client)
    queue.empty()
    with app.app_context():
        db.session.execute(db.update(Tip).values(triage_state=TriageState.PENDING))
        db.session.commit()
    slow_enqueue = Queue.enqueue

    def enqueue_slowly(self, *args, **kwargs):
        time.sleep(0.3)  # every thread has looked for the job before the first one pushes
        return slow_enqueue(self, *args, **kwargs)

    monkeypatch.setattr(Queue, "enqueue", enqueue_slowly)
    start = threading.Barrier(4)

    def queue_it() -> None:
        with app.test_request_context():
            start.wait()
            enqueue_triage_after_commit([tip_id])

    threads = [threading.Thread(target=queue_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert queue.job_ids == [job_id_for(tip_id)]


def test_jobs_carry_the_tip_id_only(app, client, redis_client):
    submit_report(client, "drugs", description="very private words", contact="me@example.org")
    [tip_id] = states(app)
    job = Queue("triage", connection=redis_client).fetch_job(job_id_for(tip_id))
    assert job.args == (tip_id,)
    dumped = b"".join(v for v in redis_client.hgetall(f"rq:job:{job.id}").values())
    assert b"very private words" not in dumped and b"me@example.org" not in dumped


def test_tips_stored_while_redis_was_down_are_swept_into_the_queue(
    app_factory, backend, redis_client
):
    down = app_factory(REDIS_URL="redis://127.0.0.1:1/0")
    client = down.test_client()
    for n in range(3):
        assert submit_report(client, "other", description=f"tip {n}").status_code == 303
    assert set(states(down).values()) == {TriageState.PENDING}

    up = app_factory()
    with up.app_context():
        assert sweep() == 3
        assert sweep() == 0  # nothing left to do, nothing queued twice
    assert set(states(up).values()) == {TriageState.QUEUED}
    assert Queue("triage", connection=redis_client).count == 3


def test_burst_worker_triages_every_tip_once(app, client):
    for n in range(3):
        submit_report(client, "drugs", description=f"tip {n}")
    result = app.test_cli_runner().invoke(args=["triage", "worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert set(states(app).values()) == {TriageState.DONE}
    with app.app_context():
        attempts = db.session.scalars(db.select(Tip.triage_attempts)).all()
    assert attempts == [1, 1, 1]


def test_triage_job_is_idempotent(app, client):
    submit_report(client, "drugs", description="x")
    [tip_id] = states(app)
    with app.app_context():
        assert triage_tip(tip_id) == "done"
        assert triage_tip(tip_id) == "already done"
        assert triage_tip(999_999) == "missing"
        assert db.session.get(Tip, tip_id).triage_attempts == 1


def test_worker_maintenance_runs_the_sweep(app_factory, redis_client):
    down = app_factory(REDIS_URL="redis://127.0.0.1:1/0")
    submit_report(down.test_client(), "other", description="stored while Redis was down")
    up = app_factory()
    with up.app_context():
        worker = TriageWorker([Queue("triage", connection=redis_client)], connection=redis_client)
        worker.run_maintenance_tasks()
    assert set(states(up).values()) == {TriageState.QUEUED}


def test_stale_queued_tips_are_queued_again(app, client, redis_client):
    submit_report(client, "other", description="lost job")
    redis_client.flushdb()  # Redis lost its data (restart without persistence)
    with app.app_context():
        from datetime import timedelta

        tip = db.session.scalar(db.select(Tip))
        tip.triage_state_changed_at = tip.triage_state_changed_at - timedelta(hours=1)
        db.session.commit()
        assert sweep() == 1
    assert Queue("triage", connection=redis_client).count == 1


def test_triage_status_prints_one_json_object(app, client):
    submit_report(client, "other", description="x")
    result = app.test_cli_runner().invoke(args=["triage", "status"])
    assert result.exit_code == 0
    assert json.loads(result.output) == {"pending": 0, "queued": 1, "done": 0, "failed": 0}


def test_sweep_command_reports_what_it_queued(app_factory):
    down = app_factory(REDIS_URL="redis://127.0.0.1:1/0")
    submit_report(down.test_client(), "other", description="x")
    up = app_factory()
    result = up.test_cli_runner().invoke(args=["triage", "sweep"])
    assert result.output.strip() == "queued 1 tip(s)"


def test_a_job_that_vanishes_while_it_is_replaced_does_not_fail_the_report(
    app, client, redis_client, monkeypatch
):
    """Seen in the Redis-restart test: the stale job's hash went away between the fetch and
    its clean-up, RQ raised InvalidJobOperation, and the reporter got a 500. Now the fresh job
    simply goes in."""
    from rq.exceptions import InvalidJobOperation
    from rq.job import Job

    submit_report(client, "drugs", description="Jual sabu WA 0812 3456 7001")
    with app.app_context():
        tip_id = db.session.scalar(db.select(Tip.id))
        db.session.execute(db.update(Tip).values(triage_state=TriageState.PENDING))
        db.session.commit()
    Job.fetch(job_id_for(tip_id), connection=redis_client).set_status("failed")

    def vanished(self, *args, **kwargs):
        raise InvalidJobOperation(f"Failed to retrieve status for job: {self.id}")

    monkeypatch.setattr(Job, "delete", vanished)
    with app.app_context():
        assert enqueue_triage_after_commit([tip_id]) == [tip_id]
    assert job_id_for(tip_id).encode() in redis_client.lrange(Queue("triage", connection=redis_client).key, 0, -1)

"""The worker forks a work horse per job: the horse must never use the parent's connection."""

import os

from rq import Queue
from sqlalchemy import event, text

from portal.extensions import db
from portal.jobs.worker import TriageWorker
from tests.jobs.probe_jobs import connection_owner


def _tag_connections_with_their_process() -> None:
    @event.listens_for(db.engine, "connect")
    def remember_opener(dbapi_connection, record) -> None:
        record.info["opened_by"] = os.getpid()


def run_one_job(app, redis_client, *, parent_holds_a_connection: bool) -> tuple[int, int | None]:
    with app.app_context():
        _tag_connections_with_their_process()
        db.engine.dispose()  # every connection from now on is tagged
        if parent_holds_a_connection:
            # What a sweep that found nothing leaves behind: a read, and no commit.
            db.session.execute(text("SELECT 1"))
        queue = Queue("triage", connection=redis_client)
        job = queue.enqueue(connection_owner)
        worker = TriageWorker([queue], connection=redis_client)
        assert worker.work(burst=True)
        result = job.latest_result()
        assert result is not None and result.type == result.Type.SUCCESSFUL, result
        return tuple(result.return_value)


def test_horse_opens_its_own_connection_when_the_parent_holds_one(app, redis_client):
    horse, opener = run_one_job(app, redis_client, parent_holds_a_connection=True)
    assert horse != os.getpid()
    assert opener == horse


def test_horse_opens_its_own_connection_after_a_sweep_that_found_nothing(app, redis_client):
    # The worker's own maintenance (the sweep) runs first in burst mode.
    horse, opener = run_one_job(app, redis_client, parent_holds_a_connection=False)
    assert opener == horse

from rq import Queue, SimpleWorker

from portal.extensions import db
from portal.jobs import queue as queue_module
from portal.jobs import triage
from portal.models import Tip, TriageState
from tests.helpers import submit_report


def boom(tip):
    raise RuntimeError("lexicon file unreadable")


def test_a_failing_job_is_retried_then_leaves_the_tip_failed_with_the_error(
    app, client, redis_client, monkeypatch
):
    monkeypatch.setattr(queue_module, "RETRY_INTERVALS", [0])  # one immediate retry
    monkeypatch.setattr(triage, "_run_pipeline", boom)
    submit_report(client, "drugs", description="x")
    with app.app_context():
        worker = SimpleWorker([Queue("triage", connection=redis_client)], connection=redis_client)
        worker.work(burst=True)
        tip = db.session.scalar(db.select(Tip))
        assert tip.triage_state == TriageState.FAILED
        # The kind of error only: a message may quote tip text (security review, finding 11).
        assert tip.triage_error == "RuntimeError"
        assert tip.triage_attempts == 2  # the first try and one retry
        assert tip.description == "x"  # the tip itself is untouched


def test_a_failed_attempt_with_retries_left_keeps_the_tip_queued(
    app, client, redis_client, monkeypatch
):
    monkeypatch.setattr(triage, "_run_pipeline", boom)
    submit_report(client, "drugs", description="x")
    with app.app_context():
        worker = SimpleWorker([Queue("triage", connection=redis_client)], connection=redis_client)
        worker.work(burst=True)  # the retry is scheduled 10 s later, after this burst
        tip = db.session.scalar(db.select(Tip))
        assert tip.triage_state == TriageState.QUEUED
        assert tip.triage_error == "RuntimeError"

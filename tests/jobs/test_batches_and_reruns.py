"""Batches when many tips wait, hung jobs, versioned rules and `flask triage rerun`."""

from __future__ import annotations

import dataclasses
import time
from collections import Counter

import pytest
from rq import Queue

from portal.extensions import db
from portal.jobs import queue as queue_module
from portal.jobs import rerun as rerun_module
from portal.jobs import triage
from portal.jobs.queue import get_queue, job_id_for
from portal.jobs.worker import TriageWorker
from portal.models import AuditEvent, Tip, TriageMark, TriageRun, TriageState
from portal.triage.version import rules_version
from tests.helpers import submit_report
from tests.staff.helpers import staff_client

NEW_RULES = "feedc0ffee"


def _report(client, number: int, **fields) -> None:
    fields.setdefault("description", f"Jual sabu WA 0812-3456-{7000 + number} batch {number}")
    assert submit_report(client, "drugs", country="ID", **fields).status_code == 303


def _work(app, redis_client, **options) -> None:
    with app.app_context():
        worker = TriageWorker([Queue("triage", connection=redis_client)], connection=redis_client)
        worker.work(burst=True, **options)


def _tips(app) -> list[Tip]:
    with app.app_context():
        db.session.expire_all()
        tips = list(db.session.scalars(db.select(Tip).order_by(Tip.id)))
        marks = {m.tip_id: m for m in db.session.scalars(db.select(TriageMark))}
        db.session.expunge_all()
        for tip in tips:  # what the tests read of a tip's mark, as plain attributes
            mark = marks.get(tip.id)
            tip.rules_version = mark.rules_version if mark else None
            tip.times_scored = mark.times_scored if mark else 0
            tip.rerun_id = mark.rerun_id if mark else None
        return tips


def test_a_worker_takes_waiting_tips_in_batches(app_factory, redis_client, monkeypatch):
    app = app_factory(TRIAGE_BATCH="10")
    client = app.test_client()
    for number in range(25):
        _report(client, number)
    batches = []
    real = triage._triage_batch

    def counting(tip_id, take):
        outcome, others = real(tip_id, take)
        batches.append(1 + len(others))
        return outcome, others

    monkeypatch.setattr(triage, "_triage_batch", counting)
    _work(app, redis_client)
    tips = _tips(app)
    assert [t.triage_state for t in tips] == [TriageState.DONE] * 25
    assert Counter(t.triage_attempts for t in tips) == {1: 25}
    assert batches == [10, 10, 5]  # three jobs ran; the other 22 were taken off the queue
    with app.app_context():
        assert get_queue().count == 0
        assert not redis_client.exists(f"rq:job:{job_id_for(tips[1].id)}")
        assert {t.rules_version for t in tips} == {rules_version()}


def test_a_tip_whose_pipeline_fails_is_left_to_its_own_job(app_factory, redis_client, monkeypatch):
    monkeypatch.setattr(queue_module, "RETRY_INTERVALS", [0])  # one immediate retry
    app = app_factory(TRIAGE_BATCH="10")
    client = app.test_client()
    for number in range(4):
        _report(client, number)
    poisoned = _tips(app)[2].id
    real = triage._run_pipeline

    def poison(view):
        if view.id == poisoned:
            raise RuntimeError("bad tip")
        return real(view)

    monkeypatch.setattr(triage, "_run_pipeline", poison)
    _work(app, redis_client)
    states = {t.id: (t.triage_state, t.triage_attempts, t.triage_error) for t in _tips(app)}
    assert states.pop(poisoned) == (TriageState.FAILED, 2, "RuntimeError")  # its own job, retried
    assert set(states.values()) == {(TriageState.DONE, 1, "")}


def test_a_hung_job_is_stopped_by_its_timeout_and_retried(app_factory, redis_client, monkeypatch):
    monkeypatch.setattr(queue_module, "RETRY_INTERVALS", [0])  # one immediate retry
    app = app_factory(TRIAGE_JOB_TIMEOUT="1")
    client = app.test_client()
    _report(client, 1)
    calls = []
    real = triage._run_pipeline

    def hangs_once(view):
        calls.append(view.id)
        if len(calls) == 1:
            time.sleep(30)  # stopped after 1 s by the job's death penalty
        return real(view)

    monkeypatch.setattr(triage, "_run_pipeline", hangs_once)
    started = time.monotonic()
    _work(app, redis_client)
    assert time.monotonic() - started < 25
    (tip,) = _tips(app)
    assert len(calls) == 2
    assert (tip.triage_state, tip.triage_attempts, tip.triage_error) == (TriageState.DONE, 2, "")


def test_a_worker_asks_to_be_replaced_after_its_share_of_jobs(app, client, redis_client):
    for number in range(3):
        _report(client, number)
    with app.app_context():
        worker = TriageWorker(
            [Queue("triage", connection=redis_client)], connection=redis_client, max_jobs=1
        )
        worker.work(burst=True)
        assert worker.recycle and worker.jobs_done == 1


def _new_rules(monkeypatch, bump: int = 7) -> None:
    """Rules that score every tip `bump` points higher, under a new version."""
    real = triage.score

    def higher(*args, **kwargs):
        result = real(*args, **kwargs)
        return dataclasses.replace(result, value=min(result.value + bump, 100))

    monkeypatch.setattr(triage, "score", higher)
    monkeypatch.setattr(triage, "rules_version", lambda: NEW_RULES)
    monkeypatch.setattr(rerun_module, "rules_version", lambda: NEW_RULES)


def _triaged(app, client, redis_client, count: int) -> list[Tip]:
    for number in range(count):
        _report(client, number)
    _work(app, redis_client)
    return _tips(app)


def test_rerun_scores_each_tip_again_once_and_the_history_shows_the_change(
    app, client, redis_client, monkeypatch
):
    before = {t.id: t.score for t in _triaged(app, client, redis_client, 5)}
    _new_rules(monkeypatch)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["triage", "rerun", "--no-wait", "--batch", "2"])
    assert result.exit_code == 0, result.output
    assert "starting run" in result.output and "5 tip(s)" in result.output
    assert "queued 3 job(s)" in result.output
    _work(app, redis_client)
    tips = _tips(app)
    assert {t.rules_version for t in tips} == {NEW_RULES}
    assert Counter((t.triage_attempts, t.times_scored) for t in tips) == {(1, 2): 5}
    assert all(t.score == min(before[t.id] + 7, 100) for t in tips)

    # Run again: the same run is found, nothing is left, and it closes with one audit line.
    result = runner.invoke(args=["triage", "rerun", "--batch", "2"])
    assert result.exit_code == 0, result.output
    assert "continuing run" in result.output and "5 scored, 5 with a new score" in result.output
    with app.app_context():
        (line,) = db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.action == "triage_rerun")
        )
        assert line.detail["total"] == line.detail["scored"] == line.detail["changed"] == 5
        assert line.detail["rules_version"] == NEW_RULES
        moved = list(
            db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "rescored"))
        )
        assert len(moved) == 5
        assert moved[0].detail["from"] == before[moved[0].tip_id]
        run = db.session.scalar(db.select(TriageRun))
        assert run.finished_at is not None

    tip = tips[0]
    staff = staff_client(app, "analyst")
    page = staff.get(f"/staff/tips/{tip.id}").get_data(as_text=True)
    assert f"Scored with rules version {NEW_RULES}." in page
    assert f"Scored again with rules version {NEW_RULES}: {before[tip.id]} → {tip.score}" in page


def test_an_interrupted_rerun_continues_and_scores_each_tip_exactly_once(
    app, client, redis_client, monkeypatch
):
    _triaged(app, client, redis_client, 6)
    _new_rules(monkeypatch)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["triage", "rerun", "--no-wait", "--batch", "2"]).exit_code == 0
    _work(app, redis_client, max_jobs=1)  # one batch done, then the machine went down …
    redis_client.flushdb()  # … and Redis with it, losing the other jobs
    result = runner.invoke(args=["triage", "rerun", "--no-wait", "--batch", "2"])
    assert "continuing run" in result.output and "2 already scored" in result.output
    assert "queued 2 job(s)" in result.output
    _work(app, redis_client)
    # Jobs queued twice score nothing twice.
    assert runner.invoke(args=["triage", "rerun", "--no-wait", "--batch", "2"]).exit_code == 0
    with app.app_context():
        tips = _tips(app)
        run = db.session.get(TriageRun, tips[0].rerun_id)
        from portal.jobs.rerun import enqueue

        assert enqueue(run) == 0
    assert Counter((t.triage_attempts, t.times_scored) for t in tips) == {(1, 2): 6}
    with app.app_context():
        run = db.session.scalar(db.select(TriageRun))
        assert (run.total, run.scored, run.changed) == (6, 6, 6)
        moved = Counter(
            db.session.scalars(db.select(AuditEvent.tip_id).where(AuditEvent.action == "rescored"))
        )
        assert set(moved.values()) == {1} and len(moved) == 6


def test_rerun_filters_and_rules_changed_only(app, client, redis_client, monkeypatch):
    for number in range(3):
        _report(client, number)
    assert (
        submit_report(client, "job-offer", country="ID", description="kerja di Bavet").status_code
        == 303
    )
    _work(app, redis_client)
    _new_rules(monkeypatch, bump=0)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["triage", "rerun", "--no-wait", "--category", "job-offer"])
    assert "1 tip(s)" in result.output
    _work(app, redis_client)
    assert runner.invoke(args=["triage", "rerun", "--category", "job-offer"]).exit_code == 0
    versions = Counter(t.rules_version for t in _tips(app))
    assert versions == {NEW_RULES: 1, rules_version(): 3}
    # Only the tips scored by other rules than today's: the three drug tips.
    result = runner.invoke(args=["triage", "rerun", "--no-wait", "--rules-changed-only"])
    assert "3 tip(s)" in result.output, result.output
    _work(app, redis_client)
    assert {t.rules_version for t in _tips(app)} == {NEW_RULES}
    with app.app_context():
        # Same score under new rules: no history line.
        assert not db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "rescored"))
    result = runner.invoke(args=["triage", "rerun", "--since", "2026-13-01"])
    assert result.exit_code == 2  # a bad date is refused by the option itself


@pytest.mark.parametrize("status", ["closed_spam"])
def test_rerun_by_status_leaves_other_tips_alone(app, client, redis_client, monkeypatch, status):
    tips = _triaged(app, client, redis_client, 3)
    with app.app_context():
        db.session.execute(db.update(Tip).where(Tip.id == tips[0].id).values(status=status))
        db.session.commit()
    _new_rules(monkeypatch)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["triage", "rerun", "--no-wait", "--status", status]).exit_code == 0
    _work(app, redis_client)
    assert [t.rules_version == NEW_RULES for t in _tips(app)] == [True, False, False]

"""The triage job: load a tip by id, run the pure pipeline, save. Safe to run twice."""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager, nullcontext

from flask import current_app, has_app_context
from rq import get_current_job

from portal.extensions import db
from portal.models import Tip, TriageState, utcnow

log = logging.getLogger(__name__)


def triage_tip(tip_id: int) -> str:
    """Triage one tip. Returns what happened, for the job's result."""
    with _app_context():
        tip = db.session.get(Tip, tip_id, with_for_update=True)
        if tip is None:
            return "missing"
        if tip.triage_state == TriageState.DONE:
            db.session.rollback()
            return "already done"
        tip.triage_attempts += 1
        try:
            _run_pipeline(tip)
        except Exception as error:
            db.session.rollback()
            _record_failure(tip_id, error)
            raise
        tip.triaged_at = utcnow()
        tip.set_triage_state(TriageState.DONE)
        db.session.commit()
        return "done"


def _run_pipeline(tip: Tip) -> None:
    """Filled in by the triage pipeline; for now the tip reaching the worker is the record."""
    log.info("tip %s reached the triage worker", tip.id)


def _record_failure(tip_id: int, error: Exception) -> None:
    """Keep the error for staff; the tip becomes `failed` only when no retry is left."""
    tip = db.session.get(Tip, tip_id)
    if tip is None:
        return
    job = get_current_job()
    retries_left = (job.retries_left or 0) if job is not None else 0
    state = TriageState.QUEUED if retries_left > 0 else TriageState.FAILED
    tip.triage_attempts += 1
    tip.set_triage_state(state, error=f"{type(error).__name__}: {error}"[:2000])
    db.session.commit()


def _app_context() -> AbstractContextManager[object]:
    """Use the worker's app context; outside our worker (plain `rq worker`), make one."""
    if has_app_context():
        return nullcontext(current_app)
    from portal import create_app

    return create_app().app_context()

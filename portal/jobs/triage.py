"""The triage job: load a tip by id, run the pure pipeline, save. Safe to run twice."""

from __future__ import annotations

import logging
from dataclasses import asdict
from contextlib import AbstractContextManager, nullcontext

from flask import current_app, has_app_context
from rq import get_current_job

from portal.extensions import db
from portal.jobs import store
from portal.models import PRIORITY_RANK, Tip, TriageState, utcnow
from portal.triage.indicators import extract
from portal.triage.routing import suggest_routes
from portal.triage.scoring import score

# Free-text answers that describe the subject of a tip (choices are codes, not text).
TEXT_ANSWERS = ("what_sold", "salary", "topic")

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
    """Extract indicators, score, link and route: pure functions, then one save."""
    text = triage_text(tip)
    found = extract(text, country=tip.country)
    ids = store.save_indicators(tip.id, ((i.kind, i.value) for i in found))
    store.link_clusters(tip, ids)
    result = score(tip.category, text, country=tip.country, lang=tip.lang)
    tip.score = result.value
    tip.priority = result.priority
    tip.priority_rank = PRIORITY_RANK.get(result.priority, PRIORITY_RANK["normal"])
    tip.urgent = bool(result.urgent or tip.in_danger)
    if tip.in_danger and tip.priority_rank > PRIORITY_RANK["urgent"]:
        # The reporter said someone is in danger now: that outranks any text rule.
        tip.priority, tip.priority_rank = "urgent", PRIORITY_RANK["urgent"]
    tip.score_reasons = [
        {"rule_id": r.rule_id, "weight": r.weight, "explanation": r.explanation}
        for r in result.reasons
    ]
    answers = tip.answers or {}
    routes = suggest_routes(
        tip.category,
        tip.country,
        destination=answers.get("destination") or None,
        indicator_kinds={i.kind for i in found},
        urgent=tip.urgent,
    )
    tip.routing = [asdict(route) for route in routes]


def triage_text(tip: Tip) -> str:
    """Everything the reporter told us about the subject, never their own contact details."""
    answers = tip.answers or {}
    parts = [tip.description, tip.link]
    parts += [str(v) for k, v in answers.items() if k in TEXT_ANSWERS and v]
    return "\n".join(part for part in parts if part)


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

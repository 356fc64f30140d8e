"""The triage job: load a tip by id, run the pure pipeline, save. Safe to run twice.

It works on plain rows (SQLAlchemy Core), not ORM objects: a forked work horse
then touches far less shared memory, which is most of the cost of a job.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Any

from flask import has_app_context
from rq import get_current_job
from sqlalchemy import select, update

from portal.categories import Category
from portal.directory.loader import current_services
from portal.extensions import db
from portal.jobs import store
from portal.models import PRIORITY_RANK, Tip, TriageState, queue_rank_for, utcnow
from portal.organisations import referrals
from portal.triage.indicators import extract, payment_countries
from portal.triage.routing import suggest_routes
from portal.triage.scoring import phone_region, score

# Free-text answers that describe the subject of a tip (choices are codes, not text).
TEXT_ANSWERS = ("what_sold", "salary", "topic")

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TipView:
    """What the pipeline reads of a tip."""

    id: int
    category: str
    lang: str
    country: str | None
    description: str
    link: str
    answers: dict[str, Any]
    in_danger: bool
    cluster_id: int | None


_COLUMNS = (
    Tip.id,
    Tip.category,
    Tip.lang,
    Tip.country,
    Tip.description,
    Tip.link,
    Tip.answers,
    Tip.in_danger,
    Tip.cluster_id,
)


def triage_tip(tip_id: int) -> str:
    """Triage one tip. Returns what happened, for the job's result."""
    _require_app_context()
    row = db.session.execute(
        select(*_COLUMNS, Tip.triage_state, Tip.triage_attempts)
        .where(Tip.id == tip_id)
        .with_for_update()
    ).one_or_none()
    if row is None:
        db.session.rollback()
        return "missing"
    *fields, state, attempts = row
    if state == TriageState.DONE:
        db.session.rollback()
        return "already done"
    try:
        view = TipView(*fields)
        results = _run_pipeline(view)
        save_results(tip_id, results, attempts + 1)
        # The organisations that see the tip keep its queue position; the coordinator's
        # standing rules refer it (each firing goes on the tip's history).
        referrals.sync_queue_rank(tip_id, results["queue_rank"])
        referrals.apply_rules(tip_id, view.category, view.country, results["score"])
        db.session.commit()
        return "done"
    except Exception as error:  # noqa: BLE001 - recorded by kind, then raised again
        db.session.rollback()
        reason = failure_reason(error)
    # RQ keeps the exception (failed-job registry, 7 days) and the worker logs it: an
    # error raised from tip text (a database error quoting a value, a pattern error
    # echoing its input) must reach neither. So only its kind travels on, raised after
    # the `except` block: nothing, not even a failure to record it, chains the original.
    _record_failure(tip_id, attempts + 1, reason)
    raise TriageFailed(reason)


def save_results(tip_id: int, results: dict[str, Any], attempts: int) -> None:
    """Write the pipeline's results and mark the tip done (the caller commits)."""
    now = utcnow()
    db.session.execute(
        update(Tip)
        .where(Tip.id == tip_id)
        .values(
            **results,
            triage_attempts=attempts,
            triaged_at=now,
            triage_state=TriageState.DONE,
            triage_error="",
            triage_state_changed_at=now,
        )
    )


def view_of(tip: Tip) -> TipView:
    """The pipeline's view of an ORM tip."""
    return TipView(*(getattr(tip, column.key) for column in _COLUMNS))


def _run_pipeline(tip: TipView) -> dict[str, Any]:
    """Extract indicators, score, link and route; return the tip's new column values."""
    text = triage_text(tip)
    # Read local phone numbers as scoring does: the tip's country, else its language's.
    found = extract(text, country=phone_region(tip.country, tip.lang))
    ids = store.save_indicators(tip.id, ((i.kind, i.value) for i in found))
    cluster_id = store.link_clusters(tip.id, tip.cluster_id, ids)
    result = score(tip.category, text, country=tip.country, lang=tip.lang, indicators=found)
    priority = result.priority
    if tip.in_danger:
        # The reporter said someone is in danger now: that outranks any text rule.
        priority = "urgent"
    urgent = bool(result.urgent or tip.in_danger)
    routes = suggest_routes(
        tip.category,
        tip.country,
        destination=(tip.answers or {}).get("destination") or None,
        indicator_kinds={i.kind for i in found},
        payment_countries=payment_countries(found),
        urgent=urgent,
        # Embassies come from the directory the help page shows (only job offers use them).
        services=current_services() if tip.category == Category.JOB_OFFER else (),
    )
    return {
        "score": result.value,
        "priority": priority,
        "priority_rank": PRIORITY_RANK.get(priority, PRIORITY_RANK["normal"]),
        "queue_rank": queue_rank_for(priority, result.value),
        "urgent": urgent,
        "score_reasons": [
            {"rule_id": r.rule_id, "weight": r.weight, "explanation": r.explanation}
            for r in result.reasons
        ],
        "routing": [asdict(route) for route in routes],
        "cluster_id": cluster_id,
    }


def triage_text(tip: TipView | Tip) -> str:
    """Everything the reporter told us about the subject, never their own contact details."""
    answers = tip.answers or {}
    parts = [tip.description, tip.link]
    parts += [str(v) for k, v in answers.items() if k in TEXT_ANSWERS and v]
    return "\n".join(part for part in parts if part)


class TriageFailed(RuntimeError):
    """A triage job failed; the message names the kind of error, never its content."""


def failure_reason(error: Exception) -> str:
    """What staff and logs may know of an error: its class and, for a database error, its
    SQLSTATE code (e.g. "IntegrityError 23505"); never its message, which may quote tip text."""
    reason = type(error).__name__
    sqlstate = getattr(getattr(error, "orig", None), "sqlstate", None)
    return f"{reason} {sqlstate}" if isinstance(sqlstate, str) else reason


def _record_failure(tip_id: int, attempts: int, reason: str) -> None:
    """Keep the error for staff; the tip becomes `failed` only when no retry is left."""
    job = get_current_job()
    retries_left = (job.retries_left or 0) if job is not None else 0
    state = TriageState.QUEUED if retries_left > 0 else TriageState.FAILED
    db.session.execute(
        update(Tip)
        .where(Tip.id == tip_id)
        .values(
            triage_attempts=attempts,
            triage_state=state,
            triage_error=reason[:2000],
            triage_state_changed_at=utcnow(),
        )
    )
    db.session.commit()


class NoAppContext(RuntimeError):
    """A triage job ran outside the portal's worker."""


def _require_app_context() -> None:
    """Jobs run in `flask --app portal triage worker`, which pushes the app context their
    database session needs. A bare `rq worker` has none: refuse plainly (RQ retries later)
    rather than build a second app from whatever environment that process has."""
    if not has_app_context():
        raise NoAppContext("run triage jobs with `flask --app portal triage worker`")

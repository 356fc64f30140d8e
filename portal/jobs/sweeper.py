"""Find tips whose triage never started or got lost, and queue them again."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, or_

from portal import metrics
from portal.config import current_settings
from portal.extensions import db
from portal.jobs.queue import enqueue_triage_after_commit, requeue_lost
from portal.models import Tip, TriageState, utcnow

BATCH = 500


def tips_needing_triage(now: datetime | None = None, limit: int = BATCH) -> list[int]:
    """Ids of tips that are pending, or queued for longer than the configured time."""
    settings = current_settings()
    stale_before = (now or utcnow()) - timedelta(seconds=settings.stale_after_seconds)
    query = (
        db.select(Tip.id)
        .where(
            or_(
                Tip.triage_state == TriageState.PENDING,
                (Tip.triage_state == TriageState.QUEUED)
                & (Tip.triage_state_changed_at < stale_before),
            )
        )
        .order_by(Tip.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def sweep(now: datetime | None = None) -> int:
    """Queue every tip that needs triage; return how many were queued."""
    total = 0
    while True:
        ids = tips_needing_triage(now)
        queued = enqueue_triage_after_commit(ids)
        total += len(queued)
        # Queued tips leave the selection, so a full batch means there may be more.
        if len(ids) < BATCH or len(queued) < len(ids):
            if total:
                metrics.requeued(total)
            return total


def recover() -> int:
    """After Redis came back (perhaps empty): queue every pending tip, and every queued tip
    whose job Redis lost or that no live worker holds. Walks all waiting tips, not only the
    stale ones, so none waits for the next sweep. Returns how many jobs were queued."""
    total, after = 0, 0
    while True:
        ids = list(
            db.session.scalars(
                db.select(Tip.id)
                .where(
                    Tip.triage_state.in_([TriageState.PENDING, TriageState.QUEUED]),
                    Tip.id > after,
                )
                .order_by(Tip.id)
                .limit(BATCH)
            )
        )
        db.session.rollback()  # no read left open while Redis is asked about each job
        if not ids:
            break
        total += requeue_lost(ids)
        after = ids[-1]
    if total:
        metrics.requeued(total)
    return total


def triage_counts() -> dict[str, int]:
    """Tip counts by triage state, every state present (zero if none)."""
    rows = db.session.execute(db.select(Tip.triage_state, func.count()).group_by(Tip.triage_state))
    counts = {state.value: 0 for state in TriageState}
    counts.update({state: count for state, count in rows})
    return counts

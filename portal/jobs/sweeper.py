"""Find tips whose triage never started or got lost, and queue them again."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, or_

from portal import metrics
from portal.config import current_settings
from portal.extensions import db
from portal.jobs.queue import enqueue_triage_after_commit
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


def triage_counts() -> dict[str, int]:
    """Tip counts by triage state, every state present (zero if none)."""
    rows = db.session.execute(db.select(Tip.triage_state, func.count()).group_by(Tip.triage_state))
    counts = {state.value: 0 for state in TriageState}
    counts.update({state: count for state, count in rows})
    return counts

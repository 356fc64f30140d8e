"""Deleting what the policy, or the reporter, says has expired."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, delete, exists, func, select

from portal.accounts.audit import audit
from portal.extensions import db
from portal.models import (
    Attachment,
    Indicator,
    LegalHold,
    Tip,
    TipIndicator,
    TipTombstone,
    utcnow,
)
from portal.retention.holds import active_hold
from portal.storage import current_storage

log = logging.getLogger(__name__)
_BATCH = 200


@dataclass
class RunResult:
    deleted: Counter[str] = field(default_factory=Counter)  # by reason: policy, withdrawn
    held: int = 0  # due, but under a legal hold
    files: int = 0


def _not_held() -> ColumnElement[bool]:
    return ~exists().where(LegalHold.tip_id == Tip.id, LegalHold.lifted_at.is_(None))


def due_ids(now: datetime, limit: int) -> list[int]:
    return list(
        db.session.scalars(
            select(Tip.id)
            .where(Tip.expires_at <= now, _not_held())
            .order_by(Tip.expires_at, Tip.id)
            .limit(limit)
        )
    )


def held_count(now: datetime) -> int:
    return db.session.scalar(select(func.count()).where(Tip.expires_at <= now, ~_not_held())) or 0


def run(now: datetime | None = None, *, dry_run: bool = False) -> RunResult:
    """Delete every tip due by `now` and not held, one transaction each (a crash leaves
    whole tips, deleted or not). `dry_run`: count only."""
    now = now or utcnow()
    result = RunResult(held=held_count(now))
    if dry_run:
        rows = db.session.execute(
            select(Tip.withdrawn_at.is_not(None), func.count())
            .where(Tip.expires_at <= now, _not_held())
            .group_by(Tip.withdrawn_at.is_not(None))
        ).all()
        for withdrawn, count in rows:
            result.deleted["withdrawn" if withdrawn else "policy"] += count
        db.session.rollback()
        return result
    while ids := due_ids(now, _BATCH):
        for tip_id in ids:
            reason, files = purge_tip(tip_id, now)
            if reason:
                result.deleted[reason] += 1
                result.files += files
    return result


def purge_tip(tip_id: int, now: datetime | None = None) -> tuple[str | None, int]:
    """Delete one due tip and all that hangs off it; returns (reason, files removed), or
    (None, 0) if it is no longer due (undone, held or gone meanwhile). Commits."""
    now = now or utcnow()
    tip = db.session.scalar(
        select(Tip).where(Tip.id == tip_id, Tip.expires_at <= now, _not_held()).with_for_update()
    )
    # Asked again once the row is locked, in a statement of its own: on PostgreSQL a hold
    # committed while the purge waited for the lock is seen now (the first statement's
    # snapshot was taken before it), and none can be added until the purge commits.
    if tip is None or active_hold(tip_id) is not None:
        db.session.rollback()
        return None, 0
    reason = "withdrawn" if tip.withdrawn_at is not None else "policy"
    files = list(
        db.session.scalars(select(Attachment.storage_key).where(Attachment.tip_id == tip_id))
    )
    indicator_ids = list(
        db.session.scalars(select(TipIndicator.indicator_id).where(TipIndicator.tip_id == tip_id))
    )
    # merge: on SQLite a deleted newest tip's id can be given to a later tip.
    db.session.merge(
        TipTombstone(
            tip_id=tip.id,
            category=tip.category,
            status=tip.status,
            created_at=tip.created_at,
            closed_at=tip.closed_at,
            deleted_at=now,
            reason=reason,
        )
    )
    audit(None, "delete_tip", tip.id, reason, reason=reason, files=len(files))
    # Everything hanging off the tip goes with its row (ON DELETE CASCADE): messages,
    # photos' rows, notes, blind-index words, identifier links, referrals, access, holds.
    db.session.execute(delete(Tip).where(Tip.id == tip_id))
    if indicator_ids:
        # Identifiers no other tip mentions go too (their sealed values and blind indexes).
        db.session.execute(
            delete(Indicator).where(
                Indicator.id.in_(indicator_ids),
                ~exists().where(TipIndicator.indicator_id == Indicator.id),
            )
        )
    db.session.commit()
    db.session.expunge_all()
    removed = 0
    storage = current_storage()
    for key in files:
        try:
            storage.delete(key)
            removed += 1
        except (OSError, ValueError) as error:
            log.warning("tip %d: a photo file not removed: %s", tip_id, type(error).__name__)
    _drop_jobs(tip_id)
    return reason, removed


def _drop_jobs(tip_id: int) -> None:
    """Jobs still queued for the tip (triage, photo reading): they carry only its id, but a
    deleted tip leaves nothing behind."""
    from portal.jobs.queue import get_queue, job_id_for

    try:
        queue = get_queue()
        connection = queue.connection
        for job_id in (job_id_for(tip_id), f"ocr-tip-{tip_id}"):
            connection.lrem(queue.key, 0, job_id)
            connection.delete(f"rq:job:{job_id}")
    except Exception as error:  # noqa: BLE001 - Redis down: the job finds no tip, and ends
        log.warning("tip %d: queued jobs not removed: %s", tip_id, type(error).__name__)

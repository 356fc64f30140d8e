"""Legal holds and the reporter's own withdrawal."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, select

from portal.accounts.audit import audit
from portal.extensions import db
from portal.models import LegalHold, StaffUser, Tip, utcnow
from portal.retention.policy import OPEN_REMINDER_DAYS, OUTLOOK_DAYS, expiry_of

REASON_MAX, CASE_MAX = 1000, 120


class HoldRefused(ValueError):
    """`code`: "exists" (a hold is in place already) or "not_yours"."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def active_hold(tip_id: int) -> LegalHold | None:
    return db.session.scalar(
        select(LegalHold)
        .where(LegalHold.tip_id == tip_id, LegalHold.lifted_at.is_(None))
        .order_by(LegalHold.id)
        .limit(1)
    )


def place_hold(
    tip: Tip, user: StaffUser, reason: str, case_reference: str, review_on: date
) -> LegalHold:
    """Hold the tip against any deletion until lifted. The caller commits."""
    if active_hold(tip.id) is not None:
        raise HoldRefused("exists")
    hold = LegalHold(
        tip_id=tip.id,
        organisation_id=user.organisation_id,
        reason=reason[:REASON_MAX],
        case_reference=case_reference[:CASE_MAX],
        review_on=review_on,
        placed_by_id=user.id,
    )
    db.session.add(hold)
    audit(user, "place_legal_hold", tip.id, f"until reviewed on {review_on.isoformat()}")
    return hold


def lift_hold(tip: Tip, user: StaffUser, *, coordinator: bool) -> LegalHold:
    """Lift the tip's hold: its organisation's supervisors, or the coordinator's."""
    hold = active_hold(tip.id)
    if hold is None:
        raise HoldRefused("none")
    if not coordinator and hold.organisation_id != user.organisation_id:
        raise HoldRefused("not_yours")
    hold.lifted_at, hold.lifted_by_id = utcnow(), user.id
    audit(user, "lift_legal_hold", tip.id)
    return hold


def withdraw(tip: Tip, now: datetime | None = None) -> None:
    """The reporter asked to delete their report: it goes after the grace period (unless
    held). The caller commits."""
    now = now or utcnow()
    if tip.withdrawn_at is None:
        tip.withdrawn_at = now
        tip.expires_at = expiry_of(tip)
        audit(None, "reporter_withdrew", tip.id)


def undo_withdrawal(tip: Tip) -> None:
    """The reporter changed their mind within the grace period."""
    if tip.withdrawn_at is not None:
        tip.withdrawn_at = None
        tip.expires_at = expiry_of(tip)
        audit(None, "reporter_kept_report", tip.id)


def holder_filter(org_id: int, coordinator: bool) -> ColumnElement[bool]:
    """Tips this organisation holds (the coordinator also holds those nobody else does)."""
    if coordinator:
        return (Tip.holder_org_id.is_(None)) | (Tip.holder_org_id == org_id)
    return Tip.holder_org_id == org_id


def outlook(
    org_id: int, coordinator: bool, now: datetime | None = None, limit: int = 200
) -> dict[str, list]:
    """What the organisation's supervisors should look at: tips deleted within the next
    fortnight, holds due for review, and tips open for more than a year."""
    now = now or utcnow()
    mine = holder_filter(org_id, coordinator)
    held = select(LegalHold.tip_id).where(LegalHold.lifted_at.is_(None))
    expiring = db.session.execute(
        select(Tip.id, Tip.category, Tip.status, Tip.expires_at, Tip.withdrawn_at, Tip.id.in_(held))
        .where(
            mine, Tip.expires_at.is_not(None), Tip.expires_at <= now + timedelta(days=OUTLOOK_DAYS)
        )
        .order_by(Tip.expires_at, Tip.id)
        .limit(limit)
    ).all()
    reviews = db.session.execute(
        select(LegalHold.tip_id, LegalHold.review_on, LegalHold.placed_at)
        .join(Tip, Tip.id == LegalHold.tip_id)
        .where(
            LegalHold.lifted_at.is_(None),
            (LegalHold.organisation_id == org_id) | mine,
            LegalHold.review_on <= (now + timedelta(days=OUTLOOK_DAYS)).date(),
        )
        .order_by(LegalHold.review_on, LegalHold.tip_id)
        .limit(limit)
    ).all()
    long_open = db.session.execute(
        select(Tip.id, Tip.category, Tip.status, Tip.created_at)
        .where(
            mine,
            Tip.status.not_like("closed%"),
            Tip.created_at <= now - timedelta(days=OPEN_REMINDER_DAYS),
        )
        .order_by(Tip.created_at, Tip.id)
        .limit(limit)
    ).all()
    return {"expiring": list(expiring), "reviews": list(reviews), "long_open": list(long_open)}

"""The retention policy: days per category and closing status, and each tip's due date."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from portal.accounts.audit import audit
from portal.categories import CATEGORIES
from portal.extensions import db
from portal.models import RetentionRule, StaffUser, Tip, TipStatus, as_utc, utcnow

# Days a closed tip is kept after it was closed, unless the coordinator changes them: the
# purpose is done when nothing came of it (PDP Law 27/2022 Art. 43-44, Vietnam's PDP Law
# 91/2025 Art. 14, the Philippine Data Privacy Act: kept no longer than its purpose).
DEFAULT_DAYS: dict[str, int] = {
    TipStatus.CLOSED_NO_ACTION: 90,
    TipStatus.CLOSED_DUPLICATE: 90,
    TipStatus.CLOSED_SPAM: 7,
    TipStatus.CLOSED_ACTIONED: 730,
}
CLOSED = tuple(DEFAULT_DAYS)
MIN_DAYS, MAX_DAYS = 1, 3650
GRACE_DAYS = 7  # a reporter who asked to delete their report can undo it this long
OPEN_REMINDER_DAYS = 365  # an open tip this old is shown to its holder for a decision
OUTLOOK_DAYS = 14
_BATCH = 1000


def rules() -> dict[tuple[str, str], int]:
    """Days per (category, status), the defaults where the table has no row."""
    found = {
        (rule.category, rule.status): rule.days
        for rule in db.session.scalars(select(RetentionRule))
    }
    return {
        (category, status): found.get((category, status), days)
        for category in CATEGORIES
        for status, days in DEFAULT_DAYS.items()
    }


def expiry_of(tip: Any, days: dict[tuple[str, str], int] | None = None) -> datetime | None:
    """When the tip is due to be deleted, or None (open, never closed)."""
    if tip.withdrawn_at is not None:
        return as_utc(tip.withdrawn_at) + timedelta(days=GRACE_DAYS)
    if tip.status not in DEFAULT_DAYS or tip.closed_at is None:
        return None
    table = days if days is not None else rules()
    kept = table.get((tip.category, tip.status), DEFAULT_DAYS[tip.status])
    return as_utc(tip.closed_at) + timedelta(days=kept)


def on_status_change(tip: Tip, now: datetime | None = None) -> None:
    """A tip closed now starts its clock; one reopened stops it."""
    if tip.status in DEFAULT_DAYS:
        tip.closed_at = tip.closed_at or now or utcnow()
    else:
        tip.closed_at = None
    tip.expires_at = expiry_of(tip)


def set_days(user: StaffUser, category: str, status: str, days: int) -> int:
    """Change one rule; every closed tip it applies to gets its new due date (in batches).
    Returns how many tips moved. The caller commits."""
    if category not in CATEGORIES or status not in DEFAULT_DAYS:
        raise ValueError("no such rule")
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise ValueError("days out of range")
    rule = db.session.get(RetentionRule, (category, status))
    old = rule.days if rule else DEFAULT_DAYS[status]
    if rule is None:
        rule = RetentionRule(category=category, status=status, days=days)
        db.session.add(rule)
    rule.days, rule.updated_at, rule.updated_by_id = days, utcnow(), user.id
    # A shorter policy deletes nothing before supervisors could see it in their outlook.
    notice = utcnow() + timedelta(days=OUTLOOK_DAYS)
    moved = 0
    last = 0
    while True:
        rows = db.session.execute(
            select(Tip.id, Tip.closed_at)
            .where(
                Tip.category == category,
                Tip.status == status,
                Tip.withdrawn_at.is_(None),
                Tip.closed_at.is_not(None),
                Tip.id > last,
            )
            .order_by(Tip.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        db.session.execute(
            update(Tip),
            [
                {"id": tip_id, "expires_at": max(as_utc(closed) + timedelta(days=days), notice)}
                for tip_id, closed in rows
                if closed is not None
            ],
        )
        moved += len(rows)
        last = rows[-1][0]
    audit(
        user,
        "change_retention",
        summary=f"{category} {status}: {old} → {days} days",
        category=category,
        status=status,
        old=old,
        new=days,
        tips=moved,
    )
    return moved

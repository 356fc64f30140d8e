"""The audit log: every staff action appends one line, written in the caller's transaction;
administrators read it a page at a time."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, or_, select

from portal.extensions import db
from portal.models import AuditEvent, StaffUser, row_id
from portal.sanitize import has_unreadable_characters

PAGE_SIZE = 50


def audit(
    user: StaffUser | None,
    action: str,
    tip_id: int | None = None,
    summary: str = "",
    *,
    org_id: int | None = None,
    other_org_id: int | None = None,
    **detail: Any,
) -> None:
    """Append one line to the audit log for `user` (None: a command-line or system action).

    The line belongs to the actor's organisation (`org_id` for a system action) and, for a
    step between two organisations, to `other_org_id` too."""
    db.session.add(
        AuditEvent(
            staff_user_id=user.id if user else None,
            username=user.username if user else "-",
            action=action,
            tip_id=tip_id,
            summary=summary,
            detail=detail,
            organisation_id=user.organisation_id if user else org_id,
            other_org_id=other_org_id,
        )
    )


class BadFilter(ValueError):
    """An audit-log filter value that makes no sense; its name is the message."""

@dataclass(frozen=True, slots=True)
class AuditFilters:
    username: str = ""
    action: str = ""
    tip: str = ""
    date_from: str = ""
    date_to: str = ""

    @classmethod
    def from_args(cls, args: dict[str, str]) -> AuditFilters:
        """Read filters from query-string values, refusing anything unexpected."""
        filters = cls(**{f.name: (args.get(f.name) or "").strip()[:100] for f in fields(cls)})
        for field in fields(filters):  # a NUL byte cannot even be sent to PostgreSQL
            if has_unreadable_characters(getattr(filters, field.name)):
                raise BadFilter(field.name)
        if filters.tip and row_id(filters.tip) is None:
            raise BadFilter("tip")
        for value in (filters.date_from, filters.date_to):
            if value:
                try:
                    date.fromisoformat(value)
                except ValueError:
                    raise BadFilter("date") from None
        return filters

    def as_args(self) -> dict[str, str]:
        """The non-empty filters, for links that keep them."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}


def _start_of(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time.min, tzinfo=UTC)


def _audit_query(filters: AuditFilters, org_id: int | None = None) -> Select[Any]:
    query = select(AuditEvent)
    if org_id is not None:  # an organisation's log: its own lines and those addressed to it
        query = query.where(
            or_(AuditEvent.organisation_id == org_id, AuditEvent.other_org_id == org_id)
        )
    if filters.username:
        name = filters.username.lower()
        # The account id is indexed; the stored name is the fallback for "-" and old names.
        staff_id = db.session.scalar(select(StaffUser.id).where(StaffUser.username == name))
        query = query.where(
            AuditEvent.staff_user_id == staff_id
            if staff_id is not None
            else AuditEvent.username == name
        )
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.tip:
        query = query.where(AuditEvent.tip_id == int(filters.tip))
    if filters.date_from:
        query = query.where(AuditEvent.at >= _start_of(filters.date_from))
    if filters.date_to:
        query = query.where(AuditEvent.at < _start_of(filters.date_to) + timedelta(days=1))
    return query


def audit_page(
    filters: AuditFilters, before: str = "", org_id: int | None = None
) -> tuple[list[AuditEvent], int | None]:
    """One page of events, newest first, and the id to continue from (None on the last page).
    `org_id`: only that organisation's log (None: the whole log, for the coordinator)."""
    query = _audit_query(filters, org_id)
    if before:
        if row_id(before) is None:
            raise BadFilter("before")
        query = query.where(AuditEvent.id < int(before))
    rows = list(db.session.scalars(query.order_by(AuditEvent.id.desc()).limit(PAGE_SIZE + 1)))
    if len(rows) > PAGE_SIZE:
        return rows[:PAGE_SIZE], rows[PAGE_SIZE - 1].id
    return rows, None



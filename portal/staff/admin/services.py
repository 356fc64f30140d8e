"""Admin logic without request objects: audit log pages, account changes, the support file.

Every function that changes something also writes its audit line; the caller commits.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Select, select

from portal.extensions import db
from portal.models import row_id
from portal.public.support.directory import Service
from portal.public.support.loader import (
    LoadResult,
    current_services,
    load_directory,
    service_fields,
)
from portal.sanitize import has_unreadable_characters
from portal.staff.access import audit
from portal.staff.auth import services as accounts
from portal.staff.models import AuditEvent, Role, StaffUser

AUDIT_PAGE_SIZE = 50
SUPPORT_FILE_MAX_BYTES = 2 * 1024 * 1024


class AdminRefused(ValueError):
    """An account change that is not allowed; `code` says why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class BadFilter(ValueError):
    """An audit-log filter value that makes no sense; its name is the message."""


# ---------------------------------------------------------------- audit log


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


def _audit_query(filters: AuditFilters) -> Select[tuple[AuditEvent]]:
    query = select(AuditEvent)
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


def audit_page(filters: AuditFilters, before: str = "") -> tuple[list[AuditEvent], int | None]:
    """One page of events, newest first, and the id to continue from (None on the last page)."""
    query = _audit_query(filters)
    if before:
        if row_id(before) is None:
            raise BadFilter("before")
        query = query.where(AuditEvent.id < int(before))
    rows = list(db.session.scalars(query.order_by(AuditEvent.id.desc()).limit(AUDIT_PAGE_SIZE + 1)))
    if len(rows) > AUDIT_PAGE_SIZE:
        return rows[:AUDIT_PAGE_SIZE], rows[AUDIT_PAGE_SIZE - 1].id
    return rows, None


# ---------------------------------------------------------------- accounts


def list_accounts() -> list[StaffUser]:
    return list(db.session.scalars(select(StaffUser).order_by(StaffUser.username)))


def setup_link(base_url: str, setup_path: str) -> str:
    """The absolute setup link an administrator passes on (path from url_for)."""
    return base_url.rstrip("/") + setup_path


def create_account(username: str, role: str, language: str) -> accounts.NewAccount:
    """A new account waiting for its owner to finish setup."""
    try:
        account = accounts.create_account(username, role, language)
    except accounts.AccountError as refused:
        raise AdminRefused(refused.code) from None
    audit(
        "create_account",
        summary=f"{account.user.username} ({role})",
        account=account.user.username,
        role=role,
        language=language,
    )
    return account


def reset_account(admin: StaffUser, user: StaffUser) -> accounts.NewAccount:
    """New setup link and authenticator; the account's sessions end at once."""
    if user.id == admin.id:
        # It would end this session and leave only a link shown once; use the CLI.
        raise AdminRefused("self_reset")
    account = accounts.new_setup_token(user)
    audit("reset_account", summary=user.username, account=user.username)
    return account


def change_role(admin: StaffUser, user: StaffUser, role: str) -> bool:
    """Give the account another role; False when it already had it."""
    Role(role)
    if user.id == admin.id:
        raise AdminRefused("self_role")
    if user.role == role:
        return False
    old, user.role = user.role, role
    audit(
        "change_role",
        summary=f"{user.username}: {old} → {role}",
        account=user.username,
        old=old,
        new=role,
    )
    return True


def set_active(admin: StaffUser, user: StaffUser, active: bool) -> bool:
    """Deactivate or reactivate; False when nothing changed."""
    if user.id == admin.id and not active:
        raise AdminRefused("self_deactivate")
    if user.active == active:
        return False
    user.active = active
    if not active:
        # Sessions end now, and a copied cookie must not come back to life on reactivation.
        user.session_version += 1
    audit(
        "reactivate_account" if active else "deactivate_account",
        summary=user.username,
        account=user.username,
    )
    return True


# ---------------------------------------------------------------- support directory


class SupportFileRefused(ValueError):
    """The uploaded directory did not validate; the message is the loader's, naming the entry."""


def load_support_file(content: bytes, filename: str) -> LoadResult:
    """Validate an uploaded directory file and make the table match it, or change nothing.

    The loader reads from a path and commits on its own, so the audit line for a
    successful load goes into a second transaction that the caller commits.
    """
    if len(content) > SUPPORT_FILE_MAX_BYTES:
        raise SupportFileRefused("file too large")
    with tempfile.TemporaryDirectory(prefix="waspada-support-") as folder:
        path = Path(folder) / "upload.yaml"
        path.write_bytes(content)
        try:
            result = load_directory(path)
        except ValueError as problem:
            db.session.rollback()
            message = str(problem).replace(str(path), filename)
            audit("load_support_directory_refused", summary=filename, problem=message[:500])
            raise SupportFileRefused(message) from None
    audit(
        "load_support_directory",
        summary=(
            f"{filename}: {result.added} added, {result.updated} updated, {result.removed} removed"
        ),
        added=result.added,
        updated=result.updated,
        removed=result.removed,
    )
    return result


def _entry(service: Service) -> dict[str, Any]:
    # The loader refuses an empty string for notes but reads a missing value as "".
    return {"id": service.id, **service_fields(service), "notes": service.notes or None}


def directory_yaml(now: datetime) -> str:
    """The published directory in the format `support load` and the upload accept."""
    data = {
        "exported": now.strftime("%Y-%m-%dT%H:%MZ"),
        "services": [_entry(service) for service in current_services()],
    }
    header = "# Waspada support directory, exported from the database.\n"
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)

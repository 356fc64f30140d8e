"""Staff accounts and the audit log."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import Model
from portal.models.common import utcnow
from portal.protection.sealed import Sealed, key_of


class Role(enum.StrEnum):
    """What a staff member may do; each role includes the ones before it."""

    ANALYST = "analyst"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


ROLE_ORDER = [Role.ANALYST, Role.SUPERVISOR, Role.ADMIN]


class StaffUser(Model):
    """A staff account: argon2id password, TOTP second factor, lockout state."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    role: Mapped[str] = mapped_column(String(12))
    # Every account belongs to exactly one organisation; it sees what that one may see.
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # Sealed with the site's TOTP key (portal.protection), bound to this row's reference.
    totp_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_secret = Sealed("totp_sealed")
    seal_ref: Mapped[bytes | None] = mapped_column(LargeBinary(16))
    # The last TOTP time step accepted: a code is never accepted twice.
    totp_last_counter: Mapped[int] = mapped_column(Integer, default=0)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Bumped by "log out everywhere": sessions carrying an older number are refused.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    setup_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    setup_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def has_role(self, role: str) -> bool:
        """True if this account's role is `role` or above it."""
        return ROLE_ORDER.index(Role(self.role)) >= ROLE_ORDER.index(Role(role))


class AuditEvent(Model):
    """One staff action: who, what, which tip, when. Never updated or deleted."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    staff_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL"), index=True
    )
    username: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(60), index=True)
    # The actor's organisation, and the other side of a referral or request: the line is
    # in the audit log of both.
    organisation_id: Mapped[int | None] = mapped_column(Integer, index=True)
    other_org_id: Mapped[int | None] = mapped_column(Integer, index=True)
    tip_id: Mapped[int | None] = mapped_column(Integer, index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    summary: Mapped[str] = mapped_column(Text, default="")


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _audit_is_append_only(mapper: object, connection: object, target: AuditEvent) -> None:
    raise PermissionError("the audit log is append-only")


@key_of("staff_users")
def _totp_key(user: StaffUser) -> Any:
    from portal.protection.site_keys import site_aead

    return site_aead("totp")

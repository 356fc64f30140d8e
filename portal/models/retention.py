"""How long tips are kept: the policy, legal holds, and what is left of a deleted tip."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import Model
from portal.models.common import utcnow
from portal.protection.sealed import Sealed


class RetentionRule(Model):
    """Days a closed tip of `category` with `status` is kept after it was closed."""

    __tablename__ = "retention_rules"

    category: Mapped[str] = mapped_column(String(20), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    days: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )


class LegalHold(Model):
    """A supervisor's hold on a tip: while it is in place (not lifted), the tip is never
    deleted, whatever the policy or the reporter asked. Reason and case reference are
    staff text about a case: sealed with the tip's key, like a note."""

    __tablename__ = "legal_holds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    reason_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    case_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    reason = Sealed("reason_sealed")
    case_reference = Sealed("case_sealed")
    seal_ref: Mapped[bytes | None] = mapped_column(LargeBinary(16))
    review_on: Mapped[date] = mapped_column(Date)
    placed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    placed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    lifted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    lifted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)


class TipTombstone(Model):
    """What is left of a deleted tip: that it existed, what kind it was, when, and why it
    went. No content, no receipt, no identifier."""

    __tablename__ = "tip_tombstones"

    tip_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    category: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    reason: Mapped[str] = mapped_column(String(20))  # "policy" or "withdrawn"

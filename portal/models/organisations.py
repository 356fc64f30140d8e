"""Organisations, and how a tip travels between them: referrals, the live access they give,
automatic referral rules, requests for access, and questions relayed to a reporter."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import Model
from portal.models.common import utcnow
from portal.protection.sealed import Sealed


class OrgKind(enum.StrEnum):
    """What an organisation is; the coordinator runs the portal and routes every tip."""

    COORDINATOR = "coordinator"
    LAW_ENFORCEMENT = "law-enforcement"
    MIGRANT_PROTECTION = "migrant-protection"
    COUNTER_TERRORISM = "counter-terrorism"
    EMBASSY = "embassy"
    NGO = "ngo"
    PLATFORM = "platform"


class Tlp(enum.StrEnum):
    """Traffic Light Protocol 2.0: how far the receiver may share what it was given."""

    CLEAR = "clear"
    GREEN = "green"
    AMBER = "amber"
    AMBER_STRICT = "amber+strict"
    RED = "red"


# A receiver may not pass these on to anyone.
NO_ONWARD = frozenset({Tlp.AMBER_STRICT, Tlp.RED})


class ReferralState(enum.StrEnum):
    PENDING = "pending"  # waiting for the receiver's answer; the receiver may read it
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ENDED = "ended"  # the receiver transferred it on, or the coordinator withdrew it


class ReferralMode(enum.StrEnum):
    SHARE = "share"  # both keep the tip
    TRANSFER = "transfer"  # on acceptance, the sender's access ends


class Organisation(Model):
    """An agency, embassy, NGO or platform team that works tips in this portal."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    # The name in the organisation's own language, and in English.
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(24))
    country: Mapped[str] = mapped_column(String(2))
    # What it takes: category codes and ISO country codes (empty: any).
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    # May a reporter whose tip it holds read its name on the follow-up page?
    name_public: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def is_coordinator(self) -> bool:
        return self.kind == OrgKind.COORDINATOR


class Referral(Model):
    """One hand-over of a tip from one organisation to another, and the receiver's answer."""

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    from_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    to_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    state: Mapped[str] = mapped_column(String(10), default=ReferralState.PENDING)
    mode: Mapped[str] = mapped_column(String(10), default=ReferralMode.SHARE)
    tlp: Mapped[str] = mapped_column(String(14), default=Tlp.AMBER)
    with_photos: Mapped[bool] = mapped_column(Boolean, default=False)
    with_messages: Mapped[bool] = mapped_column(Boolean, default=False)
    with_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    # Staff text about the tip: sealed with the tip's data key, like a note.
    reason_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    answer_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    reason = Sealed("reason_sealed")
    answer_reason = Sealed("answer_sealed")
    seal_ref: Mapped[bytes | None] = mapped_column(LargeBinary(16))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The automatic rule that made it, if any.
    rule_id: Mapped[int | None] = mapped_column(
        ForeignKey("referral_rules.id", ondelete="SET NULL")
    )
    answered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        # "Waiting for your answer" on every page of a partner's queue.
        Index(
            "ix_referrals_pending_to_org",
            "to_org_id",
            "id",
            postgresql_where=text("state = 'pending'"),
            sqlite_where=text("state = 'pending'"),
        ),
    )


class TipAccess(Model):
    """Which organisation (other than the coordinator) may read which tip now, and what of it.

    One row per (organisation, tip), kept in step with the referrals that give it. The
    queue's sort key is copied here so an organisation's queue is one index range scan.
    """

    __tablename__ = "tip_access"

    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    tip_id: Mapped[int] = mapped_column(
        ForeignKey("tips.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    queue_rank: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    pending: Mapped[bool] = mapped_column(Boolean, default=True)
    with_photos: Mapped[bool] = mapped_column(Boolean, default=False)
    with_messages: Mapped[bool] = mapped_column(Boolean, default=False)
    with_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    # The strictest marking among the referrals that gave access.
    tlp: Mapped[str] = mapped_column(String(14), default=Tlp.AMBER)

    __table_args__ = (
        Index("ix_tip_access_queue", "org_id", "queue_rank", "created_at", "tip_id"),
    )


class ReferralRule(Model):
    """Coordinator's standing order: tips like these go to that organisation on triage."""

    __tablename__ = "referral_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(20), default="")  # "": any
    country: Mapped[str] = mapped_column(String(2), default="")  # "": any
    min_score: Mapped[int] = mapped_column(Integer, default=0)
    to_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    tlp: Mapped[str] = mapped_column(String(14), default=Tlp.AMBER)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RequestState(enum.StrEnum):
    PENDING = "pending"
    GRANTED = "granted"
    REFUSED = "refused"
    SENT = "sent"  # a relayed question that reached the reporter


class AccessRequest(Model):
    """An organisation asks the coordinator for the tips of others that share an identifier."""

    __tablename__ = "access_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    reason_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    reason = Sealed("reason_sealed")  # sealed with the tip's data key
    seal_ref: Mapped[bytes | None] = mapped_column(LargeBinary(16))
    state: Mapped[str] = mapped_column(String(10), default=RequestState.PENDING, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    granted_tips: Mapped[list[int]] = mapped_column(JSON, default=list)


class RelayRequest(Model):
    """A question an organisation asks the holder of the conversation to pass to the reporter."""

    __tablename__ = "relay_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    body_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    body = Sealed("body_sealed")  # sealed with the tip's data key (portal.protection)
    seal_ref: Mapped[bytes | None] = mapped_column(LargeBinary(16))
    state: Mapped[str] = mapped_column(String(10), default=RequestState.PENDING)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


def as_dict(org: Organisation) -> dict[str, Any]:
    """The fields `flask org list` prints."""
    return {
        "slug": org.slug,
        "name": org.name,
        "name_en": org.name_en,
        "kind": org.kind,
        "country": org.country,
        "categories": list(org.categories or []),
        "countries": list(org.countries or []),
        "languages": list(org.languages or []),
        "active": org.active,
    }

"""Tips and what hangs off them: messages, attachments, indicators, notes."""

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
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Model, db
from portal.models.common import utcnow
from portal.protection.sealed import Sealed, aead_of_tip, key_of


class TipStatus(enum.StrEnum):
    """Where a tip is in the staff workflow."""

    NEW = "new"
    IN_REVIEW = "in_review"
    ESCALATED = "escalated"
    FORWARDED = "forwarded"
    CLOSED_ACTIONED = "closed_actioned"
    CLOSED_NO_ACTION = "closed_no_action"
    CLOSED_DUPLICATE = "closed_duplicate"
    CLOSED_SPAM = "closed_spam"


class TriageState(enum.StrEnum):
    """Where a tip is in the automatic triage pipeline."""

    PENDING = "pending"  # stored, not yet handed to the queue
    QUEUED = "queued"  # a job exists for it in Redis
    DONE = "done"
    FAILED = "failed"


# Queue order: urgent first. Kept as a number so the queue index can sort by it.
PRIORITY_RANK = {"urgent": 0, "high": 1, "normal": 2, "low": 3}


def queue_rank_for(priority: str, score: int) -> int:
    """Ascending queue position: every urgent tip before every high one, then by score."""
    return PRIORITY_RANK.get(priority, PRIORITY_RANK["normal"]) * 1000 + (100 - score)


class Author(enum.StrEnum):
    REPORTER = "reporter"
    STAFF = "staff"


class Tip(Model):
    """One anonymous report. Holds no address, no device data, only what was typed."""

    __tablename__ = "tips"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category: Mapped[str] = mapped_column(String(20), index=True)
    lang: Mapped[str] = mapped_column(String(8))
    country: Mapped[str | None] = mapped_column(String(2), index=True)
    # What the reporter wrote, sealed with the tip's own data key (portal.protection): the
    # attributes read and take plaintext, the *_sealed columns hold only ciphertext.
    description_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    link_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    answers_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    contact_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    description = Sealed("description_sealed")
    link = Sealed("link_sealed")
    answers = Sealed("answers_sealed", kind="json")
    contact = Sealed("contact_sealed")
    # The tip's data key, wrapped by the key-encryption key `data_key_id`; the random
    # reference every ciphertext of the row is bound to.
    data_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    data_key_id: Mapped[str | None] = mapped_column(String(32), index=True)
    seal_ref: Mapped[bytes | None] = mapped_column(LargeBinary(16))
    in_danger: Mapped[bool] = mapped_column(Boolean, default=False)
    # argon2id(receipt code) with a site-wide salt: findable, but never reversible.
    receipt_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # sha256 of the one-time form token: a replayed or double-clicked form finds this tip.
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=TipStatus.NEW, index=True)
    triage_state: Mapped[str] = mapped_column(String(10), default=TriageState.PENDING, index=True)
    triage_attempts: Mapped[int] = mapped_column(Integer, default=0)
    triage_error: Mapped[str] = mapped_column(Text, default="")
    triage_state_changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    triaged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    # Filled by the triage job: an explainable score, the reasons, routing suggestions.
    score: Mapped[int] = mapped_column(Integer, default=0)
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    priority_rank: Mapped[int] = mapped_column(Integer, default=PRIORITY_RANK["normal"])
    # The staff queue's sort key in one ascending number: priority first, then score
    # (rank * 1000 + (100 - score)); with created_at and id it is the keyset cursor.
    queue_rank: Mapped[int] = mapped_column(Integer, default=queue_rank_for("normal", 0))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    score_reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    routing: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Tips that share an indicator, directly or through others, share a cluster id:
    # the smallest tip id in the cluster.
    cluster_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # Staff side: who works on it, and when a person first looked at it.
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL"), index=True
    )
    first_reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    has_attachments: Mapped[bool] = mapped_column(Boolean, default=False)
    # Retention (portal.retention): when it was closed, when the reporter asked to delete it,
    # and when it is due to be deleted (None: not due; a legal hold still stops it).
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    # The organisation that holds the conversation with the reporter and the workflow
    # (status, assignee): None is the coordinator; a transfer moves it.
    holder_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    messages: Mapped[list[Message]] = relationship(
        back_populates="tip", order_by="Message.id", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="tip", order_by="Attachment.id", cascade="all, delete-orphan"
    )
    mark: Mapped[TriageMark | None] = relationship(viewonly=True)

    __table_args__ = (
        Index("ix_tips_queue", "queue_rank", "created_at", "id"),
    )

    def set_triage_state(self, state: TriageState, error: str = "") -> None:
        """Move through the triage pipeline, remembering when (the sweeper needs it)."""
        self.triage_state = state
        self.triage_error = error
        self.triage_state_changed_at = utcnow()


class Message(Model):
    """A message on a tip's follow-up thread, from the reporter or from staff."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(10))
    # Which staff member wrote it (never shown to the reporter).
    staff_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    body_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    body = Sealed("body_sealed")
    seal_ref: Mapped[bytes | None] = mapped_column(LargeBinary(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # A question relayed for another organisation, and the reporter's answers to it: that
    # organisation reads these even when the thread was not shared with it.
    relay_id: Mapped[int | None] = mapped_column(
        ForeignKey("relay_requests.id", ondelete="SET NULL")
    )

    tip: Mapped[Tip] = relationship(back_populates="messages")


class Attachment(Model):
    """A re-encoded image. The file lives outside the web root; only staff may fetch it."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), index=True
    )
    storage_key: Mapped[str] = mapped_column(String(100), unique=True)
    media_type: Mapped[str] = mapped_column(String(30))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The text Tesseract read in the picture (portal.jobs.ocr): None until it is read, "" when
    # it holds none. Machine-read: staff see it marked so; triage reads it like typed text.
    ocr_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    ocr_text = Sealed("ocr_sealed", nullable=True)
    # The file is sealed too (portal.protection.files), bound to this reference.
    seal_ref: Mapped[bytes | None] = mapped_column(LargeBinary(16))

    tip: Mapped[Tip] = relationship(back_populates="attachments")


class Indicator(Model):
    """An identifier found in tips (a phone in E.164, a domain, a handle), stored once.

    Its value is sealed with the site's identifier key; tips are linked and found through
    `value_index`, a keyed hash of kind and value (portal.protection.identifiers), and a
    payment account's number alone through `tail_index`."""

    __tablename__ = "indicators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    value_index: Mapped[bytes] = mapped_column(LargeBinary(16), unique=True)
    value_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    tail_index: Mapped[bytes | None] = mapped_column(LargeBinary(16), index=True)
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def value(self) -> str:
        from portal.protection.identifiers import open_value

        return open_value(self.value_index, self.value_sealed)


class TipIndicator(Model):
    """Which tip mentions which indicator: the edges that link tips together."""

    __tablename__ = "tip_indicators"

    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), primary_key=True)
    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("indicators.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Note(Model):
    """An internal note on a tip, for the staff of the writer's organisation (and the
    coordinator) only."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    staff_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    body_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    body = Sealed("body_sealed")
    seal_ref: Mapped[bytes | None] = mapped_column(LargeBinary(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TriageRun(Model):
    """One `flask triage rerun`: which tips (its filters), the rules version it scores with,
    and its counts. Running the command again with the same filters continues it."""

    __tablename__ = "triage_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The filters as one canonical string, to find an unfinished run with the same ones.
    filters_key: Mapped[str] = mapped_column(String(200), index=True)
    rules_version: Mapped[str] = mapped_column(String(16))
    total: Mapped[int] = mapped_column(Integer, default=0)
    scored: Mapped[int] = mapped_column(Integer, default=0)  # kept by the jobs, in their commit
    changed: Mapped[int] = mapped_column(Integer, default=0)  # … of which the score moved
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class TriageMark(Model):
    """Which rules last scored a tip, when, how often, and the rerun that did it.

    A narrow row of its own: scoring a tip again with new rules that give the same result
    (most tips, after most rule changes) writes only this row, not the tip's wide one
    (whose every index a rewrite would touch)."""

    __tablename__ = "triage_marks"

    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), primary_key=True)
    rules_version: Mapped[str] = mapped_column(String(16))
    # A fingerprint of the results the tip's row shows: a new scoring that finds the same
    # leaves the row alone, and telling so needs no read of its wide JSON columns.
    results_digest: Mapped[str] = mapped_column(String(32), default="")
    # … and of the indicators stored for it: the same ones need no storing and linking.
    indicators_digest: Mapped[str] = mapped_column(String(32), default="")
    scored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    times_scored: Mapped[int] = mapped_column(Integer, default=1)
    rerun_id: Mapped[int | None] = mapped_column(Integer)


@key_of("tips")
def _tip_key(tip: Tip) -> Any:
    return aead_of_tip(tip)


@key_of("messages")
@key_of("attachments")
@key_of("notes")
@key_of("relay_requests")
@key_of("legal_holds")
@key_of("referrals")
@key_of("access_requests")
def _key_of_its_tip(row: Any) -> Any:
    """Messages, photos, notes and relayed questions use their tip's data key."""
    tip = row.__dict__.get("tip") or db.session.get(Tip, row.tip_id)
    if tip is None:
        raise LookupError(f"{row.__tablename__}: no tip to seal with")
    return aead_of_tip(tip)

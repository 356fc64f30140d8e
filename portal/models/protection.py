"""What protection at rest keeps in the database: wrapped site keys and the blind word index."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import Model
from portal.models.common import utcnow


class ProtectionKey(Model):
    """A site-wide random key (the blind-index key, the identifier key, the TOTP key),
    stored only wrapped by a key-encryption key that never lives in the database."""

    __tablename__ = "protection_keys"

    purpose: Mapped[str] = mapped_column(String(20), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(32))  # the KEK that wraps it
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TipWord(Model):
    """One word of a tip's text, as a keyed hash (64 bits of an HMAC): staff search finds a
    tip by a word without the database holding the word."""

    __tablename__ = "tip_words"

    word: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), primary_key=True)

    __table_args__ = (Index("ix_tip_words_tip_id", "tip_id"),)

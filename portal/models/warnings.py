"""A public warning about an identifier (a recruiter's phone, a shop's domain…)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import Model
from portal.models.common import utcnow


class PublicWarning(Model):
    """Published by a supervisor from a tip or cluster; withdrawn ones are never shown."""

    __tablename__ = "public_warnings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(500), index=True)
    # {"id": "...", "en": "...", "vi": "..."}: what happened, in plain words, per locale.
    summary: Mapped[dict[str, str]] = mapped_column(JSON)
    incident_date: Mapped[date] = mapped_column(Date)
    source_tip_id: Mapped[int | None] = mapped_column(
        ForeignKey("tips.id", ondelete="SET NULL"), index=True
    )
    published_by: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    published_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def summary_in(self, lang: str) -> str:
        """The summary in `lang`, else Indonesian for Malay readers, else English, else any."""
        return (
            self.summary.get(lang)
            or (self.summary.get("id") if lang == "ms" else None)
            or self.summary.get("en")
            or next(iter(self.summary.values()), "")
        )

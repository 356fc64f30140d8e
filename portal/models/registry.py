"""Licensed recruiters, as the operator loads them from each government's published list.

The project ships no registry data: an operator loads a CSV (``flask registry load``
or the admin page), one list per country. The checker says only whether a name or a
licence number is in the list of a given date; it never calls a recruiter safe or
illegal from that alone.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import Model
from portal.models.common import utcnow


class LicensedRecruiter(Model):
    """One row of a government's list of licensed recruiters."""

    __tablename__ = "licensed_recruiters"
    __table_args__ = (
        Index("ix_licensed_recruiters_country_name_key", "country", "name_key"),
        Index("ix_licensed_recruiters_licence_key", "licence_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    country: Mapped[str] = mapped_column(String(2))
    name: Mapped[str] = mapped_column(Text)
    name_key: Mapped[str] = mapped_column(String(300))  # normalised, legal forms removed
    licence_number: Mapped[str] = mapped_column(String(100))
    licence_key: Mapped[str] = mapped_column(String(100))  # upper case, no spaces
    source_url: Mapped[str] = mapped_column(Text)
    retrieved: Mapped[date] = mapped_column(Date)


class RecruiterList(Model):
    """What was loaded for one country: where from, of which date, how many rows."""

    __tablename__ = "recruiter_lists"

    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    source_url: Mapped[str] = mapped_column(Text)
    retrieved: Mapped[date] = mapped_column(Date)  # the latest date of the list's rows
    entries: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(200))
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

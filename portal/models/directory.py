"""The support directory as stored: one row per entry of services.yaml.

The YAML file in the project is the source of truth; `flask support load FILE`
copies it here so a refreshed directory can be published without a deploy.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import Model
from portal.models.common import utcnow


class SupportService(Model):
    """A help line, portal or embassy, with where its facts came from and how sure we are."""

    __tablename__ = "support_services"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    # Order in the file: the curated order among entries of the same confidence.
    position: Mapped[int] = mapped_column(Integer, default=0)
    country: Mapped[str] = mapped_column(String(4))  # ISO 3166-1 alpha-2 or "INTL"
    name: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    organisation: Mapped[str] = mapped_column(Text)
    needs: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Each channel as {"type", "value", "hours", "cost"}.
    channels: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    serves_nationals_abroad: Mapped[bool] = mapped_column(Boolean, default=False)
    located_in: Mapped[str | None] = mapped_column(String(2))
    source: Mapped[list[str]] = mapped_column(JSON, default=list)
    source_date: Mapped[str | None] = mapped_column(String(7))  # "YYYY-MM"
    confidence: Mapped[str] = mapped_column(String(10))
    notes: Mapped[str] = mapped_column(Text, default="")
    # When this row was last added or changed by `support load`.
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

"""The four kinds of report, in the order the report page offers them. Their one home: the
model's column, the forms, triage's rules and routing, and the metrics all read them here."""

from __future__ import annotations

import enum


class Category(enum.StrEnum):
    """What a tip is about; the values appear in URLs (/<lang>/report/<category>)."""

    DRUGS = "drugs"
    JOB_OFFER = "job-offer"
    EXTREMISM = "extremism"
    OTHER = "other"


CATEGORIES: tuple[str, ...] = tuple(category.value for category in Category)

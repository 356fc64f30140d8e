"""What every model shares: the clock, stored times, row ids."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Timezone-aware now, the only clock models use."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """A stored time as an aware UTC datetime (SQLite returns naive ones; every stored time
    is UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# Integer columns are 32-bit on PostgreSQL: no row can have a larger id.
MAX_ROW_ID = 2**31 - 1


def row_id(text: str) -> int | None:
    """An id typed in a URL or a filter, if it could be one: ASCII digits up to MAX_ROW_ID.

    Anything else ("²", "١٢٣", thirty nines) would otherwise reach the database and fail there.
    """
    if not (text.isascii() and text.isdigit() and len(text) <= 10) or int(text) > MAX_ROW_ID:
        return None
    return int(text)

"""Dashboard figures, computed in the database (GROUP BY), returned as plain dataclasses.

Days and weeks are UTC calendar days and ISO weeks (starting Monday). The only place
that differs between SQLite and PostgreSQL is `date_bucket` and `_review_seconds`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from sqlalchemy import Date, cast, extract, func, literal_column, select, type_coerce

from portal.extensions import db
from portal.models import Category, Tip, TipStatus, utcnow
from portal.organisations.access import visible_clause

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
DAILY_DAYS = 30
WEEKLY_WEEKS = 12


@dataclass(frozen=True)
class ReviewTimes:
    """Time from a tip arriving to a person first opening it, over tips of the period."""

    reviewed: int
    not_reviewed: int
    median_seconds: float | None
    p90_seconds: float | None


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard shows; counts are over tips created since `since`."""

    days: int
    since: datetime
    total: int
    by_category: list[tuple[str, int]]
    by_country: list[tuple[str | None, int]]
    by_status: list[tuple[str, int]]
    per_day: list[tuple[date, int]]
    per_week: list[tuple[date, int]]
    review: ReviewTimes


def dashboard(
    days: int = DEFAULT_PERIOD, now: datetime | None = None, org_id: int | None = None
) -> Dashboard:
    """The figures for the last `days` calendar days (today included, UTC), over the tips
    organisation `org_id` may see (None: every tip)."""
    if days not in PERIODS:
        raise ValueError(days)
    today = (now or utcnow()).astimezone(UTC).date()
    since = _midnight(today - timedelta(days=days - 1))
    scope = visible_clause(org_id)
    scoped = [] if scope is None else [scope]
    review = _review_times(since, scoped)
    return Dashboard(
        days=days,
        since=since,
        total=review.reviewed + review.not_reviewed,
        by_category=_in_order(
            _count_by(Tip.category, since, scoped), [c.value for c in Category]
        ),
        by_country=sorted(
            _count_by(Tip.country, since, scoped).items(),
            key=lambda item: (item[0] is None, -item[1], item[0] or ""),
        ),
        by_status=_in_order(_count_by(Tip.status, since, scoped), [s.value for s in TipStatus]),
        per_day=_per_day(today, scoped),
        per_week=_per_week(today, scoped),
        review=review,
    )


def date_bucket(column: Any, unit: Literal["day", "week"]) -> Any:
    """SQL for the UTC day (or the Monday of the ISO week) of a timestamp, as a DATE."""
    if db.session.get_bind().dialect.name == "postgresql":
        # Constants as literals: PostgreSQL matches GROUP BY to SELECT by text, and two
        # bound parameters with the same value do not count as the same expression.
        utc = func.timezone(literal_column("'UTC'"), column)
        return cast(func.date_trunc(literal_column(f"'{unit}'"), utc), Date)
    # SQLite stores these timestamps as UTC text; 'weekday 0' moves to the next Sunday
    # (or stays on one), six days back is that week's Monday.
    if unit == "week":
        return type_coerce(
            func.date(column, literal_column("'weekday 0'"), literal_column("'-6 days'")), Date
        )
    return type_coerce(func.date(column), Date)


def _count_by(column: Any, since: datetime, scoped: list[Any]) -> dict[Any, int]:
    rows = db.session.execute(
        select(column, func.count()).where(Tip.created_at >= since, *scoped).group_by(column)
    )
    return {key: count for key, count in rows}


def _in_order(counts: dict[str, int], known: list[str]) -> list[tuple[str, int]]:
    """Every known value in its usual order (zero if absent), then anything unexpected."""
    extra = sorted(key for key in counts if key not in known)
    return [(key, counts.get(key, 0)) for key in [*known, *extra]]


def _per_day(today: date, scoped: list[Any]) -> list[tuple[date, int]]:
    first = today - timedelta(days=DAILY_DAYS - 1)
    counts = _count_buckets("day", _midnight(first), scoped)
    return [(day, counts.get(day, 0)) for day in _dates(first, today, step=1)]


def _per_week(today: date, scoped: list[Any]) -> list[tuple[date, int]]:
    this_monday = today - timedelta(days=today.weekday())
    first = this_monday - timedelta(weeks=WEEKLY_WEEKS - 1)
    counts = _count_buckets("week", _midnight(first), scoped)
    return [(monday, counts.get(monday, 0)) for monday in _dates(first, this_monday, step=7)]


def _count_buckets(
    unit: Literal["day", "week"], since: datetime, scoped: list[Any]
) -> dict[date, int]:
    bucket = date_bucket(Tip.created_at, unit)
    rows = db.session.execute(
        select(bucket, func.count()).where(Tip.created_at >= since, *scoped).group_by(bucket)
    )
    return {day: count for day, count in rows}


def _review_times(since: datetime, scoped: list[Any]) -> ReviewTimes:
    total, reviewed = db.session.execute(
        select(func.count(), func.count(Tip.first_reviewed_at)).where(
            Tip.created_at >= since, *scoped
        )
    ).one()
    return ReviewTimes(
        reviewed=reviewed,
        not_reviewed=total - reviewed,
        median_seconds=_review_percentile(since, scoped, reviewed, 0.5),
        p90_seconds=_review_percentile(since, scoped, reviewed, 0.9),
    )


def _review_percentile(
    since: datetime, scoped: list[Any], count: int, fraction: float
) -> float | None:
    """Linear interpolation between the two nearest ranks, as PostgreSQL's percentile_cont.

    SQLite has no percentile function, so both databases sort and read two rows at the
    right offset; the sort covers only the reviewed tips of the period.
    """
    if count == 0:
        return None
    rank = fraction * (count - 1)
    low = math.floor(rank)
    seconds = _review_seconds()
    values = db.session.scalars(
        select(seconds)
        .where(Tip.created_at >= since, Tip.first_reviewed_at.is_not(None), *scoped)
        .order_by(seconds)
        .offset(low)
        .limit(2)
    ).all()
    values = [float(v) for v in values]
    if len(values) == 1:
        return values[0]
    return values[0] + (values[1] - values[0]) * (rank - low)


def _review_seconds() -> Any:
    if db.session.get_bind().dialect.name == "postgresql":
        return extract("epoch", Tip.first_reviewed_at - Tip.created_at)
    return (func.julianday(Tip.first_reviewed_at) - func.julianday(Tip.created_at)) * 86400.0


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _dates(first: date, last: date, step: int) -> list[date]:
    return [first + timedelta(days=n) for n in range(0, (last - first).days + 1, step)]

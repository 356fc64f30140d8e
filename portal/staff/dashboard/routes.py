"""The dashboard page. HTTP only: figures come from services, pictures from charts."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from babel.dates import format_timedelta
from babel.lists import format_list
from flask import Blueprint, render_template, request
from flask_babel import format_date, format_decimal, get_locale, ngettext
from flask_babel import gettext as _
from markupsafe import Markup

from portal.casework import stats as services
from portal.organisations.access import scope_of
from portal.staff.access import current_staff, requires
from portal.staff.dashboard import charts
from portal.staff.queue.routes import CATEGORY_LABELS, STATUS_LABELS

bp = Blueprint("staff_dashboard", __name__, url_prefix="/staff", template_folder="templates")


@dataclass(frozen=True)
class ChartBlock:
    """One chart on the page and the same numbers as a table."""

    key: str
    heading: str
    svg: Markup
    label_heading: str
    rows: list[tuple[str, int]]
    note: str = ""


@bp.get("/dashboard")
@requires("analyst")
def dashboard() -> Any:
    days, error = _period(request.args.get("days"))
    figures = services.dashboard(days, org_id=scope_of(current_staff()))
    return render_template(
        "staff/dashboard/dashboard.html",
        figures=figures,
        charts=_charts(figures),
        periods=[
            (value, ngettext("Last %(num)d day", "Last %(num)d days", value))
            for value in services.PERIODS
        ],
        error=error,
        duration=duration_text,
        iso_duration=iso_duration,
        format_number=format_decimal,
    ), (400 if error else 200)


def _period(raw: str | None) -> tuple[int, str | None]:
    if raw is None:
        return services.DEFAULT_PERIOD, None
    if raw.isdigit() and int(raw) in services.PERIODS:
        return int(raw), None
    return services.DEFAULT_PERIOD, _("Please choose one of the periods in the list.")


def _charts(figures: services.Dashboard) -> list[ChartBlock]:
    locale = get_locale()
    names = locale.territories if locale else {}
    days = figures.days

    def bars(key: str, heading: str, desc: str, label_heading: str, rows: list) -> ChartBlock:
        svg = charts.bar_chart(rows, heading, desc, locale=locale)
        return ChartBlock(key, heading, svg, label_heading, rows)

    def line(
        key: str, heading: str, desc: str, label_heading: str, points: list, note: str
    ) -> ChartBlock:
        svg = charts.line_chart(points, heading, desc, locale=locale)
        rows = [(format_date(d), n) for d, n in points]
        return ChartBlock(key, heading, svg, label_heading, rows, note)

    return [
        bars(
            "category",
            _("Tips by category"),
            ngettext(
                "Horizontal bars, one per category, for tips received in the last %(num)d day.",
                "Horizontal bars, one per category, for tips received in the last %(num)d days.",
                days,
            ),
            _("Category"),
            [(str(CATEGORY_LABELS.get(k, k)), n) for k, n in figures.by_category],
        ),
        bars(
            "country",
            _("Tips by country"),
            ngettext(
                "Horizontal bars, one per country, for tips received in the last %(num)d day.",
                "Horizontal bars, one per country, for tips received in the last %(num)d days.",
                days,
            ),
            _("Country"),
            [(_country_name(code, names), n) for code, n in figures.by_country],
        ),
        bars(
            "status",
            _("Tips by status"),
            ngettext(
                "Horizontal bars, one per status, for tips received in the last %(num)d day.",
                "Horizontal bars, one per status, for tips received in the last %(num)d days.",
                days,
            ),
            _("Status"),
            [(str(STATUS_LABELS.get(k, k)), n) for k, n in figures.by_status],
        ),
        line(
            "day",
            ngettext(
                "Tips per day, last %(num)d day",
                "Tips per day, last %(num)d days",
                len(figures.per_day),
            ),
            _("A line with one point per day (UTC), oldest on the left."),
            _("Day"),
            figures.per_day,
            _("The last point is today, which is not over yet."),
        ),
        line(
            "week",
            ngettext(
                "Tips per week, last %(num)d week",
                "Tips per week, last %(num)d weeks",
                len(figures.per_week),
            ),
            _("A line with one point per week starting on Monday (UTC), oldest on the left."),
            _("Week starting"),
            figures.per_week,
            _("The last point is this week, which is not over yet."),
        ),
    ]


def _country_name(code: str | None, names: Any) -> str:
    if not code:
        return _("Not given")
    if code == "ZZ":
        return _("Another country")
    return names.get(code, code)


def duration_text(seconds: float) -> str:
    """A duration the way a person says it: at most two units ('1 hour, 30 minutes')."""
    locale = get_locale() or "en"
    if seconds < 60:
        return _("less than a minute")
    days, rest = divmod(round(seconds / 60), 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        units = [(days, "day"), (hours, "hour")]
    elif hours:
        units = [(hours, "hour"), (minutes, "minute")]
    else:
        units = [(minutes, "minute")]
    parts = [_amount(n, unit, locale) for n, unit in units if n]
    try:
        return format_list(parts, style="unit", locale=locale)
    except KeyError:  # a few locales (my) have no list pattern for units in Babel's data
        return format_list(parts, locale=locale)


def _amount(count: int, unit: str, locale: Any) -> str:
    # format_timedelta, unlike babel.units.format_unit, falls back to the short unit
    # names where a locale (vi, km, my) has no long ones; an infinite threshold keeps
    # it from rounding 10 days up to "1 week".
    return format_timedelta(
        timedelta(**{f"{unit}s": count}), granularity=unit, threshold=math.inf, locale=locale
    )


def iso_duration(seconds: float) -> str:
    """The same duration for <time datetime=…>."""
    return f"PT{max(round(seconds), 0)}S"

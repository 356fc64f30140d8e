"""Bar and line charts as inline SVG, drawn on the server: no script, no style attribute.

Horizontal positions are percentages of the chart's width and text sizes are pixels, so
the same markup stays readable on a 360 px phone and on a wide screen (a viewBox would
scale the text down with the chart). Every text we insert is escaped; the only markup
marked safe is the SVG built here.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from datetime import date
from typing import Any

from babel.dates import format_skeleton
from babel.numbers import format_decimal
from flask_babel import gettext as _
from markupsafe import Markup, escape

FONT_SIZE = 14
INK = "#1b1f23"
BRAND = "#0b5d4b"
GRID = "#d5d9dd"

# Bar chart: each bar has its label on the line above it, so long names never collide.
BAR_ROW = 46
BAR_HEIGHT = 16
BAR_MAX_PERCENT = 85.0  # room after the longest bar for its number

# Line chart: plot area in percent across, pixels down.
PLOT_LEFT = 12.0
PLOT_RIGHT = 97.0
PLOT_TOP = 14
PLOT_HEIGHT = 150
X_LABEL_GAP = 22


def bar_chart(
    items: Sequence[tuple[str, int]], title: Any, desc: Any, *, locale: Any = "en"
) -> Markup:
    """Horizontal bars, one per (label, count), lengths proportional to the counts."""
    chart_id = _chart_id("bar", title, desc)
    top = max((value for _label, value in items), default=0)
    if top <= 0:
        return _empty_chart(chart_id, title, desc)
    body = []
    for index, (label, value) in enumerate(items):
        y = 4 + index * BAR_ROW
        length = _percent(max(value, 0) / top * BAR_MAX_PERCENT)
        body.append(
            f'<text class="chart-label" x="0" y="{y + FONT_SIZE}" font-size="{FONT_SIZE}" '
            f'fill="{INK}">{_text(label)}</text>'
            f'<rect class="chart-bar" x="0" y="{y + 21}" width="{length}%" '
            f'height="{BAR_HEIGHT}" fill="{BRAND}"/>'
            f'<text class="chart-value" x="{length}%" dx="6" y="{y + 21 + BAR_HEIGHT - 3}" '
            f'font-size="{FONT_SIZE}" fill="{INK}">{_number(value, locale)}</text>'
        )
    return _svg(chart_id, "bar", title, desc, 8 + len(items) * BAR_ROW, body)


def line_chart(
    points: Sequence[tuple[date, int]],
    title: Any,
    desc: Any,
    *,
    locale: Any = "en",
    date_skeleton: str = "MMMd",
) -> Markup:
    """A line through (day, count) points in date order, with a labelled count axis."""
    chart_id = _chart_id("line", title, desc)
    top = max((value for _day, value in points), default=0)
    if top <= 0:
        return _empty_chart(chart_id, title, desc)
    ticks = axis_ticks(top)
    bottom = PLOT_TOP + PLOT_HEIGHT

    def y_of(value: int) -> str:
        return _number_attr(bottom - max(value, 0) / ticks[-1] * PLOT_HEIGHT)

    def x_of(index: int) -> str:
        if len(points) == 1:
            return _percent((PLOT_LEFT + PLOT_RIGHT) / 2)
        return _percent(PLOT_LEFT + index * (PLOT_RIGHT - PLOT_LEFT) / (len(points) - 1))

    body = []
    for tick in ticks:
        body.append(
            f'<line class="chart-grid" x1="{_percent(PLOT_LEFT)}%" x2="{_percent(PLOT_RIGHT)}%" '
            f'y1="{y_of(tick)}" y2="{y_of(tick)}" stroke="{GRID}" stroke-width="1"/>'
            f'<text class="chart-label" x="{_percent(PLOT_LEFT - 2)}%" y="{y_of(tick)}" dy="4" '
            f'text-anchor="end" font-size="{FONT_SIZE - 1}" fill="{INK}">'
            f"{_number(tick, locale)}</text>"
        )
    for index in range(1, len(points)):
        body.append(
            f'<line class="chart-line" x1="{x_of(index - 1)}%" y1="{y_of(points[index - 1][1])}" '
            f'x2="{x_of(index)}%" y2="{y_of(points[index][1])}" stroke="{BRAND}" '
            f'stroke-width="2" stroke-linecap="round"/>'
        )
    for index, (_day, value) in enumerate(points):
        body.append(
            f'<circle class="chart-point" cx="{x_of(index)}%" cy="{y_of(value)}" r="3" '
            f'fill="{BRAND}"/>'
        )
    last = len(points) - 1
    for index, minor in label_indices(len(points)):
        anchor = "end" if index == last and last > 0 else "middle"
        label = format_skeleton(date_skeleton, points[index][0], locale=locale)
        kind = "chart-label chart-label-minor" if minor else "chart-label"
        body.append(
            f'<text class="{kind}" x="{x_of(index)}%" y="{bottom + X_LABEL_GAP}" '
            f'text-anchor="{anchor}" font-size="{FONT_SIZE - 1}" fill="{INK}">'
            f"{_text(label)}</text>"
        )
    return _svg(chart_id, "line", title, desc, bottom + X_LABEL_GAP + 10, body)


def axis_ticks(top: int) -> list[int]:
    """Whole-number axis ticks from 0 to at least `top`, in steps of 1, 2 or 5 × 10ⁿ."""
    raw = max(top / 4, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return list(range(0, math.ceil(top / step) * step + 1, step))


def label_indices(count: int) -> list[tuple[int, bool]]:
    """Which points get a date under them, as (index, minor).

    Up to five evenly spaced dates, the first and the last among them; the two "minor"
    ones are hidden on narrow screens by staff.css so the others never overlap.
    """
    if count <= 3:
        return [(index, False) for index in range(count)]
    last = count - 1
    chosen = sorted({round(n * last / 4) for n in range(5)})
    major = {0, round(last / 2), last}
    return [(index, index not in major) for index in chosen]


def _empty_chart(chart_id: str, title: Any, desc: Any) -> Markup:
    empty = _("No data")  # outside the f-string, where the message extractor can see it
    body = [
        f'<text class="chart-empty" x="50%" y="34" text-anchor="middle" '
        f'font-size="{FONT_SIZE + 2}" fill="{INK}">{_text(empty)}</text>'
    ]
    return _svg(chart_id, "no-data", title, desc, 56, body)


def _svg(chart_id: str, kind: str, title: Any, desc: Any, height: int, body: list[str]) -> Markup:
    return Markup(  # noqa: S704 - every inserted text went through _text() / _number()
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" role="img" '
        f'width="100%" height="{height}" aria-labelledby="{chart_id}-title {chart_id}-desc">'
        f'<title id="{chart_id}-title">{_text(title)}</title>'
        f'<desc id="{chart_id}-desc">{_text(desc)}</desc>' + "".join(body) + "</svg>"
    )


def _chart_id(kind: str, title: Any, desc: Any) -> str:
    """Stable and unique per chart on a page, so aria-labelledby finds the right title."""
    digest = hashlib.sha256(f"{kind}\0{title}\0{desc}".encode()).hexdigest()[:10]
    return f"chart-{digest}"


def _text(value: Any) -> str:
    # str() first: a lazy translation string claims to be safe HTML through __html__.
    return str(escape(str(value)))


def _number(value: int, locale: Any) -> str:
    return _text(format_decimal(value, locale=locale))


def _number_attr(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _percent(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")

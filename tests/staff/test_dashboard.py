import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from portal.casework import stats as services
from portal.extensions import db
from portal.models import Tip, TipStatus
from portal.staff.dashboard import charts
from portal.staff.queue.routes import CATEGORY_LABELS
from tests.helpers import submit_report
from tests.staff.helpers import make_staff, sign_in, staff_client

SVG = re.compile(r"<svg\b[^>]*>.*?</svg>", re.S)


def submit(client, *specs: tuple[str, str]) -> None:
    """Send one report per (category, country); an empty country means none chosen."""
    for n, (category, country) in enumerate(specs):
        response = submit_report(client, category, country=country, description=f"Tip {n}")
        assert response.status_code == 303, response.status_code


def tip_ids(app) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(db.select(Tip.id).order_by(Tip.id)))


def update_tip(app, tip_id: int, change) -> None:
    with app.app_context():
        tip = db.session.get(Tip, tip_id)
        change(tip)
        db.session.commit()


def figures(app, days: int = services.DEFAULT_PERIOD, **kwargs) -> services.Dashboard:
    with app.app_context():
        return services.dashboard(days, **kwargs)


def figure(page: str, key: str) -> str:
    match = re.search(rf'<dd id="figure-{key}">(.*?)</dd>', page, re.S)
    assert match, key
    return " ".join(match.group(1).split())


def table_count(page: str, label: str) -> int:
    match = re.search(
        rf'<th scope="row">{re.escape(label)}</th><td class="number">(\d+)</td>', page
    )
    assert match, label
    return int(match.group(1))


# --- access -------------------------------------------------------------------------------


def test_dashboard_redirects_to_sign_in_when_signed_out(client):
    response = client.get("/staff/dashboard")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/login")


def test_analyst_sees_the_dashboard_and_its_nav_link(app):
    analyst = staff_client(app, "analyst")
    response = analyst.get("/staff/dashboard")
    assert response.status_code == 200
    assert 'href="/staff/dashboard" aria-current="page"' in response.text
    assert 'href="/staff/dashboard"' in analyst.get("/staff/queue").text


# --- figures -----------------------------------------------------------------------------


def test_dashboard_counts_match_submitted_tips(app, client):
    submit(
        client,
        ("drugs", "ID"),
        ("drugs", "ID"),
        ("drugs", "ID"),
        ("job-offer", "TH"),
        ("job-offer", "TH"),
        ("extremism", ""),
    )
    update_tip(app, tip_ids(app)[0], lambda tip: setattr(tip, "status", TipStatus.IN_REVIEW))

    shown = figures(app)
    assert shown.total == 6
    assert shown.by_category == [("drugs", 3), ("job-offer", 2), ("extremism", 1), ("other", 0)]
    assert shown.by_country == [("ID", 3), ("TH", 2), (None, 1)]
    assert dict(shown.by_status) == {s.value: 0 for s in TipStatus} | {"new": 5, "in_review": 1}
    today = datetime.now(UTC).date()
    assert len(shown.per_day) == services.DAILY_DAYS and shown.per_day[-1] == (today, 6)
    assert sum(n for _day, n in shown.per_day) == 6
    monday = today - timedelta(days=today.weekday())
    assert len(shown.per_week) == services.WEEKLY_WEEKS and shown.per_week[-1] == (monday, 6)

    page = staff_client(app, "analyst").get("/staff/dashboard").text
    assert figure(page, "total") == "6"
    assert table_count(page, "Drugs") == 3
    assert table_count(page, "Job offer") == 2
    assert table_count(page, "Indonesia") == 3
    assert table_count(page, "Thailand") == 2
    assert table_count(page, "Not given") == 1
    assert table_count(page, "In review") == 1


def test_time_to_first_review_median_and_90th_percentile(app, client):
    submit(client, ("drugs", "ID"), ("drugs", "ID"), ("drugs", "ID"), ("drugs", "ID"))
    for tip_id, hours in zip(tip_ids(app), (1, 2, 4), strict=False):
        update_tip(
            app,
            tip_id,
            lambda tip, h=hours: setattr(
                tip, "first_reviewed_at", tip.created_at + timedelta(hours=h)
            ),
        )

    review = figures(app).review
    assert (review.reviewed, review.not_reviewed) == (3, 1)
    assert review.median_seconds == pytest.approx(2 * 3600, abs=1)
    # Interpolated like percentile_cont: 2 h + 0.8 × (4 h − 2 h) = 3 h 36 min.
    assert review.p90_seconds == pytest.approx(3.6 * 3600, abs=1)

    page = staff_client(app, "analyst").get("/staff/dashboard").text
    assert figure(page, "median") == '<time datetime="PT7200S">2 hours</time>'
    assert figure(page, "p90") == '<time datetime="PT12960S">3 hours, 36 minutes</time>'
    assert figure(page, "not-reviewed") == "1"


def test_time_to_first_review_without_reviewed_tips(app, client):
    submit(client, ("drugs", "ID"))
    review = figures(app).review
    assert review.median_seconds is None and review.p90_seconds is None
    page = staff_client(app, "analyst").get("/staff/dashboard").text
    assert figure(page, "median") == "No tip reviewed yet"


def test_period_selector_limits_the_counts(app, client):
    submit(client, ("drugs", "ID"), ("job-offer", "VN"), ("extremism", "PH"))
    _today, twenty_days, sixty_days = tip_ids(app)
    now = datetime.now(UTC)
    update_tip(app, twenty_days, lambda tip: setattr(tip, "created_at", now - timedelta(days=20)))
    update_tip(app, sixty_days, lambda tip: setattr(tip, "created_at", now - timedelta(days=60)))

    analyst = staff_client(app, "analyst")
    for days, total in ((7, 1), (30, 2), (90, 3)):
        page = analyst.get(f"/staff/dashboard?days={days}")
        assert page.status_code == 200
        assert figure(page.text, "total") == str(total)
        assert f'<option value="{days}" selected>' in page.text
    assert '<form method="get"' in page.text and 'name="days"' in page.text
    assert table_count(page.text, "Philippines") == 1

    page = analyst.get("/staff/dashboard")
    assert '<option value="30" selected>' in page.text
    for bad in ("5", "abc", "-7", "30.0"):
        page = analyst.get(f"/staff/dashboard?days={bad}")
        assert page.status_code == 400
        assert "Please choose one of the periods in the list." in page.text
        assert figure(page.text, "total") == "2"  # falls back to the default period


def test_days_and_weeks_are_utc_calendar_buckets(app, client):
    submit(client, ("drugs", "ID"), ("drugs", "ID"), ("drugs", "ID"))
    late, early, old = tip_ids(app)
    now = datetime(2025, 3, 12, 9, 0, tzinfo=UTC)  # a Wednesday
    just_before_midnight = datetime(2025, 3, 9, 23, 59, 30, tzinfo=UTC)  # a Sunday
    just_after_midnight = datetime(2025, 3, 10, 0, 0, 30, tzinfo=UTC)  # the next Monday
    update_tip(app, late, lambda tip: setattr(tip, "created_at", just_before_midnight))
    update_tip(app, early, lambda tip: setattr(tip, "created_at", just_after_midnight))
    update_tip(app, old, lambda tip: setattr(tip, "created_at", now - timedelta(weeks=11)))

    with app.app_context():
        if db.session.get_bind().dialect.name == "postgresql":
            # The database's own time zone must not move a tip to another day.
            db.session.execute(db.text("SET TIME ZONE 'Asia/Jakarta'"))
        shown = services.dashboard(30, now=now)

    per_day = dict(shown.per_day)
    assert per_day[date(2025, 3, 9)] == 1 and per_day[date(2025, 3, 10)] == 1
    assert sum(per_day.values()) == 2 and shown.per_day[-1][0] == date(2025, 3, 12)
    per_week = dict(shown.per_week)
    assert per_week[date(2025, 3, 3)] == 1 and per_week[date(2025, 3, 10)] == 1
    assert per_week[date(2024, 12, 23)] == 1  # Monday of the week eleven weeks back
    assert list(per_week)[0] == date(2024, 12, 23) and list(per_week)[-1] == date(2025, 3, 10)


def test_labels_and_durations_follow_the_staff_language(app, client):
    submit(client, ("drugs", "TH"))
    update_tip(
        app,
        tip_ids(app)[0],
        lambda tip: setattr(tip, "first_reviewed_at", tip.created_at + timedelta(hours=2)),
    )
    make_staff(app, "analis", "analyst", language="vi")
    analyst = app.test_client()
    assert sign_in(analyst, app, "analis").status_code == 303
    page = analyst.get("/staff/dashboard").text
    with app.test_request_context(), force_locale("vi"):
        drugs = str(CATEGORY_LABELS["drugs"])
    assert table_count(page, "Thái Lan") == 1
    assert table_count(page, drugs) == 1
    # Babel has no long unit names for Vietnamese: we must not print "2 duration-hour".
    assert figure(page, "median") == '<time datetime="PT7200S">2 giờ</time>'


# --- the charts on the page --------------------------------------------------------------


def test_dashboard_charts_are_accessible_svg_without_script_or_style(app, client):
    submit(client, ("drugs", "ID"), ("job-offer", "TH"))
    page = staff_client(app, "analyst").get("/staff/dashboard").text
    svgs = SVG.findall(page)
    assert len(svgs) == 5
    for svg in svgs:
        assert 'role="img"' in svg
        title_id, desc_id = re.search(r'aria-labelledby="([^"]+)"', svg).group(1).split()
        assert re.search(rf'<title id="{title_id}">[^<]+</title>', svg)
        assert re.search(rf'<desc id="{desc_id}">[^<]+</desc>', svg)
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "ids on the page must be unique"
    # Each chart is followed by its numbers as a table.
    assert len(re.findall(r"</svg>\s*<details>\s*<summary>[^<]+</summary>\s*<table", page)) == 5
    assert "style=" not in page
    assert "<script" not in page.lower()


# --- charts.py ---------------------------------------------------------------------------


def bar_lengths(svg: str) -> list[float]:
    return [float(w) for w in re.findall(r'<rect class="chart-bar"[^>]*width="([\d.]+)%"', svg)]


def test_bar_chart_lengths_are_proportional_to_counts():
    svg = str(charts.bar_chart([("a", 10), ("b", 5), ("c", 2), ("d", 0)], "T", "D"))
    lengths = bar_lengths(svg)
    assert lengths[0] == charts.BAR_MAX_PERCENT
    assert [length / lengths[0] for length in lengths] == pytest.approx([1, 0.5, 0.2, 0])
    assert ">10</text>" in svg and ">0</text>" in svg


def test_line_chart_heights_are_proportional_to_counts():
    start = date(2025, 1, 1)
    svg = str(
        charts.line_chart(
            [(start + timedelta(days=i), v) for i, v in enumerate([0, 4, 8])], "T", "D"
        )
    )
    ys = [float(y) for y in re.findall(r'<circle class="chart-point"[^>]*cy="([\d.]+)"', svg)]
    heights = [ys[0] - y for y in ys]
    assert heights[1] * 2 == pytest.approx(heights[2]) and heights[0] == 0
    assert ">Jan 1</text>" in svg and ">Jan 3</text>" in svg
    assert svg.count('<line class="chart-line"') == 2


def test_line_chart_labels_a_few_dates_and_marks_those_to_hide_on_phones():
    start = date(2025, 1, 1)
    svg = str(charts.line_chart([(start + timedelta(days=i), 1) for i in range(30)], "T", "D"))
    labels = re.findall(r'<text class="([^"]+)"[^>]*>(Jan \d+)</text>', svg)
    assert [day for _kind, day in labels] == ["Jan 1", "Jan 8", "Jan 15", "Jan 23", "Jan 30"]
    minor = [day for kind, day in labels if "chart-label-minor" in kind]
    assert minor == ["Jan 8", "Jan 23"]


def test_label_indices_keep_first_middle_and_last():
    assert charts.label_indices(1) == [(0, False)]
    assert charts.label_indices(3) == [(0, False), (1, False), (2, False)]
    assert charts.label_indices(12) == [(0, False), (3, True), (6, False), (8, True), (11, False)]


@pytest.mark.parametrize(
    "chart",
    [
        lambda: charts.bar_chart([], "Empty", "Nothing"),
        lambda: charts.bar_chart([("a", 0), ("b", 0)], "Empty", "Nothing"),
        lambda: charts.line_chart([], "Empty", "Nothing"),
        lambda: charts.line_chart([(date(2025, 1, 1), 0)], "Empty", "Nothing"),
    ],
)
def test_charts_without_data_say_so(chart):
    svg = str(chart())
    assert "No data" in svg
    assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
    assert "<rect" not in svg and "<circle" not in svg


def test_chart_text_is_escaped():
    svg = str(
        charts.bar_chart(
            [("<script>alert(1)</script>", 3), ('"quoted" & <b>', 1)],
            "<b>title</b>",
            _l("<i>lazy</i> & desc"),  # lazy strings claim to be safe HTML: still escaped
        )
    )
    assert "<script" not in svg and "<b>" not in svg and "<i>" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    assert "&#34;quoted&#34; &amp; &lt;b&gt;" in svg
    assert "&lt;i&gt;lazy&lt;/i&gt; &amp; desc" in svg
    assert "style=" not in svg


def test_chart_ids_differ_between_charts_and_link_title_and_desc():
    first = str(charts.bar_chart([("a", 1)], "One", "D"))
    second = str(charts.line_chart([(date(2025, 1, 1), 1)], "Two", "D"))
    first_ids = re.search(r'aria-labelledby="([^"]+)"', first).group(1).split()
    second_ids = re.search(r'aria-labelledby="([^"]+)"', second).group(1).split()
    assert not set(first_ids) & set(second_ids)
    assert f'<title id="{first_ids[0]}">One</title>' in first


def test_axis_ticks_are_round_whole_numbers():
    assert charts.axis_ticks(1) == [0, 1]
    assert charts.axis_ticks(7) == [0, 2, 4, 6, 8]
    assert charts.axis_ticks(100) == [0, 50, 100]
    assert charts.axis_ticks(13) == [0, 5, 10, 15]

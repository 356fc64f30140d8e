"""The Big List of Naughty Strings through every text field: no 5xx, exact round trip."""

import html
import re

from portal.extensions import db
from portal.models import Message, Tip
from portal.sanitize import clean_line, clean_text
from tests.helpers import blns_lines, form_tokens, get_form

TEXT_FIELDS = {
    "drugs": ["description", "link", "contact", "what_sold"],
    "job-offer": ["description", "link", "contact", "salary"],
    "extremism": ["description", "link", "contact"],
    "other": ["description", "link", "contact", "topic"],
}
LIMITS = {"description": 10_000, "salary": 200, "topic": 200}


def test_every_naughty_string_through_every_report_field(app, client):
    lines = blns_lines()
    categories = list(TEXT_FIELDS)
    expected: list[tuple[str, dict[str, str]]] = []
    for n, line in enumerate(lines):
        category = categories[n % len(categories)]
        tokens = get_form(client, f"/en/report/{category}")
        fields = dict.fromkeys(TEXT_FIELDS[category], line)
        response = client.post(
            f"/en/report/{category}", data={**tokens, **fields}, content_type="multipart/form-data"
        )
        assert response.status_code < 500, (line, response.status_code)
        if any(len(line) > LIMITS.get(name, 500) for name in fields):
            assert response.status_code == 400
            assert "Please use at most" in response.text
        elif clean_text(line, 10_000) or clean_line(line, 500):
            assert response.status_code == 303, (line, response.status_code)
            expected.append((category, fields))
        else:  # markup only: nothing is left once it is stripped
            assert response.status_code == 400
            assert "Please describe what you saw" in response.text
    with app.app_context():
        stored = list(db.session.scalars(db.select(Tip).order_by(Tip.id)))
        assert len(stored) == len(expected)
        for tip, (category, fields) in zip(stored, expected, strict=True):
            line = fields["description"]
            assert tip.category == category
            assert tip.description == clean_text(line, 10_000)
            assert tip.link == clean_line(line, 500)
            assert tip.contact == clean_line(line, 500)
            for name, value in tip.answers.items():
                if name in fields:  # the others are choices with their defaults
                    assert value == clean_line(line, 500), name


def test_naughty_strings_in_follow_up_replies_round_trip_and_are_escaped(app, client):
    tokens = get_form(client, "/en/report/other")
    client.post(
        "/en/report/other",
        data={**tokens, "description": "start"},
        content_type="multipart/form-data",
    )
    code = re.search(r'id="receipt-code">([^<]*)<', client.get("/en/report/done").text).group(1)
    page = client.get("/en/follow-up").text
    client.post("/en/follow-up", data={"csrf_token": form_tokens(page)["csrf_token"], "code": code})
    csrf = form_tokens(client.get("/en/follow-up").text)["csrf_token"]
    sent = []
    for line in blns_lines()[::3]:
        response = client.post(
            "/en/follow-up/reply",
            data={"csrf_token": csrf, "body": line},
            content_type="multipart/form-data",
        )
        assert response.status_code in (303, 400), (line, response.status_code)
        if response.status_code == 303:
            sent.append(clean_text(line, 10_000))
    page = client.get("/en/follow-up").text
    bodies = [
        html.unescape(b) for b in re.findall(r'<p class="message-body">(.*?)</p>', page, re.S)
    ]
    assert bodies[: len(sent)] == sent
    assert "<script>" not in page.split("<main", 1)[1].split("</main>", 1)[0]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Message)) == len(sent)

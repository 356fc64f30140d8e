import re
import xml.etree.ElementTree as ET

import pytest

from portal.extensions import db
from portal.i18n import LOCALES, example_phone_number
from portal.jobs.triage import triage_tip
from portal.models import Tip
from portal.models.warnings import PublicWarning
from portal.warnings.services import normalise_query
from tests.helpers import form_tokens, receipt_from, submit_report
from tests.staff.helpers import staff_client

ATOM = "{http://www.w3.org/2005/Atom}"


def published_warning(
    app,
    client,
    phone="0812-3456-7890",
    *,
    country="ID",
    description=None,
    identifier="phone|+6281234567890",
    **extra_summaries,
):
    submit_report(
        client,
        "job-offer",
        country=country,
        description=description or f"Rekrut kerja ke Kamboja, WA {phone}, visa turis",
    )
    with app.app_context():
        triage_tip(db.session.scalar(db.select(Tip.id)))
    supervisor = staff_client(app, "supervisor")
    page = supervisor.get("/staff/tips/1").text
    assert "Publish a public warning" in page
    response = supervisor.post(
        "/staff/tips/1/warnings",
        data={
            "csrf_token": form_tokens(page)["csrf_token"],
            "identifier": identifier,
            "incident_date": "2026-11-01",
            "summary_id": "Nomor ini merekrut orang untuk kerja penipuan di Kamboja.",
            "summary_en": "This number recruits people for scam work in Cambodia.",
            "summary_vi": "Số này tuyển người làm lừa đảo ở Campuchia.",
            **extra_summaries,
        },
    )
    assert response.status_code == 303
    return supervisor


def test_a_published_warning_is_listed_in_each_language(app, client):
    published_warning(app, client)
    assert "merekrut orang untuk kerja penipuan" in client.get("/id/warnings").text
    assert "recruits people for scam work" in client.get("/en/warnings").text
    assert "tuyển người làm lừa đảo" in client.get("/vi/warnings").text
    assert "+6281234567890" in client.get("/en/warnings").text


def test_search_finds_a_phone_typed_in_any_local_format(app, client):
    published_warning(app, client)
    for typed in ["0812 3456 7890", "+62 812-3456-7890", "081234567890", "6281234567890"]:
        page = client.get("/en/warnings", query_string={"q": typed}).text
        assert "We found 1 warning about this." in page, typed
    page = client.get("/en/warnings", query_string={"q": "0899-0000-1111"}).text
    assert "We have no warning about this. That does not mean it can be trusted" in page


@pytest.mark.parametrize(
    "lang, example",
    [
        ("id", "0812-345-678"),
        ("vi", "0912 345 678"),
        ("tl", "0905 123 4567"),
        ("th", "081 234 5678"),
        ("my", "09 212 3456"),
        ("en", "+62 812-345-678"),  # no one country: international form
    ],
)
def test_the_search_hint_shows_a_number_written_as_at_home(client, lang, example):
    hint = re.search(r'<p class="hint" id="q-hint">([^<]*)</p>', client.get(f"/{lang}/warnings").text)
    assert hint and example in hint.group(1)
    assert "0812-3456-7890" not in hint.group(1)


def test_every_locale_example_is_a_number_the_search_understands(app):
    with app.test_request_context():
        for lang in LOCALES:
            example = example_phone_number(lang)
            assert any(kind == "phone" for kind, _ in normalise_query(example)), (lang, example)


def test_atom_feed_lists_warnings_and_withdrawn_ones_disappear(app, client):
    supervisor = published_warning(app, client)
    feed = client.get("/en/warnings.atom")
    assert feed.mimetype == "application/atom+xml"
    root = ET.fromstring(feed.data)
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 1
    assert "Cambodia" in entries[0].find(f"{ATOM}summary").text
    with app.app_context():
        warning_id = db.session.scalar(db.select(PublicWarning.id))
    token = form_tokens(supervisor.get("/staff/warnings").text)["csrf_token"]
    assert (
        supervisor.post(
            f"/staff/warnings/{warning_id}/withdraw", data={"csrf_token": token}
        ).status_code
        == 303
    )
    app.extensions.get("waspada.page_cache", {}).clear()  # the 5-minute page cache
    assert "+6281234567890" not in client.get("/en/warnings").text
    root = ET.fromstring(client.get("/en/warnings.atom").data)
    assert root.findall(f"{ATOM}entry") == []
    assert client.get(f"/en/warnings/{warning_id}").status_code == 404


def test_a_dispute_goes_to_the_staff_queue(app, client):
    published_warning(app, client)
    with app.app_context():
        warning_id = db.session.scalar(db.select(PublicWarning.id))
    opened = client.get(f"/id/warnings/{warning_id}")
    assert opened.status_code == 200
    page = opened.text
    response = client.post(
        f"/id/warnings/{warning_id}",
        data={
            **form_tokens(page),
            "reason": "about_me",
            "details": "Ini nomor saya, saya tidak merekrut siapa pun.",
            "contact": "",
        },
    )
    assert response.status_code == 303
    assert receipt_from(client, "id")
    with app.app_context():
        dispute = db.session.scalars(db.select(Tip).order_by(Tip.id.desc())).first()
        assert dispute.answers["dispute"] == "about_me"
        assert dispute.answers["warning_id"] == str(warning_id)
    analyst = staff_client(app, "analyst")
    assert f'href="/staff/tips/{dispute.id}"' in analyst.get("/staff/queue").text


def test_only_supervisors_publish(app, client):
    submit_report(client, "job-offer", description="WA 0812-3456-7890")
    analyst = staff_client(app, "analyst")
    token = form_tokens(analyst.get("/staff/tips/1").text)["csrf_token"]
    assert "Publish a public warning" not in analyst.get("/staff/tips/1").text
    response = analyst.post("/staff/tips/1/warnings", data={"csrf_token": token})
    assert response.status_code == 403


def test_the_checker_shows_a_matching_warning(app, client):
    published_warning(app, client)
    page = client.get("/en/check").text
    result = client.post(
        "/en/check",
        data={
            **form_tokens(page),
            "offer": "Kerja di Kamboja",
            "contact": "WA 0812 3456 7890",
            "country": "ID",
        },
    )
    assert result.status_code == 200
    assert re.search(r"recruits people for scam work", result.text)


def test_a_summary_may_be_added_in_any_other_locale_and_falls_back_otherwise(app, client):
    supervisor = published_warning(
        app,
        client,
        country="TH",
        description="งานแอดมิน เมียวดี WA +66 81 234 5678",
        identifier="phone|+66812345678",
        summary_th="เบอร์นี้ชวนคนไปทำงานหลอกลวงที่เมียวดี",
        summary_km="",
    )
    assert "Summary in ไทย (optional)" in supervisor.get("/staff/tips/1").text
    assert "เบอร์นี้ชวนคนไปทำงานหลอกลวงที่เมียวดี" in client.get("/th/warnings").text
    assert "This number recruits people" in client.get("/km/warnings").text
    assert "Nomor ini merekrut" in client.get("/ms/warnings").text
    with app.app_context():
        assert set(db.session.scalar(db.select(PublicWarning.summary))) == {"id", "en", "vi", "th"}

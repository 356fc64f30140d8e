import csv
import io
import json

import pytest
import stix2
from stix2patterns.validator import validate as validate_pattern

from portal.casework import exports as services
from portal.casework.queries import QueueFilters
from portal.extensions import db
from portal.jobs.triage import triage_tip
from portal.models import Tip
from portal.models.staff import AuditEvent
from tests.helpers import submit_report
from tests.staff.helpers import staff_client

REPORTER_CONTACT = "reporter.private@mailbox.com +62 899 0000 1111"
DRUGS = (
    "Jual sabu, WA 0812-3456-7890, web hxxps://sabu-murah[.]xyz/order, "
    "email Jual@SabuMurah.xyz ig @sabu.murah"
)
VIETNAMESE = "Tuyển dụng việc nhẹ lương cao ở Campuchia, liên hệ Telegram @tuyendung_vip"
FORMULA = '=HYPERLINK("https://evil.example/x","Bấm vào đây")'
EXPORT_URLS = (
    "/staff/exports",
    "/staff/exports/tips.csv",
    "/staff/exports/indicators.stix.json",
)


def make_tips(app, client):
    """A drugs tip with a reporter contact, a Vietnamese job offer and a formula."""
    submit_report(client, "drugs", country="ID", description=DRUGS, contact=REPORTER_CONTACT)
    submit_report(client, "job-offer", "vi", country="VN", description=VIETNAMESE)
    submit_report(client, "other", country="TH", description=FORMULA, link="@evil_admin")
    with app.app_context():
        for tip_id in db.session.scalars(db.select(Tip.id).order_by(Tip.id)).all():
            triage_tip(tip_id)


def csv_rows(response):
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM, for Excel
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.mark.parametrize("url", EXPORT_URLS)
def test_analysts_get_403_on_every_export_url(app, client, url):
    analyst = staff_client(app, "analyst")
    assert analyst.get(url).status_code == 403
    assert analyst.get(url + "?category=drugs").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(app, client):
    for url in EXPORT_URLS:
        response = client.get(url)
        assert response.status_code == 302
        assert "/staff/login" in response.headers["Location"]


def test_export_page_keeps_the_filters_and_counts_matching_tips(app, client):
    make_tips(app, client)
    supervisor = staff_client(app, "supervisor")
    page = supervisor.get("/staff/exports?category=drugs&status=")
    assert page.status_code == 200
    assert "1 tip matches these filters." in page.text
    assert '<option value="drugs" selected>' in page.text
    assert 'formaction="/staff/exports/tips.csv"' in page.text
    assert 'formaction="/staff/exports/indicators.stix.json"' in page.text
    assert 'href="/staff/exports" aria-current="page"' in page.text  # the nav link


def test_bad_filters_get_a_clear_400(app, client):
    supervisor = staff_client(app, "supervisor")
    for url in EXPORT_URLS:
        response = supervisor.get(url + "?category=weapons")
        assert response.status_code == 400
        assert "This filter value is not valid: category" in response.text
    with app.app_context():
        actions = db.session.scalars(db.select(AuditEvent.action)).all()
        assert not [action for action in actions if action.startswith("export")]


def test_csv_export_streams_the_matching_tips(app, client):
    make_tips(app, client)
    supervisor = staff_client(app, "supervisor")
    response = supervisor.get("/staff/exports/tips.csv?status=")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "private, no-store"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="waspada-tips-')
    assert disposition.endswith('.csv"')
    rows = csv_rows(response)
    assert list(rows[0]) == list(services.CSV_COLUMNS)
    assert [row["id"] for row in rows] == ["1", "2", "3"]
    drugs = rows[0]
    assert drugs["category"] == "drugs"
    assert drugs["country"] == "ID"
    assert drugs["created_at"].endswith("Z")
    assert drugs["urgent"] in ("true", "false")
    indicators = drugs["indicators"].split(";")
    assert "phone:+6281234567890" in indicators
    assert "url:https://sabu-murah.xyz/order" in indicators  # raw, not defanged
    assert "email:jual@sabumurah.xyz" in indicators
    assert drugs["score_rules"]
    assert json.loads(rows[1]["answers"])["situation"] == "not_left"


def test_csv_export_honours_the_filters(app, client):
    make_tips(app, client)
    supervisor = staff_client(app, "supervisor")
    rows = csv_rows(supervisor.get("/staff/exports/tips.csv?category=job-offer&status="))
    assert [row["category"] for row in rows] == ["job-offer"]
    rows = csv_rows(supervisor.get("/staff/exports/tips.csv?country=th&status="))
    assert [row["id"] for row in rows] == ["3"]
    rows = csv_rows(supervisor.get("/staff/exports/tips.csv?q=sabu&status="))
    assert [row["id"] for row in rows] == ["1"]
    rows = csv_rows(supervisor.get("/staff/exports/tips.csv?status=closed"))
    assert rows == []


def test_csv_never_contains_receipt_hash_submission_key_or_reporter_contact(app, client):
    make_tips(app, client)
    with app.app_context():
        secrets = [
            (tip.receipt_hash, tip.submission_key, tip.contact)
            for tip in db.session.scalars(db.select(Tip))
        ]
    assert any(contact == REPORTER_CONTACT for *_, contact in secrets)
    supervisor = staff_client(app, "supervisor")
    body = supervisor.get("/staff/exports/tips.csv?status=").get_data(as_text=True)
    stix = supervisor.get("/staff/exports/indicators.stix.json?status=").get_data(as_text=True)
    for receipt_hash, submission_key, _contact in secrets:
        assert receipt_hash not in body and receipt_hash not in stix
        assert submission_key not in body and submission_key not in stix
    for needle in ("reporter.private", "mailbox.com", "899 0000 1111", "+628990000111"):
        assert needle not in body and needle not in stix
    for column in ("receipt", "submission", "contact"):
        assert not any(column in name for name in services.CSV_COLUMNS)


def test_csv_neutralises_formulas_and_keeps_vietnamese_intact(app, client):
    make_tips(app, client)
    supervisor = staff_client(app, "supervisor")
    rows = {row["id"]: row for row in csv_rows(supervisor.get("/staff/exports/tips.csv?status="))}
    assert rows["3"]["description"] == "'" + FORMULA
    assert rows["3"]["link"] == "'@evil_admin"
    assert rows["2"]["description"] == VIETNAMESE
    assert "telegram:tuyendung_vip" in rows["2"]["indicators"]
    for row in rows.values():
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+6281234", "'+6281234"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=x", "'\t=x"),
        ("\r=x", "'\r=x"),
        ("harmless = text", "harmless = text"),
        ("", ""),
    ],
)
def test_neutralise_formula(cell, expected):
    assert services.neutralise_formula(cell) == expected


def test_csv_batches_cover_every_tip_once(app, client):
    make_tips(app, client)
    with app.app_context():
        chunks = list(services.tips_csv(QueueFilters(status=""), None, batch_size=1))
    assert len(chunks) == 4  # header, then one chunk per batch of one tip
    rows = list(csv.DictReader(io.StringIO("".join(chunks).lstrip("\ufeff"))))
    assert [row["id"] for row in rows] == ["1", "2", "3"]


def stix_export(supervisor, query="status="):
    response = supervisor.get(f"/staff/exports/indicators.stix.json?{query}")
    assert response.status_code == 200
    return response


def test_stix_export_is_a_valid_marked_bundle(app, client):
    make_tips(app, client)
    supervisor = staff_client(app, "supervisor")
    response = stix_export(supervisor)
    assert response.is_streamed
    assert response.headers["Content-Type"] == "application/stix+json;version=2.1"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Content-Disposition"].endswith('.stix.json"')
    text = response.get_data(as_text=True)

    bundle = stix2.parse(text, allow_custom=False)
    assert bundle.type == "bundle"
    for obj in json.loads(text)["objects"]:
        stix2.parse(obj, allow_custom=False)
    assert stix2.parse(bundle.serialize(), allow_custom=False) == bundle  # round trip

    by_type = {}
    for obj in bundle.objects:
        by_type.setdefault(obj.type, []).append(obj)
    (identity,) = by_type["identity"]
    assert identity.name == "Waspada"
    assert by_type["marking-definition"] == [stix2.TLP_AMBER]
    indicators = by_type["indicator"]
    patterns = {i.pattern for i in indicators}
    assert "[url:value = 'https://sabu-murah.xyz/order']" in patterns
    assert "[domain-name:value = 'sabu-murah.xyz']" in patterns
    assert "[email-addr:value = 'jual@sabumurah.xyz']" in patterns
    assert (
        "[user-account:account_login = 'tuyendung_vip' AND user-account:account_type = 'telegram']"
    ) in patterns
    assert (
        "[user-account:account_login = '+6281234567890' AND user-account:account_type = 'whatsapp']"
    ) in patterns
    for indicator in indicators:
        assert validate_pattern(indicator.pattern, stix_version="2.1", print_errs=False)
        assert indicator.pattern_type == "stix"
        assert indicator.indicator_types == ["malicious-activity"]
        assert indicator.created_by_ref == identity.id
        assert indicator.object_marking_refs == [stix2.TLP_AMBER.id]
        assert indicator.valid_from <= indicator.modified
        # Counts and categories, never tip text.
        assert "Jual" not in indicator.description and "Tuyển" not in indicator.description
    whatsapp = next(i for i in indicators if "whatsapp" in i.pattern)
    assert whatsapp.description.endswith("1 (drugs: 1).")
    assert whatsapp.labels == ["drugs"]


def test_stix_ids_are_the_same_in_every_export(app, client):
    make_tips(app, client)
    supervisor = staff_client(app, "supervisor")
    first = stix2.parse(stix_export(supervisor).get_data(as_text=True))
    second = stix2.parse(stix_export(supervisor).get_data(as_text=True))
    ids = sorted(o.id for o in first.objects)
    assert ids == sorted(o.id for o in second.objects)
    assert len(ids) == len(set(ids))
    assert first.id != second.id  # bundles are envelopes, their ids are fresh
    assert services.stix_indicator_id("telegram", "tuyendung_vip") in ids


def test_stix_export_honours_the_filters(app, client):
    make_tips(app, client)
    supervisor = staff_client(app, "supervisor")
    bundle = stix2.parse(stix_export(supervisor, "category=job-offer&status=").get_data())
    patterns = [o.pattern for o in bundle.objects if o.type == "indicator"]
    assert patterns == [
        "[user-account:account_login = 'tuyendung_vip' AND user-account:account_type = 'telegram']"
    ]
    empty = stix2.parse(stix_export(supervisor, "status=closed").get_data())
    assert [o.type for o in empty.objects] == ["identity", "marking-definition"]


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("url", "https://bad.xyz/it's\\here"),
        ("domain", "xn--bcher-kva.xyz"),
        ("email", "o'brien@bad.xyz"),
        ("phone", "+6281234567890"),
        ("facebook", "some.page"),
        ("tiktok", "seller"),
        ("line", "seller01"),
        ("instagram", "sabu.murah"),
    ],
)
def test_stix_patterns_escape_quotes_and_backslashes(kind, value):
    pattern = services.stix_pattern(kind, value)
    assert validate_pattern(pattern, stix_version="2.1", print_errs=False)
    indicator = stix2.Indicator(
        pattern=pattern, pattern_type="stix", valid_from="2025-01-01T00:00:00Z"
    )
    assert stix2.parse(indicator.serialize(), allow_custom=False).pattern == pattern


def test_stix_bundle_passes_the_oasis_validator(app, client):
    stix2validator = pytest.importorskip("stix2validator")
    make_tips(app, client)
    supervisor = staff_client(app, "supervisor")
    text = stix_export(supervisor).get_data(as_text=True)
    # 103: our ids are UUIDv5 on purpose (stable across exports), not the recommended v4.
    options = stix2validator.ValidationOptions(version="2.1", disabled="103")
    result = stix2validator.validate_string(text, options)
    assert result.is_valid, [str(e) for e in result.errors]
    assert not result.warnings, [str(w) for w in result.warnings]


def test_every_export_is_audited_with_its_filters_and_count(app, client):
    make_tips(app, client)
    supervisor = staff_client(app, "supervisor", "sue")
    supervisor.get("/staff/exports/tips.csv?category=drugs&status=")
    stix = stix2.parse(stix_export(supervisor).get_data())
    supervisor.get("/staff/exports")  # the page itself exports nothing
    # A search is recorded by its length: the audit log outlives the tips it would quote.
    supervisor.get("/staff/exports/tips.csv?q=0812-5555-0199&status=")
    with app.app_context():
        events = db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.action.like("export%")).order_by(AuditEvent.id)
        ).all()
        assert [(e.action, e.username, e.summary) for e in events] == [
            ("export_csv", "sue", "category=drugs"),
            ("export_stix", "sue", "all"),
            ("export_csv", "sue", "all, a search of 14 characters"),
        ]
        assert events[0].detail["count"] == 1
        assert events[1].detail["count"] == sum(1 for o in stix.objects if o.type == "indicator")

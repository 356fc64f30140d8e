"""Payment identifiers on the staff side (issue 20): tips naming the same account are related
whatever language and category they came in, search finds an account however it is typed,
the tip page shows the holder and broken addresses, routing names the financial
intelligence unit, a supervisor can warn the public about an account, and exports carry
them in a form MISP imports."""

from __future__ import annotations

import json
import re

import pytest

from portal.extensions import db
from portal.jobs import store
from portal.jobs.triage import triage_tip
from portal.models import Tip
from tests.helpers import get_form, submit_report
from tests.staff.helpers import staff_client

BTC = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"


def _triage_all(app) -> list[int]:
    with app.app_context():
        ids = db.session.scalars(db.select(Tip.id).order_by(Tip.id)).all()
        for tip_id in ids:
            triage_tip(tip_id)
    return list(ids)


def _related_ids(page: str) -> set[int]:
    section = page.split("No other tip shares an indicator.")[0]
    return {int(x) for x in re.findall(r'href="/staff/tips/(\d+)"', section)}


def test_two_tips_in_other_languages_and_categories_naming_one_account_are_related(app, client):
    submit_report(
        client,
        "job-offer",
        lang="id",
        country="ID",
        description="Biaya proses visa 3 juta, transfer ke BCA no rek 873-012-3456 a.n. Budi Santoso",
    )
    submit_report(
        client,
        "drugs",
        lang="vi",
        country="VN",
        description="Bán đá, chuyển khoản BCA 8730 1234 56 trước khi giao hàng",
    )
    submit_report(
        client, "drugs", lang="en", description="Selling pills, pay by GCash 0917 123 4567"
    )
    first, second, third = _triage_all(app)
    analyst = staff_client(app, "analyst")
    page = analyst.get(f"/staff/tips/{first}").text
    assert "BCA 8730123456" in page
    assert "Account holder, as written: Budi Santoso" in page
    assert _related_ids(page) >= {second} and third not in _related_ids(page)
    assert f"/staff/tips/{first}" in analyst.get(f"/staff/tips/{second}").text


def test_search_finds_an_account_typed_in_any_form(app, client):
    submit_report(
        client, "drugs", country="ID", description="Transfer dulu ke BRI 0123-01-000123-50-1 ya"
    )
    submit_report(client, "drugs", country="ID", description="Bayar lewat DANA 0812-9988-7766")
    submit_report(client, "drugs", country="ID", description=f"Atau BTC {BTC.upper()}")
    submit_report(client, "drugs", country="ID", description="Jual sabu, COD saja")
    ids = _triage_all(app)
    analyst = staff_client(app, "analyst")

    def found(q: str) -> list[int]:
        page = analyst.get("/staff/queue", query_string={"q": q}).text
        return sorted({int(x) for x in re.findall(r'href="/staff/tips/(\d+)"', page)})

    assert found("012301000123501") == [ids[0]]
    assert found("0123 01 000123 50 1") == [ids[0]]
    assert found("BRI 0123-01-000123-50-1") == [ids[0]]
    assert found("+62 812 9988 7766") == [ids[1]]
    assert found("0812 9988 7766") == [ids[1]]
    assert found(BTC) == [ids[2]]


def test_the_tip_page_says_when_an_address_fails_its_checksum(app, client):
    broken = BTC[:-1] + "r"
    submit_report(
        client,
        "drugs",
        description=f"Pay BTC {broken} or ETH 0x52908400098527886E0F7030069857D2E4169Ee7",
    )
    (tip_id,) = _triage_all(app)
    page = staff_client(app, "analyst").get(f"/staff/tips/{tip_id}").text
    assert f"{broken} looks like a wallet address but its checksum fails" in page
    assert "0x52908400098527886E0F7030069857D2E4169Ee7 looks like a wallet address" in page
    with app.app_context():
        tip = db.session.get(Tip, tip_id)
        assert not any(kind == "crypto" for kind, _value in _kinds(tip_id))
        assert tip.triage_state == "done"


def _kinds(tip_id: int) -> list[tuple[str, str]]:
    return list(store.tip_indicators(tip_id))


def _one_tip(app, client, category: str, lang: str, country: str, description: str) -> int:
    """A report sent and triaged; its id."""
    submit_report(client, category, lang=lang, country=country, description=description)
    (tip_id,) = _triage_all(app)
    return tip_id


def test_routing_names_the_financial_intelligence_unit_of_the_account(app, client):
    tip_id = _one_tip(
        app,
        client,
        "job-offer",
        "vi",
        "VN",
        "Việc nhẹ lương cao ở Campuchia, đóng phí 5 triệu vào STK 0011004567890 Vietcombank",
    )
    with app.app_context():
        routes = db.session.get(Tip, tip_id).routing
    assert any(route["agency_id"] == "vn-sbv-aml" for route in routes)
    fiu = next(route for route in routes if route["agency_id"] == "vn-sbv-aml")
    assert fiu["reason"] == "payment_account" and fiu["reason_params"] == {"country": "VN"}
    page = staff_client(app, "analyst").get(f"/staff/tips/{tip_id}").text
    assert "financial intelligence unit there can trace it" in page


def test_a_supervisor_warns_the_public_about_an_account_and_the_number_finds_it(app, client):
    tip_id = _one_tip(
        app,
        client,
        "job-offer",
        "id",
        "ID",
        "Bayar biaya admin ke Mandiri 1230009876543 a.n. PT Maju",
    )
    supervisor = staff_client(app, "supervisor", "sue")
    tokens = get_form(supervisor, f"/staff/tips/{tip_id}")
    response = supervisor.post(
        f"/staff/tips/{tip_id}/warnings",
        data={
            "csrf_token": tokens["csrf_token"],
            "identifier": "bank_account|MANDIRI:1230009876543",
            "incident_date": "2026-11-20",
            "summary_id": "Rekening ini meminta biaya kerja palsu.",
            "summary_en": "This account asked for fake job fees.",
            "summary_vi": "Tài khoản này đòi phí việc làm giả.",
        },
    )
    assert response.status_code == 303
    for q in ("1230009876543", "123-000-987-6543", "Mandiri 1230009876543"):
        page = client.get("/en/warnings", query_string={"q": q}).text
        assert "MANDIRI 1230009876543" in page, q
    assert (
        "MANDIRI 1230009876543"
        not in client.get("/en/warnings", query_string={"q": "1230009876"}).text
    )


def test_exports_carry_payment_identifiers_in_forms_misp_imports(app, client):
    submit_report(
        client,
        "drugs",
        country="ID",
        description=f"Transfer ke BCA 8730123456, DANA 0812-9988-7766, BTC {BTC}, "
        "USDT TRC20 TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
    )
    _triage_all(app)
    supervisor = staff_client(app, "supervisor")
    csv_text = supervisor.get("/staff/exports/tips.csv?status=").get_data(as_text=True)
    for value in (
        "bank_account:BCA:8730123456",
        "ewallet:DANA:+6281299887766",
        f"crypto:btc:{BTC}",
    ):
        assert value in csv_text
    bundle = json.loads(
        supervisor.get("/staff/exports/indicators.stix.json?status=").get_data(as_text=True)
    )
    objects = bundle["objects"]
    bank = next(
        o
        for o in objects
        if o["type"] == "x-misp-object" and 'misp:name="bank-account"' in o["labels"]
    )
    assert {
        "object_relation": "account",
        "type": "bank-account-nr",
        "value": "8730123456",
        "to_ids": True,
    } in bank["x_misp_attributes"]
    assert {"object_relation": "institution-name", "type": "text", "value": "BCA"} in bank[
        "x_misp_attributes"
    ]
    btc = next(o for o in objects if o["type"] == "x-misp-attribute")
    assert btc["x_misp_type"] == "btc" and btc["x_misp_value"] == BTC
    coin = next(
        o
        for o in objects
        if o["type"] == "x-misp-object" and 'misp:name="coin-address"' in o["labels"]
    )
    assert {"type": "text", "object_relation": "symbol", "value": "TRON"} in coin[
        "x_misp_attributes"
    ]
    wallet = next(o for o in objects if o["type"] == "indicator" and "'dana'" in o["pattern"])
    assert wallet["pattern"] == (
        "[user-account:account_login = '+6281299887766' AND user-account:account_type = 'dana']"
    )


def test_the_bundle_with_payment_objects_passes_the_oasis_validator(app, client):
    stix2validator = pytest.importorskip("stix2validator")
    submit_report(
        client,
        "drugs",
        country="ID",
        description=f"BCA 8730123456 atau BTC {BTC} atau DANA 0812-9988-7766",
    )
    _triage_all(app)
    text = (
        staff_client(app, "supervisor")
        .get("/staff/exports/indicators.stix.json?status=")
        .get_data(as_text=True)
    )
    # 103: stable UUIDv5 ids on purpose. Custom objects are misp-stix's own; the validator
    # warns that it cannot check them (strict mode off), which is the point of them.
    options = stix2validator.ValidationOptions(version="2.1", disabled="103")
    result = stix2validator.validate_string(text, options)
    assert result.is_valid, [str(e) for e in result.errors]
    assert "x-misp-object" in text and "x-misp-attribute" in text

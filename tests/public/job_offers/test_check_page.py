"""`/<lang>/check`: the job-offer checker page. Nothing typed is stored or logged; the
result never calls an offer safe; the report button carries the offer to the report form."""

from __future__ import annotations

import html
import logging
import re

import pytest

from portal.extensions import db
from portal.models import Tip
from tests.helpers import blns_lines, form_tokens, get_form

SCAM = (
    "DIBUTUHKAN SEGERA! Admin CS penempatan Sihanoukville, gaji 15 jt/bln. "
    "Berangkat pakai visa kunjungan dulu, paspor nanti dipegang bos."
)
HONEST = (
    "PT Sinar Makmur Indonesia membuka lowongan operator produksi di Kawasan Industri "
    "Jababeka. Gaji sesuai UMK, BPJS. Lamaran ke rekrutmen@sinarmakmur.co.id"
)
# The words for "safe" that must never appear on a result page, by locale.
SAFE_WORDS = {
    "en": r"\bsafe",
    "id": r"\baman\b",
    "vi": r"an toàn",
    "ms": r"\bselamat|\baman\b",
    "tl": r"\bligtas",
    "th": r"ปลอดภัย",
    "km": r"សុវត្ថិភាព",
    "lo": r"ປອດໄພ",
    "my": r"လုံခြုံ|ဘေးကင်း|စိတ်ချ",
}


def main_part(page: str) -> str:
    return page.split("<main", 1)[1].split("</main>", 1)[0]


def send_check(client, lang: str = "en", **fields):
    tokens = get_form(client, f"/{lang}/check")
    return client.post(f"/{lang}/check", data={"csrf_token": tokens["csrf_token"], **fields})


def row_counts(app) -> dict[str, int]:
    with app.app_context():
        return {
            table.name: db.session.scalar(db.select(db.func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }


def textarea_value(page: str, name: str) -> str:
    found = re.search(rf'<textarea[^>]*name="{name}"[^>]*>\r?\n?(.*?)</textarea>', page, re.S)
    assert found, f"no textarea {name}"
    return html.unescape(found.group(1))


def report_button_fields(page: str) -> dict[str, str]:
    form = page.split('class="report-offer"', 1)[1].split("</form>", 1)[0]
    return {
        name: html.unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form)
    }


@pytest.mark.parametrize("lang", ["id", "en", "vi"])
def test_check_form_renders_in_each_language(client, lang):
    page = client.get(f"/{lang}/check")
    assert page.status_code == 200
    assert f'<html lang="{lang}"' in page.text
    assert 'name="csrf_token"' in page.text
    assert 'for="offer"' in page.text and 'for="contact"' in page.text
    assert 'for="country"' in page.text
    assert page.headers["Cache-Control"] == "private, no-store"


def test_the_form_starts_with_the_likely_country_of_the_language(client):
    assert '<option selected value="ID">' in client.get("/id/check").text
    assert '<option selected value="VN">' in client.get("/vi/check").text
    assert '<option selected value="">' in client.get("/en/check").text


def test_home_links_to_the_checker(client):
    assert 'href="/en/check"' in client.get("/en/").text


def test_a_scam_shows_high_risk_in_words_and_each_flag_explained(client):
    response = send_check(client, "en", offer=SCAM, contact="t.me/rekrut_kh", country="ID")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    page = main_part(response.text)
    assert 'class="risk risk-high"' in page
    assert "Result: high risk" in page
    assert re.search(r"We found \d+ warning signs of a trap", page)
    flags = re.findall(r'data-flag="([a-z_]+)"', page)
    assert {"hotspot_destination", "tourist_visa_entry", "passport_handover"} <= set(flags)
    assert "Your passport would be taken" in page
    assert "Taking passports away is a main way of stopping people from leaving." in page
    assert "this is a scam" not in page.lower()


def test_next_steps_name_the_verification_body_help_and_report(client):
    page = main_part(send_check(client, "en", offer=SCAM, country="ID").text)
    assert "SISKOP2MI" in page and 'href="https://siskop2mi.bp2mi.go.id"' in page
    assert 'href="/en/help?country=ID&amp;need=trafficking"' in page
    assert 'href="tel:' in page  # a checked contact to call from the support directory
    assert 'action="/en/report/job-offer"' in page and "Report this offer" in page


@pytest.mark.parametrize(
    ("country", "body", "link"),
    [
        ("PH", "DMW", "https://dmw.gov.ph/licensed-recruitment-agencies"),
        ("VN", "DOLAB", "https://www.dolab.gov.vn"),
    ],
)
def test_each_country_sees_how_to_check_a_recruiter_there(client, country, body, link):
    page = main_part(send_check(client, "en", offer="Urgent hiring admin", country=country).text)
    assert body in page and f'href="{link}"' in page
    assert f"country={country}&amp;need=job-offer-verification" in page


def test_medium_risk_is_said_in_words(client):
    page = main_part(
        send_check(
            client, "en", offer="Data entry from home, earn $50 a day, fee $30 via GCash"
        ).text
    )
    assert 'class="risk risk-medium"' in page and "Result: medium risk" in page


def test_low_says_what_low_means_and_never_calls_the_offer_safe(client):
    page = main_part(send_check(client, "en", offer=HONEST, country="ID").text)
    assert 'class="risk risk-low"' in page and "Result: low risk" in page
    assert "Low risk means that no known warning sign was found in what you gave us." in page
    assert "It does not mean that the offer is genuine" in page
    assert not re.search(SAFE_WORDS["en"], page, re.IGNORECASE)


@pytest.mark.parametrize("lang", sorted(SAFE_WORDS))
@pytest.mark.parametrize("offer", [HONEST, SCAM, "Tuyển gấp nhân viên bán hàng, lương 8 triệu"])
def test_no_result_page_contains_the_word_safe(client, lang, offer):
    response = send_check(client, lang, offer=offer, country="VN")
    assert response.status_code == 200
    assert not re.search(SAFE_WORDS[lang], main_part(response.text), re.IGNORECASE)


def test_nothing_is_stored_or_logged(app, client, redis_client, caplog):
    caplog.set_level(logging.DEBUG)
    get_form(client, "/en/check")
    before, keys_before = row_counts(app), set(redis_client.keys())
    secret = "Sihanoukville visa turis kode-rahasia-5521, WA 0812-5521-5521"
    for lang in ("id", "en", "vi"):
        response = send_check(client, lang, offer=secret, contact="@rekrut5521", country="ID")
        assert response.status_code == 200
    assert row_counts(app) == before
    # Only rate-limit counters appear: an HMAC of the address and one for the whole site.
    added = set(redis_client.keys()) - keys_before
    assert added and all(key.startswith(b"LIMITS:LIMITER/") for key in added), added
    assert not any(b"5521" in key or b"rekrut" in key for key in redis_client.keys())
    assert "5521" not in caplog.text and "rekrut" not in caplog.text


def test_missing_csrf_token_is_refused(client):
    response = client.post("/en/check", data={"offer": SCAM})
    assert response.status_code == 400


def test_an_empty_check_asks_for_the_offer(client):
    response = send_check(client, "en", offer="   ", contact="")
    assert response.status_code == 400
    assert "Please paste the job offer, or give the recruiter" in response.text


def test_the_contact_alone_can_be_checked(client):
    response = send_check(client, "en", contact="+855 12 345 678", country="ID")
    assert response.status_code == 200
    assert 'data-flag="informal_channel_only"' in response.text


def test_naughty_strings_in_both_fields_never_give_a_server_error(client):
    csrf = get_form(client, "/en/check")["csrf_token"]
    for line in blns_lines():
        response = client.post(
            "/en/check", data={"csrf_token": csrf, "offer": line, "contact": line, "country": "ID"}
        )
        assert response.status_code in (200, 400), (line, response.status_code)
        assert "<script>alert" not in main_part(response.text)


def test_report_button_prefills_the_job_offer_form(app, client):
    result = send_check(
        client, "en", offer=SCAM + "\nA < b & c", contact="t.me/rekrut_kh", country="ID"
    )
    fields = report_button_fields(result.text)
    assert fields["prefill"] == "1" and fields["country"] == "ID"
    assert fields["description"] == SCAM + "\nA < b & c" and fields["link"] == "t.me/rekrut_kh"

    prefilled = client.post("/en/report/job-offer", data=fields)
    assert prefilled.status_code == 200
    page = prefilled.text
    assert textarea_value(page, "description") == SCAM + "\nA < b & c"
    assert 'name="link" type="text" value="t.me/rekrut_kh"' in page
    assert '<option selected value="ID">' in page.split('name="country"')[1]
    assert 'class="error-summary"' not in page and 'class="error"' not in page
    tokens = form_tokens(page)
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", tokens["form_token"])
    assert row_counts(app)["tips"] == 0

    sent = client.post(
        "/en/report/job-offer",
        data={
            **tokens,
            "description": SCAM,
            "link": "t.me/rekrut_kh",
            "country": "ID",
            "situation": "not_left",
        },
        content_type="multipart/form-data",
    )
    assert sent.status_code == 303
    with app.app_context():
        [tip] = db.session.scalars(db.select(Tip)).all()
    assert tip.category == "job-offer" and tip.link == "t.me/rekrut_kh" and tip.country == "ID"


def test_each_prefill_gets_a_fresh_form_token(client):
    fields = report_button_fields(send_check(client, "en", offer=SCAM).text)
    first = form_tokens(client.post("/en/report/job-offer", data=fields).text)["form_token"]
    second = form_tokens(client.post("/en/report/job-offer", data=fields).text)["form_token"]
    assert first != second


def test_prefill_without_csrf_is_refused(client):
    response = client.post("/en/report/job-offer", data={"prefill": "1", "description": SCAM})
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("lang", "title"),
    [("id", "Bayar ke rekening pribadi"), ("vi", "Trả tiền vào tài khoản cá nhân"),
     ("en", "Pay into a personal account")],
)  # fmt: skip
def test_an_offer_asking_to_pay_a_personal_account_is_flagged_in_plain_words(client, lang, title):
    offer = "Kerja admin di Kamboja gaji 20 juta, bayar dulu ke DANA 0812-9988-7766"
    response = send_check(client, lang, offer=offer)
    assert response.status_code == 200
    assert title in html.unescape(main_part(response.text))


LONG_SCAM = (
    "Lowongan kerja ke Jepang visa kerja! Admin CS, gaji 25 juta/bulan. Biaya administrasi "
    "Rp 15 juta transfer ke rekening BRI 1234-01-000123-50-9 a/n Sutrisno, tanpa lewat PT, "
    "tidak perlu lapor Disnaker. Keberangkatan dijamin dalam 2 minggu, berangkat dari Batam, "
    "pakai visa kunjungan dulu. PT Sinar Karya Mandiri, SIP3MI No. 503/KEP/2021. "
    "Hubungi WA 0812 3456 7890, kuota terbatas!"
)


@pytest.mark.parametrize("lang", ["en", "id", "vi", "ms", "tl", "th", "km", "lo", "my"])
def test_a_long_high_result_stays_under_30_kb_in_every_locale(app, client, lang):
    """Cheap phones on slow data: the heaviest result (many flags with their law, the
    official check on top, licence answers, pay) takes at most 30 KB on the wire (the
    portal compresses public pages; Burmese takes three bytes a letter)."""
    from portal.job_offers import registry

    with app.app_context():
        registry.load(
            (
                b"name,licence_number,country,source_url,date_retrieved\n"
                b"PT Maju Bersama,1/KEP/2020,ID,https://siskop2mi.bp2mi.go.id/list,2026-11-20\n"
            ),
            "list.csv",
        )
        db.session.commit()
    tokens = get_form(client, f"/{lang}/check")
    page = client.post(
        f"/{lang}/check",
        data={**tokens, "offer": LONG_SCAM, "country": "ID"},
        headers={"Accept-Encoding": "gzip"},
    )
    assert page.status_code == 200 and page.headers["Content-Encoding"] == "gzip"
    assert len(page.data) <= 30 * 1024, len(page.data)
    page = client.post(f"/{lang}/check", data={**tokens, "offer": LONG_SCAM, "country": "ID"})
    assert "risk-high" in page.text
    assert len(page.data) <= 40 * 1024, len(page.data)  # even uncompressed, it stays small
    assert 'class="check-first"' in page.text and 'class="flag-law"' in page.text
    assert "registry-not-found" in page.text

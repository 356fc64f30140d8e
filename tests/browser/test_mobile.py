"""The journeys on a 360 px phone in real Chromium, with and without JavaScript:
report with an image → receipt → follow-up → a staff reply (after a TOTP sign-in) →
the reporter sees it; the checker; the help directory; quick exit; the switcher."""

import pytest
from PIL import Image

from portal.extensions import db
from portal.staff.models import StaffUser
from tests.browser.conftest import screenshot
from tests.staff.helpers import PASSWORD, code_for, make_staff

pytestmark = pytest.mark.browser

DESCRIPTIONS = {
    "id": "Lowongan CS di Sihanoukville, gaji 15 juta, visa turis",
    "en": "Customer service job in Sihanoukville, 1500 USD, tourist visa, free ticket",
    "vi": "Tuyển nhân viên CSKH ở Campuchia, lương 30 triệu, bao vé máy bay",
}
REPLIES = {
    "id": "Terima kasih, kami sedang memeriksa nomor ini.",
    "en": "Thank you, we are checking this number.",
    "vi": "Cảm ơn bạn, chúng tôi đang kiểm tra số này.",
}


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def too_wide(page) -> list[str]:
    return page.evaluate("""[...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > 360)
        .map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').slice(0, 40))""")


def png_file(tmp_path):
    path = tmp_path / "screenshot.png"
    Image.new("RGB", (300, 200), "green").save(path)
    return str(path)


def staff_sign_in(page, live_server, app, username: str, role: str, lang: str = "en") -> None:
    """A new account of this role signs in: password, then the current TOTP code."""
    make_staff(app, username, role, language=lang)
    with app.app_context():
        secret = db.session.scalar(
            db.select(StaffUser.totp_secret).where(StaffUser.username == username)
        )
    page.goto(f"{live_server}/staff/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/staff/login/code*")
    page.fill("#code", code_for(secret))
    page.click("main form button[type=submit]")
    page.wait_for_url("**/staff/queue**")


@pytest.mark.parametrize("lang", ["id", "en", "vi"])
def test_report_receipt_follow_up_and_staff_reply(
    app, live_server, phone, browser, lang, tmp_path
):
    js = "js" if phone.js_enabled else "nojs"
    phone.goto(f"{live_server}/{lang}/")
    assert phone.get_attribute("html", "lang") == lang
    assert fits_the_screen(phone), too_wide(phone)
    screenshot(phone, f"home-{lang}-{js}")
    phone.click("a.big-choice >> nth=0")
    assert phone.url.endswith(f"/{lang}/report/")
    phone.click("a[href$='/report/job-offer']")
    assert fits_the_screen(phone), too_wide(phone)
    phone.fill("#description", DESCRIPTIONS[lang])
    phone.fill("#link", "t.me/rekrut_demo")
    phone.check("input[name=situation][value=danger]")
    phone.select_option("#country", "ID")
    phone.set_input_files("#images", png_file(tmp_path))
    screenshot(phone, f"report-job-offer-{lang}-{js}")
    phone.click("button[type=submit]")
    assert phone.url.endswith(f"/{lang}/report/done")
    code = phone.inner_text("#receipt-code")
    assert len(code.replace(" ", "")) == 16
    assert phone.is_visible(".danger-box a[href^='tel:']")
    screenshot(phone, f"done-{lang}-{js}")
    assert fits_the_screen(phone), too_wide(phone)

    phone.goto(f"{live_server}/{lang}/follow-up")
    phone.fill("#code", code)
    phone.click("button[type=submit]")
    phone.fill("#body", "Saya punya tangkapan layar baru")
    phone.click("form[action$='/follow-up/reply'] button")
    assert "Saya punya tangkapan layar baru" in phone.inner_text(".messages")
    assert fits_the_screen(phone), too_wide(phone)
    screenshot(phone, f"follow-up-{lang}-{js}")

    # An analyst, in their own browser, signs in with a TOTP code and replies.
    desk = browser.new_context(
        viewport={"width": 360, "height": 740}, java_script_enabled=phone.js_enabled
    )
    try:
        console = desk.new_page()
        staff_sign_in(console, live_server, app, f"analyst-{lang}", "analyst", lang)
        console.click("table a[href*='/staff/tips/'] >> nth=0")
        assert DESCRIPTIONS[lang] in console.inner_text("main")
        console.fill("form[action$='/reply'] textarea", REPLIES[lang])
        console.click("form[action$='/reply'] button[type=submit]")
        assert REPLIES[lang] in console.inner_text(".messages")
        screenshot(console, f"staff-tip-{lang}-{js}")
    finally:
        desk.close()

    phone.reload()
    assert REPLIES[lang] in phone.inner_text(".messages")
    screenshot(phone, f"follow-up-reply-{lang}-{js}")


@pytest.mark.parametrize("lang", ["id", "en", "vi"])
def test_checker_finds_warning_signs_and_offers_a_prefilled_report(live_server, phone, lang):
    js = "js" if phone.js_enabled else "nojs"
    phone.goto(f"{live_server}/{lang}/check")
    assert fits_the_screen(phone), too_wide(phone)
    phone.fill("#offer", DESCRIPTIONS[lang] + ". Paspor dititipkan ke agen. WA +62 812 3456 7890")
    phone.click("form.check-form button[type=submit], main form button[type=submit] >> nth=0")
    assert phone.get_attribute("#risk", "class").split()[-1] in ("risk-high", "risk-medium")
    assert phone.locator(".flag-list li[data-flag]").count() >= 2
    assert fits_the_screen(phone), too_wide(phone)
    screenshot(phone, f"check-{lang}-{js}")
    phone.click("form input[name=prefill] ~ button, form:has(input[name=prefill]) button")
    assert "/report/job-offer" in phone.url
    assert "Sihanoukville" in phone.input_value("#description") or "Campuchia" in (
        phone.input_value("#description")
    )


@pytest.mark.parametrize("lang", ["id", "en", "vi"])
def test_help_directory_filters_by_country_and_need(live_server, phone, lang):
    js = "js" if phone.js_enabled else "nojs"
    phone.goto(f"{live_server}/{lang}/help")
    phone.select_option("#country", "ID")
    phone.select_option("#need", "trafficking")
    phone.click("#help-search button[type=submit]")
    assert "country=ID" in phone.url and "need=trafficking" in phone.url
    main = phone.locator("#main-contact")
    assert main.count() == 1
    assert main.locator("a[href^='tel:']").count() >= 1
    assert fits_the_screen(phone), too_wide(phone)
    screenshot(phone, f"help-{lang}-{js}")


def test_language_switcher_keeps_the_page(live_server, phone):
    phone.goto(f"{live_server}/en/report/drugs")
    phone.click("nav.languages a[lang=vi]")
    assert phone.url.endswith("/vi/report/drugs")
    assert phone.get_attribute("html", "lang") == "vi"


def test_quick_exit_leaves_the_page(live_server, phone):
    phone.route(
        "https://www.google.com/**",
        lambda route: route.fulfill(
            status=200, body="<html><title>neutral</title></html>", content_type="text/html"
        ),
    )
    phone.goto(f"{live_server}/en/report/drugs")
    history_before = phone.evaluate("history.length") if phone.js_enabled else None
    phone.click("a.quick-exit")
    phone.wait_for_url("https://www.google.com/**")
    assert phone.title() == "neutral"
    if phone.js_enabled:
        # location.replace(): the report page is not left behind in the history.
        assert phone.evaluate("history.length") == history_before
    # The neutral site was opened on purpose, by the person; no page loads it by itself.
    assert all(url.startswith("https://www.google.com/") for url in phone.outside_requests)
    phone.outside_requests.clear()

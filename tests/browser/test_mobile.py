"""The journeys on a 360 px phone in real Chromium, with and without JavaScript:
report with an image → receipt → follow-up → a staff reply (after a TOTP sign-in) →
the reporter sees it; the checker; the help directory; quick exit; the switcher."""

import pytest
from PIL import Image

from portal.extensions import db
from portal.i18n import LOCALES
from portal.languages import LIKELY_COUNTRY
from portal.models.staff import StaffUser
from tests.browser.conftest import go, screenshot
from tests.staff.helpers import PASSWORD, code_for, make_staff

pytestmark = pytest.mark.browser

# What a reporter in each locale would write about a scam-compound job offer, in their
# own words (the checker finds warning signs in each), what they add on the follow-up
# page, and an analyst's reply in the same language.
DESCRIPTIONS = {
    "id": "Lowongan CS di Sihanoukville, gaji 15 juta, visa turis",
    "en": "Customer service job in Sihanoukville, 1500 USD, tourist visa, free ticket",
    "vi": "Tuyển nhân viên CSKH ở Campuchia, lương 30 triệu, bao vé máy bay",
    "ms": "Kerja khidmat pelanggan di Sihanoukville, gaji RM8,000 sebulan, visa pelancong, "
    "tiket kapal terbang percuma",
    "tl": "Trabahong customer service sa Sihanoukville, sahod ₱80,000 kada buwan, "
    "tourist visa lang, libre ang ticket",
    "th": "รับสมัครแอดมินที่สีหนุวิลล์ เงินเดือน 50,000 บาท ใช้วีซ่าท่องเที่ยว ตั๋วเครื่องบินฟรี",
    "km": "ជ្រើសរើសបុគ្គលិកបម្រើអតិថិជននៅក្រុងព្រះសីហនុ ប្រាក់ខែ ១៥០០ ដុល្លារ "
    "ធ្វើការតាមទិដ្ឋាការទេសចរណ៍ ថ្លៃយន្តហោះឥតគិតថ្លៃ",
    "lo": "ຮັບສະໝັກພະນັກງານບໍລິການລູກຄ້າຢູ່ສີຫະນຸວິນ ເງິນເດືອນ 1500 ໂດລາ ໃຊ້ວີຊາທ່ອງທ່ຽວ ປີ້ຍົນຟຣີ",
    "my": "ဆီဟာနွတ်ဗီးလ်မြို့တွင် ဖောက်သည်ဝန်ဆောင်မှုအလုပ် လစာ ဒေါ်လာ ၁၅၀၀ "
    "ခရီးသွားဗီဇာဖြင့် လေယာဉ်လက်မှတ်အခမဲ့",
}
FOLLOW_UPS = {
    "id": "Saya punya tangkapan layar baru",
    "en": "I have a new screenshot",
    "vi": "Tôi có ảnh chụp màn hình mới",
    "ms": "Saya ada tangkapan skrin baharu",
    "tl": "May bago akong screenshot",
    "th": "ฉันมีภาพหน้าจอใหม่",
    "km": "ខ្ញុំមានរូបថតអេក្រង់ថ្មី",
    "lo": "ຂ້ອຍມີຮູບໜ້າຈໍໃໝ່",
    "my": "ကျွန်ုပ်မှာ ဖန်သားပြင်ဓာတ်ပုံအသစ် ရှိပါတယ်",
}
REPLIES = {
    "id": "Terima kasih, kami sedang memeriksa nomor ini.",
    "en": "Thank you, we are checking this number.",
    "vi": "Cảm ơn bạn, chúng tôi đang kiểm tra số này.",
    "ms": "Terima kasih, kami sedang menyemak nombor ini.",
    "tl": "Salamat, sinusuri namin ang numerong ito.",
    "th": "ขอบคุณค่ะ เรากำลังตรวจสอบเบอร์นี้อยู่",
    "km": "សូមអរគុណ យើងកំពុងពិនិត្យលេខនេះ។",
    "lo": "ຂອບໃຈ, ພວກເຮົາກຳລັງກວດສອບເບີນີ້ຢູ່.",
    "my": "ကျေးဇူးတင်ပါတယ်။ ဒီဖုန်းနံပါတ်ကို ကျွန်ုပ်တို့ စစ်ဆေးနေပါတယ်။",
}
assert set(DESCRIPTIONS) == set(FOLLOW_UPS) == set(REPLIES) == set(LOCALES)


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


def staff_sign_in(
    page, live_server, app, username: str, role: str, lang: str = "en", org: str | None = None
) -> None:
    """A new account of this role (in organisation `org`; None: the coordinator) signs in:
    password, then the current TOTP code."""
    make_staff(app, username, role, language=lang, org=org)
    with app.app_context():
        secret = db.session.scalar(
            db.select(StaffUser).where(StaffUser.username == username)
        ).totp_secret
    page.goto(f"{live_server}/staff/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    go(page, "main form button[type=submit]")
    page.wait_for_url("**/staff/login/code*")
    page.fill("#code", code_for(secret))
    go(page, "main form button[type=submit]")
    page.wait_for_url("**/staff/queue**")


@pytest.mark.parametrize("lang", LOCALES)
def test_report_receipt_follow_up_and_staff_reply(
    app, live_server, phone, browser, lang, tmp_path
):
    js = "js" if phone.js_enabled else "nojs"
    phone.goto(f"{live_server}/{lang}/")
    assert phone.get_attribute("html", "lang") == lang
    assert fits_the_screen(phone), too_wide(phone)
    screenshot(phone, f"home-{lang}-{js}")
    go(phone, "a.big-choice >> nth=0")
    assert phone.url.endswith(f"/{lang}/report/")
    go(phone, "a[href$='/report/job-offer']")
    assert fits_the_screen(phone), too_wide(phone)
    phone.fill("#description", DESCRIPTIONS[lang])
    phone.fill("#link", "t.me/rekrut_demo")
    phone.check("input[name=situation][value=danger]")
    country = LIKELY_COUNTRY.get(lang, "ID")
    phone.select_option("#country", country)
    phone.set_input_files("#images", png_file(tmp_path))
    screenshot(phone, f"report-job-offer-{lang}-{js}")
    go(phone, "button[type=submit]")
    assert phone.url.endswith(f"/{lang}/report/done")
    code = phone.inner_text("#receipt-code")
    assert len(code.replace(" ", "")) == 16
    if country == "MM":
        # Myanmar has only numbers still being verified: shown, never as the main call button.
        assert phone.is_visible(".danger-box .contact-unverified")
        assert phone.locator(".danger-box a.button-call").count() == 0
    else:
        assert phone.is_visible(".danger-box a.button-call[href^='tel:']")
    screenshot(phone, f"done-{lang}-{js}")
    assert fits_the_screen(phone), too_wide(phone)

    phone.goto(f"{live_server}/{lang}/follow-up")
    phone.fill("#code", code)
    go(phone, "button[type=submit]")
    phone.fill("#body", FOLLOW_UPS[lang])
    go(phone, "form[action$='/follow-up/reply'] button")
    assert FOLLOW_UPS[lang] in phone.inner_text(".messages")
    assert fits_the_screen(phone), too_wide(phone)
    screenshot(phone, f"follow-up-{lang}-{js}")

    # An analyst, in their own browser, signs in with a TOTP code and replies.
    desk = browser.new_context(
        viewport={"width": 360, "height": 740}, java_script_enabled=phone.js_enabled
    )
    try:
        console = desk.new_page()
        staff_sign_in(console, live_server, app, f"analyst-{lang}", "analyst", lang)
        go(console, "table a[href*='/staff/tips/'] >> nth=0")
        assert DESCRIPTIONS[lang] in console.inner_text("main")
        console.fill("form[action$='/reply'] textarea", REPLIES[lang])
        go(console, "form[action$='/reply'] button[type=submit]")
        assert REPLIES[lang] in console.inner_text(".messages")
        screenshot(console, f"staff-tip-{lang}-{js}")
    finally:
        desk.close()

    phone.reload()
    assert REPLIES[lang] in phone.inner_text(".messages")
    screenshot(phone, f"follow-up-reply-{lang}-{js}")


@pytest.mark.parametrize("lang", LOCALES)
def test_checker_finds_warning_signs_and_offers_a_prefilled_report(live_server, phone, lang):
    js = "js" if phone.js_enabled else "nojs"
    phone.goto(f"{live_server}/{lang}/check")
    assert fits_the_screen(phone), too_wide(phone)
    phone.fill("#offer", DESCRIPTIONS[lang])
    go(phone, "form.check-form button[type=submit], main form button[type=submit] >> nth=0")
    assert phone.get_attribute("#risk", "class").split()[-1] in ("risk-high", "risk-medium")
    assert phone.locator(".flag-list li[data-flag]").count() >= 2
    assert fits_the_screen(phone), too_wide(phone)
    screenshot(phone, f"check-{lang}-{js}")
    go(phone, "form input[name=prefill] ~ button, form:has(input[name=prefill]) button")
    assert "/report/job-offer" in phone.url
    assert phone.input_value("#description") == DESCRIPTIONS[lang]


@pytest.mark.parametrize("lang", LOCALES)
def test_help_directory_filters_by_country_and_need(live_server, phone, lang):
    js = "js" if phone.js_enabled else "nojs"
    country = LIKELY_COUNTRY.get(lang, "ID")
    phone.goto(f"{live_server}/{lang}/help")
    assert phone.input_value("#country") == LIKELY_COUNTRY.get(lang, "")
    phone.select_option("#country", country)
    phone.select_option("#need", "trafficking")
    go(phone, "#help-search button[type=submit]")
    assert f"country={country}" in phone.url and "need=trafficking" in phone.url
    main = phone.locator("#main-contact")
    if country == "MM":
        # No checked contact in Myanmar yet: the page says so and lists what there is.
        assert main.count() == 0
        assert phone.is_visible("p.notice")
        assert phone.locator("article.service").count() >= 1
    else:
        assert main.count() == 1
        assert main.locator("a[href^='tel:']").count() >= 1
    assert fits_the_screen(phone), too_wide(phone)
    screenshot(phone, f"help-{lang}-{js}")


def test_language_switcher_keeps_the_page(live_server, phone):
    phone.goto(f"{live_server}/en/report/drugs")
    go(phone, "nav.languages a[lang=vi]")
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


def test_the_retention_pages_fit_a_phone(app, live_server, browser):
    """The policy table (sixteen number fields) scrolls inside its own box at 360 px."""
    desk = browser.new_context(viewport={"width": 360, "height": 740})
    try:
        console = desk.new_page()
        staff_sign_in(console, live_server, app, "admin-retention", "admin", "en")
        console.goto(f"{live_server}/staff/retention")
        assert console.locator("input[name^=days_]").count() == 16
        assert fits_the_screen(console), too_wide(console)
        console.goto(f"{live_server}/staff/retention/outlook")
        assert fits_the_screen(console), too_wide(console)
    finally:
        desk.close()

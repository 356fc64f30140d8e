"""The citizen journey on a 360 px phone in real Chromium, with and without JavaScript."""

import pytest
from PIL import Image

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


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


@pytest.mark.parametrize("lang", ["id", "en", "vi"])
def test_report_with_image_receipt_and_follow_up(live_server, phone, lang, tmp_path):
    js = "js" if phone.js_enabled else "nojs"
    phone.goto(f"{live_server}/{lang}/")
    assert fits_the_screen(phone)
    screenshot(phone, f"home-{lang}-{js}")
    phone.click("a.big-choice >> nth=0")
    assert phone.url.endswith(f"/{lang}/report/")
    phone.click("a[href$='/report/job-offer']")
    assert fits_the_screen(phone)
    phone.fill("#description", "Lowongan CS di Sihanoukville, gaji 15 juta, visa turis")
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
    assert fits_the_screen(phone)
    screenshot(phone, f"follow-up-{lang}-{js}")


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

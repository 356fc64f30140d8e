"""Thai, Khmer, Lao, Burmese (no spaces between words), Malay and Filipino on a 360 px
phone: system fonts only, long words wrap, no button or field overflows its box."""

import pytest

from tests.browser.conftest import go, screenshot
from tests.browser.test_mobile import fits_the_screen, too_wide

pytestmark = pytest.mark.browser
NEW = ["ms", "tl", "th", "km", "lo", "my"]
# One character of each script, to ask the font machinery which face draws it.
SAMPLE = {"th": "ก", "km": "ក", "lo": "ກ", "my": "က"}

OVERFLOWING = """[...document.querySelectorAll(
    'button, .button, a.big-choice, label, input, select, textarea, h1, h2, h3, nav a')]
    .filter(e => e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > 361)
    .map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || e.value || '').slice(0, 30))"""


def _look(phone, name: str) -> None:
    assert fits_the_screen(phone), too_wide(phone)
    assert phone.evaluate(OVERFLOWING) == []
    screenshot(phone, name)


@pytest.mark.parametrize("lang", NEW)
def test_pages_wrap_and_fit_at_360_px(live_server, phone, lang):
    js = "js" if phone.js_enabled else "nojs"
    for path, name in [
        ("/", "home"),
        ("/report/", "report-choice"),
        ("/report/job-offer", "report-job-offer"),
        ("/help", "help"),
        ("/follow-up", "follow-up"),
        ("/warnings", "warnings"),
    ]:
        phone.goto(f"{live_server}/{lang}{path}")
        assert phone.get_attribute("html", "lang") == lang
        _look(phone, f"{lang}-{name}-{js}")
    phone.goto(f"{live_server}/{lang}/check")
    phone.fill("#offer", "Customer service KK Park Myawaddy 30,000 baht, tourist visa, WA +66 81 234 5678")
    go(phone, "main form button[type=submit] >> nth=0")
    assert phone.locator("#risk").count() == 1
    _look(phone, f"{lang}-check-result-{js}")


@pytest.mark.parametrize("lang", sorted(SAMPLE))
def test_scripts_are_drawn_by_a_local_font(live_server, browser, lang):
    """Chromium draws the script with an installed font (no font is fetched from anywhere):
    a missing font would show boxes of the same width for every letter."""
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    fetched = []
    page.on("request", lambda r: fetched.append(r.url) if "font" in r.resource_type else None)
    page.goto(f"{live_server}/{lang}/")
    widths = page.evaluate(
        """(text) => { const c = document.createElement('canvas').getContext('2d');
             c.font = '20px ' + getComputedStyle(document.body).fontFamily;
             return [...text].map(ch => c.measureText(ch).width); }""",
        "".join(dict.fromkeys(page.inner_text("h1")))[:12],
    )
    context.close()
    assert fetched == []
    assert len(set(round(w, 1) for w in widths)) > 2, widths  # real glyphs, not tofu boxes

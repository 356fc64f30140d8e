"""A tip travels to an embassy, in real Chromium, with and without JavaScript: a Vietnamese
reporter sends a job offer with a photo and a contact → the coordinator's supervisor refers
it as TLP:AMBER without the photos → the embassy's analyst finds it waiting, sees only the
text, accepts → the reporter is told, in Vietnamese, that it was passed on → the embassy's
question goes through the coordinator to the reporter, whose answer the embassy reads.

Every page is 360 px wide; with JavaScript, axe-core checks the new pages on the way."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from portal.extensions import db
from portal.jobs.triage import triage_tip
from portal.models import ReferralRule, Tip
from tests.browser.conftest import go, screenshot
from tests.browser.test_accessibility import AXE, violations
from tests.browser.test_mobile import fits_the_screen, png_file, staff_sign_in, too_wide
from tests.organisations.helpers import make_orgs, report

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent.parent
VI_CATALOG = ROOT / "translations" / "vi" / "LC_MESSAGES" / "messages.po"
DESCRIPTION = "Tuyển nhân viên CSKH ở Campuchia, lương 30 triệu, bao vé máy bay, Zalo 0912 345 678"
CONTACT = "Số của tôi: 0900 111 222"
REASON = "Công dân Việt Nam, tuyển dụng đi Campuchia"
QUESTION = "Bạn đang ở thành phố nào?"
ANSWER = "Tôi ở Sihanoukville"
# A tip the embassy is never sent that shares the recruiter's Zalo number: it only learns
# that one exists, and asks the coordinator for it.
CANARY = "CANARY-4b1e-only-for-the-coordinator"
# The neutral sentence the reporter reads once an organisation accepted (portal.tips.status).
PASSED_ON = "Your report was passed to an authority that can act on it."


def vietnamese(msgid: str) -> str | None:
    """The Vietnamese catalogue's translation of `msgid`, if there is one yet."""
    with VI_CATALOG.open("rb") as handle:
        message = read_po(handle).get(msgid)
    if message is None or message.fuzzy or not message.string:
        return None
    return str(message.string)


@pytest.fixture(params=[True, False], ids=["js", "no-js"])
def js(request) -> bool:
    if request.param and not AXE.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run axe-core: `make browser-deps` did not install it")
        pytest.skip("axe-core is not installed (npm ci --prefix tests/browser)")
    return request.param


@pytest.fixture
def people(browser, js):
    """One browser per person (the reporter, each member of staff), as phones 360 px wide;
    none of them may load anything from another host."""
    contexts, outside = [], []

    def person():
        context = browser.new_context(
            viewport={"width": 360, "height": 740}, java_script_enabled=js
        )
        context.on(
            "request",
            lambda r: outside.append(r.url) if not r.url.startswith("http://127.0.0.1") else None,
        )
        contexts.append(context)
        return context.new_page()

    yield person
    for context in contexts:
        context.close()
    assert outside == [], f"requests to other hosts: {outside}"


def sign_in(page, live_server, app, username: str, role: str, org: str | None = None) -> None:
    staff_sign_in(page, live_server, app, username, role, org=org)


UNLABELLED = """[...document.querySelectorAll('textarea,select,input:not([type=hidden])')]
  .filter(e => !e.labels.length && !e.getAttribute('aria-label')
               && !e.closest('[aria-hidden=true]'))
  .map(e => e.name || e.id)"""


class Axe:
    """axe-core on what a signed-in person sees: a twin of their browser (the same cookies)
    with axe loaded into every page and the portal's CSP bypassed there only, as in
    test_accessibility. Only with JavaScript: axe is a script."""

    def __init__(self, browser, enabled: bool) -> None:
        self.browser, self.enabled = browser, enabled
        self.found: list[str] = []
        self.checked: list[str] = []
        self.twins: dict[int, object] = {}

    def check(self, page, url: str) -> None:
        if not self.enabled:
            return
        twin = self.twins.get(id(page.context))
        if twin is None:
            context = self.browser.new_context(
                viewport={"width": 360, "height": 800},
                bypass_csp=True,
                storage_state=page.context.storage_state(),
            )
            context.add_init_script(path=str(AXE))
            twin = self.twins[id(page.context)] = context.new_page()
        self.found += violations(twin, url)
        # axe matches <label for> by id text: two fields sharing an id both "have" a label,
        # yet the browser gives the second none. Ask the browser itself.
        unnamed = twin.evaluate(UNLABELLED)
        self.found += [f"{url}: field without a label: {name}" for name in unnamed]
        self.checked.append(url)

    def close(self) -> None:
        for twin in self.twins.values():
            twin.context.close()


def fits(page) -> None:
    assert fits_the_screen(page), too_wide(page)


def test_referral_to_an_embassy_and_a_relayed_question(
    app, live_server, browser, people, js, tmp_path
):
    mode = "js" if js else "nojs"
    orgs = make_orgs(app)
    report(app, app.test_client(), description=f"{CANARY} Tuyển gấp, Zalo 0912 345 678")
    with app.app_context():  # a rule that does not match: the rules page lists one
        db.session.add(ReferralRule(name="Ma túy ở Indonesia", category="drugs", country="ID",
                                    min_score=40, to_org_id=orgs["bnn"]))
        db.session.commit()
    axe = Axe(browser, js)
    try:
        _journey(app, live_server, people, axe, mode, orgs, tmp_path)
    finally:
        axe.close()
    assert axe.found == []
    assert len(axe.checked) == (6 if js else 0)


def _journey(app, live_server, people, axe, mode, orgs, tmp_path) -> None:
    # 1. The reporter, on a Vietnamese page, with a photo and a way to reach them.
    phone = people()
    phone.goto(f"{live_server}/vi/report/job-offer")
    assert phone.get_attribute("html", "lang") == "vi"
    phone.check("input[name=situation][value=left]")
    phone.fill("#description", DESCRIPTION)
    phone.fill("#link", "Zalo 0912 345 678")
    phone.select_option("#country", "VN")
    phone.fill("#contact", CONTACT)
    phone.set_input_files("#images", png_file(tmp_path))
    go(phone, "main form button[type=submit]")
    assert phone.url.endswith("/vi/report/done")
    code = phone.inner_text("#receipt-code")
    assert len(code.replace(" ", "")) == 16
    with app.app_context():
        tip_id = db.session.scalar(db.select(Tip.id).order_by(Tip.id.desc()))
        triage_tip(tip_id)
        tip = db.session.get(Tip, tip_id)
        assert tip.contact and "0900 111 222" in tip.contact and len(tip.attachments) == 1
    tip_url = f"{live_server}/staff/tips/{tip_id}"

    # 2. The coordinator's supervisor refers it to the embassy: AMBER, no photos.
    coordinator = people()
    sign_in(coordinator, live_server, app, "sup-coord", "supervisor")
    coordinator.goto(tip_url)
    assert "0900 111 222" in coordinator.inner_text("main")  # the coordinator sees it all
    assert coordinator.locator("a[href*='/staff/attachments/']").count() == 1
    refer = coordinator.locator("form.refer-form")
    assert refer.count() == 1
    axe.check(coordinator, tip_url)
    fits(coordinator)
    screenshot(coordinator, f"referral-coordinator-tip-{mode}")
    refer.locator("select[name=to_org]").select_option(str(orgs["embassy"]))
    refer.locator("textarea[name=reason]").fill(REASON)
    refer.locator("input[name=tlp][value=amber]").check()
    refer.locator("input[name=mode][value=share]").check()
    photos = refer.locator("input[name=photos]")
    assert photos.count() == 1 and not photos.is_checked()  # offered, left unticked
    go(coordinator, "form.refer-form button[type=submit]")
    assert coordinator.url == tip_url
    referrals = coordinator.inner_text("ul.referrals")
    assert "Embassy of Viet Nam in Cambodia" in referrals and "TLP:AMBER" in referrals
    assert "Waiting for an answer" in referrals

    # The reporter is not told while the embassy has not answered.
    phone.goto(f"{live_server}/vi/follow-up")
    phone.fill("#code", code)
    go(phone, "main form button[type=submit]")
    assert phone.locator(".status-box").count() == 1
    assert phone.locator("#passed-on").count() == 0

    # 3. The embassy's analyst finds it waiting, sees the text only, and accepts it.
    embassy = people()
    sign_in(embassy, live_server, app, "analyst-embassy", "analyst", org="embassy")
    waiting = embassy.locator("section.waiting")
    assert waiting.count() == 1
    assert "1 tip waits for your answer" in waiting.inner_text()
    assert "TLP:AMBER" in waiting.inner_text()
    axe.check(embassy, f"{live_server}/staff/queue")
    fits(embassy)
    screenshot(embassy, f"referral-embassy-queue-{mode}")
    go(embassy, f"section.waiting a[href='/staff/tips/{tip_id}']")
    assert embassy.url == tip_url
    main = embassy.inner_text("main")
    assert DESCRIPTION in main
    assert REASON in embassy.inner_text("section.referral-answer")
    html = embassy.content()
    assert "/staff/attachments/" not in html  # no photo: no link, no image
    assert embassy.locator("main img").count() == 0
    assert "0900 111 222" not in html and CONTACT not in html  # no contact
    assert CANARY not in html  # the tip that shares the number stays hidden: only a count
    assert embassy.locator("div.hidden-share").count() == 1
    assert embassy.locator("p.tlp-amber").count() == 1
    axe.check(embassy, tip_url)
    fits(embassy)
    screenshot(embassy, f"referral-embassy-answer-{mode}")
    go(embassy, "section.referral-answer button[name=decision][value=accept]")
    assert embassy.url == tip_url
    assert embassy.locator("section.referral-answer").count() == 0
    assert "Accepted" in embassy.inner_text("ul.referrals")
    assert "/staff/attachments/" not in embassy.content()

    # 4. The reporter reads, in Vietnamese, that the report was passed on.
    phone.goto(f"{live_server}/vi/follow-up")
    assert phone.get_attribute("html", "lang") == "vi"
    passed_on = phone.locator("#passed-on")
    assert passed_on.count() == 1
    translated = vietnamese(PASSED_ON)
    if translated is not None:
        assert passed_on.inner_text().strip() == translated
    assert "Đại sứ quán Việt Nam tại Campuchia" in phone.inner_text(".status-box")  # public name
    fits(phone)
    screenshot(phone, f"referral-follow-up-passed-on-{mode}")

    # 5. The embassy asks the coordinator to relay a question, and asks for the hidden tip.
    assert embassy.locator(f"form[action$='/staff/tips/{tip_id}/reply']").count() == 0
    embassy.fill("form[action$='/relay'] textarea[name=body]", QUESTION)
    go(embassy, "form[action$='/relay'] button[type=submit]")
    assert QUESTION in embassy.inner_text("ul.relays")
    embassy.fill("div.hidden-share textarea[name=reason]", "Cùng một người tuyển dụng")
    go(embassy, "div.hidden-share button[type=submit]")
    assert embassy.url == tip_url

    coordinator.goto(tip_url)
    relays = coordinator.locator("ul.relays")
    assert QUESTION in relays.inner_text()
    go(coordinator, "ul.relays button[name=decision][value=yes]")
    assert QUESTION in coordinator.inner_text(".messages")
    assert "Sent to the reporter" in coordinator.inner_text("ul.relays")

    phone.reload()
    assert QUESTION in phone.inner_text(".messages")
    phone.fill("#body", ANSWER)
    go(phone, "form[action$='/follow-up/reply'] button[type=submit]")
    assert ANSWER in phone.inner_text(".messages")
    fits(phone)
    screenshot(phone, f"referral-follow-up-answer-{mode}")

    embassy.goto(tip_url)
    messages = embassy.inner_text(".messages")
    assert QUESTION in messages and ANSWER in messages
    fits(embassy)
    screenshot(embassy, f"referral-embassy-tip-answered-{mode}")

    # The coordinator's pages for rules, access requests and organisations.
    coordinator.goto(f"{live_server}/staff/referral-rules")
    assert "Ma túy ở Indonesia" in coordinator.inner_text("table.rules")
    axe.check(coordinator, coordinator.url)
    coordinator.goto(f"{live_server}/staff/access-requests")
    assert "Cùng một người tuyển dụng" in coordinator.inner_text("ul.access-requests")
    axe.check(coordinator, coordinator.url)
    fits(coordinator)
    admin = people()
    sign_in(admin, live_server, app, "admin-coord", "admin")
    admin.goto(f"{live_server}/staff/organisations")
    assert "Embassy of Viet Nam in Cambodia" in admin.inner_text("main")
    axe.check(admin, admin.url)
    fits(admin)
    screenshot(admin, f"referral-organisations-{mode}")

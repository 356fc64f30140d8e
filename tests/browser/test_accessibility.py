"""axe-core (npm, injected by Playwright) on every public page, in every locale, and the main staff pages:
no violation of the WCAG 2.1 A/AA rules, on a 360 px phone and on a desktop."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image

from portal.extensions import db
from portal.i18n import LOCALES
from portal.job_offers import registry
from portal.jobs.triage import triage_tip
from portal.models import Attachment, Tip
from portal.public.job_offers import routes as checker_routes
from portal.storage import current_storage
from tests.browser.conftest import go
from tests.browser.test_mobile import staff_sign_in
from tests.helpers import submit_report
from tests.public.warnings.test_warnings import published_warning

pytestmark = pytest.mark.browser
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PUBLIC = [
    "/{lang}/",
    "/{lang}/report/",
    "/{lang}/report/drugs",
    "/{lang}/report/job-offer",
    "/{lang}/report/extremism",
    "/{lang}/report/other",
    "/{lang}/follow-up",
    "/{lang}/check",
    "/{lang}/help",
    "/{lang}/help?country=ID&need=trafficking",
    "/{lang}/help?country=other&nationality=ID",
    "/{lang}/help?country=MM&need=trafficking",
    "/{lang}/warnings",
    "/{lang}/warnings?q=0812-3456-7890",
    "/{lang}/warnings/1",
    "/{lang}/no-such-page",
]
STAFF = [
    "/staff/queue",
    "/staff/queue?category=job-offer&sort=age",
    "/staff/tips/1",
    "/staff/dashboard",
    "/staff/exports",
    "/staff/account",
    "/staff/admin/accounts",
    "/staff/admin/audit",
    "/staff/admin/support",
    "/staff/admin/registry",
    "/staff/retention",
    "/staff/retention/outlook",
]


@pytest.fixture
def axe_page(browser, request):
    if not AXE.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run axe-core: `make browser-deps` did not install it")
        pytest.skip("axe-core is not installed (npm ci --prefix tests/browser)")
    width = getattr(request, "param", 360)
    # axe is loaded into every page of this context before the page's own scripts (once
    # through Playwright's pipe, not once per page); the portal's CSP is bypassed here only.
    context = browser.new_context(viewport={"width": width, "height": 800}, bypass_csp=True)
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    yield page
    context.close()


def violations(page, url: str | None = None) -> list[str]:
    """axe's WCAG 2.1 A/AA findings on `url`, or on the page as it is now."""
    if url:
        page.goto(url)
    found = page.evaluate(
        """async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))
             .violations.map(v => v.id + ' (' + v.impact + '): ' + v.help + ' -> '
                + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))""",
        WCAG_21_AA,
    )
    return [f"{url or page.url}: {line}" for line in found]


def _seed(app) -> None:
    client = app.test_client()
    published_warning(app, client)  # tip 1, triaged, with a published warning
    submit_report(
        client,
        "drugs",
        country="ID",
        description="Jual sabu dan ekstasi, COD Jakarta, WA 0813-9999-0000",
        situation="danger",
    )
    with app.app_context():
        triage_tip(db.session.scalar(db.select(Tip.id).order_by(Tip.id.desc())))
        # A photo whose text was read by machine, shown on tip 1's page; and a licence list.
        image = io.BytesIO()
        Image.new("RGB", (120, 80), "white").save(image, format="PNG")
        key = current_storage().put(image.getvalue(), "png")
        db.session.add(
            Attachment(
                tip_id=1,
                storage_key=key,
                media_type="image/png",
                width=120,
                height=80,
                size_bytes=len(image.getvalue()),
                ocr_text="Lowongan kerja, hubungi WA 0812 3456 7890",
            )
        )
        registry.load(
            b"name,licence_number,country,source_url,date_retrieved\n"
            b"PT Maju Bersama,1/KEP/2020,ID,https://siskop2mi.bp2mi.go.id/list,2026-11-20\n",
            "list.csv",
        )
        db.session.commit()


@pytest.mark.parametrize("lang", LOCALES)
def test_public_pages_have_no_wcag_violations(app, live_server, axe_page, lang, monkeypatch):
    _seed(app)
    monkeypatch.setattr(checker_routes, "PICTURE_WAIT_SECONDS", 0.2)  # no worker: the wait page
    found = []
    for path in PUBLIC:
        found += violations(axe_page, live_server + path.format(lang=lang))
    # Pages reached by posting a form: the receipt, an open follow-up, a checker result.
    axe_page.goto(f"{live_server}/{lang}/report/other")
    axe_page.fill("#description", "Akun ini menjual obat terlarang")
    go(axe_page, "main form button[type=submit]")
    code = axe_page.inner_text("#receipt-code")
    found += violations(axe_page)
    go(axe_page, "main form button[type=submit]")  # "I have written it down"
    found += violations(axe_page, f"{live_server}/{lang}/report/done")
    assert axe_page.locator("#receipt-code").count() == 0  # the code is no longer shown
    axe_page.goto(f"{live_server}/{lang}/follow-up")
    axe_page.fill("#code", code)
    go(axe_page, "main form button[type=submit]")
    found += violations(axe_page)
    # Deleting one's report: the confirmation, then the thread with "Keep my report".
    found += violations(axe_page, f"{live_server}/{lang}/follow-up/delete")
    go(axe_page, "main form button[type=submit]")
    assert axe_page.locator("form[action$='/follow-up/keep']").count() == 1
    found += violations(axe_page)
    axe_page.goto(f"{live_server}/{lang}/check")
    axe_page.fill("#offer", "Kerja CS di KK Park Myawaddy, gaji 2000 USD, visa turis, WA 0812-345-678")
    go(axe_page, "main form button[type=submit]")
    found += violations(axe_page)
    # A placement-fraud result: the official check on top, the law under each sign, licence
    # answers and the pay as read.
    axe_page.fill("#offer", PLACEMENT_FRAUD)
    axe_page.select_option("#country", "ID")
    go(axe_page, "form.check-form button[type=submit]")
    assert axe_page.locator(".check-first").count() == 1
    found += violations(axe_page)
    if axe_page.locator("#screenshot").count():  # Tesseract installed: the wait page too
        axe_page.set_input_files("#screenshot", files=[_picture()])
        go(axe_page, "form.check-form button[type=submit]")
        assert "/check/picture/" in axe_page.url
        found += violations(axe_page)
    assert found == []


PLACEMENT_FRAUD = (
    "Lowongan ke Jepang! Biaya administrasi Rp 15 juta ke rekening a/n Sutrisno, tanpa lewat PT. "
    "Keberangkatan dijamin 2 minggu. PT Sinar Karya Mandiri, SIP3MI No. 503/KEP/2021. "
    "Juru masak di Bandung gaji Rp 3.000.000 per bulan."
)


def _picture() -> dict:
    image = io.BytesIO()
    Image.new("RGB", (360, 200), "white").save(image, format="PNG")
    return {"name": "offer.png", "mimeType": "image/png", "buffer": image.getvalue()}


@pytest.mark.parametrize("axe_page", [360, 1280], indirect=True, ids=["phone", "desktop"])
def test_main_staff_pages_have_no_wcag_violations(app, live_server, axe_page):
    _seed(app)
    staff_sign_in(axe_page, live_server, app, "ada", "admin")
    found = []
    for path in STAFF:
        found += violations(axe_page, live_server + path)
    assert found == []


def test_axe_does_find_violations(axe_page, live_server):
    """The checks above can fail: the same call reports a page with known faults."""
    axe_page.goto(f"{live_server}/en/")
    axe_page.evaluate(
        """document.querySelector('main').insertAdjacentHTML('beforeend',
             '<img src="/static/none.png"><input type="text"><a href="/x"></a>')"""
    )
    found = " ".join(violations(axe_page))
    for rule in ("image-alt", "label", "link-name"):
        assert rule in found

"""Screenshots through the portal: the checker reads one outside the request and checks its
text (the picture is never stored), and a report's photo is read in triage so a number seen
only in the picture is extracted, scored and linked like typed text."""

from __future__ import annotations

import html
import io
import re
from functools import cache

import pytest
from rq import Queue

from portal import ocr
from portal.extensions import db
from portal.job_offers.checker import check
from portal.jobs import ocr as ocr_jobs
from portal.jobs import store
from portal.jobs.worker import TriageWorker
from portal.languages import LIKELY_COUNTRY
from portal.models import Attachment, Tip
from portal.public.job_offers import routes
from tests.helpers import form_tokens, submit_report
from tests.ocr.offers import OFFERS, offers_in
from tests.ocr.screens import encoded, phone_screenshot
from tests.staff.helpers import staff_client


@cache
def _screenshot(key: str) -> bytes:
    offer = next(offer for offer in OFFERS if offer.key == key)
    return encoded(phone_screenshot(offer))


@pytest.mark.parametrize("offer", OFFERS, ids=lambda offer: offer.key)
def test_a_screenshot_gets_the_risk_its_typed_text_gets(tesseract, offer):
    country = LIKELY_COUNTRY.get(offer.locale)
    read = ocr.read_text(_screenshot(offer.key), [offer.locale])
    typed = check(offer.text, lang=offer.locale, country=country)
    seen = check(read, lang=offer.locale, country=country)
    assert seen.risk == typed.risk, (offer.key, read)


def _work(app, redis_client) -> None:
    with app.app_context():
        TriageWorker([Queue("triage", connection=redis_client)], connection=redis_client).work(
            burst=True
        )


def _post_picture(client, lang: str, picture: bytes, name: str = "offer.png", **fields):
    tokens = form_tokens(client.get(f"/{lang}/check").text)
    return client.post(
        f"/{lang}/check",
        data={**tokens, "screenshot": (io.BytesIO(picture), name), **fields},
        content_type="multipart/form-data",
    )


def test_the_checker_reads_a_screenshot_outside_the_request_and_keeps_no_picture(
    tesseract, app, client, redis_client, monkeypatch
):
    offer = offers_in("id")[0]
    sent = _post_picture(client, "id", _screenshot(offer.key), country="ID")
    assert sent.status_code == 303
    target = sent.headers["Location"]
    assert re.fullmatch(r"/id/check/picture/[A-Za-z0-9_-]{24}\?country=ID", target)
    token = target.split("/")[-1].split("?")[0]
    monkeypatch.setattr(routes, "PICTURE_WAIT_SECONDS", 0.3)  # no worker yet: a waiting page
    waiting = client.get(target)
    assert waiting.status_code == 200
    assert "http-equiv" not in waiting.text  # no page refreshes by itself (WCAG 2.2.1)
    assert f'href="{target}"' in waiting.text  # a "check again" link to the same reading
    # The job's arguments are the token and the language: no picture, no text.
    job = Queue("triage", connection=redis_client).fetch_job(f"ocr-{token}")
    assert job is not None and list(job.args) == [token, "id"]
    _work(app, redis_client)
    assert redis_client.hget(f"waspada:ocr:{token}", "image") is None  # the pixels are gone
    assert 0 < redis_client.ttl(f"waspada:ocr:{token}") <= ocr_jobs.SCREENSHOT_TTL
    done = client.get(target)
    assert done.status_code == 200
    page = html.unescape(done.text)
    typed = check(offer.text, lang="id", country="ID")
    assert f"risk-{typed.risk}" in done.text
    assert "Machines make mistakes" in page or "machine-read-notice" in done.text
    assert "+62 812-3456-7890" in page  # the text read, in the form, to correct and check again
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Attachment)) == 0
        assert db.session.scalar(db.select(db.func.count()).select_from(Tip)) == 0


def test_an_unknown_or_expired_reading_is_a_clear_404(client):
    for token in ["A" * 24, "not-a-token", "x" * 200]:
        page = client.get(f"/en/check/picture/{token}")
        assert page.status_code == 404
        assert "we keep it only 10 minutes" in html.unescape(page.text)


@pytest.mark.parametrize(
    ("picture", "message"),
    [
        (b"", "We can only accept photos and screenshots"),
        (b"%PDF-1.4 not a picture", "We can only accept photos and screenshots"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "We can only accept photos and screenshots"),
    ],
    ids=["empty", "pdf", "truncated-png"],
)
def test_a_hostile_picture_is_refused_clearly(tesseract, client, picture, message):
    answer = _post_picture(client, "en", picture)
    assert answer.status_code == 400
    assert message in html.unescape(answer.text)


def test_a_decompression_bomb_is_refused(tesseract, client):
    from PIL import Image

    bomb = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(bomb, format="PNG")  # small file, 400 MP
    answer = _post_picture(client, "en", bomb.getvalue())
    assert answer.status_code == 400
    assert "too large to open" in html.unescape(answer.text)


def test_without_tesseract_the_page_says_so_and_the_rest_works(client, monkeypatch):
    monkeypatch.setattr(ocr, "available", lambda locales: False)
    page = client.get("/en/check")
    assert "Reading pictures is not available on this server" in page.text
    assert 'name="screenshot"' not in page.text
    tokens = form_tokens(page.text)
    typed = client.post("/en/check", data={**tokens, "offer": "Kerja admin di Poipet, visa turis"})
    assert typed.status_code == 200 and "risk-high" in typed.text


def test_a_number_only_in_a_reports_screenshot_is_extracted_scored_and_linked(
    tesseract, app, client, redis_client
):
    offer = offers_in("id")[0]  # its number: +62 812-3456-7890
    first = submit_report(
        client, "job-offer", "id", description="Penipu lowongan, WA +62 812-3456-7890", country="ID"
    )
    assert first.status_code == 303
    second = submit_report(
        client,
        "job-offer",
        "id",
        description="Saya dapat tawaran ini, lihat fotonya.",
        country="ID",
        files=[(io.BytesIO(_screenshot(offer.key)), "chat.png")],
    )
    assert second.status_code == 303
    _work(app, redis_client)  # triage, then the photo's reading, then triage again
    with app.app_context():
        db.session.expire_all()
        one, two = db.session.scalars(db.select(Tip).order_by(Tip.id)).all()
        read = two.attachments[0].ocr_text
        assert read and "812-3456-7890" in read
        assert two.cluster_id == one.cluster_id
        assert ("phone", "+6281234567890") in set(store.tip_indicators(two.id))
        assert two.score > 0 and two.triage_state == "done"
        tip_id = two.id
    analyst = staff_client(app, "analyst", "ana")
    page = html.unescape(analyst.get(f"/staff/tips/{tip_id}").text)
    assert "Text read by machine from photo 1" in page and "812-3456-7890" in page



def test_a_reading_is_shown_once_and_its_token_never_reaches_the_logs(
    tesseract, app, client, redis_client
):
    from portal.access_log import redact

    offer = offers_in("vi")[0]
    target = _post_picture(client, "vi", _screenshot(offer.key), country="VN").headers["Location"]
    _work(app, redis_client)
    assert client.get(target).status_code == 200
    # Shown once: the text lives on in the page's form, no longer in Redis.
    assert client.get(target).status_code == 404
    assert redact(f"GET {target} HTTP/1.1") == "GET /vi/check/picture/-?country=VN HTTP/1.1"


def test_screenshots_have_their_own_limits_and_a_cap_on_waiting_pictures(
    tesseract, app_factory, monkeypatch
):
    app = app_factory(RATE_LIMIT_CHECKER_PICTURE="3 per minute")
    client = app.test_client()
    picture = _screenshot(offers_in("id")[0].key)
    answers = [_post_picture(client, "en", picture).status_code for _ in range(4)]
    assert answers == [303, 303, 303, 429]  # pictures: 3 a minute per person
    typed = form_tokens(client.get("/en/check").text)
    assert client.post("/en/check", data={**typed, "offer": "Kerja admin"}).status_code == 200
    monkeypatch.setattr(ocr_jobs, "MAX_WAITING", 3)  # the three above wait, unread
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.9"  # another person, within its limit
    refused = _post_picture(other, "en", picture, offer="Kerja admin di Poipet")
    assert refused.status_code == 503
    page = html.unescape(refused.text)
    assert "Please paste the text instead" in page and "Kerja admin di Poipet" in page

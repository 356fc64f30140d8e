import re

import pytest

from portal.security import CONTENT_SECURITY_POLICY, rate_limit_key
from tests.helpers import submit_report

PUBLIC_PAGES = [
    "/id/",
    "/en/report/",
    "/vi/report/drugs",
    "/en/report/job-offer",
    "/en/follow-up",
    "/en/report/done",
]


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_every_public_page_sends_strict_headers(client, url):
    response = client.get(url)
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "default-src 'self'" in CONTENT_SECURITY_POLICY
    assert "img-src 'self' data:" in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response.headers  # only in production


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_pages_have_no_inline_script_or_style_and_nothing_from_other_hosts(client, url):
    html = client.get(url).text
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert "<style" not in html and " style=" not in html
    for attribute in re.findall(r'(?:src|href|action)="([^"]+)"', html):
        # Not even the quick-exit link: it goes through /exit, which then leaves.
        assert not attribute.startswith(("http://", "https://", "//")), attribute


def test_quick_exit_is_on_every_public_page_and_works_without_javascript(client):
    for url in PUBLIC_PAGES:
        html = client.get(url).text
        link = re.search(r'<a class="quick-exit" href="([^"]+)" rel="noreferrer noopener"', html)
        assert link, url
        assert link.group(1) == "/exit"
    leaving = client.get("/exit")
    assert leaving.status_code == 303
    assert leaving.headers["Location"].startswith("https://")


def test_pages_with_forms_are_never_cached_and_pages_without_are(client):
    assert client.get("/en/").headers["Cache-Control"] == "public, max-age=300"
    assert client.get("/en/report/").headers["Cache-Control"] == "public, max-age=300"
    assert client.get("/en/report/drugs").headers["Cache-Control"] == "private, no-store"
    assert client.get("/en/follow-up").headers["Cache-Control"] == "private, no-store"


def test_production_sends_hsts(app_factory, monkeypatch):
    app = app_factory(private=True)
    from portal import security

    security.init_app(app, production=True)
    response = app.test_client().get("/en/")
    assert "max-age=63072000" in response.headers["Strict-Transport-Security"]


def test_rate_limit_key_is_an_hmac_that_changes_daily(app, monkeypatch):
    from portal import security

    with app.test_request_context(environ_base={"REMOTE_ADDR": "203.0.113.77"}):
        key = rate_limit_key()
        assert "203.0.113.77" not in key and len(key) == 32
        monkeypatch.setattr(security, "_daily_salt", lambda: security._salt_for(b"k", "2099-01-01"))
        assert rate_limit_key() != key


def test_submissions_are_rate_limited_with_a_page_in_the_readers_language(app_factory):
    app = app_factory(RATE_LIMIT_SUBMISSION="2 per minute")
    client = app.test_client()
    codes = [
        submit_report(client, "drugs", lang="id", description=f"t{n}").status_code for n in range(3)
    ]
    assert codes == [303, 303, 429]
    page = submit_report(client, "drugs", lang="id", description="again")
    assert page.status_code == 429 and '<html lang="id"' in page.text
    assert client.get("/id/report/drugs").status_code == 200  # reading is not limited


def test_rate_limits_fall_back_to_memory_when_redis_is_unreachable(app_factory):
    app = app_factory(REDIS_URL="redis://127.0.0.1:1/0", RATE_LIMIT_SUBMISSION="2 per minute")
    client = app.test_client()
    codes = [submit_report(client, "drugs", description=f"t{n}").status_code for n in range(3)]
    assert codes == [303, 303, 429]

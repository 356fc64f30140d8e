"""What the production-shape tests share: their own PostgreSQL database and Redis number, and
a phone behind the proxy that keeps its cookies."""

from __future__ import annotations

import gzip
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from http.cookies import SimpleCookie

import brotli
import pytest
import redis as redis_lib
from sqlalchemy import create_engine, text

from tests.conftest import own_redis_db, worker_suffix

CANARY = "203.0.113."  # TEST-NET-3: the client addresses the "proxy" reports


@pytest.fixture
def services(request: pytest.FixtureRequest):
    """A fresh database and Redis db of this test's own (named after the test module and the
    xdist worker)."""
    database_url = os.environ.get("TEST_DATABASE_URL")
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not (database_url and redis_url):
        if os.environ.get("CI") == "true":
            pytest.fail("CI must test the production shape: PostgreSQL and Redis are needed")
        pytest.skip("needs TEST_DATABASE_URL and TEST_REDIS_URL")
    module = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    database = f"waspada_{module}{worker_suffix()}"
    server = create_engine(
        database_url.replace("postgresql://", "postgresql+psycopg://", 1),
        isolation_level="AUTOCOMMIT",
    )
    with server.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {database}"))
    own_db = urllib.parse.urlsplit(database_url)._replace(path=f"/{database}").geturl()
    own_redis = own_redis_db(redis_url, module.replace("_", "-"))
    redis = redis_lib.Redis.from_url(own_redis)
    redis.flushdb()
    yield own_db, own_redis
    redis.flushdb()
    with server.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
    server.dispose()


class Browser:
    """A phone behind the proxy: keeps its cookies (Secure ones too: TLS ended at the
    proxy) and arrives with the headers the proxy adds."""

    def __init__(self, address: str, language: str = "en", encodings: str = "") -> None:
        self.address = address
        self.language = language
        self.encodings = encodings
        self.cookies: dict[str, str] = {}

    def open(self, url: str, data: dict[str, str] | None = None, headers: dict[str, str] | None = None):
        """The raw response (body not read), after keeping its cookies."""
        sent = {
            "X-Forwarded-For": self.address,
            "X-Forwarded-Proto": "https",
            "Accept-Language": self.language,
            **({"Accept-Encoding": self.encodings} if self.encodings else {}),
            **(headers or {}),
        }
        if data is not None:
            # A browser posting a form of this site says so (Referrer-Policy: same-origin),
            # with the https address it sees (TLS ends at the proxy);
            # on HTTPS, Flask-WTF refuses a POST without it.
            sent.setdefault("Referer", "https://" + url.split("://", 1)[1])
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body, headers=sent)
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            response = opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response

    def request(self, url: str, data: dict[str, str] | None = None) -> tuple[int, str, dict]:
        response = self.open(url, data)
        return response.status, decoded(response).decode(), dict(response.headers)


def decoded(response) -> bytes:  # noqa: ANN001 - an http.client response
    """The body as the server meant it, whatever compression it was sent with."""
    body = response.read()
    encoding = response.headers.get("Content-Encoding")
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "br":
        return brotli.decompress(body)
    return body


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003
        return None


def tokens(html: str) -> dict[str, str]:
    """The hidden CSRF and one-time form tokens of a form page."""
    found = {}
    for name in ("csrf_token", "form_token"):
        match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html)
        if match:
            found[name] = match.group(1)
    return found


def report(browser: Browser, web: str, text_: str, lang: str = "en") -> tuple[int, str | None]:
    """Send a drugs report as a phone would; the status of the POST and the receipt shown."""
    status, page, _ = browser.request(f"{web}/{lang}/report/drugs")
    assert status == 200
    status, _, headers = browser.request(
        f"{web}/{lang}/report/drugs", {**tokens(page), "description": text_}
    )
    if status != 303:
        return status, None
    assert headers["Location"].endswith(f"/{lang}/report/done")
    _, done, _ = browser.request(f"{web}/{lang}/report/done")
    code = re.search(r'id="receipt-code">([^<]*)<', done)
    return status, code.group(1) if code else None

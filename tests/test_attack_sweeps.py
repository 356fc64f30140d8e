"""Attack sweeps (issue 7, point 3): every form and query string against hostile input.

- Every POST endpoint refuses a request without its CSRF token: 400, a calm page, no row written.
- Every field not already swept by tests/public/tips/test_naughty_strings.py takes the Big List
  of Naughty Strings and classic XSS / SQL / template-injection payloads: never a 5xx, stored
  exactly as portal.sanitize documents (markup stripped, entities decoded, controls dropped,
  NFC), and nothing typed ever comes back as markup that could run.
- Ids beyond the database's range, malformed and oversized uploads get a clear 4xx in the
  reader's language and leave nothing behind.

Staff URLs without a session are walked in tests/staff/test_auth.py, and the 50 parallel
submissions of one form in tests/public/tips/test_report.py; they are not repeated here.

The naughty strings go several to a request (joined with newlines, or spaces for one-line
fields) so each backend runs this file in seconds; fields that parse a short token (ids,
dates, codes) get the short strings one by one.
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
import secrets
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from html.parser import HTMLParser
from itertools import zip_longest
from pathlib import Path

import pytest
import yaml
from markupsafe import escape
from PIL import Image

from portal import errors
from portal.accounts import services as auth_services
from portal.directory.entries import DEFAULT_PATH
from portal.extensions import db
from portal.i18n import LOCALES
from portal.jobs.triage import triage_tip
from portal.models import Attachment, Message, Note, Tip
from portal.models.staff import AuditEvent, StaffUser
from portal.models.warnings import PublicWarning
from portal.sanitize import clean_line, clean_text, has_unreadable_characters
from tests.helpers import blns_lines, form_tokens, get_form, receipt_from, submit_report
from tests.staff.helpers import PASSWORD, code_for, make_staff, sign_in, staff_client

LINES = blns_lines()

# Classic attacks on web forms. Each must come back as text, never as markup or as a query.
PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg/onload=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.cookie)",
    '<a href="javascript:alert(1)">click</a>',
    '<iframe src="javascript:alert(1)"></iframe>',
    "<body onload=alert(1)>",
    '" onmouseover="alert(1)',
    "' onfocus='alert(1)' autofocus='",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "<<script>script>alert(1)<</script>/script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    '<img src="x" onerror="&#97;lert(1)">',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<!--<script>alert(1)</script>-->",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="//evil.example/">',
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "' OR '1'='1",
    "' OR 1=1 --",
    "'; DROP TABLE tips;--",
    '"; DROP TABLE staff_users; --',
    "1 UNION SELECT username, password_hash FROM staff_users--",
    "%' AND 1=0 UNION SELECT NULL--",
    "%00",
    "abc\x00def",
    "{{7*7}}",
    "{{ 1337*1337 }}",
    "${7*7} #{7*7} <%= 7*7 %>",
    "{% raw %}{{ config }}{% endraw %}",
    "{{ config.SECRET_KEY }}{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "\u202egnp.exe",
    "../../../../etc/passwd",
    "line one\r\nSet-Cookie: injected=1",
    str(2**31),
    "9" * 30,
    "⁰⁴⁵₀₁₂",  # digits to str.isdigit(), not to int()
    "١٢٣",
    "１２３",
]
EVALUATED = "1787569"  # what "{{ 1337*1337 }}" would become if input were ever evaluated
FORBIDDEN_TAGS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "math"}
FORBIDDEN_TAGS |= {"style", "template", "marquee", "mglyph", "mtext"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "background"}
SUMMARIES = ("summary_id", "summary_en", "summary_vi")


# ---------------------------------------------------------------- helpers


def packed(lines: Iterable[str], limit: int, sep: str) -> list[str]:
    """The lines joined with `sep` into chunks of at most `limit` characters."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        if current and size + len(sep) + len(line) > limit:
            chunks.append(sep.join(current))
            current, size = [], 0
        size += len(line) + (len(sep) if current else 0)
        current.append(line)
    if current:
        chunks.append(sep.join(current))
    return chunks


def tokens(longest: int) -> list[str]:
    """The naughty strings that are one short word ("⁰⁴⁵", "１２３", "1E02", "nil")."""
    return [line for line in LINES if len(line) <= longest and len(line.split()) <= 1]


def naughty(limit: int, sep: str = "\n", chunk: int = 2000, alone: int = 0) -> list[str]:
    """Values for a field of `limit` characters: every naughty string, several to a value
    (joined with `sep`, at most `chunk` characters), except the one-word ones up to `alone`
    characters, sent one by one to fields that parse a word (codes, usernames); the strings
    too long for the field packed together (one length check refuses them all); then each
    payload alone."""
    singles = tokens(alone) if alone else []
    rest = [line for line in LINES if line not in singles]
    fits = [line for line in rest if len(line) <= limit]
    too_long = [line for line in rest if len(line) > limit]
    return (
        singles + packed(fits, min(limit, chunk), sep) + packed(too_long, 4 * chunk, sep) + PAYLOADS
    )


def words() -> list[str]:
    """Values for a filter read as a number or a date: every short word alone, and the payloads."""
    return tokens(16) + PAYLOADS


def fits(value: str, limit: int, *, required: bool = True) -> bool:
    """What the field validators accept: text (if required), readable, not too long."""
    if not value.strip():
        return not required
    return not has_unreadable_characters(value) and len(value) <= limit


class _StartTags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def could_run(text: str) -> bool:
    """True if escaping must change this text wherever a page shows it."""
    return len(text) >= 6 and any(char in text for char in "<>\"'")


def assert_inert(response, *sent: str) -> None:
    """No server error, no stack trace, and nothing typed came back as live markup."""
    body = response.get_data(as_text=True)
    where = f"{response.request.method} {response.request.path}"
    assert response.status_code < 500, (where, response.status_code, sent)
    assert "Traceback" not in body, where
    assert EVALUATED not in body, (where, "a template evaluated input")
    assert "test-secret-key" not in body, (where, "the configuration leaked")
    if response.mimetype == "text/html":
        parser = _StartTags()
        parser.feed(body)
        for tag, attrs in parser.tags:
            values = dict(attrs)
            assert tag not in FORBIDDEN_TAGS, (where, tag, sent)
            if tag == "script":
                assert (values.get("src") or "").startswith("/static/"), (where, attrs)
            if tag == "meta":
                assert "http-equiv" not in values, (where, attrs)
            for name, value in attrs:
                assert not name.startswith("on"), (where, tag, name, value, sent)
                if name in URL_ATTRIBUTES and value:
                    url = re.sub(r"[\x00-\x20]", "", value).lower()
                    assert not url.startswith(("javascript:", "vbscript:", "data:")), (where, value)
    for text in sent:
        if could_run(text):
            assert text not in body, (where, "echoed unescaped", text)


def paragraphs(page: str, within: str = "") -> list[str]:
    """The text of each message paragraph, only inside the element that opens with `within`."""
    if within:
        tag = re.match(r"<(\w+)", within).group(1)
        page = page.split(within, 1)[1].split(f"</{tag}>", 1)[0]
    found = re.findall(r'<p class="message-body">(.*?)</p>', page, re.S)
    return [html.unescape(text) for text in found]


def row_counts(app) -> dict[str, int]:
    """Rows in every table: a new table is counted without anyone editing this test."""
    with app.app_context():
        return {
            table.name: db.session.scalar(db.select(db.func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }


def stored_files(app) -> list[str]:
    upload_dir = app.extensions["waspada.settings"].upload_dir
    if not upload_dir.exists():
        return []
    return sorted(str(path) for path in upload_dir.rglob("*") if path.is_file())


def follow(client, lang: str = "en") -> None:
    """Send a report and open its follow-up page, as the reporter would."""
    assert submit_report(client, "other", lang, description="start").status_code == 303
    code = receipt_from(client, lang)
    csrf = get_form(client, f"/{lang}/follow-up")["csrf_token"]
    response = client.post(f"/{lang}/follow-up", data={"csrf_token": csrf, "code": code})
    assert response.status_code == 303


def csrf_of(client, url: str) -> str:
    return form_tokens(client.get(url).text)["csrf_token"]


def png(size: tuple[int, int] = (8, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "red").save(out, "PNG")
    return out.getvalue()


def multipart(fields, files=(), boundary: str = "sweep-7f3a") -> tuple[bytes, str]:
    """A multipart body built by hand, so file names can hold any byte."""
    out = io.BytesIO()
    for name, value in fields:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(value.encode() + b"\r\n")
    for name, filename, media_type, data in files:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '.encode())
        out.write(b'filename="' + filename + b'"\r\n')
        out.write(f"Content-Type: {media_type}\r\n\r\n".encode() + data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def tip_with_indicator(app, client) -> int:
    """A triaged job-offer tip with a phone indicator (warnings are published from those)."""
    submit_report(client, "job-offer", country="ID", description="Kerja Kamboja, WA 0812-3456-7890")
    with app.app_context():
        tip_id = db.session.scalar(db.select(db.func.max(Tip.id)))
        assert triage_tip(tip_id) == "done"
    return tip_id


def publish(web, tip_id: int, csrf: str, **fields: str):
    data = {
        "csrf_token": csrf,
        "identifier": "phone|+6281234567890",
        "incident_date": "2026-01-01",
        **dict.fromkeys(SUMMARIES, "A warning."),
        **fields,
    }
    return web.post(f"/staff/tips/{tip_id}/warnings", data=data)


# ---------------------------------------------------------------- CSRF on every POST

# Every field any form has, filled in as a person would: an exempt view would act on it.
EVERY_FIELD = {
    "description": "Jual sabu, WA 0812-3456-7890",
    "link": "t.me/contoh",
    "offer": "Kerja di Kamboja, gaji 20 juta",
    "body": "New information",
    "details": "This is about me",
    "reason": "about_me",
    "code": "123456",
    "username": "csrf-newcomer",
    "password": PASSWORD,
    "confirm": PASSWORD,
    "status": "in_review",
    "assignee": "",
    "role": "supervisor",
    "language": "vi",
    "identifier": "phone|+6281234567890",
    "incident_date": "2026-01-01",
    **dict.fromkeys(SUMMARIES, "A warning."),
}
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def _fillings(rule, ids: dict[str, object]) -> list[dict[str, object]]:
    """Values for the rule's placeholders: real ids, every report category, else 1."""
    if "category" in rule.arguments:
        return [{**ids, "category": c} for c in ("drugs", "job-offer", "extremism", "other")]
    return [{name: ids.get(name, 1) for name in rule.arguments}]


def test_every_post_endpoint_refuses_a_form_without_its_csrf_token(app, client):
    assert app.config.get("WTF_CSRF_ENABLED", True)
    assert app.config.get("WTF_CSRF_CHECK_DEFAULT", True)
    tip_id = tip_with_indicator(app, client)
    follow(client)  # the reporter's client could now reply: a refused reply is a real refusal
    supervisor = staff_client(app, "supervisor", "csrf-supervisor")
    assert (
        publish(supervisor, tip_id, csrf_of(supervisor, f"/staff/tips/{tip_id}")).status_code == 303
    )
    admin = staff_client(app, "admin", "csrf-admin")  # admin holds every role
    with app.app_context():
        pending = auth_services.create_account("csrf-newcomer", "analyst")
        db.session.commit()
        ids = {
            "lang": "en",
            "tip_id": tip_id,
            "warning_id": db.session.scalar(db.select(PublicWarning.id)),
            "user_id": pending.user.id,
            "token": pending.setup_token,
        }
    before, files_before = row_counts(app), stored_files(app)

    rules = [rule for rule in app.url_map.iter_rules() if rule.methods & STATE_CHANGING]
    expected = sum(len(_fillings(r, ids)) * len(r.methods & STATE_CHANGING) for r in rules)
    assert len(rules) >= 20, "the URL map looks empty"
    checked = 0
    for rule in rules:
        for values in _fillings(rule, ids):
            url = rule.build(values, append_unknown=False)[1]
            web = admin if url.startswith("/staff/") else client
            for method in sorted(rule.methods & STATE_CHANGING):
                body, content_type = multipart(
                    [*EVERY_FIELD.items(), ("form_token", secrets.token_urlsafe(24))],
                    [
                        ("images", b"photo.png", "image/png", png()),
                        ("file", b"directory.yaml", "application/yaml", b"services: []\n"),
                    ],
                )
                response = web.open(url, method=method, data=body, content_type=content_type)
                where = f"{method} {url} ({rule.endpoint})"
                assert response.status_code == 400, (where, response.status_code)
                assert "This form has expired" in response.text, where
                assert '<html lang="en"' in response.text, where
                assert_inert(response)
                checked += 1
    assert checked == expected
    assert row_counts(app) == before
    assert stored_files(app) == files_before


def test_ids_beyond_the_database_range_are_not_found(app, client):
    admin = staff_client(app, "admin")
    token = csrf_of(admin, "/staff/account")
    rules = [rule for rule in app.url_map.iter_rules() if "<int:" in rule.rule]
    assert len(rules) >= 10
    for rule in rules:
        for huge in (2**31, 2**63, 10**30):
            values = {name: huge for name in rule.arguments} | {"lang": "en"}
            url = rule.build(values, append_unknown=False)[1]
            web = admin if url.startswith("/staff/") else client
            for method in sorted(rule.methods & {"GET", "POST"}):
                response = web.open(url, method=method, data={"csrf_token": token})
                # 405 where a rule for the other method shares the path
                assert response.status_code in (404, 405), (method, url, response.status_code)
                assert_inert(response)


# ---------------------------------------------------------------- public forms


def test_job_offer_checker_takes_any_text_and_stores_nothing(app, client):
    csrf = get_form(client, "/en/check")["csrf_token"]
    for offer, contact in zip_longest(naughty(10_000), naughty(500, " "), fillvalue=""):
        data = {"csrf_token": csrf, "offer": offer, "contact": contact, "country": "ID"}
        response = client.post("/en/check", data=data)
        assert_inert(response, offer, contact)
        valid = fits(offer, 10_000, required=False) and fits(contact, 500, required=False)
        useful = clean_text(offer, 10_000) or clean_line(contact, 500)
        assert response.status_code == (200 if valid and useful else 400), (offer[:80], contact)
    for payload in PAYLOADS:  # the country list, too
        data = {"csrf_token": csrf, "offer": "x", "country": payload}
        response = client.post("/en/check", data=data)
        assert response.status_code == 400
        assert "Please choose an answer from the list" in response.text
        assert_inert(response, payload)
    assert row_counts(app)["tips"] == 0


def test_warning_search_and_help_filters_take_any_query(app, client):
    for q in naughty(200, " "):
        assert_inert(client.get("/en/warnings", query_string={"q": q}), q)
    names = ("country", "need", "nationality", "language")
    for value in naughty(200, " "):
        response = client.get("/en/help", query_string=dict.fromkeys(names, value))
        assert response.status_code == 400, value
        assert_inert(response, value)
    # url_for's own keywords in a query string must not steer the language links.
    for name in ("_external", "_scheme", "_anchor", "_method", "lang"):
        for path in ("/en/help", "/en/warnings"):
            for value in ("javascript", "//evil.example", '"><script>alert(1)</script>'):
                response = client.get(path, query_string={"_external": "1", name: value})
                assert_inert(response, value)
                links = re.findall(r'<a href="([^"]*)" lang="(\w+)"', response.text)
                assert len(links) == len(LOCALES), (name, value)
                assert all(href.startswith(f"/{code}/") for href, code in links), links
    assert row_counts(app)["tips"] == 0


def test_dispute_form_stores_what_the_person_meant(app, client):
    tip_id = tip_with_indicator(app, client)
    supervisor = staff_client(app, "supervisor")
    assert (
        publish(supervisor, tip_id, csrf_of(supervisor, f"/staff/tips/{tip_id}")).status_code == 303
    )
    with app.app_context():
        warning_id = db.session.scalar(db.select(PublicWarning.id))
    url = f"/en/warnings/{warning_id}"
    csrf = get_form(client, url)["csrf_token"]
    expected = []
    for details, contact in zip_longest(naughty(5000), naughty(500, " "), fillvalue="x"):
        data = {
            "csrf_token": csrf,
            "form_token": secrets.token_urlsafe(24),
            "reason": "about_me",
            "details": details,
            "contact": contact,
        }
        response = client.post(url, data=data)
        assert_inert(response, details, contact)
        valid = fits(details, 5000) and fits(contact, 500, required=False)
        assert response.status_code == (303 if valid else 400), (details[:80], contact)
        if valid:
            expected.append((clean_text(details, 5000), clean_line(contact, 500)))
    for payload in PAYLOADS:  # the choice, the honeypot and the hidden token echo nothing live
        data = {
            "csrf_token": csrf,
            "details": "x",
            "reason": payload,
            "website": payload,
            "form_token": payload,
        }
        response = client.post(url, data=data)
        assert response.status_code == 400, payload
        assert_inert(response, payload)
    with app.app_context():
        disputes = db.session.scalars(db.select(Tip).where(Tip.id != tip_id).order_by(Tip.id)).all()
        assert [(tip.description, tip.contact) for tip in disputes] == expected
        assert {tip.answers["warning_id"] for tip in disputes} == {str(warning_id)}


def test_follow_up_code_field_takes_any_text(app, client):
    csrf = get_form(client, "/en/follow-up")["csrf_token"]
    for code in naughty(64, " ", alone=16):
        response = client.post("/en/follow-up", data={"csrf_token": csrf, "code": code})
        assert response.status_code == 400, code
        assert_inert(response, code)
    with client.session_transaction() as session:
        assert "follow_up" not in session


def test_follow_up_replies_round_trip_and_are_escaped(app, client):
    # test_naughty_strings.py sends every third string alone; here all go, in batches.
    follow(client)
    csrf = get_form(client, "/en/follow-up")["csrf_token"]
    sent = []
    for body in naughty(10_000):
        response = client.post(
            "/en/follow-up/reply",
            data={"csrf_token": csrf, "body": body},
            content_type="multipart/form-data",
        )
        assert response.status_code == (303 if fits(body, 10_000) else 400), body[:80]
        assert_inert(response, body)
        if fits(body, 10_000):
            sent.append(clean_text(body, 10_000))
    page = client.get("/en/follow-up")
    assert_inert(page, *PAYLOADS)
    assert paragraphs(page.text)[: len(sent)] == sent
    with app.app_context():
        assert [m.body for m in db.session.scalars(db.select(Message).order_by(Message.id))] == sent


REPORT_CHOICES = {
    "drugs": ("country", "platform"),
    "job-offer": ("country", "where_seen", "destination", "situation"),
    "extremism": ("country", "platform", "content_kind"),
    "other": ("country",),
}


def test_report_choices_honeypot_token_and_prefill_echo_nothing_live(app, client):
    csrf = get_form(client, "/en/report/drugs")["csrf_token"]
    categories = list(REPORT_CHOICES)
    for n, value in enumerate(naughty(200, " ")):
        category = categories[n % len(categories)]
        fields = dict.fromkeys((*REPORT_CHOICES[category], "website", "form_token"), value)
        data = {"csrf_token": csrf, "description": "x", **fields}
        response = client.post(f"/en/report/{category}", data=data)
        assert response.status_code == 400, (category, value)
        assert_inert(response, value)
    assert row_counts(app)["tips"] == 0
    # The checker's "report this offer" button fills the form in and stores nothing.
    for description, link in zip_longest(naughty(10_000), naughty(500, " "), fillvalue=""):
        data = {"csrf_token": csrf, "prefill": "1", "description": description, "link": link}
        response = client.post("/en/report/job-offer", data=data)
        assert response.status_code == 200
        assert_inert(response, description, link)
    assert row_counts(app)["tips"] == 0


# ---------------------------------------------------------------- what staff see


def test_staff_views_of_naughty_reports_are_inert(app, client):
    """Stored input meets staff eyes in the queue, the tip page, the dashboard and exports."""
    answers = {"drugs": ["what_sold"], "job-offer": ["salary"], "extremism": [], "other": ["topic"]}
    stored = 0
    for n, text in enumerate(packed(LINES, 2000, "\n") + PAYLOADS):
        category = tuple(answers)[n % 4]
        line = text.replace("\n", " ")[:200]
        fields = {"description": text, "link": line, "contact": line}
        fields |= dict.fromkeys(answers[category], line)
        response = submit_report(client, category, **fields)
        valid = not has_unreadable_characters(text) and (
            clean_text(text, 10_000) or clean_line(line, 500)
        )
        assert response.status_code == (303 if valid else 400), text
        stored += response.status_code == 303
    with app.app_context():
        ids = db.session.scalars(db.select(Tip.id).order_by(Tip.id)).all()
        assert len(ids) == stored
        assert [triage_tip(tip_id) for tip_id in ids] == ["done"] * stored
    supervisor = staff_client(app, "supervisor")
    pages = ["/staff/queue", "/staff/queue?status=", "/staff/dashboard", "/staff/warnings"]
    for url in pages + [f"/staff/tips/{tip_id}" for tip_id in ids]:
        assert_inert(supervisor.get(url), *PAYLOADS)
    for url in ("/staff/exports/tips.csv", "/staff/exports/indicators.stix.json"):
        response = supervisor.get(url, query_string={"status": ""})
        assert response.status_code == 200
        assert_inert(response)


# ---------------------------------------------------------------- staff forms


@pytest.fixture
def no_lockout(monkeypatch):
    """No lockout: the sign-in sweeps send hundreds of wrong passwords and codes.
    (The lockout is tested as it is in tests/staff/test_auth.py.)"""
    monkeypatch.setattr(auth_services, "FREE_FAILURES", 10**6)


def _from(n: int) -> dict[str, str]:
    """Another client address per request: sign-in is rate-limited per address."""
    return {"REMOTE_ADDR": f"198.51.{n // 250}.{n % 250 + 1}"}


def test_staff_sign_in_fields_take_any_text(app, no_lockout):
    make_staff(app, "sweeper", "analyst")
    web = app.test_client()
    csrf = csrf_of(web, "/staff/login")
    n = 0
    for username, password in zip_longest(naughty(40, " "), naughty(200, " "), fillvalue="sweeper"):
        n += 1
        response = web.post(
            "/staff/login",
            data={"csrf_token": csrf, "username": username, "password": password},
            query_string={"next": username},
            environ_overrides=_from(n),
        )
        assert response.status_code in (400, 403), (username, password)
        assert_inert(response, username, password)
    data = {"csrf_token": csrf, "username": "sweeper", "password": PASSWORD}
    assert web.post("/staff/login", data=data, environ_overrides=_from(n)).status_code == 303
    for code in naughty(10, " ", alone=10):
        n += 1
        data = {"csrf_token": csrf, "code": code}
        response = web.post("/staff/login/code", data=data, environ_overrides=_from(n))
        assert response.status_code in (400, 403), code
        assert_inert(response, code)


def test_where_sign_in_leads_next_is_always_a_staff_page(app, no_lockout):
    make_staff(app, "sweeper", "analyst")
    with app.app_context():
        secret = db.session.scalar(
            db.select(StaffUser).where(StaffUser.username == "sweeper")
        ).totp_secret
    targets = [*PAYLOADS, "/staff/\r\nSet-Cookie: x=1", "/staff/\x00", "/staff//evil.example"]
    for n, target in enumerate(targets):
        web = app.test_client()
        csrf = csrf_of(web, "/staff/login")
        data = {"csrf_token": csrf, "username": "sweeper", "password": PASSWORD}
        assert web.post("/staff/login", data=data, environ_overrides=_from(n)).status_code == 303
        response = web.post(
            "/staff/login/code",
            data={"csrf_token": csrf, "code": code_for(secret)},
            query_string={"next": target},
            environ_overrides=_from(n),
        )
        assert response.status_code == 303, target
        location = response.headers["Location"]
        assert location.startswith("/staff/") and "//" not in location, (target, location)
        assert location.isprintable(), (target, location)
        with app.app_context():  # the next sign-in may use the same code again
            user = db.session.scalar(db.select(StaffUser).where(StaffUser.username == "sweeper"))
            user.totp_last_counter = 0
            db.session.commit()


def test_reauth_and_setup_fields_take_any_text(app, no_lockout):
    make_staff(app, "sweeper", "analyst")
    web = app.test_client()
    assert sign_in(web, app, "sweeper").status_code == 303
    csrf = csrf_of(web, "/staff/reauth")
    for n, value in enumerate(naughty(200, " ")):  # sign-in above sent the short ones alone
        data = {"csrf_token": csrf, "username": value, "password": value, "code": value}
        response = web.post("/staff/reauth", data=data, environ_overrides=_from(n))
        assert response.status_code in (400, 403), value
        assert_inert(response, value)
    with app.app_context():
        token = auth_services.create_account("newcomer", "analyst").setup_token
        db.session.commit()
    newcomer = app.test_client()
    csrf = csrf_of(newcomer, f"/staff/setup/{token}")
    for n, value in enumerate(naughty(200, " ")):
        data = {"csrf_token": csrf, "password": value, "confirm": value, "code": value}
        response = newcomer.post(f"/staff/setup/{token}", data=data, environ_overrides=_from(n))
        assert response.status_code == 400, value
        assert_inert(response, value)
    for value in PAYLOADS:
        assert_inert(newcomer.get(f"/staff/setup/{value}"), value)
    with app.app_context():
        user = db.session.scalar(db.select(StaffUser).where(StaffUser.username == "newcomer"))
        assert user.password_hash is None  # no payload became a password


def test_staff_notes_and_replies_round_trip_and_are_escaped(app, client):
    follow(client)  # tip 1, followed by its reporter
    analyst = staff_client(app, "analyst")
    csrf = csrf_of(analyst, "/staff/tips/1")
    for payload in PAYLOADS:  # the status and assignee choices (first: the page is short yet)
        for name, action in (("status", "status"), ("assignee", "assign")):
            data = {"csrf_token": csrf, name: payload}
            response = analyst.post(f"/staff/tips/1/{action}", data=data)
            assert response.status_code == 400, (name, payload)
            assert_inert(response, payload)
    kept: dict[str, list[str]] = {"notes": [], "reply": []}
    for action, bodies in kept.items():
        for body in naughty(10_000):
            data = {"csrf_token": csrf, "body": body}
            response = analyst.post(f"/staff/tips/1/{action}", data=data)
            assert response.status_code == (303 if fits(body, 10_000) else 400), (action, body)
            assert_inert(response, body)
            if fits(body, 10_000) and clean_text(body, 10_000):  # else: "write something"
                bodies.append(clean_text(body, 10_000))
    with app.app_context():
        assert [n.body for n in db.session.scalars(db.select(Note).order_by(Note.id))] == kept["notes"]
        replies = db.select(Message).where(Message.author == "staff").order_by(Message.id)
        assert [m.body for m in db.session.scalars(replies)] == kept["reply"]
    page = analyst.get("/staff/tips/1")
    assert_inert(page, *PAYLOADS)
    assert paragraphs(page.text, within='<ul class="notes">') == kept["notes"]
    assert paragraphs(page.text, within='<ol class="messages">') == kept["reply"]
    reporter_view = client.get("/en/follow-up")
    assert_inert(reporter_view, *PAYLOADS)
    assert paragraphs(reporter_view.text, within='<ol class="messages">') == kept["reply"]


# Filters read as numbers get every short word alone ("⁰⁴⁵" passes isdigit()); free ones
# get all the strings in batches; the rest (a fixed list, or read like another) the payloads.
QUEUE_NUMBERS = ("assignee",)
QUEUE_FREE = ("q", "country", "date_from")
QUEUE_LISTED = ("category", "status", "priority", "attachments", "date_to", "after")


def _cursor(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


HOSTILE_CURSORS = [
    _cursor([10**30, "2026-01-01T00:00:00", 1]),
    _cursor([1, "2026-01-01T00:00:00", -(2**63)]),
    _cursor([1, "9999-99-99", 1]),
    _cursor([1, 2, 3]),
    _cursor(["x", None, {}]),
    _cursor([1e308, "2026-01-01", 1]),
    base64.urlsafe_b64encode(b'[Infinity, "2026-01-01", 1]').decode(),
    base64.urlsafe_b64encode(b"\xff\xfe\x00").decode(),
]


def test_queue_and_export_filters_take_any_query(app, client):
    submit_report(client, "drugs", description="Jual sabu, WA 0812-3456-7890")
    supervisor = staff_client(app, "supervisor")
    before = row_counts(app)
    sweeps = [(name, words()) for name in QUEUE_NUMBERS]
    sweeps += [(name, naughty(200, " ")) for name in QUEUE_FREE]
    sweeps += [(name, PAYLOADS[::3]) for name in QUEUE_LISTED]  # refused alike
    sweeps.append(("after", HOSTILE_CURSORS))
    for name, values in sweeps:
        for value in values:
            response = supervisor.get("/staff/queue", query_string={name: value})
            assert response.status_code in (200, 400), (name, value)
            assert_inert(response, value)
    for name in ("q", "assignee"):  # the same filters, counted rather than listed
        for value in PAYLOADS:
            response = supervisor.get("/staff/exports", query_string={name: value})
            assert response.status_code in (200, 400), (name, value)
            assert_inert(response, value)
    for value in PAYLOADS:
        for url in ("/staff/exports/tips.csv", "/staff/exports/indicators.stix.json"):
            response = supervisor.get(url, query_string={"q": value, "status": ""})
            assert response.status_code == (400 if "\x00" in value else 200), (url, value)
            assert_inert(response)  # reads the whole stream: an error half-way shows here
    after = row_counts(app)
    assert after.pop("audit_events") > before.pop("audit_events")  # downloads are audited
    assert after == before


def test_audit_log_filters_take_any_query(app):
    make_staff(app, "root", "admin")
    admin = app.test_client()
    assert sign_in(admin, app, "root").status_code == 303
    queries = [{"tip": value} for value in words()]
    queries += [{"date_from": value} for value in words()]
    queries += [{"before": value} for value in PAYLOADS]  # read like tip
    queries += [{"date_to": value} for value in PAYLOADS]  # read like date_from
    # Neither is checked before the query is built, so one request carries both.
    queries += [{"username": value, "action": value} for value in naughty(100, " ")]
    for query in queries:
        response = admin.get("/staff/admin/audit", query_string=query)
        assert response.status_code in (200, 400), query
        assert_inert(response, *query.values())


def test_published_warnings_round_trip_in_every_page_and_the_feed(app, client):
    tip_id = tip_with_indicator(app, client)
    supervisor = staff_client(app, "supervisor")
    csrf = csrf_of(supervisor, f"/staff/tips/{tip_id}")
    texts = naughty(1000, chunk=1000)
    published = []
    for n, text in enumerate(texts):
        rotated = [text, texts[(n + 1) % len(texts)], texts[(n + 2) % len(texts)]]
        summaries = dict(zip(SUMMARIES, rotated, strict=True))
        assert publish(supervisor, tip_id, csrf, **summaries).status_code == 303
        if all(fits(summary, 1000) for summary in rotated):
            published.append({name[-2:]: clean_text(v, 1000) for name, v in summaries.items()})
    for payload in PAYLOADS:  # the identifier choice and the date
        for name in ("identifier", "incident_date"):
            assert publish(supervisor, tip_id, csrf, **{name: payload}).status_code == 303
    with app.app_context():
        warnings = db.session.scalars(db.select(PublicWarning).order_by(PublicWarning.id)).all()
        assert [warning.summary for warning in warnings] == published
        ids = [warning.id for warning in warnings]
    assert_inert(supervisor.get("/staff/warnings"), *PAYLOADS)
    assert_inert(supervisor.get(f"/staff/tips/{tip_id}"), *PAYLOADS)
    atom = "{http://www.w3.org/2005/Atom}"
    for lang in ("id", "en", "vi"):
        assert_inert(client.get(f"/{lang}/warnings"), *PAYLOADS)
        feed = client.get(f"/{lang}/warnings.atom")
        assert feed.status_code == 200
        root = ET.fromstring(feed.data)  # well-formed XML whatever the summaries hold
        shown = [entry.text or "" for entry in root.iter(f"{atom}summary")]
        newest_first = [
            summary[lang] or summary["en"] or summary["id"] for summary in reversed(published)
        ]
        assert shown == newest_first[:100], lang
    for warning_id in ids:
        assert_inert(client.get(f"/en/warnings/{warning_id}"), *PAYLOADS)
    # The checker lists the warnings that match what was pasted.
    data = {
        "csrf_token": csrf_of(client, "/en/check"),
        "offer": "WA 0812-3456-7890",
        "country": "ID",
    }
    check = client.post("/en/check", data=data)
    assert "Published warnings about this recruiter" in check.text
    assert_inert(check, *PAYLOADS)


def _admin(app, language: str = "en"):
    make_staff(app, "root", "admin", language=language)
    admin = app.test_client()
    admin.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    assert sign_in(admin, app, "root").status_code == 303
    return admin


def test_admin_account_forms_take_any_text(app):
    admin = _admin(app)
    make_staff(app, "someone", "analyst")
    with app.app_context():
        someone = db.session.scalar(db.select(StaffUser.id).where(StaffUser.username == "someone"))
    csrf = csrf_of(admin, "/staff/admin/accounts")
    created = 0
    for username in naughty(40, " ", alone=40):
        data = {"csrf_token": csrf, "username": username, "role": "analyst", "language": "en"}
        response = admin.post("/staff/admin/accounts/new", data=data)
        assert_inert(response, username)
        name = username.strip().lower()
        valid = (
            fits(username, 40)
            and re.fullmatch(r"[a-z0-9._-]{3,40}", name) is not None  # ASCII only
            and name not in ("root", "someone")
        )
        assert response.status_code == (200 if valid else 400), username
        if not valid:
            continue  # an account made anyway shows up in the next check, or the last
        with app.app_context():
            others = db.select(StaffUser).where(StaffUser.username.not_in(["root", "someone"]))
            accounts = db.session.scalars(others).all()
            assert [account.username for account in accounts] == [name]
            db.session.delete(accounts[0])  # a short list keeps every page of this sweep fast
            db.session.commit()
        created += 1
    assert created > 20  # "undefined", "1e02", "con", "null"…
    for payload in PAYLOADS:
        for name in ("role", "language"):
            data = {
                "csrf_token": csrf,
                "username": "valid-name",
                "role": "analyst",
                "language": "en",
            }
            response = admin.post("/staff/admin/accounts/new", data={**data, name: payload})
            assert response.status_code == 400
            assert_inert(response, payload)
        data = {"csrf_token": csrf, "role": payload}
        response = admin.post(f"/staff/admin/accounts/{someone}/role", data=data)
        assert response.status_code == 400
        assert_inert(response, payload)
    with app.app_context():
        assert set(db.session.scalars(db.select(StaffUser.username))) == {"root", "someone"}
    assert_inert(admin.get("/staff/admin/accounts"), *PAYLOADS)
    assert_inert(admin.get("/staff/admin/audit"), *PAYLOADS)


def test_support_directory_upload_takes_hostile_names_and_text(app):
    admin = _admin(app)
    csrf = csrf_of(admin, "/staff/admin/support")
    data = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    entry = data["services"][0]
    hostile = " ".join(payload for payload in PAYLOADS if "\x00" not in payload)
    entry.update(name={"en": hostile, "id": hostile}, organisation=hostile, notes=hostile)
    for channel in entry["channels"]:
        channel["hours"] = hostile
    data["services"] = [entry]

    def upload(filename: bytes, content: bytes):
        body, content_type = multipart(
            [("csrf_token", csrf)], [("file", filename, "application/yaml", content)]
        )
        return admin.post("/staff/admin/support", data=body, content_type=content_type)

    content = yaml.safe_dump(data, allow_unicode=True).encode()
    names = [b"../../etc/passwd.yaml", b"..\\..\\x.yaml", b"a\x00b.yaml"]
    names += [b"<img src=x onerror=alert(1)>.yaml", "\u202elmay.exe.yaml".encode()]
    for n, filename in enumerate(names):
        response = upload(filename, content)
        assert response.status_code == 200, filename
        assert ("1 added" if n == 0 else "0 added, 0 updated, 0 removed") in response.text
        assert_inert(response, filename.decode())
    # A NUL inside the file is refused by name, like any other mistake in it.
    entry["notes"] = "abc\x00def"
    response = upload(b"nul.yaml", yaml.safe_dump(data, allow_unicode=True).encode())
    assert response.status_code == 400
    assert "Nothing was changed" in response.text and "NUL" in response.text
    with app.app_context():
        summaries = db.session.scalars(
            db.select(AuditEvent.summary).where(AuditEvent.action.like("load_support%"))
        ).all()
        assert len(summaries) == len(names) + 1
        assert all(clean_line(summary, 500) == summary for summary in summaries), summaries
    for lang in ("en", "id"):
        page = app.test_client().get(f"/{lang}/help?country={entry['country']}")
        assert str(escape(hostile)) in page.text  # shown, as text
        assert_inert(page, *PAYLOADS)
    assert_inert(admin.get("/staff/admin/audit"), *PAYLOADS)
    assert_inert(admin.get("/staff/admin/support"), *PAYLOADS)


# ---------------------------------------------------------------- uploads


def test_a_body_above_the_limit_is_a_413_in_the_readers_language_on_every_upload_form(app, client):
    follow(client, "vi")
    admin = _admin(app, language="vi")
    public_csrf = get_form(client, "/vi/report/drugs")["csrf_token"]
    endpoints = [
        (client, f"/vi/report/{category}", public_csrf, "images") for category in REPORT_CHOICES
    ]
    endpoints.append((client, "/vi/follow-up/reply", public_csrf, "images"))
    endpoints.append(
        (admin, "/staff/admin/support", csrf_of(admin, "/staff/admin/support"), "file")
    )
    with app.test_request_context("/vi/"):
        title = str(errors.MESSAGES[413][0])
    with app.test_request_context("/en/"):
        assert title != str(errors.MESSAGES[413][0]), "no Vietnamese for the 413 page"
    filler = b"\xff" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    before, files_before = row_counts(app), stored_files(app)
    for web, url, csrf, field in endpoints:
        body, content_type = multipart(
            [("csrf_token", csrf), ("form_token", secrets.token_urlsafe(24)), ("description", "x")],
            [(field, b"big.jpg", "image/jpeg", filler)],
        )
        response = web.post(url, data=body, content_type=content_type)
        assert response.status_code == 413, url
        assert '<html lang="vi"' in response.text and title in response.text, url
        assert_inert(response)
    assert row_counts(app) == before
    assert stored_files(app) == files_before


def test_malformed_multipart_is_refused_and_stores_nothing(app, client):
    tokens = get_form(client, "/en/report/drugs")
    fields = [*tokens.items(), ("description", "Jual sabu")]
    noise = io.BytesIO()
    Image.effect_noise((128, 128), 64).convert("RGB").save(noise, "PNG")
    body, content_type = multipart(fields, [("images", b"a.png", "image/png", noise.getvalue())])
    image_starts = body.index(b"\x89PNG")
    expired = "This form has expired"  # the whole body could not be read, so neither its token
    cases = [
        (body, "multipart/form-data", expired),  # no boundary
        (body, "multipart/form-data; boundary=not-the-one", expired),
        (body, "multipart/mixed; boundary=sweep-7f3a", expired),
        (body, "text/plain", expired),
        (body, "application/json", expired),
        (body, "application/x-www-form-urlencoded", expired),
        (body[: image_starts + 1000], content_type, expired),  # cut off inside the image
        (body[:image_starts], content_type, expired),  # cut off where the image begins
        (body[: body.rindex(b"--sweep-7f3a--")], content_type, expired),  # no closing boundary
        (b"", content_type, expired),
        # A file name no browser sends (not UTF-8) makes the whole body unreadable too.
        (*multipart(fields, [("images", b"\xff\xfe.png", "image/png", png())]), expired),
        # Bare line feeds are read, but they break the PNG inside: the image is refused.
        (body.replace(b"\r\n", b"\n"), content_type, "only accept photos and screenshots"),
    ]
    for data, media_type, message in cases:
        response = client.post("/en/report/drugs", data=data, content_type=media_type)
        assert response.status_code == 400, (media_type, len(data))
        assert message in response.text, (media_type, len(data))
        assert_inert(response)
    assert row_counts(app)["tips"] == 0
    assert stored_files(app) == []


@pytest.mark.parametrize("where", ["report", "reply"])
def test_file_names_and_extensions_are_never_trusted(app, client, where):
    follow(client)
    url = "/en/report/drugs" if where == "report" else "/en/follow-up/reply"
    table = "tips" if where == "report" else "messages"
    before = row_counts(app)

    def send(filename: bytes, media_type: str, data: bytes):
        fields = [
            *get_form(client, "/en/report/drugs").items(),
            ("description", "x"),
            ("body", "x"),
        ]
        body, content_type = multipart(fields, [("images", filename, media_type, data)])
        return client.post(url, data=body, content_type=content_type)

    names = [b"../../etc/passwd", b"..\\..\\windows\\x.png", b"a\x00.png", b"/tmp/x.png"]
    names += [b"<svg onload=alert(1)>.png", b"photo.jpg"]
    for filename in names:  # a PNG calling itself a JPEG, under a hostile name
        assert send(filename, "image/jpeg", png()).status_code == 303, filename
    refused = [
        (b"page.png", "image/png", b"<html><script>alert(1)</script></html>"),
        (
            b"drawing.png",
            "image/png",
            b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
        ),
        (b"empty.jpg", "image/jpeg", b""),
        (b"program.jpg", "image/jpeg", b"MZ\x90\x00" + bytes(200)),
    ]
    for filename, media_type, data in refused:
        response = send(filename, media_type, data)
        assert response.status_code == 400, filename
        assert "only accept photos and screenshots" in response.text
        assert_inert(response, data.decode("latin-1"))
    after = row_counts(app)
    assert after[table] - before[table] == len(names)
    with app.app_context():
        attachments = db.session.scalars(db.select(Attachment)).all()
        assert len(attachments) == len(names)
        assert {attachment.media_type for attachment in attachments} == {"image/png"}
        keys = sorted(attachment.storage_key for attachment in attachments)
    upload_dir = app.extensions["waspada.settings"].upload_dir.resolve()
    files = stored_files(app)
    assert len(files) == len(names)
    for key in keys:
        assert re.fullmatch(r"[\w/-]+\.png", key), key
    for path in files:
        assert path.endswith(".png") and Path(path).resolve().is_relative_to(upload_dir)


def test_six_images_on_a_follow_up_reply_are_refused(app, client):
    follow(client)
    csrf = get_form(client, "/en/follow-up")["csrf_token"]
    files = [(io.BytesIO(png()), f"{n}.png") for n in range(6)]
    response = client.post(
        "/en/follow-up/reply",
        data={"csrf_token": csrf, "body": "six photos", "images": files},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "Please send at most 5 images." in response.text
    assert_inert(response)
    counts = row_counts(app)
    assert counts["messages"] == 0 and counts["attachments"] == 0
    assert stored_files(app) == []

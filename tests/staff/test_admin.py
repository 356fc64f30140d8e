import html
import io
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from portal.accounts import audit as audit_trail
from portal.directory.entries import DEFAULT_PATH, load_services
from portal.directory.loader import LoadResult, current_services, load_directory
from portal.extensions import db
from portal.models.directory import SupportService
from portal.models.staff import AuditEvent, StaffUser
from portal.staff.access import SESSION_KEY
from tests.helpers import form_tokens
from tests.staff.helpers import (
    PASSWORD,
    code_for,
    finish_setup,
    make_staff,
    sign_in,
    staff_client,
)

ADMIN_PAGES = [
    "/staff/admin/audit",
    "/staff/admin/accounts",
    "/staff/admin/support",
    "/staff/admin/support/directory.yaml",
]


def csrf(client, url="/staff/admin/accounts"):
    return form_tokens(client.get(url).text)["csrf_token"]


def user_named(app, username):
    with app.app_context():
        user = db.session.scalar(db.select(StaffUser).where(StaffUser.username == username))
        db.session.expunge(user)
        return user


def admin_client(app, username="root"):
    return staff_client(app, "admin", username)


def make_stale(client):
    """Pretend the last password + code check was ten minutes ago."""
    with client.session_transaction() as sess:
        state = dict(sess[SESSION_KEY])
        state["auth_at"] -= 600
        sess[SESSION_KEY] = state


def setup_link_in(page):
    """The path of the absolute setup link (built from PUBLIC_BASE_URL) on the page."""
    return re.search(r'value="http://127\.0\.0\.1:5000(/staff/setup/[\w-]+)"', page).group(1)


def audit_actions(app):
    """Admin actions in order (failed sign-ins, audited too, are left out here)."""
    with app.app_context():
        return db.session.scalars(
            db.select(AuditEvent.action)
            .where(AuditEvent.action != "sign_in_failed")
            .order_by(AuditEvent.id)
        ).all()


# ---------------------------------------------------------------- access


def test_admin_pages_are_for_admins_only(app):
    analyst = staff_client(app, "analyst")
    supervisor = staff_client(app, "supervisor")
    admin = admin_client(app)
    for url in ADMIN_PAGES:
        assert analyst.get(url).status_code == 403, url
        assert supervisor.get(url).status_code == 403, url
        assert admin.get(url).status_code == 200, url
    page = admin.get("/staff/admin/accounts").text
    assert 'href="/staff/admin/audit"' in page and 'href="/staff/admin/accounts"' in page
    assert 'href="/staff/admin/audit"' not in supervisor.get("/staff/account").text


def test_actions_without_a_recent_reauthentication_go_to_reauth_first(app):
    admin = admin_client(app)
    token = csrf(admin)
    make_stale(admin)
    make_staff(app, "target", "analyst")
    target = user_named(app, "target")
    posts = {
        "/staff/admin/accounts/new": {"username": "newbie", "role": "analyst", "language": "en"},
        f"/staff/admin/accounts/{target.id}/reset": {},
        f"/staff/admin/accounts/{target.id}/role": {"role": "supervisor"},
        f"/staff/admin/accounts/{target.id}/deactivate": {},
        f"/staff/admin/accounts/{target.id}/reactivate": {},
    }
    for url, data in posts.items():
        response = admin.post(url, data={"csrf_token": token, **data})
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/staff/reauth?next="), url
    stale_support = admin.get("/staff/admin/support")
    assert stale_support.headers["Location"].startswith("/staff/reauth")
    assert "Confirm it is you now" in admin.get("/staff/admin/accounts").text
    with app.app_context():
        assert db.session.scalar(db.select(StaffUser).where(StaffUser.username == "newbie")) is None
        assert db.session.get(StaffUser, target.id).role == "analyst"

    # The real re-authentication form, with a code from the next time step (the last one is used).
    secret = user_named(app, "root").totp_secret
    url = "/staff/admin/accounts/new"
    back = admin.post(
        url,
        data={"csrf_token": token, **posts[url]},
        headers={"Referer": "http://localhost/staff/admin/accounts"},
    ).headers["Location"]
    page = admin.get(back)
    done = admin.post(
        back,
        data={
            "csrf_token": form_tokens(page.text)["csrf_token"],
            "username": "root",
            "password": PASSWORD,
            "code": code_for(secret, steps_ahead=1),
        },
    )
    # Back to the page the form was on (a POST cannot be replayed by a redirect).
    assert done.status_code == 303 and done.headers["Location"] == "/staff/admin/accounts"
    # Were a browser to come back to the action's address with GET, nothing changes.
    landing = admin.get(url)
    assert landing.status_code == 303 and landing.headers["Location"] == "/staff/admin/accounts"
    assert "Confirm it is you now" not in admin.get("/staff/admin/accounts").text
    created = admin.post(url, data={"csrf_token": token, **posts[url]})
    assert created.status_code == 200 and "/staff/setup/" in created.text
    assert "reauthenticate" in audit_actions(app)


# ---------------------------------------------------------------- accounts


def test_accounts_page_lists_every_account(app):
    admin = admin_client(app)
    make_staff(app, "sita", "supervisor", language="id")
    with app.app_context():
        from portal.models import utcnow

        user = db.session.scalar(db.select(StaffUser).where(StaffUser.username == "sita"))
        user.locked_until = utcnow() + timedelta(hours=1)
        db.session.commit()
    page = admin.get("/staff/admin/accounts").text
    row = re.search(r"<tr>\s*<td>sita.*?</tr>", page, re.S).group(0)
    assert "Supervisor" in row and "Indonesia" in row
    assert "Never" in row and "<time" in row  # never signed in; locked until a time
    root_row = re.search(r"<tr>\s*<td>root.*?</tr>", page, re.S).group(0)
    assert "Administrator" in root_row and "Never" not in root_row
    assert "Change role" not in root_row and "Deactivate" not in root_row  # not on yourself


def test_create_shows_a_one_time_setup_link_that_works(app):
    admin = admin_client(app)
    response = admin.post(
        "/staff/admin/accounts/new",
        data={
            "csrf_token": csrf(admin),
            "username": "Nadia",
            "role": "supervisor",
            "language": "vi",
        },
    )
    assert response.status_code == 200
    # The link only: the setup page makes the authenticator seed for the person alone.
    assert "<svg" not in response.text and "otpauth" not in response.text
    assert response.headers["Cache-Control"] == "private, no-store"
    link = setup_link_in(response.text)
    # Setting up through the link, as the new person would, on their own device.
    person = app.test_client()
    page = person.get(link)
    assert page.status_code == 200
    secret = re.search(r'class="secret">([A-Z2-7]+)<', page.text).group(1)
    finished = finish_setup(person, link, page.text, secret)
    assert finished.status_code == 303
    assert person.get(link).status_code == 404  # used once
    assert sign_in(person, app, "nadia").status_code == 303
    assert person.get("/staff/queue").status_code == 200
    nadia = user_named(app, "nadia")
    assert (nadia.role, nadia.language) == ("supervisor", "vi")
    with app.app_context():
        event = db.session.scalar(
            db.select(AuditEvent).where(AuditEvent.action == "create_account")
        )
        assert event.username == "root" and "nadia" in event.summary
        assert "secret" not in str(event.detail).lower() and link not in str(event.detail)
    # The setup link is not stored anywhere readable: the accounts page does not show it.
    assert link not in admin.get("/staff/admin/accounts").text


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("root", "already exists"),
        ("a b", "Use 3 to 40 letters a to z"),
        ("x", "Field must be"),
        ("rооt", "Use 3 to 40 letters a to z"),  # Cyrillic о: looks like "root"
        ("nádia", "Use 3 to 40 letters a to z"),
        ("ｒｏｏｔ", "Use 3 to 40 letters a to z"),  # fullwidth
    ],
)
def test_create_refuses_bad_or_taken_usernames(app, username, message):
    admin = admin_client(app)
    response = admin.post(
        "/staff/admin/accounts/new",
        data={"csrf_token": csrf(admin), "username": username, "role": "analyst", "language": "en"},
    )
    assert response.status_code == 400 and message in html.unescape(response.text)
    assert "create_account" not in audit_actions(app)


def test_reset_ends_the_accounts_sessions_and_gives_a_new_link(app):
    admin = admin_client(app)
    make_staff(app, "tono", "analyst")
    target = user_named(app, "tono")
    laptop = app.test_client()
    assert sign_in(laptop, app, "tono").status_code == 303
    response = admin.post(
        f"/staff/admin/accounts/{target.id}/reset", data={"csrf_token": csrf(admin)}
    )
    assert response.status_code == 200 and "<svg" not in response.text
    link = setup_link_in(response.text)
    assert laptop.get("/staff/queue").status_code == 302  # signed out
    assert sign_in(app.test_client(), app, "tono").status_code == 403  # old password gone
    assert app.test_client().get(link).status_code == 200
    assert audit_actions(app)[-1] == "reset_account"
    # Resetting yourself here would lock you out with a link shown once: refused.
    me = user_named(app, "root")
    refused = admin.post(f"/staff/admin/accounts/{me.id}/reset", data={"csrf_token": csrf(admin)})
    assert refused.status_code == 400 and "cannot reset your own account" in refused.text


def test_an_admin_cannot_demote_or_deactivate_themselves(app):
    admin = admin_client(app)
    me = user_named(app, "root")
    token = csrf(admin)
    demote = admin.post(
        f"/staff/admin/accounts/{me.id}/role", data={"csrf_token": token, "role": "analyst"}
    )
    assert demote.status_code == 400 and "cannot change your own role" in demote.text
    leave = admin.post(f"/staff/admin/accounts/{me.id}/deactivate", data={"csrf_token": token})
    assert leave.status_code == 400 and "cannot deactivate your own account" in leave.text
    me = user_named(app, "root")
    assert me.role == "admin" and me.active
    assert admin.get("/staff/admin/accounts").status_code == 200


def test_change_role_deactivate_and_reactivate_another_account(app):
    admin = admin_client(app)
    make_staff(app, "wati", "analyst")
    other = user_named(app, "wati")
    phone = app.test_client()
    assert sign_in(phone, app, "wati").status_code == 303
    token = csrf(admin)
    promote = admin.post(
        f"/staff/admin/accounts/{other.id}/role",
        data={"csrf_token": token, "role": "supervisor"},
        follow_redirects=True,
    )
    assert promote.status_code == 200 and "Saved." in promote.text
    assert user_named(app, "wati").role == "supervisor"
    bad = admin.post(
        f"/staff/admin/accounts/{other.id}/role", data={"csrf_token": token, "role": "owner"}
    )
    assert bad.status_code == 400 and user_named(app, "wati").role == "supervisor"
    admin.post(f"/staff/admin/accounts/{other.id}/deactivate", data={"csrf_token": token})
    assert not user_named(app, "wati").active
    assert phone.get("/staff/queue").status_code == 302  # the session ended
    assert sign_in(app.test_client(), app, "wati").status_code == 403
    admin.post(f"/staff/admin/accounts/{other.id}/reactivate", data={"csrf_token": token})
    assert user_named(app, "wati").active
    assert phone.get("/staff/queue").status_code == 302  # old sessions stay ended
    assert audit_actions(app)[-3:] == ["change_role", "deactivate_account", "reactivate_account"]
    missing = admin.post("/staff/admin/accounts/999999/deactivate", data={"csrf_token": token})
    assert missing.status_code == 404


def test_account_actions_need_a_csrf_token(app):
    admin = admin_client(app)
    make_staff(app, "yudi", "analyst")
    other = user_named(app, "yudi")
    response = admin.post(f"/staff/admin/accounts/{other.id}/deactivate", data={})
    assert response.status_code == 400 and user_named(app, "yudi").active


# ---------------------------------------------------------------- audit log


def test_audit_log_lists_actions_newest_first_and_filters_work(app, monkeypatch):
    admin = admin_client(app)
    make_staff(app, "budi", "analyst")
    other = user_named(app, "budi")
    budi = app.test_client()
    assert sign_in(budi, app, "budi").status_code == 303
    token = csrf(admin)
    admin.post(
        f"/staff/admin/accounts/{other.id}/role", data={"csrf_token": token, "role": "supervisor"}
    )
    with app.app_context():
        db.session.add(
            AuditEvent(username="budi", staff_user_id=other.id, action="add_note", tip_id=42)
        )
        db.session.commit()

    page = admin.get("/staff/admin/audit").text
    actions = re.findall(r"<code>([a-z_]+)</code>", page)
    assert actions == ["add_note", "change_role", "sign_in", "sign_in"]
    assert 'href="/staff/tips/42"' in page and "budi: analyst → supervisor" in page

    def shown(query):
        return re.findall(r"<code>([a-z_]+)</code>", admin.get("/staff/admin/audit?" + query).text)

    assert shown("username=budi") == ["add_note", "sign_in"]
    assert shown("username=BUDI&action=sign_in") == ["sign_in"]
    assert shown("action=change_role") == ["change_role"]
    assert shown("tip=42") == ["add_note"]
    yesterday, tomorrow = date.today() - timedelta(days=1), date.today() + timedelta(days=1)
    assert len(shown(f"date_from={yesterday}&date_to={tomorrow}")) == 4
    assert shown(f"date_to={yesterday - timedelta(days=1)}") == []
    assert shown("username=nobody") == []
    assert admin.get("/staff/admin/audit?tip=abc").status_code == 400
    assert admin.get("/staff/admin/audit?date_from=yesterday").status_code == 400

    # Keyset pagination: every event exactly once, newest first.
    monkeypatch.setattr(audit_trail, "PAGE_SIZE", 3)
    first = admin.get("/staff/admin/audit").text
    seen = re.findall(r"<code>([a-z_]+)</code>", first)
    more = re.search(r'href="(/staff/admin/audit\?before=[^"]+)"', first)
    assert more and len(seen) == 3
    rest = admin.get(html.unescape(more.group(1))).text
    seen += re.findall(r"<code>([a-z_]+)</code>", rest)
    assert not re.search(r'href="/staff/admin/audit\?before=', rest)
    assert seen == ["add_note", "change_role", "sign_in", "sign_in"]
    filtered = admin.get("/staff/admin/audit?action=sign_in&before=999999").text
    assert re.findall(r"<code>([a-z_]+)</code>", filtered) == ["sign_in", "sign_in"]
    monkeypatch.setattr(audit_trail, "PAGE_SIZE", 1)
    page_one = admin.get("/staff/admin/audit?username=budi").text
    next_link = html.unescape(re.search(r'href="(/staff/admin/audit\?before=[^"]+)"', page_one)[1])
    assert "username=budi" in next_link  # the filters stay on the next page
    assert re.findall(r"<code>([a-z_]+)</code>", admin.get(next_link).text) == ["sign_in"]


def test_the_audit_log_cannot_be_changed_over_http(app):
    admin = admin_client(app)
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/staff/admin/audit")]
    assert rules and all(r.methods <= {"GET", "HEAD", "OPTIONS"} for r in rules)
    token = csrf(admin)
    for method in (admin.post, admin.put, admin.delete, admin.patch):
        assert method("/staff/admin/audit", data={"csrf_token": token}).status_code == 405


# ---------------------------------------------------------------- support directory


def upload(client, content: bytes, filename="services.yaml"):
    return client.post(
        "/staff/admin/support",
        data={
            "csrf_token": csrf(client, "/staff/admin/support"),
            "file": (io.BytesIO(content), filename),
        },
        content_type="multipart/form-data",
    )


def directory_rows(app):
    with app.app_context():
        return [
            (row.id, row.notes, row.channels)
            for row in db.session.scalars(db.select(SupportService).order_by(SupportService.id))
        ]


def test_a_broken_support_file_is_refused_and_changes_nothing(app):
    with app.app_context():
        load_directory(DEFAULT_PATH)
    before = directory_rows(app)
    admin = admin_client(app)
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    bad_entry = text.replace('value: "184"', 'value: "not a number"', 1)
    assert bad_entry != text
    cases = [
        (b"services: [unclosed", "not valid YAML"),
        (bad_entry.encode(), "id-bnn-184"),
        (b"services: 12", "expected a mapping"),
        (b"\xff\xfe not text", "utf-8"),
    ]
    for content, message in cases:
        response = upload(admin, content)
        assert response.status_code == 400, message
        assert "Nothing was changed" in response.text
        assert message in html.unescape(response.text)
        assert "/tmp" not in response.text and "waspada-support-" not in response.text
    assert upload(admin, b"services: []", "services.txt").status_code == 400
    assert upload(admin, b"x" * (2 * 1024 * 1024 + 1), "big.yaml").status_code == 400
    assert directory_rows(app) == before
    assert audit_actions(app).count("load_support_directory_refused") == len(cases)


def test_a_valid_support_file_is_loaded_and_the_counts_shown(app):
    admin = admin_client(app)
    first = upload(admin, DEFAULT_PATH.read_bytes())
    count = len(load_services())
    assert first.status_code == 200
    assert f"{count} added, 0 updated, 0 removed" in first.text
    data = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    data["services"][0]["notes"] = "Checked again."
    del data["services"][1]
    second = upload(admin, yaml.safe_dump(data, allow_unicode=True).encode(), "new.yml")
    assert second.status_code == 200 and "0 added, 1 updated, 1 removed" in second.text
    assert len(directory_rows(app)) == count - 1
    with app.app_context():
        event = db.session.scalar(
            db.select(AuditEvent)
            .where(AuditEvent.action == "load_support_directory")
            .order_by(AuditEvent.id.desc())
        )
        assert event.detail == {"added": 0, "updated": 1, "removed": 1}
        assert event.summary.startswith("new.yml:")


def test_the_downloaded_directory_loads_back_unchanged(app, tmp_path: Path):
    admin = admin_client(app)
    fallback = admin.get("/staff/admin/support/directory.yaml")  # nothing loaded: the shipped file
    assert fallback.status_code == 200
    assert "attachment" in fallback.headers["Content-Disposition"]
    assert len(yaml.safe_load(fallback.text)["services"]) == len(load_services())
    with app.app_context():
        load_directory(DEFAULT_PATH)
        expected = current_services()
    exported = admin.get("/staff/admin/support/directory.yaml").text
    path = tmp_path / "exported.yaml"
    path.write_text(exported, encoding="utf-8")
    assert load_services(path) == expected
    with app.app_context():
        assert load_directory(path) == LoadResult(added=0, updated=0, removed=0)
    # And through the upload form, as an administrator would.
    assert "0 added, 0 updated, 0 removed" in upload(admin, exported.encode()).text

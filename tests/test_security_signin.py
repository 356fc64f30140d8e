"""Security review, sign-in hardening: common passwords, changing one's own password,
fresh re-authentication before bulk exports, and the Referer check on HTTPS forms."""

import fnmatch
import tomllib

import pytest

from portal.accounts import services
from portal.extensions import db
from portal.models.staff import AuditEvent, StaffUser
from tests.helpers import ROOT, form_tokens
from tests.staff.helpers import PASSWORD, code_for, make_staff, sign_in, staff_client

pytestmark = pytest.mark.security

NEW_PASSWORD = "lembah hijau di ujung senja"
COMMON = [
    "1q2w3e4r5t6y",  # on the list as it is
    "Password1234",  # "password" with the usual padding
    "Dragon2024!!",
    "iloveyou 123456",
    "QWERTYUIOP123",
]
EXPIRED_FORM = "This form has expired"
WRONG = "The password or the code is not right."


def _user(app, username):
    with app.app_context():
        user = db.session.scalar(db.select(StaffUser).where(StaffUser.username == username))
        db.session.expunge(user)
        return user


# --- common passwords ------------------------------------------------------------------


def test_common_password_list_ships_with_the_package_and_loads_once():
    assert services.COMMON_PASSWORDS.name == "common_passwords.txt.gz"
    assert services.COMMON_PASSWORDS.with_name("common_passwords.md").exists()  # source, licence
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["*"]
    assert any(fnmatch.fnmatch(services.COMMON_PASSWORDS.name, p) for p in patterns)
    common = services._common_passwords()
    assert isinstance(common, frozenset) and len(common) > 40_000
    assert services._common_passwords() is common  # read once per process
    assert all(p == p.lower() for p in common)
    assert {"password", "dragon", "iloveyou", "1q2w3e4r5t6y"} <= common


@pytest.mark.parametrize("password", COMMON)
def test_policy_refuses_common_passwords_and_padded_common_words(password):
    with pytest.raises(services.AccountError) as refused:
        services.check_password_policy(password, "dina")
    assert refused.value.code == "common_password"


@pytest.mark.parametrize(
    "password", [PASSWORD, NEW_PASSWORD, "Kucing oren tidur di atas 3 kulkas!", "x7$kQ9!mZ2@p"]
)
def test_policy_accepts_a_long_unique_passphrase(password):
    services.check_password_policy(password, "dina")


def test_setup_refuses_a_common_password_and_keeps_the_code_unused(app, client):
    with app.app_context():
        account = services.create_account("eko", "analyst")
        db.session.commit()
        token, secret = account.setup_token, account.user.totp_secret
    link = f"/staff/setup/{token}"
    csrf = form_tokens(client.get(link).text)["csrf_token"]
    code = code_for(secret)
    common = client.post(
        link,
        data={
            "csrf_token": csrf,
            "password": "Password1234",
            "confirm": "Password1234",
            "code": code,
        },
    )
    assert common.status_code == 400
    assert "This password is too common. Please choose another one." in common.text
    user = _user(app, "eko")
    assert user.password_hash is None and user.totp_last_counter == 0
    # The same code still works with a passphrase of one's own.
    done = client.post(
        link,
        data={"csrf_token": csrf, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "code": code},
    )
    assert done.status_code == 303
    assert _user(app, "eko").password_hash.startswith("$argon2id$")


# --- changing one's own password -------------------------------------------------------


def _change(client, secret, current=PASSWORD, new=NEW_PASSWORD, steps_ahead=1, confirm=None):
    page = client.get("/staff/account/password")
    assert page.status_code == 200
    return client.post(
        "/staff/account/password",
        data={
            **form_tokens(page.text),
            "current": current,
            "password": new,
            "confirm": new if confirm is None else confirm,
            # sign_in() spent the code of this 30 s step; the next one is still accepted.
            "code": code_for(secret, steps_ahead=steps_ahead),
        },
    )


def test_change_password_page_is_linked_labelled_and_needs_sign_in(app, client):
    assert client.get("/staff/account/password").status_code == 302  # to the sign-in page
    make_staff(app, "fajar", "analyst")
    sign_in(client, app, "fajar")
    assert 'href="/staff/account/password"' in client.get("/staff/account").text
    page = client.get("/staff/account/password").text
    for name in ("current", "password", "confirm", "code"):
        assert f'<label for="{name}">' in page
    assert 'autocomplete="current-password"' in page and 'autocomplete="new-password"' in page
    assert "style=" not in page and "<script>" not in page


def test_change_password_ends_other_sessions_and_keeps_this_one(app):
    make_staff(app, "dina", "analyst")
    laptop, phone = app.test_client(), app.test_client()
    assert sign_in(laptop, app, "dina").status_code == 303
    assert sign_in(phone, app, "dina").status_code == 303
    old_hash = _user(app, "dina").password_hash

    done = _change(laptop, _user(app, "dina").totp_secret)
    assert done.status_code == 303 and done.headers["Location"] == "/staff/account"
    account = laptop.get("/staff/account")
    assert account.status_code == 200  # still signed in here
    assert "Your password is changed." in account.text
    assert phone.get("/staff/account").status_code == 302  # signed out there

    user = _user(app, "dina")
    assert user.password_hash != old_hash and user.password_hash.startswith("$argon2id$")
    assert sign_in(app.test_client(), app, "dina").status_code == 403  # old password
    assert sign_in(app.test_client(), app, "dina", NEW_PASSWORD).status_code == 303
    with app.app_context():
        actions = db.session.scalars(
            db.select(AuditEvent.action).where(AuditEvent.username == "dina")
        ).all()
    assert actions.count("change_password") == 1


def test_change_password_refuses_a_common_one_without_spending_the_code(app, client):
    make_staff(app, "gilang", "analyst")
    sign_in(client, app, "gilang")
    secret = _user(app, "gilang").totp_secret
    refused = _change(client, secret, new="Dragon2024!!")
    assert refused.status_code == 400
    assert "This password is too common. Please choose another one." in refused.text
    assert _change(client, secret).status_code == 303  # the same code, a good password


@pytest.mark.parametrize("wrong", ["current", "code"])
def test_wrong_current_password_or_code_is_403_and_counted(app, client, wrong):
    make_staff(app, "hadi", "analyst")
    sign_in(client, app, "hadi")
    user = _user(app, "hadi")
    if wrong == "current":
        refused = _change(client, user.totp_secret, current="not my password at all")
    else:
        refused = _change(client, user.totp_secret, steps_ahead=-5)
    assert refused.status_code == 403
    assert WRONG in refused.text
    after = _user(app, "hadi")
    assert after.failed_logins == 1
    assert after.password_hash == user.password_hash
    assert after.session_version == user.session_version
    assert client.get("/staff/account").status_code == 200  # not signed out for a typo


def test_a_refused_new_password_says_nothing_about_the_current_one(app, client):
    make_staff(app, "joni", "analyst")
    sign_in(client, app, "joni")
    secret = _user(app, "joni").totp_secret
    for current in (PASSWORD, "a wrong guess at it"):
        refused = _change(client, secret, current=current, new="Password1234")
        assert refused.status_code == 400 and "too common" in refused.text
    assert _user(app, "joni").failed_logins == 0  # nothing was checked


def test_change_password_guesses_share_the_sign_in_rate_limit(app, client):
    make_staff(app, "lina", "analyst")
    make_staff(app, "maya", "analyst")
    sign_in(client, app, "lina")  # two of the 20 POSTs a minute
    secret = _user(app, "lina").totp_secret
    for _ in range(5):  # refused before any password is checked: not counted
        assert _change(client, secret, new="short").status_code == 400
    statuses = [_change(client, secret, current=f"guess {n} at it").status_code for n in range(18)]
    assert set(statuses) == {403}
    assert _change(client, secret, current="one guess too many").status_code == 429
    assert sign_in(app.test_client(), app, "maya").status_code == 429  # one budget


def test_change_password_needs_both_new_passwords_the_same(app, client):
    make_staff(app, "indah", "analyst")
    sign_in(client, app, "indah")
    refused = _change(client, _user(app, "indah").totp_secret, confirm="something else entirely")
    assert refused.status_code == 400
    assert "The two passwords are not the same." in refused.text


# --- fresh re-authentication before bulk exports ----------------------------------------


def _age_sign_in(client, minutes):
    with client.session_transaction() as session:
        session["staff"] = {
            **session["staff"],
            "auth_at": session["staff"]["auth_at"] - 60 * minutes,
        }


@pytest.mark.parametrize("url", ["/staff/exports/tips.csv", "/staff/exports/indicators.stix.json"])
def test_bulk_export_needs_a_fresh_sign_in(app, url):
    supervisor = staff_client(app, "supervisor", "joko")
    _age_sign_in(supervisor, 6)
    assert supervisor.get("/staff/exports").status_code == 200  # the page itself is fine

    stale = supervisor.get(f"{url}?status=")
    assert stale.status_code == 302
    assert stale.headers["Location"].startswith("/staff/reauth?next=")
    with app.app_context():
        exported = db.session.scalars(
            db.select(AuditEvent.action).where(AuditEvent.action.like("export%"))
        ).all()
    assert exported == []

    page = supervisor.get(stale.headers["Location"])
    back = supervisor.post(
        stale.headers["Location"],
        data={
            **form_tokens(page.text),
            "username": "joko",
            "password": PASSWORD,
            "code": code_for(_user(app, "joko").totp_secret, steps_ahead=1),
        },
    )
    assert back.status_code == 303 and back.headers["Location"] == f"{url}?status="
    fresh = supervisor.get(back.headers["Location"])
    assert fresh.status_code == 200
    fresh.close()


# --- the Referer check on HTTPS --------------------------------------------------------


def _login_post(client, headers, **kwargs):
    csrf = form_tokens(client.get("/staff/login", headers=headers, **kwargs).text)["csrf_token"]
    return client.post(
        "/staff/login",
        data={"csrf_token": csrf, "username": "kartika", "password": PASSWORD},
        headers=headers,
        **kwargs,
    )


@pytest.mark.parametrize(
    ("referer", "accepted"),
    [
        ("https://localhost/staff/login", True),
        (None, False),
        ("https://evil.example/staff/login", False),
        ("http://localhost/staff/login", False),  # same host, but not over TLS
    ],
)
def test_https_form_post_needs_a_same_origin_referer(app, client, referer, accepted):
    make_staff(app, "kartika", "analyst")
    headers = {"Referer": referer} if referer else {}
    response = _login_post(client, headers, base_url="https://localhost")
    if accepted:
        assert response.status_code == 303
    else:
        assert response.status_code == 400 and EXPIRED_FORM in response.text


@pytest.mark.parametrize(
    ("referer", "accepted"),
    [
        ("https://waspada.example.org/staff/login", True),
        (None, False),
        ("https://evil.example/staff/login", False),
    ],
)
def test_behind_the_proxy_https_posts_need_a_same_origin_referer(app_factory, referer, accepted):
    app = app_factory(PROXY_FIX_X_FOR="1")
    make_staff(app, "kartika", "analyst")
    proxy = {
        "X-Forwarded-For": "203.0.113.7",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "waspada.example.org",
    }
    headers = {**proxy, **({"Referer": referer} if referer else {})}
    response = _login_post(app.test_client(), headers)
    if accepted:
        assert response.status_code == 303
    else:
        assert response.status_code == 400 and EXPIRED_FORM in response.text


def test_plain_http_test_clients_need_no_referer(app, client):
    make_staff(app, "kartika", "analyst")
    assert _login_post(client, {}).status_code == 303

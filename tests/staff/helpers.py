"""Signing staff in during tests, the way a person does: password, then a TOTP code."""

from __future__ import annotations

import time

import pyotp

from portal.accounts import services
from portal.extensions import db
from portal.models.staff import StaffUser
from portal.organisations import services as organisations
from tests.helpers import form_tokens

PASSWORD = "correct horse battery staple"


def code_for(secret: str, steps_ahead: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def make_staff(
    app, username: str, role: str, language: str = "en", org: str | None = None
) -> StaffUser:
    """An account that has finished setup, in organisation `org` (a slug; the coordinator
    when None)."""
    with app.app_context():
        org_id = None
        if org is not None:
            found = organisations.by_slug(org)
            assert found is not None, f"no organisation {org}"
            org_id = found.id
        account = services.create_account(username, role, language, org_id)
        services.complete_setup(account.user, PASSWORD, code_for(account.user.totp_secret))
        account.user.totp_last_counter = 0  # let tests sign in within the same 30 s
        db.session.commit()
        db.session.expunge(account.user)
        return account.user


def sign_in(client, app, username: str, password: str = PASSWORD):
    """Sign in through the real forms; returns the final response."""
    with app.app_context():
        user = db.session.scalar(db.select(StaffUser).where(StaffUser.username == username))
        user.totp_last_counter = 0
        db.session.commit()
        secret = user.totp_secret
    csrf = form_tokens(client.get("/staff/login").text)["csrf_token"]
    response = client.post(
        "/staff/login", data={"csrf_token": csrf, "username": username, "password": password}
    )
    if response.status_code != 303:
        return response
    csrf = form_tokens(client.get("/staff/login/code").text)["csrf_token"]
    return client.post("/staff/login/code", data={"csrf_token": csrf, "code": code_for(secret)})


def staff_client(app, role: str, username: str | None = None, org: str | None = None):
    """A test client signed in with a fresh account of this role (in organisation `org`)."""
    username = username or f"{role}-{time.monotonic_ns() % 10**9}"
    make_staff(app, username, role, org=org)
    client = app.test_client()
    assert sign_in(client, app, username).status_code == 303
    return client


def finish_setup(client, link: str, page_text: str, secret: str):
    """Complete a setup page as its person would: password twice and a code from `secret`."""
    return client.post(
        link,
        data={
            "csrf_token": form_tokens(page_text)["csrf_token"],
            "password": PASSWORD,
            "confirm": PASSWORD,
            "code": code_for(secret),
        },
    )

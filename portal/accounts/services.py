"""Account logic without request objects: create, set up, check passwords and codes."""

from __future__ import annotations

import functools
import gzip
import hashlib
import hmac
import re
import secrets
import string
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import CursorResult, or_, update
from sqlalchemy.orm.attributes import set_committed_value

from portal import sessions
from portal.config import Argon2Params, current_settings
from portal.extensions import db
from portal.models import as_utc, utcnow
from portal.models.staff import Role, StaffUser
from portal.organisations.services import ensure_coordinator

ISSUER = "Waspada"
SETUP_HOURS = 24
MIN_PASSWORD = 12
# ASCII only: a name in another script can look the same as a colleague's ("аdmin" with
# a Cyrillic а) and pass for them in the audit log.
USERNAME = re.compile(r"[a-z0-9._-]{3,40}")
FREE_FAILURES = 5  # failures allowed before the lockout starts
MAX_LOCK = timedelta(hours=24)
# The 100,000 most used passwords, trimmed to those that can still matter (see the .md).
COMMON_PASSWORDS = Path(__file__).with_name("common_passwords.txt.gz")
# "Dragon2024!!" is "dragon" with the usual padding: compare the stem too.
_PADDING = string.digits + string.punctuation + string.whitespace



@functools.cache
def _hasher_for(params: Argon2Params) -> tuple[PasswordHasher, str]:
    """argon2id at the given cost, and a hash of a random password made at that cost: it is
    verified against when the username is unknown, so both cases cost the same."""
    hasher = PasswordHasher(
        time_cost=params.time_cost,
        memory_cost=params.memory_cost_kib,
        parallelism=params.parallelism,
    )
    return hasher, hasher.hash(secrets.token_urlsafe(16))


def _hasher() -> PasswordHasher:
    return _hasher_for(current_settings().password_hash)[0]


class AccountError(ValueError):
    """A reason an account action was refused; `code` says which."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True, slots=True)
class NewAccount:
    user: StaffUser
    setup_token: str
    totp_uri: str


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def totp_uri(user: StaffUser, secret: str = "") -> str:
    """The otpauth:// URI an authenticator app enrols from (the account's seed by default)."""
    return pyotp.TOTP(secret or user.totp_secret).provisioning_uri(
        name=user.username, issuer_name=ISSUER
    )


def create_account(
    username: str, role: str, language: str = "en", organisation_id: int | None = None
) -> NewAccount:
    """A new, inactive-until-setup account with a one-time setup token and a TOTP secret,
    in the given organisation (the coordinator when None)."""
    username = username.strip().lower()
    if not USERNAME.fullmatch(username):
        raise AccountError("bad_username")
    Role(role)
    if db.session.scalar(db.select(StaffUser.id).where(StaffUser.username == username)):
        raise AccountError("exists")
    token = secrets.token_urlsafe(32)
    user = StaffUser(
        username=username,
        role=role,
        language=language,
        organisation_id=organisation_id or ensure_coordinator().id,
        totp_secret=pyotp.random_base32(),
        setup_token_hash=_token_hash(token),
        setup_expires_at=utcnow() + timedelta(hours=SETUP_HOURS),
    )
    db.session.add(user)
    db.session.flush()
    return NewAccount(user, token, totp_uri(user))


def new_setup_token(user: StaffUser) -> NewAccount:
    """Reset an account: new password and new authenticator; old sessions end."""
    token = secrets.token_urlsafe(32)
    user.password_hash = None
    user.totp_secret = pyotp.random_base32()
    user.totp_last_counter = 0
    user.setup_token_hash = _token_hash(token)
    user.setup_expires_at = utcnow() + timedelta(hours=SETUP_HOURS)
    user.session_version += 1
    sessions.end_all_for_staff(user.id)
    return NewAccount(user, token, totp_uri(user))


def account_for_setup(token: str) -> StaffUser | None:
    """The account a setup link belongs to, if the link is valid and unused."""
    user = db.session.scalar(
        db.select(StaffUser).where(StaffUser.setup_token_hash == _token_hash(token))
    )
    if user is None or user.setup_expires_at is None or as_utc(user.setup_expires_at) < utcnow():
        return None
    return user


def new_totp_secret() -> str:
    """A fresh authenticator seed, made on the setup page for its owner's eyes only."""
    return pyotp.random_base32()


def complete_setup(user: StaffUser, password: str, code: str, fresh_secret: str = "") -> None:
    """Set the password once the person proves their authenticator works.

    `fresh_secret` is the seed the setup page made and showed only to this person: a code
    from it makes it the account's seed, so nobody who saw the account being created (an
    admin, a terminal log) knows it. A code from the seed made at creation (printed by
    `flask staff create` for provisioning) is still accepted and keeps that seed."""
    check_password_policy(password, user.username)
    step = _matching_step(fresh_secret, code, after=0) if fresh_secret else None
    if step is not None:
        user.totp_secret = fresh_secret
        user.totp_last_counter = step
    elif not accept_totp(user, code):
        raise AccountError("bad_code")
    user.password_hash = _hasher().hash(password)
    user.setup_token_hash = None
    user.setup_expires_at = None
    user.failed_logins = 0
    user.locked_until = None


def change_password(user: StaffUser, current: str, new: str, code: str) -> None:
    """Replace a signed-in person's password once they prove both factors again.

    The new password is judged first, so a refusal says nothing about the current one and
    spends no code; a wrong password or code counts towards the lockout. Every session of
    the account ends (the caller signs this one in again).
    """
    check_password_policy(new, user.username)
    if is_locked(user):
        raise AccountError("locked")
    if check_password(user.username, current) is None:
        raise AccountError("bad_password")
    if not accept_totp(user, code):
        record_failure(user)
        raise AccountError("bad_code")
    user.password_hash = _hasher().hash(new)
    user.session_version += 1
    sessions.end_all_for_staff(user.id)
    user.failed_logins = 0
    user.locked_until = None


def check_password_policy(password: str, username: str) -> None:
    """Long passphrases that are not common ones: length is what resists guessing."""
    if len(password) < MIN_PASSWORD:
        raise AccountError("short_password")
    if username.lower() in password.lower():
        raise AccountError("password_has_username")
    if is_common_password(password):
        raise AccountError("common_password")


def is_common_password(password: str) -> bool:
    """True if the password, or its stem without trailing digits and signs, is a common one."""
    lowered = password.lower()
    stem = lowered.rstrip(_PADDING)
    common = _common_passwords()
    return lowered in common or (bool(stem) and stem in common)


@functools.cache
def _common_passwords() -> frozenset[str]:
    """Read once per process, on first use: importing this module stays cheap."""
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as lines:
        return frozenset(line.rstrip("\n") for line in lines if line.strip())


def check_password(username: str, password: str) -> StaffUser | None:
    """The account if the password is right and it is not locked; same cost either way."""
    user = db.session.scalar(
        db.select(StaffUser).where(StaffUser.username == username.strip().lower())
    )
    hasher, dummy = _hasher_for(current_settings().password_hash)
    stored = user.password_hash if user is not None and user.password_hash else dummy
    ok: bool
    try:
        ok = hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if user is None or not user.active or user.password_hash is None:
        return None
    if is_locked(user):
        # Same answer as a wrong password: a lock must not reveal that the account exists.
        return None
    if not ok:
        record_failure(user)
        return None
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = _hasher().hash(password)
    return user


def accept_totp(user: StaffUser, code: str) -> bool:
    """True for a current code (one step of clock drift allowed) never used before."""
    step = _matching_step(user.totp_secret, code, after=user.totp_last_counter)
    return step is not None and _claim_time_step(user, step)


def _matching_step(secret: str, code: str, *, after: int) -> int | None:
    """The time step (one step of clock drift allowed, later than `after`) `code` is for."""
    # Decimal digits of any script as ASCII ("๑๒๓" -> "123"); isdigit() would also let
    # "²" through, which hmac.compare_digest refuses with a TypeError.
    code = "".join(str(int(ch)) for ch in code if ch.isdecimal())
    if len(code) != 6 or not secret:
        # No secret: a sealed one that did not open (portal.protection) refuses every code.
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(datetime.now())
    for counter in (now - 1, now, now + 1):
        if counter > after and hmac.compare_digest(totp.generate_otp(counter), code):
            return counter
    return None


def _claim_time_step(user: StaffUser, counter: int) -> bool:
    """Use up a TOTP time step, once: of requests racing with the same code, the database lets
    exactly one move the counter forward (the others wait on the row, then match nothing)."""
    result = db.session.execute(
        update(StaffUser)
        .where(StaffUser.id == user.id, StaffUser.totp_last_counter < counter)
        .values(totp_last_counter=counter)
        .execution_options(synchronize_session=False)
    )
    claimed = cast("CursorResult[Any]", result).rowcount
    if claimed != 1:
        return False
    set_committed_value(user, "totp_last_counter", counter)
    return True


def is_locked(user: StaffUser) -> bool:
    return user.locked_until is not None and as_utc(user.locked_until) > utcnow()


def record_failure(user: StaffUser) -> None:
    """Count a failed password or code; past the free tries, lock for doubling periods.

    Counted in SQL (failed_logins + 1), not in Python: failures sent all at once must each
    count, or a burst of guesses would never reach the lock."""
    failures = db.session.execute(
        update(StaffUser)
        .where(StaffUser.id == user.id)
        .values(failed_logins=StaffUser.failed_logins + 1)
        .returning(StaffUser.failed_logins)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    set_committed_value(user, "failed_logins", failures)
    extra = failures - FREE_FAILURES
    if extra >= 0:
        locked_until = utcnow() + min(timedelta(minutes=2**extra), MAX_LOCK)
        db.session.execute(
            update(StaffUser)
            .where(
                StaffUser.id == user.id,
                # Racing failures: the longest lock wins, whichever commits last.
                or_(StaffUser.locked_until.is_(None), StaffUser.locked_until < locked_until),
            )
            .values(locked_until=locked_until)
            .execution_options(synchronize_session=False)
        )
        set_committed_value(user, "locked_until", locked_until)


def record_success(user: StaffUser) -> None:
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = utcnow()


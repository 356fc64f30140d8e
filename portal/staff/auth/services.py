"""Account logic without request objects: create, set up, check passwords and codes."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from portal.extensions import db
from portal.models import utcnow
from portal.staff.models import Role, StaffUser

ISSUER = "Waspada"
SETUP_HOURS = 24
MIN_PASSWORD = 12
# ASCII only: a name in another script can look the same as a colleague's ("аdmin" with
# a Cyrillic а) and pass for them in the audit log.
USERNAME = re.compile(r"[a-z0-9._-]{3,40}")
FREE_FAILURES = 5  # failures allowed before the lockout starts
MAX_LOCK = timedelta(hours=24)

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters
# Verified against when the username is unknown, so both cases cost the same.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


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


def totp_uri(user: StaffUser) -> str:
    """The otpauth:// URI an authenticator app enrols from."""
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def create_account(username: str, role: str, language: str = "en") -> NewAccount:
    """A new, inactive-until-setup account with a one-time setup token and a TOTP secret."""
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
    return NewAccount(user, token, totp_uri(user))


def account_for_setup(token: str) -> StaffUser | None:
    """The account a setup link belongs to, if the link is valid and unused."""
    user = db.session.scalar(
        db.select(StaffUser).where(StaffUser.setup_token_hash == _token_hash(token))
    )
    if user is None or user.setup_expires_at is None or _aware(user.setup_expires_at) < utcnow():
        return None
    return user


def complete_setup(user: StaffUser, password: str, code: str) -> None:
    """Set the password once the person proves their authenticator works."""
    check_password_policy(password, user.username)
    if not accept_totp(user, code):
        raise AccountError("bad_code")
    user.password_hash = _hasher.hash(password)
    user.setup_token_hash = None
    user.setup_expires_at = None
    user.failed_logins = 0
    user.locked_until = None


def check_password_policy(password: str, username: str) -> None:
    """Long passphrases, nothing else: length is what resists guessing."""
    if len(password) < MIN_PASSWORD:
        raise AccountError("short_password")
    if username.lower() in password.lower():
        raise AccountError("password_has_username")


def check_password(username: str, password: str) -> StaffUser | None:
    """The account if the password is right and it is not locked; same cost either way."""
    user = db.session.scalar(
        db.select(StaffUser).where(StaffUser.username == username.strip().lower())
    )
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    try:
        ok = _hasher.verify(stored, password)
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
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def accept_totp(user: StaffUser, code: str) -> bool:
    """True for a current code (one step of clock drift allowed) never used before."""
    # Decimal digits of any script as ASCII ("๑๒๓" -> "123"); isdigit() would also let
    # "²" through, which hmac.compare_digest refuses with a TypeError.
    code = "".join(str(int(ch)) for ch in code if ch.isdecimal())
    if len(code) != 6:
        return False
    totp = pyotp.TOTP(user.totp_secret)
    now = totp.timecode(datetime.now())
    for counter in (now - 1, now, now + 1):
        if counter > user.totp_last_counter and hmac.compare_digest(
            totp.generate_otp(counter), code
        ):
            user.totp_last_counter = counter
            return True
    return False


def is_locked(user: StaffUser) -> bool:
    return user.locked_until is not None and _aware(user.locked_until) > utcnow()


def record_failure(user: StaffUser) -> None:
    """Count a failed password or code; past the free tries, lock for doubling periods."""
    user.failed_logins += 1
    extra = user.failed_logins - FREE_FAILURES
    if extra >= 0:
        user.locked_until = utcnow() + min(timedelta(minutes=2**extra), MAX_LOCK)


def record_success(user: StaffUser) -> None:
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = utcnow()


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; every stored time is UTC."""
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

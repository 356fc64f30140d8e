"""Server-side authority for cookies: a staff sign-in, a receipt shown once, a follow-up view.

Flask's session cookie is signed, not secret, and a copy of it works until it expires. So the
cookie holds only a random token; what the token may do lives in a `ServerSession` row. Ending
a session deletes the row, and every copy of the cookie stops working at once (sign-out,
"stop viewing my report", quick exit). Expiry is decided here, not by a time in the cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import UTC, datetime, timedelta

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app
from sqlalchemy import delete

from portal.extensions import db
from portal.models import ServerSession, as_utc

STAFF = "staff"
RECEIPT = "receipt"
FOLLOW_UP = "follow_up"
_NONCE = 12


def _row_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _seal_key(token: str) -> bytes:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"receipt-seal:{token}".encode(), hashlib.sha256).digest()


def start(
    kind: str,
    lifetime: timedelta,
    *,
    staff_user_id: int | None = None,
    tip_id: int | None = None,
    secret: str | None = None,
) -> str:
    """Create a session and return its token (for the cookie only). The caller commits."""
    purge_expired()
    token = secrets.token_urlsafe(32)
    sealed = None
    if secret is not None:
        nonce = secrets.token_bytes(_NONCE)
        sealed = nonce + AESGCM(_seal_key(token)).encrypt(nonce, secret.encode(), kind.encode())
    db.session.add(
        ServerSession(
            id=_row_id(token),
            kind=kind,
            staff_user_id=staff_user_id,
            tip_id=tip_id,
            sealed=sealed,
            expires_at=_now() + lifetime,
        )
    )
    return token


def find(token: object, kind: str) -> ServerSession | None:
    """The live session of this kind for a token from a cookie, or None."""
    if not isinstance(token, str) or not token:
        return None
    row = db.session.get(ServerSession, _row_id(token))
    if row is None or row.kind != kind or as_utc(row.expires_at) <= _now():
        return None
    return row


def unseal(row: ServerSession, token: str) -> str | None:
    """The secret sealed into a session when it started (the receipt code), if any."""
    if not row.sealed:
        return None
    try:
        plain = AESGCM(_seal_key(token)).decrypt(
            row.sealed[:_NONCE], row.sealed[_NONCE:], row.kind.encode()
        )
    except InvalidTag:
        return None
    return plain.decode()


def extend(row: ServerSession, until: datetime) -> None:
    """Move a session's end (never past what the caller allows). The caller commits."""
    row.expires_at = until


def end(token: object) -> None:
    """End one session, wherever copies of its cookie are. The caller commits."""
    if isinstance(token, str) and token:
        db.session.execute(delete(ServerSession).where(ServerSession.id == _row_id(token)))


def end_all_for_staff(staff_user_id: int) -> None:
    """Sign an account out everywhere. The caller commits."""
    db.session.execute(
        delete(ServerSession).where(
            ServerSession.kind == STAFF, ServerSession.staff_user_id == staff_user_id
        )
    )


def purge_expired() -> None:
    """Drop sessions past their end (index-backed, a handful of rows at a time)."""
    db.session.execute(delete(ServerSession).where(ServerSession.expires_at <= _now()))


def _now() -> datetime:
    # time.time(), not datetime.now(): one clock with the cookie-side checks (and the tests').
    return datetime.fromtimestamp(time.time(), UTC)


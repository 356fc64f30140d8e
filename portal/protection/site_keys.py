"""Site-wide keys, random and kept wrapped in ``protection_keys``.

- ``index``: the HMAC key of the blind indexes (identifier look-ups, the word index);
- ``identifiers``: seals the values of extracted identifiers (shared by many tips);
- ``totp``: seals staff members' TOTP secrets.

Made by the migration (and by ``ensure_site_keys`` for a schema made by ``create_all``);
each process unwraps them once. Rotating a KEK re-wraps them: no index changes.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from portal.extensions import db
from portal.models.common import utcnow
from portal.models.protection import ProtectionKey
from portal.protection.keys import KEY_BYTES, KeyRing, associated, unwrap, wrap

PURPOSES = ("index", "identifiers", "totp")
_CACHE = "waspada.site_keys"


def _ad(purpose: str) -> bytes:
    return associated("protection_keys", "wrapped", purpose.encode())


def ensure_site_keys(connection: Connection, ring: KeyRing) -> int:
    """Make the site keys that do not exist yet; returns how many were made."""
    have = set(connection.scalars(select(ProtectionKey.purpose)))
    module = postgresql if connection.dialect.name == "postgresql" else sqlite
    made = 0
    for purpose in PURPOSES:
        if purpose in have:
            continue
        key_id, wrapped = wrap(ring, os.urandom(KEY_BYTES), _ad(purpose))
        connection.execute(
            module.insert(ProtectionKey.__table__)
            .values(purpose=purpose, key_id=key_id, wrapped=wrapped, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["purpose"])
        )
        made += 1
    return made


def site_key(purpose: str) -> bytes:
    """The raw key for `purpose`, unwrapped once per process and app."""
    cache: dict[str, bytes] = current_app.extensions.setdefault(_CACHE, {})
    key = cache.get(purpose)
    if key is not None:
        return key
    from portal.config import current_settings

    ring = current_settings().data_keys
    row = db.session.get(ProtectionKey, purpose)
    made_now = row is None
    if made_now:
        # A schema made without the migration: made in this transaction (another process
        # may make them at the same time: the first one's stay), and cached only once read
        # back from a later one, since this one may still roll back.
        ensure_site_keys(db.session.connection(), ring)
        row = db.session.get(ProtectionKey, purpose)
    if row is None:
        raise LookupError(f"site key {purpose!r} missing")
    key = unwrap(ring, row.key_id, row.wrapped, _ad(purpose), f"protection_keys.{purpose}")
    if not made_now:
        cache[purpose] = key
    return key


def forget_site_keys() -> None:
    current_app.extensions.pop(_CACHE, None)


def site_aead(purpose: str) -> AESGCM:
    return AESGCM(site_key(purpose))


def blind(label: str, value: str, key: bytes | None = None) -> bytes:
    """A keyed 32-byte digest of `value` in the namespace `label` (with the site's index key
    unless another is given: the migration passes it, having no session)."""
    return hmac.new(key or site_key("index"), f"{label}\0{value}".encode(), hashlib.sha256).digest()

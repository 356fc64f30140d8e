"""Identifier values (phone numbers, domains, accounts) sealed, found by keyed hashes.

An indicator row is shared by every tip that mentions it, so its value is sealed with a
site key rather than a tip's; ``value_index`` (a keyed hash of kind and value) is its
unique key for storing, linking and exact look-ups, and ``tail_index`` (of a payment
account's number alone) lets "873 012 3456" find the account at any bank.
"""

from __future__ import annotations

import functools

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from portal.protection.keys import associated, open_sealed, seal
from portal.protection.site_keys import blind, site_aead

INDEX_BYTES = 16


def index_of(kind: str, value: str, key: bytes | None = None) -> bytes:
    return blind("indicator", f"{kind}\0{value}", key)[:INDEX_BYTES]


def tail_of(kind: str, value: str, key: bytes | None = None) -> bytes | None:
    """For a payment account ("BCA:8730123456"), the hash of its number alone."""
    from portal.triage.indicators import PAYMENT_KINDS

    if kind not in PAYMENT_KINDS or ":" not in value:
        return None
    return tail_index(value.split(":", 1)[1], key)


def tail_index(number: str, key: bytes | None = None) -> bytes:
    return blind("account-number", number, key)[:INDEX_BYTES]


def seal_value(index: bytes, value: str, aead: AESGCM | None = None) -> bytes:
    return seal(
        aead or site_aead("identifiers"),
        value.encode("utf-8"),
        associated("indicators", "value", index),
    )


def open_value(index: bytes, sealed: bytes) -> str:
    return _open(bytes(index), bytes(sealed))


@functools.lru_cache(maxsize=65536)
def _open(index: bytes, sealed: bytes) -> str:
    return open_sealed(
        site_aead("identifiers"),
        sealed,
        associated("indicators", "value", index),
        "indicators.value",
    ).decode("utf-8")

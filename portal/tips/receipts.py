"""Receipt codes: 16 digits for the reporter, only a slow hash for us.

The code is derived from the one-time form token with the secret key, so a
double-clicked or replayed form shows the same code for the one tip it made.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from argon2.low_level import Type, hash_secret_raw

from portal.config import Settings

DIGITS = 16
_NON_DIGITS = re.compile(r"[\s\-.]")


def receipt_for_token(form_token: str, secret_key: str) -> str:
    """The 16-digit receipt code belonging to a form token."""
    digest = hmac.new(
        secret_key.encode(), f"receipt:{form_token}".encode(), hashlib.sha512
    ).digest()
    return str(int.from_bytes(digest, "big") % 10**DIGITS).zfill(DIGITS)


def submission_key(form_token: str) -> str:
    """What the database keeps of a form token: enough to spot a replay, not to rebuild it."""
    return hashlib.sha256(f"form:{form_token}".encode()).hexdigest()


def hash_receipt(code: str, settings: Settings) -> str:
    """argon2id of the code with the site-wide salt (deterministic, so it can be looked up)."""
    params = settings.receipt_hash
    raw = hash_secret_raw(
        code.encode(),
        hashlib.sha256(settings.receipt_salt).digest(),
        time_cost=params.time_cost,
        memory_cost=params.memory_cost_kib,
        parallelism=params.parallelism,
        hash_len=32,
        type=Type.ID,
    )
    return raw.hex()


def normalise(user_input: str) -> str | None:
    """Digits of a typed code (spaces and dashes allowed), or None if it cannot be one."""
    digits = _NON_DIGITS.sub("", user_input.strip())
    if len(digits) != DIGITS or not digits.isascii() or not digits.isdigit():
        return None
    return digits


def grouped(code: str) -> str:
    """ "1234 5678 9012 3456": easier to copy by hand."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))

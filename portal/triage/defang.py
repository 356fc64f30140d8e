"""Render indicators so they cannot be clicked or auto-linked by accident."""

from __future__ import annotations

import re

_SCHEME = re.compile(r"^(http)(s?)://", re.IGNORECASE)


def defang(kind: str, value: str) -> str:
    """'https://bad.example/x' -> 'hxxps://bad[.]example/x'; phones and handles unchanged;
    payment identifiers with a space after the bank, wallet or chain ("BCA 8730123456")."""
    if kind in ("url", "domain"):
        value = _SCHEME.sub(lambda m: f"hxxp{m.group(2)}://", value)
        host, sep, rest = value.partition("/") if kind == "domain" else _split_url(value)
        return host.replace(".", "[.]") + sep + rest
    if kind == "email":
        user, _, host = value.partition("@")
        return f"{user}[@]{host.replace('.', '[.]')}"
    if kind in ("bank_account", "ewallet", "crypto"):
        return value.replace(":", " ", 1)  # "BCA 8730123456", "DANA +62812…", "btc bc1q…"
    return value


def _split_url(value: str) -> tuple[str, str, str]:
    scheme, sep, rest = value.partition("://")
    host, slash, path = rest.partition("/")
    return scheme + sep + host, slash, path

"""Render indicators so they cannot be clicked or auto-linked by accident."""

from __future__ import annotations

import re

_SCHEME = re.compile(r"^(http)(s?)://", re.IGNORECASE)


def defang(kind: str, value: str) -> str:
    """'https://bad.example/x' -> 'hxxps://bad[.]example/x'; phones and handles unchanged."""
    if kind in ("url", "domain"):
        value = _SCHEME.sub(lambda m: f"hxxp{m.group(2)}://", value)
        host, sep, rest = value.partition("/") if kind == "domain" else _split_url(value)
        return host.replace(".", "[.]") + sep + rest
    if kind == "email":
        user, _, host = value.partition("@")
        return f"{user}[@]{host.replace('.', '[.]')}"
    return value


def _split_url(value: str) -> tuple[str, str, str]:
    scheme, sep, rest = value.partition("://")
    host, slash, path = rest.partition("/")
    return scheme + sep + host, slash, path

"""Security headers, caching policy and the only code that reads a client address.

The client address is used for exactly one thing: a rate-limit key that is an
HMAC of it with a salt that changes every day. It is never stored or logged.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, current_app, g, request, session

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self'",
        "script-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

STATIC_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}
_STATIC_HEADER_ITEMS = list(STATIC_HEADERS.items())
HSTS = "max-age=63072000; includeSubDomains"
PUBLIC_CACHE = "public, max-age=300"
NO_STORE = "private, no-store"


def rate_limit_key() -> str:
    """An HMAC of the client's network under today's salt: enough to count, useless to trace.

    One IPv6 client is handed a whole /64, so its addresses share one count; an IPv4 address
    (also when written as IPv4-mapped IPv6) counts on its own.
    """
    network = _client_network(request.remote_addr or "unknown").encode()
    return hmac.new(_daily_salt(), network, hashlib.sha256).hexdigest()[:32]


def from_this_machine() -> bool:
    """True for a request from loopback that did not pass through a proxy (behind one,
    "loopback" is the proxy, not the operator). The address is looked at, never kept."""
    if "X-Forwarded-For" in request.headers or "Forwarded" in request.headers:
        return False
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def _client_network(address: str) -> str:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(ip) >> 64 << 64, 64)))
    return str(ip)


def _daily_salt() -> bytes:
    """A salt derived from the secret key and the UTC date, so all processes agree on it."""
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    secret = current_app.config["SECRET_KEY"].encode()
    return _salt_for(secret, today)


@functools.lru_cache(maxsize=4)
def _salt_for(secret: bytes, day: str) -> bytes:
    return hmac.new(secret, f"rate-limit-salt:{day}".encode(), hashlib.sha256).digest()


CACHE_SECONDS = 300
_CACHE_ENTRIES = 512


def cacheable(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view without a form as shareable by caches for five minutes.

    Such a page depends only on its URL (the locale is part of it), so each
    process also keeps the rendered page for the same five minutes.
    """

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if session.get("_flashes"):
            # This visitor has a message waiting ("your message was added"): the page is
            # theirs alone, neither served from nor stored in any cache.
            return view(*args, **kwargs)
        g.cacheable = True
        cache: dict[str, tuple[float, Any]] = current_app.extensions.setdefault(
            "waspada.page_cache", {}
        )
        key = request.full_path
        now = time.monotonic()
        hit = cache.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        body = view(*args, **kwargs)
        if isinstance(body, str):
            if len(cache) >= _CACHE_ENTRIES:
                cache.clear()
            cache[key] = (now + CACHE_SECONDS, body)
        return body

    return wrapper


def init_app(app: Flask, *, production: bool) -> None:
    """Attach the headers every response carries."""

    @app.after_request
    def _set_headers(response: Response) -> Response:
        # No view sets these, so append without a lookup per header (this runs on every response).
        response.headers.extend(_STATIC_HEADER_ITEMS)
        if production:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        if request.endpoint == "static":
            return response
        if g.get("cacheable") and response.status_code == 200 and not _sets_cookie(response):
            response.headers["Cache-Control"] = PUBLIC_CACHE
        else:
            response.headers["Cache-Control"] = NO_STORE
        return response


def _sets_cookie(response: Response) -> bool:
    return "Set-Cookie" in response.headers

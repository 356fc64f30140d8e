"""Registrable domains and the accounts named by platform links (t.me, wa.me, instagram.com …)."""

from __future__ import annotations

import re
import threading
from urllib.parse import SplitResult, parse_qs, unquote, urlsplit

import idna
import tldextract

from portal.triage import _patterns as p

_extractor: tldextract.TLDExtract | None = None
_extractor_lock = threading.Lock()
_ASCII_HOST = re.compile(
    r"[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?)*"
)


def _tld_extractor() -> tldextract.TLDExtract:
    """The one extractor, built on first use from the suffix list bundled with tldextract."""
    global _extractor
    if _extractor is None:
        with _extractor_lock:
            if _extractor is None:
                # No URLs and no cache directory: never touch the network or the disk.
                _extractor = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    return _extractor


def to_ascii_host(host: str) -> str | None:
    """Lower-case ``host`` and turn IDN labels into punycode; None if it is not a host name."""
    host = host.strip(".").lower()
    if not host or len(host) > 253:
        return None
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError, ValueError):
            try:  # IDNA 2003 still resolves in browsers for symbols that 2008 rejects.
                host = host.encode("idna").decode("ascii")
            except (UnicodeError, ValueError):
                return None
    return host if _ASCII_HOST.fullmatch(host) else None


def registrable_domain(host: str) -> str | None:
    """The eTLD+1 of ``host`` in lower-case punycode, or None if it has no public suffix."""
    ascii_host = to_ascii_host(host)
    if ascii_host is None:
        return None
    parts = _tld_extractor()(ascii_host)
    if not parts.suffix or not parts.domain:
        return None
    return f"{parts.domain}.{parts.suffix}"


def split_url(url: str) -> SplitResult | None:
    """``urlsplit`` that returns None instead of raising on malformed URLs."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return None
    return parts


# First path segments that are site features, not accounts.
_TELEGRAM_NOT_HANDLES = frozenset(
    "joinchat addstickers addemoji addlist addtheme share proxy socks iv c login boost "
    "setlanguage bg invoice confirmphone contact m".split()
)
_INSTAGRAM_NOT_HANDLES = frozenset(
    "p reel reels tv explore accounts direct about legal developer web challenge graphql api "
    "static privacy help".split()
)
_FACEBOOK_NOT_HANDLES = frozenset(
    "groups group share sharer sharer.php watch photo photo.php photos story.php permalink.php "
    "events marketplace reel reels videos video.php login login.php help hashtag dialog "
    "plugins l.php messages gaming notes media search home.php ads business privacy policies "
    "settings friends bookmarks stories live fundraisers jobs p recover checkpoint".split()
)


def _path_segments(parts: SplitResult) -> list[str]:
    """The non-empty, percent-decoded segments of the URL path."""
    return [unquote(segment) for segment in parts.path.split("/") if segment]


def platform_accounts(parts: SplitResult, host: str, domain: str) -> list[tuple[str, str]]:
    """(kind, value) pairs for the account a platform link points to; WhatsApp gives digits."""
    segments = _path_segments(parts)
    first = segments[0].lower() if segments else ""
    query = parse_qs(parts.query)
    if domain in {"t.me", "telegram.me", "telegram.dog"}:
        if host.count(".") == domain.count(".") + 1 and not host.startswith("www."):
            first = host.split(".", 1)[0]  # username.t.me
        elif first == "s" and len(segments) > 1:  # t.me/s/<channel> is the web preview
            first = segments[1].lower()
        if first not in _TELEGRAM_NOT_HANDLES and p.TELEGRAM_HANDLE.fullmatch(first):
            return [("telegram", first)]
    elif domain in {"instagram.com", "instagr.am"}:
        if first == "stories" and len(segments) > 1:
            first = segments[1].lower()
        if first not in _INSTAGRAM_NOT_HANDLES and p.INSTAGRAM_HANDLE.fullmatch(first):
            return [("instagram", first)]
    elif domain == "tiktok.com":
        handle = first[1:] if first.startswith("@") else ""
        if p.TIKTOK_HANDLE.fullmatch(handle):
            return [("tiktok", handle)]
    elif domain in {"facebook.com", "fb.com", "fb.me"}:
        return _facebook_account(first, segments, query)
    elif domain == "line.me":
        # line.me/ti/p/~userid and line.me/R/ti/p/@official; other tokens are QR secrets.
        tail = "/".join(segments).lower()
        match = re.search(r"ti/p/(?:~|@)([^/?#]+)", tail)
        if match and p.LINE_ID.fullmatch(match.group(1)):
            return [("line", match.group(1))]
    elif domain in {"wa.me", "whatsapp.com"}:
        if domain == "wa.me" and first and first.lstrip("+").isdigit():
            return [("whatsapp", first.lstrip("+"))]
        phone = (query.get("phone") or [""])[0].strip().lstrip("+")
        if phone.isdigit():
            return [("whatsapp", phone)]
    return []


def _facebook_account(
    first: str, segments: list[str], query: dict[str, list[str]]
) -> list[tuple[str, str]]:
    """The page or profile of a facebook.com link: username or numeric id."""
    if first == "profile.php":
        profile_id = (query.get("id") or [""])[0]
        return [("facebook", profile_id)] if profile_id.isdigit() else []
    if first in {"people", "pages"} and len(segments) >= 3 and segments[2].isdigit():
        return [("facebook", segments[2])]  # /people/Name/1000…/ carries the stable id
    if first and first not in _FACEBOOK_NOT_HANDLES and p.FACEBOOK_HANDLE.fullmatch(first):
        return [("facebook", first)]
    return []

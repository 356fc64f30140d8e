"""Indicators in a tip's free text: URLs, domains, phone numbers, e-mails and platform handles.

``extract(text, country)`` is pure (no I/O, no network). A bug in it raises, so the triage
job retries and staff see the error; pages that must answer anyway (a search box) use
``readings(text)``, which logs the kind of error and finds nothing. Defanged input
("hxxps://shop[.]com", "shop (dot) com") is understood. Values are normalised so that the
same indicator written two ways compares equal:

=========  ====================================================================
url        the URL as written, defanging undone, ``http://`` added if missing
domain     registrable domain (eTLD+1), lower case, IDN as punycode
phone      E.164; ``country`` is the region for numbers written nationally
email      lower case
whatsapp   E.164 of a number given as WhatsApp ("WA 0812…", wa.me links)
telegram   handle, lower case, no "@" ("@abc", "tele: abc", t.me/abc)
instagram  handle, lower case ("IG: abc", instagram.com/abc)
tiktok     handle, lower case ("tiktok @abc", tiktok.com/@abc)
facebook   page name, lower case, or numeric profile id (facebook.com/…)
line       LINE id, lower case ("ID LINE: abc", line.me/ti/p/~abc)
bank_account  ``BANK:digits``, BANK the bank's code in data/payments.yaml (BCA, VIETCOMBANK…)
ewallet    ``PROVIDER:account``, the account in E.164 when it is a phone (DANA:+62812…)
crypto     ``chain:address``, chain btc, eth or tron; bech32 and eth lower case, base58 as
           written; only addresses whose checksum holds
=========  ====================================================================

A bank account needs its bank named right next to the number, and its digits are never also
a phone number; an e-wallet account that is a phone number gives ``phone`` too. The account
holder's name, when written ("a.n. Budi"), is kept on the indicator as ``holder`` (not part
of its value).

A phone number said to be on WhatsApp gives both ``phone`` and ``whatsapp``; a platform
link gives its ``url`` and ``domain`` as well as the account.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from portal.triage import _patterns as p
from portal.triage._normalize import OffsetMap, normalize
from portal.triage._payments import ACCOUNT_DIGITS, INVISIBLE, find_payments
from portal.triage._payments import lookalikes as wallet_lookalikes
from portal.triage._payments import names as payment_names
from portal.triage._phones import e164_from_link, e164_of, find_phones, supported_region
from portal.triage._web import platform_accounts, registrable_domain, split_url, to_ascii_host

__all__ = [
    "KINDS",
    "MAX_CHARS",
    "PAYMENT_KINDS",
    "Indicator",
    "extract",
    "payment_countries",
    "payment_suffixes",
    "extract_or_nothing",
    "wallet_lookalikes",
]

log = logging.getLogger(__name__)

KINDS = (
    "url", "domain", "phone", "email", "whatsapp",
    "telegram", "instagram", "tiktok", "facebook", "line",
    "bank_account", "ewallet", "crypto",
)  # fmt: skip
PAYMENT_KINDS = ("bank_account", "ewallet", "crypto")
# Longer text is cut: a tip form allows less, and it bounds the work per call.
MAX_CHARS = 20_000
_Span = tuple[int, int]
# TLDs people really type with a capital; other "word.Word" pairs are missing spaces.
_CAPITALISED_TLDS = frozenset("com net org info biz id vn ph my th co".split())
_CUE_KIND = {cue.replace(" ", ""): kind for cue, kind in p.PLATFORM_CUES.items()}
_HANDLE_RULES = {
    "telegram": p.TELEGRAM_HANDLE,
    "instagram": p.INSTAGRAM_HANDLE,
    "tiktok": p.TIKTOK_HANDLE,
    "facebook": p.FACEBOOK_HANDLE,
    "line": p.LINE_ID,
}


@dataclass(frozen=True, order=True, slots=True)
class Indicator:
    """One indicator; equal (and hashing alike) when kind and value are, whatever the span.

    It also equals the plain tuple ``(kind, value)`` and unpacks as one.
    """

    kind: str
    value: str
    span: _Span | None = field(default=None, compare=False, repr=False)
    holder: str | None = field(default=None, compare=False, repr=False)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Indicator):
            return (self.kind, self.value) == (other.kind, other.value)
        if isinstance(other, tuple):
            return (self.kind, self.value) == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.kind, self.value))

    def __iter__(self) -> Iterator[str]:
        yield self.kind
        yield self.value


def extract(text: str, country: str | None = None) -> list[Indicator]:
    """Return the indicators in ``text``, deduplicated, in order of first appearance.

    ``country`` (ISO 3166 alpha-2) is the region of nationally written phone numbers; without
    it only international numbers (+CC, 00CC) are taken. Spans are offsets into ``text``.
    """
    if not isinstance(text, str) or not text:
        return []
    return _Extraction(text[:MAX_CHARS], supported_region(country)).run()


# The regions a typed identifier is read in when nobody says where it is from: none (only
# international numbers), then each country whose local phone formats people type.
SEARCH_REGIONS = (None, "ID", "VN", "PH", "MY", "TH", "KH", "LA", "MM", "SG")


def readings(text: str) -> set[tuple[str, str]]:
    """Every (kind, value) a typed identifier may mean, reading phone numbers in each of
    SEARCH_REGIONS. For search boxes: an extraction bug is logged by its kind (never the
    text) and finds nothing, so the page still answers."""
    try:
        return {(i.kind, i.value) for region in SEARCH_REGIONS for i in extract(text, region)}
    except Exception as error:  # noqa: BLE001 - a search box must answer; the kind is logged
        log.error("indicator extraction failed on a search: %s", type(error).__name__)
        return set()


_TYPED_NUMBER = re.compile(rf"\+?[\d\s\-.(){INVISIBLE}]+")


def payment_suffixes(text: str, read: set[tuple[str, str]] | None = None) -> set[str]:
    """How a payment value may end when someone types only its number: ":8730123456" for
    "873 012 3456" (any bank), ":+6281299887766" for "0812-9988-7766" (any e-wallet).
    ``read``: what ``readings(text)`` already gave the caller, so it is not read again."""
    typed = text.strip()
    if not _TYPED_NUMBER.fullmatch(typed):
        return set()
    digits = "".join(ch for ch in typed if ch.isdigit())
    plain = ACCOUNT_DIGITS[0] <= len(digits) <= ACCOUNT_DIGITS[1] and not typed.startswith("+")
    found = {f":{digits}"} if plain else set()
    read = readings(typed) if read is None else read
    found.update(f":{value}" for kind, value in read if kind == "phone")
    return found


def payment_countries(indicators: Iterable[Indicator]) -> list[str]:
    """The countries where the bank accounts and e-wallets among ``indicators`` are held."""
    table = payment_names()
    found = []
    for item in indicators:
        code = item.value.split(":", 1)[0]
        if item.kind == "bank_account" and code in table.banks:
            found.append(table.banks[code])
        elif item.kind == "ewallet" and code in table.wallets:
            found.append(table.wallets[code][0])
    return list(dict.fromkeys(found))


def extract_or_nothing(text: str, region: str | None, where: str) -> list[Indicator]:
    """What extract() finds, for callers that must answer anyway (the checker, a tip page):
    an extraction bug is logged by its kind, never the text, and finds nothing. The triage
    job calls extract() itself, so that a bug is retried and shown."""
    try:
        return extract(text, region)
    except Exception as error:  # noqa: BLE001 - the caller must answer; the kind is logged
        log.error("indicator extraction failed %s: %s", where, type(error).__name__)
        return []


class _Extraction:
    """One pass over one text; each stage blanks out what it consumed for the next stages."""

    def __init__(self, text: str, region: str | None) -> None:
        self.region = region
        self.norm, self.offsets = normalize(text)
        self.masked = self.norm
        # start, order, end, kind, value, holder
        self.found: list[tuple[int, int, int, str, str, str | None]] = []

    def add(self, kind: str, value: str, start: int, end: int, holder: str | None = None) -> None:
        """Record one indicator found at ``norm[start:end]``."""
        self.found.append((start, len(self.found), end, kind, value, holder))

    def run(self) -> list[Indicator]:
        """Run the stages in order and return the deduplicated indicators."""
        self.blank(self.scheme_urls())
        self.blank(self.emails())
        deferred = self.bare_hosts()  # URL-like hosts are blanked inside
        handle_spans = self.handles()
        self.blank(handle_spans)
        self.blank(self.bare_domains(deferred, handle_spans))
        self.blank(self.payments())
        for hit in find_phones(self.masked, self.region):
            self.add("phone", hit.e164, hit.start, hit.end)
            if hit.whatsapp:
                self.add("whatsapp", hit.e164, hit.start, hit.end)
        return _dedupe(self.found, self.offsets)

    def blank(self, spans: list[_Span]) -> None:
        """Replace ``spans`` of the working text with spaces (offsets stay the same)."""
        if not spans:
            return
        chars = list(self.masked)
        for start, end in spans:
            chars[start:end] = " " * (end - start)
        self.masked = "".join(chars)

    # --- stages --------------------------------------------------------------------------

    def scheme_urls(self) -> list[_Span]:
        """URLs written with http(s):// or ftp(s)://."""
        spans: list[_Span] = []
        if "://" not in self.norm:  # cheaper than letting the regex look
            return spans
        for match in p.SCHEME_URL.finditer(self.norm):
            url = _trim_url(match.group())
            scheme, rest = url.split("://", 1)
            end = match.start() + len(url)
            if self.add_url(f"{scheme.lower()}://{rest}", match.start(), end):
                spans.append((match.start(), end))
        return spans

    def emails(self) -> list[_Span]:
        """E-mail addresses; their domain too, unless it is a big free-mail provider."""
        spans: list[_Span] = []
        if "@" not in self.masked:
            return spans
        for match in p.EMAIL.finditer(self.masked):
            local = match.group("local")
            if local.endswith(".") or ".." in local:
                continue
            domain = registrable_domain(match.group("host"))
            if domain is None:
                continue
            self.add("email", match.group().lower(), *match.span())
            if domain not in p.word_set("freemail"):
                self.add("domain", domain, *match.span())
            spans.append(match.span())
        return spans

    def bare_hosts(self) -> list[tuple[int, int, str]]:
        """Hosts without scheme: with a path or "www." they are URLs, else deferred domains."""
        spans, deferred = [], []
        for match in p.BARE_HOST.finditer(self.masked):
            host, start = _drop_glued_sentence(match.group("host")), match.start()
            path = _trim_url(match.group("path") or "") if len(host) == len(match["host"]) else ""
            end = start + len(host) + len(path)
            if path.strip("/") or host.lower().startswith("www."):
                if registrable_domain(host) and self.add_url(f"http://{host}{path}", start, end):
                    spans.append((start, end))
            else:
                deferred.append((start, start + len(host), host))
        self.blank(spans)
        return deferred

    def bare_domains(self, deferred: list[tuple[int, int, str]], taken: list[_Span]) -> list[_Span]:
        """Deferred bare hosts that have a real public suffix and do not look like prose."""
        spans = []
        for start, end, host in deferred:
            if any(t_start < end and start < t_end for t_start, t_end in taken):
                continue  # "IG: toko.online" was a handle
            if self.offsets.rewrote(start, end):  # "evil[.]zip" was meant as a domain
                domain = registrable_domain(host)
            else:
                domain = _bare_domain(host)
            if domain:
                self.add("domain", domain, start, end)
                spans.append((start, end))
        return spans

    def payments(self) -> list[_Span]:
        """Bank accounts, e-wallet accounts (and their phone) and crypto addresses."""
        spans = []
        for hit in find_payments(self.masked, e164_of):
            self.add(hit.kind, hit.value, hit.start, hit.end, hit.holder)
            if hit.phone:
                self.add("phone", hit.phone, hit.start, hit.end)
            spans.append((hit.start, hit.end))
        return spans

    def handles(self) -> list[_Span]:
        """Handles after a platform cue ("IG: abc") and @handles (cue-less: Telegram)."""
        spans = []
        low = p.lower_same_length(self.masked)
        for match in p.CUE_HANDLE.finditer(low):
            kind = _CUE_KIND[re.sub(r"\s+", "", match.group("cue"))]
            handle = match.group("handle").lstrip("~").rstrip(".-~")
            strong = bool(re.search(r"[:：=]", match.group("sep")))
            if _valid_handle(kind, handle, marked=strong, at_sign=False):
                start = match.start("handle")
                self.add(kind, handle, start, match.end("handle"))
                spans.append((start, match.end("handle")))
        previous_end = 0
        for match in p.AT_HANDLE.finditer(low) if "@" in low else ():
            handle = match.group("handle").rstrip(".")
            kind = _platform_near(low, match.start(), match.end(), previous_end)
            previous_end = match.end()
            if _valid_handle(kind, handle, marked=True, at_sign=True):
                self.add(kind, handle, match.start(), match.end())
                spans.append(match.span())
        return spans

    # --- helpers -----------------------------------------------------------------------

    def add_url(self, url: str, start: int, end: int) -> bool:
        """Record a URL, its registrable domain and the account it links to, if any."""
        parts = split_url(url)
        if parts is None or not parts.hostname:
            return False
        self.add("url", url, start, end)
        domain = registrable_domain(parts.hostname)
        if domain is None:
            return True
        self.add("domain", domain, start, end)
        host = to_ascii_host(parts.hostname) or domain
        for kind, value in platform_accounts(parts, host, domain):
            if kind != "whatsapp":
                self.add(kind, value, start, end)
            elif e164 := e164_from_link(value, self.region):
                self.add("phone", e164, start, end)
                self.add("whatsapp", e164, start, end)
        return True


def _platform_near(low: str, start: int, end: int, previous_end: int) -> str:
    """The platform an @handle belongs to: a cue before it, else after it, else Telegram."""
    cue = p.last_match(p.PLATFORM_CUE, low, max(previous_end, start - 30), start)
    if cue is None:
        cue = p.TRAILING_CUE.match(low, end, end + 30)
    if cue is None:
        return "telegram"  # the dominant channel in these reports
    return _CUE_KIND[re.sub(r"\s+", "", cue.group("cue"))]


def _trim_url(url: str) -> str:
    """Drop sentence punctuation and unbalanced closing brackets from the end of a URL."""
    pairs = {")": "(", "]": "[", "}": "{"}
    while url:
        last = url[-1]
        if last in p.URL_TRAILING_JUNK or (
            last in pairs and url.count(last) > url.count(pairs[last])
        ):
            url = url[:-1]
        else:
            break
    return url


def _drop_glued_sentence(host: str) -> str:
    """Cut capitalised labels: "judi88.com.Daftar" is a missing space after a full stop."""
    labels = host.split(".")
    while len(labels) > 2 and _is_capitalised(labels[-1]):
        labels.pop()
    return ".".join(labels)


def _is_capitalised(label: str) -> bool:
    """True for "Daftar", false for "COM" and "com"."""
    return label[:1].isupper() and not label.isupper()


def _bare_domain(host: str) -> str | None:
    """The registrable domain of a host mentioned without scheme or path, if it is one."""
    tld = host.rsplit(".", 1)[-1]
    if _is_capitalised(tld) and tld.lower() not in _CAPITALISED_TLDS:
        return None  # "selesai.Now" – a sentence, not the .now TLD
    if tld.lower() in p.word_set("file_extensions"):
        return None  # "readme.md", "video.mov"
    domain = registrable_domain(host)
    if domain is None:
        return None
    if len(domain.split(".", 1)[0]) <= 2 and not host.islower():
        return None  # "TP.HN" (Hanoi), "Dr.Ing" – abbreviations, unlike "x.com", "s.id"
    return domain


def _valid_handle(kind: str, handle: str, *, marked: bool, at_sign: bool) -> bool:
    """Whether ``handle`` fits ``kind``'s rules; unmarked ones must look like a handle."""
    if not any(ch.isalpha() for ch in handle) or handle in p.word_set("not_handles"):
        return False  # digits only: a phone number, let the phone stage take it
    if not marked and not re.search(r"[\d_.]", handle):
        return False  # "IG kebun" – a word after the platform name, not a handle
    if kind == "facebook" and not at_sign and not re.search(r"[\d.]", handle):
        return False  # "FB: Kebun Hijau" is a display name
    if kind in {"instagram", "tiktok", "line"} and len(handle) < 3:
        return False
    return _HANDLE_RULES[kind].fullmatch(handle) is not None


def _dedupe(
    found: list[tuple[int, int, int, str, str, str | None]], offsets: OffsetMap
) -> list[Indicator]:
    """Order by position, keep the first of each (kind, value), map spans to the input."""
    seen: set[tuple[str, str]] = set()
    result = []
    for start, _order, end, kind, value, holder in sorted(found, key=lambda row: row[:2]):
        if (kind, value) in seen:
            continue
        seen.add((kind, value))
        span = (offsets.to_original(start), offsets.to_original(end, end=True))
        result.append(Indicator(kind, value, span, holder))
    return result

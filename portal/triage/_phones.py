"""Phone numbers in a tip: phonenumbers' VALID matcher on digit runs, then filters for look-alikes.

The matcher alone accepts prices ("Rp 1.500.000" is a valid Indonesian number), account numbers
and ID numbers; the filters below use the words around a number to throw those out.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import phonenumbers as pn
from phonenumbers import Leniency, PhoneNumberMatcher, PhoneNumberType

from portal.triage import _patterns as p

_E164 = pn.PhoneNumberFormat.E164
# (start, end, raw text, parsed number) of one matcher result, relative to what was searched.
_Match = tuple[int, int, str, pn.PhoneNumber]
_MIN_DIGITS = 8
_NON_DIGITS = re.compile(r"\D")
_TOKEN = re.compile(r"\S+")
_IDD_ZEROS = re.compile(r"^(\(?)00(?=[1-9])")
_SUBSCRIBER = frozenset(
    {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
)


@dataclass(frozen=True, slots=True)
class PhoneHit:
    """One phone number found in the text, and whether the text says it is on WhatsApp."""

    start: int
    end: int
    e164: str
    whatsapp: bool


def supported_region(country: str | None) -> str | None:
    """``country`` upper-cased if phonenumbers knows it as a region, else None."""
    if not isinstance(country, str):
        return None
    region = country.strip().upper()
    return region if region in pn.SUPPORTED_REGIONS else None


def e164_of(written: str, region: str) -> str | None:
    """E.164 form of a number written nationally in ``region`` or with "+", if it is a valid
    mobile number (an e-wallet account: "DANA 0812-9988-7766")."""
    try:
        number = pn.parse(written, region)
    except pn.NumberParseException:
        return None
    if not pn.is_valid_number(number):
        return None
    if pn.number_type(number) not in {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}:
        return None
    return pn.format_number(number, _E164)


def e164_from_link(digits: str, region: str | None) -> str | None:
    """E.164 form of the digits in a wa.me or ``?phone=`` link (international, without "+")."""
    try:
        if digits.startswith("0"):
            if region is None:
                return None
            number = pn.parse(digits, region)
        else:
            number = pn.parse("+" + digits, None)
    except pn.NumberParseException:
        return None
    return pn.format_number(number, _E164) if pn.is_valid_number(number) else None


def find_phones(text: str, region: str | None) -> list[PhoneHit]:
    """All phone numbers in ``text`` (URLs and e-mails already blanked out), in order."""
    hits: list[PhoneHit] = []
    low = p.lower_same_length(text)
    for run in p.PHONE_RUN.finditer(text):
        raw = run.group()
        if sum(ch.isdigit() for ch in raw) < _MIN_DIGITS or not _run_may_be_phone(low, run, region):
            continue
        start, end = run.span()
        blocked = [
            match.span()
            for match in p.DATE_LIKE.finditer(text, max(0, start - 1), end + 1)
            if _is_date_like(match)
        ]
        if p.THOUSANDS.fullmatch(raw) or any(b[0] <= start and end <= b[1] for b in blocked):
            continue  # an amount or a date as a whole: spare the (slow) matcher
        # Keep one character after the run so the matcher can see a glued letter ("…890jt").
        window = text[start : end + 1]
        context, plus_at = low, -1
        if zeros := _IDD_ZEROS.match(window):
            # "0062 812…" is international dialling: as "+62" it also works without a region.
            window = _IDD_ZEROS.sub(r"\1 +", window, count=1)
            context = low[:start] + window + low[start + len(window) :]
            plus_at = len(zeros.group(1)) + 1
        matches = _matches(window, region)
        if not matches and sum(ch.isdigit() for ch in raw) >= 2 * _MIN_DIGITS:
            matches = _split_matches(window, region)
        for m_start, m_end, m_raw, number in matches:
            s, e = start + m_start, start + m_end
            if m_start == plus_at:
                s -= 1  # the span covers the "00" as written
            if any(b_start < e and s < b_end for b_start, b_end in blocked):
                continue
            if not _looks_like_phone(context, s, e, m_raw.strip(), number, region):
                continue
            whatsapp = _said_whatsapp(low, s, e, hits)
            hits.append(PhoneHit(s, e, pn.format_number(number, _E164), whatsapp))
    return hits


def _matches(window: str, region: str | None) -> list[_Match]:
    """The VALID-leniency matcher's results for one window."""
    return [
        (match.start, match.end, match.raw_string, match.number)
        for match in PhoneNumberMatcher(window, region, leniency=Leniency.VALID)
    ]


def _split_matches(window: str, region: str | None) -> list[_Match]:
    """Numbers listed with only spaces between them ("0812 3456 7890 0813 …"), greedily."""
    tokens = [match.span() for match in _TOKEN.finditer(window)]
    if len(tokens) > 40:
        return []
    found: list[_Match] = []
    i = 0
    while i < len(tokens):
        for j in range(min(len(tokens), i + 6), i, -1):
            sub_start, sub_end = tokens[i][0], tokens[j - 1][1]
            sub = window[sub_start:sub_end]
            whole = [m for m in _matches(sub, region) if m[0] == 0 and m[1] == len(sub)]
            if whole:
                found.append((sub_start, sub_end, sub, whole[0][3]))
                i = j
                break
        else:
            i += 1
    return found


def _run_may_be_phone(low: str, run: re.Match[str], region: str | None) -> bool:
    """Cheap checks on a whole digit run before the (slow) matcher sees it."""
    compact = run.group().strip()
    if compact.isdigit():
        if len(compact) >= 14:  # NIK (16 digits), order and transaction ids
            return False
        if len(compact) == 12 and compact[0] == "0" and region in (None, "VN"):
            return False  # Vietnamese citizen id (CCCD)
    if run.start() == 0:
        return True
    before = low[run.start() - 1]
    if before == "%" or unicodedata.category(before) == "Sc":
        return False
    if _is_latin_letter(before):  # "ID12345678", "Rp15000000" – unless the word is a cue
        word = re.search(r"[^\W\d_]+$", low[max(0, run.start() - 12) : run.start()])
        return word is not None and word.group() in p.GLUED_CUES
    return True


def _is_latin_letter(char: str) -> bool:
    """True for Latin letters, including Vietnamese; Thai or Khmer may touch digits."""
    return char.isalpha() and (char.isascii() or "LATIN" in unicodedata.name(char, ""))


def _is_date_like(match: re.Match[str]) -> bool:
    """Check day/month ranges and IP octets so "63-2-8123…" is not taken for a date."""
    if match.group("dmy"):
        return 1 <= int(match.group("d")) <= 31 and 1 <= int(match.group("m")) <= 12
    if match.group("ip"):
        return all(int(octet) <= 255 for octet in match.group("ip").split("."))
    return True


def _looks_like_phone(
    low: str, s: int, e: int, raw: str, number: pn.PhoneNumber, region: str | None
) -> bool:
    """Reject prices, quantities, account and ID numbers that happen to be valid numbers.

    ``low`` is the lower-cased text the number was found in.
    """
    digits = _NON_DIGITS.sub("", raw)
    if len(digits) < _MIN_DIGITS or "," in raw or p.THOUSANDS.fullmatch(raw):
        return False
    if region and digits == pn.national_significant_number(number) and "+" not in raw:
        # Written nationally, a subscriber number starts with the trunk prefix ("0812…");
        # "901234567" is more likely some other id. Hotlines ("1900 1234") have none.
        metadata = pn.PhoneMetadata.metadata_for_region(region)
        if metadata and metadata.national_prefix and pn.number_type(number) in _SUBSCRIBER:
            return False
    if re.match(r"[.\-]?\d", low[e : e + 2]) or re.search(r"\d[.\-]?$", low[max(0, s - 2) : s]):
        return False  # a piece of a longer number
    if p.CURRENCY_BEFORE.search(low, max(0, s - 16), s) or p.UNIT_AFTER.match(low, e, e + 12):
        return False
    if p.TIGHT_CUE_BEFORE.search(low, max(0, s - 40), s):
        return False
    return not _account_cue_before(low, s)


def _account_cue_before(low: str, s: int) -> bool:
    """A bank-account cue shortly before, with no other number or contact word in between."""
    cue = p.last_match(p.ACCOUNT_CUE, low, max(0, s - 40), s)
    if cue is None:
        return False
    gap = low[cue.end() : s]
    return len(gap) <= 25 and not any(ch.isdigit() for ch in gap) and not p.CONTACT_CUE.search(gap)


def _said_whatsapp(low: str, s: int, e: int, earlier: list[PhoneHit]) -> bool:
    """True if a WhatsApp cue is right before or after the number, or it continues a WA list."""
    previous_end = earlier[-1].end if earlier else 0
    if p.WHATSAPP_CUE.search(low, max(previous_end, s - 30), s):
        return True
    if p.WHATSAPP_AFTER.match(low, e, e + 16):
        return True
    return bool(earlier and earlier[-1].whatsapp and p.LIST_GAP.fullmatch(low, previous_end, s))

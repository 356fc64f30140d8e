"""Payment identifiers in a tip: bank accounts, e-wallet accounts and crypto addresses.

A bank account needs its bank named next to the number (a bare digit string is never one);
an e-wallet account is a phone number (or, for PromptPay, a 13-digit ID) right after the
wallet's name; a crypto address counts only when its checksum holds (base58check, bech32 and
bech32m through ``embit``; EIP-55 through Keccak-256 from ``pycryptodome``). Addresses split
by spaces, line breaks or invisible characters are joined again before they are checked.
The bank and wallet names come from ``data/payments.yaml``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import NamedTuple

import yaml
from Crypto.Hash import keccak
from embit import base58
from embit.script import address_to_scriptpubkey

from portal.triage import _patterns as p

PhoneOf = Callable[[str, str], str | None]  # (number as written, region) -> E.164 or None
_DATA = Path(__file__).resolve().parent / "data" / "payments.yaml"
# Characters people (or copy-paste) leave inside a number or an address.
INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_INVISIBLE_RE = re.compile(f"[{INVISIBLE}]")
ACCOUNT_DIGITS = _MIN_DIGITS, _MAX_DIGITS = 6, 20
# An account number: digit groups with one separator (space, dash, dot, invisible) between.
_NUMBER = re.compile(
    rf"(?<!\d)(?<!\d[.,])\d(?:[{INVISIBLE}]*+[ \-.]?[{INVISIBLE}]*+\d)*+(?!\d|[.,]\d)"
)
_NOT_WORD = r"(?![^\W_])"
_BASE58 = "1-9A-HJ-NP-Za-km-z"
_BECH32 = "02-9ac-hj-np-zAC-HJ-NP-Z"
_GAP = rf"(?:[ \t]{{1,2}}|\r?\n|[{INVISIBLE}])"
# Candidates: the start of an address, then more of its letters, perhaps in pieces.
_CRYPTO = re.compile(
    rf"(?P<eth>(?<![0-9A-Za-z])0x(?:[0-9a-fA-F{INVISIBLE}]|{_GAP}(?=[0-9a-fA-F])){{40,60}})"
    rf"|(?P<bech>(?<![0-9A-Za-z])[bB][cC]1(?:[{_BECH32}{INVISIBLE}]|{_GAP}(?=[{_BECH32}])){{11,90}})"
    rf"|(?P<b58>(?<![0-9A-Za-z])[13T][{_BASE58}{INVISIBLE}]{{5,}}(?:(?:[{_BASE58}{INVISIBLE}]|{_GAP}(?=[{_BASE58}])){{0,40}}))"
)
# How far a number may stand from its name (cue words between), and how many wallet names
# one number may follow. Both bound the work on hostile text.
_GAP_MAX, _LIST_MAX = 40, 6
_DATE = re.compile(r"\d{1,4}[.\-]\d{1,2}[.\-]\d{1,4}")
_CRYPTO_HINT = re.compile(rf"0x|[bB][cC]1|[13T][{_BASE58}]{{5}}")
# Between an account number and its bank's name: "… 0011004567890, ngân hàng Vietcombank".
_BANK_WORDS = re.compile(r"(?:[\s:,.\-–(]|ngân\s*hàng|ngan\s*hang|bank|ธนาคาร|ธ\.|bangko)*")


@dataclass(frozen=True, slots=True)
class PaymentHit:
    """One payment identifier at ``text[start:end]``; ``holder`` as written, if given."""

    kind: str
    value: str
    start: int
    end: int
    holder: str | None = None
    phone: str | None = None  # an e-wallet account that is a phone number, in E.164


class _NameHit(NamedTuple):
    start: int
    end: int
    key: str  # the name's words joined by one space, as in ``_Names.by_name``


_TOKEN = re.compile(r"[^\W_]+")
_UNSPACED = re.compile(r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff]")  # Thai, Lao, Burmese, Khmer


def name_key(name: str) -> str:
    """ "Touch 'n Go" -> "touch n go": the words of a name, lower case."""
    return " ".join(_TOKEN.findall(name.lower())) if not _UNSPACED.search(name) else name.lower()


class _NameIndex:
    """Finds bank and wallet names word by word (a dictionary lookup per word): one regular
    expression of 170 alternatives tried at every position cost more than the rest of
    extraction together. Names in scripts written without spaces are found as substrings."""

    def __init__(self, names: list[str]) -> None:
        self.first: dict[str, list[tuple[str, ...]]] = {}
        self.unspaced: list[str] = []
        for name in sorted(set(names), key=len, reverse=True):
            if _UNSPACED.search(name):
                self.unspaced.append(name.lower())
            else:
                words = tuple(_TOKEN.findall(name.lower()))
                self.first.setdefault(words[0], []).append(words)

    def find(self, low: str) -> list[_NameHit]:
        """Every name in ``low`` (lower-cased text), longest first where two start together."""
        hits: list[_NameHit] = []
        first = self.first
        for word in _TOKEN.finditer(low):
            candidates = first.get(word.group())
            if candidates is None:
                continue
            for candidate in candidates:
                stop = _words_follow(low, word.end(), candidate[1:])
                if stop is not None:
                    hits.append(_NameHit(word.start(), stop, " ".join(candidate)))
                    break
        if self.unspaced and _UNSPACED.search(low):
            covered = bytearray(len(low))  # longer names first: a shorter one inside is no name
            for name in self.unspaced:
                at = low.find(name)
                while at >= 0:
                    if not covered[at]:
                        hits.append(_NameHit(at, at + len(name), name))
                        covered[at : at + len(name)] = b"\x01" * len(name)
                    at = low.find(name, at + len(name))
        return sorted(hits)


def _words_follow(low: str, pos: int, words: tuple[str, ...]) -> int | None:
    """Where ``words`` end if they follow ``pos`` in order, each at most 3 characters after
    the one before (a space, "'n ", "-")."""
    for word in words:
        found = _TOKEN.search(low, pos, pos + 3 + len(word) + 1)
        if found is None or found.group() != word or found.start() - pos > 3:
            return None
        pos = found.end()
    return pos


@dataclass(frozen=True, slots=True)
class _Names:
    """The data file, ready to search: codes and countries, the name index, cue patterns."""

    banks: dict[str, str]  # code -> country
    wallets: dict[str, tuple[str, int | None]]  # code -> (country, digits of a non-phone ID)
    by_name: dict[str, tuple[str, str]]  # name key -> ("bank" | "ewallet", code)
    index: _NameIndex
    cue_run: re.Pattern[str]
    wallet_list: re.Pattern[str]  # "OVO/DANA/GoPay ke 0819…": more wallets, one number
    holder: re.Pattern[str]
    not_account: re.Pattern[str]


def _alternation(words: Iterator[str] | list[str]) -> str:
    """Longest first, spaces matching any run of spaces; Latin words whole, Thai anywhere."""
    parts = []
    for word in sorted(set(words), key=len, reverse=True):
        body = r"\s*".join(re.escape(piece) for piece in word.split())
        if word[:1].isascii() and word[:1].isalnum():
            body = rf"(?<![^\W_]){body}"
        if word[-1:].isascii() and word[-1:].isalnum():
            body += _NOT_WORD
        parts.append(body)
    return "|".join(parts)


@cache
def names() -> _Names:
    """The data file, loaded and compiled once."""
    data = yaml.safe_load(_DATA.read_text(encoding="utf-8"))
    by_name: dict[str, tuple[str, str]] = {}
    for code, entry in data["ewallets"].items():
        for name in entry["names"]:
            by_name[name_key(name)] = ("ewallet", code)
    for code, entry in data["banks"].items():
        for name in entry["names"]:
            by_name[name_key(name)] = ("bank", code)  # "wing bank" is a bank, "wing" a wallet
    cues = _alternation([c.lower() for c in data["account_cues"]])
    wallet_names = [name.lower() for entry in data["ewallets"].values() for name in entry["names"]]
    return _Names(
        banks={code: entry["country"] for code, entry in data["banks"].items()},
        wallets={c: (e["country"], e.get("ids")) for c, e in data["ewallets"].items()},
        by_name=by_name,
        index=_NameIndex(
            [n for e in (*data["banks"].values(), *data["ewallets"].values()) for n in e["names"]]
        ),
        # What may stand between a name and its number: cue words, punctuation, spaces.
        cue_run=re.compile(rf"(?:[\s:：.#=\-–(),/]|{cues})*"),
        wallet_list=re.compile(
            rf"(?:\s*[/,&]\s*|\s+(?:atau|or|o|hoặc|หรือ)\s+)(?:{_alternation(wallet_names)})"
        ),
        holder=re.compile(
            rf"(?:{_alternation([c.lower() for c in data['holder_cues']])})\s*[:.]?\s*"
            # Words of letters (or an initial with its dot), one space apart: "Nguyễn Văn An",
            # "H. Budi"; a full stop and a new sentence end the name.
            r"(?P<name>(?:[^\W\d_]\.|[^\W\d_][^\W\d_'’-]*)(?: (?:[^\W\d_]\.|[^\W\d_][^\W\d_'’-]*)){0,5})"
        ),
        not_account=re.compile(
            rf"(?:{_alternation([c.lower() for c in data['not_account_cues']])})[\s:.#\-]*$"
        ),
    )


def find_payments(text: str, phone_of: PhoneOf) -> list[PaymentHit]:
    """Bank accounts, e-wallet accounts and crypto addresses in ``text``, in order.

    ``phone_of(number, region)`` turns a number written in ``region`` into E.164 (or None).
    """
    hits = list(_crypto(text))
    low = p.lower_same_length(text)
    table = names()
    found = table.index.find(low)
    if not found:
        return sorted(hits, key=lambda hit: hit.start)
    taken = [(hit.start, hit.end) for hit in hits]
    wallets: list[tuple[int, int]] = []  # several wallets may share one number
    for match in found:
        kind, code = table.by_name[match.key]
        hit = (
            _bank_account(text, low, match, code, table)
            if kind == "bank"
            else _wallet_account(text, low, match, code, table, phone_of)
        )
        if hit is None or any(s < hit.end and hit.start < e for s, e in taken):
            continue
        if kind == "bank" and any(s < hit.end and hit.start < e for s, e in wallets):
            continue
        hits.append(hit)
        (taken if kind == "bank" else wallets).append((hit.start, hit.end))
    taken += wallets
    for hit in _accounts_named_after(text, low, table, taken, {n.start: n for n in found}):
        hits.append(hit)
    return sorted(hits, key=lambda hit: hit.start)


# --- banks and wallets -------------------------------------------------------------------


def _number_after(text: str, low: str, pos: int, table: _Names) -> re.Match[str] | None:
    """The number that follows ``pos`` across cue words and punctuation, if one does (a "+"
    right before it stays outside the match; e-wallets read it)."""
    gap = table.cue_run.match(low, pos, pos + _GAP_MAX + 1)  # bounded: linear on any text
    start = gap.end() if gap else pos
    if low[start : start + 1] == "+":
        start += 1
    if start - pos > _GAP_MAX:
        return None
    number = _NUMBER.match(text, start)
    if number is None or table.not_account.search(low, max(0, start - 20), start):
        return None
    return number


def _is_amount(text: str, low: str, number: re.Match[str]) -> bool:
    """A price or quantity: a currency before, a unit after, or thousands groups."""
    before = low[max(0, number.start() - 12) : number.start()]
    if p.CURRENCY_BEFORE.search(before) or p.UNIT_AFTER.match(low, number.end()):
        return True
    return p.THOUSANDS.fullmatch(number.group()) is not None and "." in number.group()


def _digits(raw: str) -> str:
    return "".join(ch for ch in raw if ch.isdigit())


def _bank_account(
    text: str, low: str, name: _NameHit, code: str, table: _Names
) -> PaymentHit | None:
    number = _number_after(text, low, name.end, table)
    holder = None
    if number is None:
        # "rekening BSI a.n. Yayasan Darul Ilmi: 7165 0029 41": the holder before the number.
        gap = table.cue_run.match(low, name.end, name.end + _GAP_MAX + 1)
        named = table.holder.match(low, gap.end() if gap else name.end, name.end + 120)
        if named is None:
            return None
        holder = text[named.start("name") : named.end("name")].strip(" .,-") or None
        number = _number_after(text, low, named.end(), table)
    if number is None or _is_amount(text, low, number):
        return None
    digits = _digits(number.group())
    if not _MIN_DIGITS <= len(digits) <= _MAX_DIGITS or _DATE.fullmatch(number.group()):
        return None
    return PaymentHit(
        "bank_account",
        f"{code}:{digits}",
        name.start,
        number.end(),
        holder or _holder(text, low, number.end(), table),
    )


def _accounts_named_after(
    text: str,
    low: str,
    table: _Names,
    taken: list[tuple[int, int]],
    names_at: dict[int, _NameHit],
) -> Iterator[PaymentHit]:
    """ "STK 0011004567890 Vietcombank": an account cue, the number, then the bank's name."""
    ordered = sorted(names_at.values(), key=lambda name: name.end)
    ends = [name.end for name in ordered]
    for cue in p.ACCOUNT_CUE.finditer(low):
        number = _number_after(text, low, cue.end(), table)
        if number is None or any(s < number.end() and number.start() < e for s, e in taken):
            continue
        after = _BANK_WORDS.match(low, number.end(), number.end() + _GAP_MAX)
        name = names_at.get(after.end() if after else number.end()) or _bank_before(
            low, cue.start(), ordered, ends, table
        )
        if name is None:
            continue
        kind, code = table.by_name[name.key]
        digits = _digits(number.group())
        if kind != "bank" or not _MIN_DIGITS <= len(digits) <= _MAX_DIGITS:
            continue
        if _is_amount(text, low, number):
            continue
        start, end = min(cue.start(), name.start), max(number.end(), name.end)
        taken.append((start, end))
        yield PaymentHit(
            "bank_account", f"{code}:{digits}", start, end, _holder(text, low, end, table)
        )


def _bank_before(
    low: str, pos: int, names: list[_NameHit], ends: list[int], table: _Names
) -> _NameHit | None:
    """ "ke seabank aja ya, norek 9012…": the bank named a few words before an account cue,
    in the same sentence and with no other number between. ``names`` are ordered by their
    end, ``ends`` are those ends."""
    index = bisect_right(ends, pos) - 1
    if index < 0:
        return None
    name = names[index]
    between = low[name.end : pos]
    if len(between) > _GAP_MAX or re.search(r"[\d!?\n]|\.\s", between):
        return None
    return name if table.by_name[name.key][0] == "bank" else None


def _holder(text: str, low: str, pos: int, table: _Names) -> str | None:
    """The account holder's name written after the number ("a.n. Yayasan X"), if any."""
    window = low[pos : pos + 80]
    found = table.holder.search(window)
    if found is None or found.start() > 20:
        return None
    start, end = pos + found.start("name"), pos + found.end("name")
    return text[start:end].strip(" .,-") or None


def _wallet_account(
    text: str, low: str, name: _NameHit, code: str, table: _Names, phone_of: PhoneOf
) -> PaymentHit | None:
    end = name.end
    for _ in range(_LIST_MAX):  # "OVO/DANA/GoPay ke 0819…"
        listed = table.wallet_list.match(low, end, end + 40)
        if listed is None:
            break
        end = listed.end()
    number = _number_after(text, low, end, table)
    plus = number is not None and text[max(0, number.start() - 1) : number.start()] == "+"
    if number is None or _is_amount(text, low, number):
        return None
    country, id_digits = table.wallets[code]
    digits = _digits(number.group())
    written = ("+" if plus else "") + _INVISIBLE_RE.sub("", number.group())
    e164 = phone_of(written, country)
    if e164 is not None:
        return PaymentHit("ewallet", f"{code}:{e164}", name.start, number.end(), phone=e164)
    if id_digits and len(digits) == id_digits:
        return PaymentHit("ewallet", f"{code}:{digits}", name.start, number.end())
    return None


# --- crypto ------------------------------------------------------------------------------


def _crypto(text: str) -> Iterator[PaymentHit]:
    if _CRYPTO_HINT.search(text) is None:
        return
    pos = 0
    while match := _CRYPTO.search(text, pos):
        found = _valid_prefix(match)
        if found is None:
            pos = match.start() + 1
            continue
        value, end = found
        yield PaymentHit("crypto", value, match.start(), end)
        pos = end  # what the candidate took beyond the address may start the next one


def _pieces(match: re.Match[str]) -> list[tuple[str, int]]:
    """The candidate's pieces between gaps, each with the offset where it ends."""
    pieces, start = [], match.start()
    for piece in re.finditer(r"[^\s]+", match.group()):
        cleaned = _INVISIBLE_RE.sub("", piece.group())
        pieces.append((cleaned, start + piece.end()))
    return pieces


def _valid_prefix(match: re.Match[str]) -> tuple[str, int] | None:
    """The longest run of whole pieces that is a valid address, and where it ends."""
    pieces = _pieces(match)
    text = match.string
    for count in range(len(pieces), 0, -1):
        end = pieces[count - 1][1]
        if text[end : end + 1].isalnum():
            continue  # a piece ends inside a word: "…3e4 asap" must not lend the "a"
        candidate = "".join(piece for piece, _end in pieces[:count])
        value = _address(candidate)
        if value is not None:
            return value, pieces[count - 1][1]
    return None


def _address(candidate: str) -> str | None:
    """``chain:address`` if ``candidate`` is a whole, valid address."""
    if candidate[:2] == "0x":
        hexpart = candidate[2:]
        if len(hexpart) == 40 and eip55_ok(hexpart):
            return f"eth:0x{hexpart.lower()}"
        return None
    if candidate[:3].lower() == "bc1":
        if candidate != candidate.lower() and candidate != candidate.upper():
            return None  # bech32 is all one case
        return f"btc:{candidate.lower()}" if _btc_ok(candidate.lower()) else None
    if candidate[:1] == "T":
        return f"tron:{candidate}" if len(candidate) == 34 and _tron_ok(candidate) else None
    if 25 <= len(candidate) <= 35 and _btc_ok(candidate):
        return f"btc:{candidate}"
    return None


def eip55_ok(hexpart: str) -> bool:
    """All one case (no checksum written), or mixed case matching EIP-55."""
    if re.fullmatch(r"[0-9a-fA-F]{40}", hexpart) is None:
        return False
    if hexpart == hexpart.lower() or hexpart == hexpart.upper():
        return True
    digest = keccak.new(digest_bits=256, data=hexpart.lower().encode()).hexdigest()
    return all(
        ch.isdigit() or (ch.isupper() == (int(digest[i], 16) >= 8)) for i, ch in enumerate(hexpart)
    )


def _btc_ok(address: str) -> bool:
    try:
        address_to_scriptpubkey(address)
    except Exception:  # noqa: BLE001 - embit raises several types for a bad address
        return False
    return True


def _tron_ok(address: str) -> bool:
    try:
        raw = base58.decode_check(address)
    except Exception:  # noqa: BLE001 - a bad checksum or a bad letter
        return False
    return len(raw) == 21 and raw[0] == 0x41


def lookalikes(text: str) -> list[str]:
    """Strings shaped like a wallet address whose checksum fails, for the staff tip view."""
    found = []
    valid = {hit.value.split(":", 1)[1].lower() for hit in _crypto(text)}
    for raw in re.findall(
        rf"(?<![0-9A-Za-z])(?:0x[0-9a-fA-F]{{40}}|[bB][cC]1[{_BECH32}]{{38,62}}|[13T][{_BASE58}]{{24,34}})(?![0-9A-Za-z])",
        text,
    ):
        if raw.lower() in valid or _address(raw) is not None:
            continue
        if raw[:1] in "13" and not (re.search(r"[a-z]", raw) and re.search(r"[A-Z]", raw)):
            continue  # digits and one case: a number or a code, not a legacy address
        found.append(raw)
    return found

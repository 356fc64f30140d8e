"""Regular expressions and word lists shared by the indicator extractor (compiled once)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

_DATA_DIR = Path(__file__).resolve().parent / "data"


@cache
def word_set(name: str) -> frozenset[str]:
    """Return the lower-cased entries of ``data/indicator_<name>.txt`` (``#`` starts a comment)."""
    text = (_DATA_DIR / f"indicator_{name}.txt").read_text(encoding="utf-8")
    entries = (line.split("#", 1)[0].strip().lower() for line in text.splitlines())
    return frozenset(entry for entry in entries if entry)


def last_match(pattern: re.Pattern[str], text: str, start: int, end: int) -> re.Match[str] | None:
    """The last match of ``pattern`` in ``text[start:end]`` (lookbehinds may see before it)."""
    found = None
    for found in pattern.finditer(text, start, end):  # noqa: B007 - we want the last one
        pass
    return found


def lower_same_length(text: str) -> str:
    """``text.lower()`` with offsets kept: the few letters that grow ("İ") keep one char.

    Word-list patterns run on this text without IGNORECASE, which is much faster.
    """
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(char.lower()[0] for char in text)


# --- Host names -------------------------------------------------------------------------
# Letters allowed in host names: ASCII plus Latin (incl. Vietnamese), Greek and Cyrillic,
# the scripts of look-alike IDN domains. Thai, Khmer, Lao, Burmese and CJK are left out on
# purpose: they are written without spaces, so the sentence would be glued onto the host.
LABEL_CHARS = "a-z0-9\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0370-\u03ff\u0400-\u04ff\u1e00-\u1eff"
# Possessive label quantifiers keep the engine from backtracking through long words.
_HOST = rf"(?:[{LABEL_CHARS}][{LABEL_CHARS}\-]*+\.)+[{LABEL_CHARS}][{LABEL_CHARS}\-]*+"
# Characters that may appear in a URL after the host, as people paste them.
_URL_CHARS = rf"{LABEL_CHARS}\-._~:/?#\[\]@!$&()*+,;=%"

SCHEME_URL = re.compile(rf"[hf](?<!\w[hf])(?:ttps?|tps?)://[{_URL_CHARS}]++", re.IGNORECASE)
# A host without scheme, optionally followed by a path; not inside a word, handle or e-mail.
# Patterns that start by consuming a character class are scanned far faster by the regex
# engine than ones that start with a lookbehind, hence the lookbehind after the first letter.
BARE_HOST = re.compile(
    rf"(?P<host>[{LABEL_CHARS}](?<![{LABEL_CHARS}\-.@/\\_][{LABEL_CHARS}])[{LABEL_CHARS}\-]*+\."
    rf"(?:[{LABEL_CHARS}][{LABEL_CHARS}\-]*+\.)*[{LABEL_CHARS}][{LABEL_CHARS}\-]*+)"
    rf"(?P<path>[/?#][{_URL_CHARS}]*+)?",
    re.IGNORECASE,
)
EMAIL = re.compile(
    rf"(?<![{LABEL_CHARS}.+\-_%])(?P<local>[a-z0-9_%+\-][a-z0-9._%+\-]*+)@(?P<host>{_HOST})",
    re.IGNORECASE,
)
# Trailing characters that end a sentence rather than a URL.
URL_TRAILING_JUNK = ".,;:!?'\"*"

# --- Defanging and obfuscation ------------------------------------------------------------
# One pattern so that the text is rewritten in a single pass with one offset map. It starts
# with a character class (see BARE_HOST); the branch that matched is told by its group.
REFANG = re.compile(
    r"""
    [h\[({ \t]
    (?:
        (?<=h)(?<!\wh)(?:xx|xxx|xt|tx|\*\*|__)p(?=s?\s?[\[({]?:)(?P<scheme>)   # hxxp, hxxps[:]
      | (?<=[a-z0-9][ \t])[ \t]*(?:dot|titik|chấm|tuldok)[ \t]+               # shop dot com
        (?=(?P<tld>[a-z]{2,8})\b)
      | (?:(?<=[ \t])[\[({]|(?<=[\[({]))\s?                                   # [.] (dot) [:]
        (?:(?P<sep>://)|(?P<colon>:)|(?P<slash>/)|(?P<dot>\.|dot)|(?P<at>@|at))
        \s?[\])}](?P<trail>[ \t](?=\w))?
    )
    """,
    re.IGNORECASE | re.VERBOSE,
)
# What follows "(at)" in an obfuscated address: a domain, itself maybe obfuscated.
AFTER_AT = re.compile(
    r"\w[\w\-]*(?:\.|\s?[\[({]\s?(?:\.|dot)\s?[\])}]\s?|[ \t]+(?:dot|titik|chấm|tuldok)[ \t]+)\w",
    re.IGNORECASE,
)
# Cheap searches that tell whether REFANG is needed at all (most tips are not defanged):
# each starts with a literal or a character set, which the regex engine scans for quickly.
REFANG_HINTS = (
    re.compile(r"[\[({]\s?(?:://|:|/|\.|dot|@|at)\s?[\])}]", re.IGNORECASE),
    re.compile(r"h(?:xx|xxx|xt|tx|\*\*|__)p", re.IGNORECASE),
    re.compile(r"[ \t](?:dot|titik|chấm|tuldok)[ \t]", re.IGNORECASE),
)
# " dot " is only undone before these labels, so prose like "a dot on the map" stays put.
WORD_DOT_TLDS = frozenset(
    "com net org info biz xyz top id vn ph my th kh mm la sg co me io cc vip site online "
    "shop store club live asia app link pro win bet casino tk ml ga cf gq ru cn in us uk "
    "tv ws cloud fun icu".split()
)
DECOMPOSED = re.compile(r".[\u0300-\u036f]+", re.DOTALL)

# --- Platform handles ------------------------------------------------------------------
# Patterns from here on are matched against lower_same_length() text: no IGNORECASE.
# Words that name a platform before or after a handle, mapped to the indicator kind.
PLATFORM_CUES = {
    "telegram": "telegram", "tele": "telegram", "tg": "telegram", "tlg": "telegram",
    "tlgrm": "telegram", "telegrm": "telegram", "tele gram": "telegram",
    "instagram": "instagram", "insta": "instagram", "ig": "instagram", "instagr": "instagram",
    "tiktok": "tiktok", "tik tok": "tiktok",
    "facebook": "facebook", "fb": "facebook",
    "line": "line", "id line": "line",
}  # fmt: skip


def _word_start_alternation(words: list[str]) -> str:
    """A regex for any of ``words`` at a word start, grouped by first letter for speed.

    ``(?<![\\w@])(?:tele|tg|ig)`` makes the engine try every position; ``[ti]`` first
    followed by a lookbehind lets it skip straight to candidate letters.
    """
    firsts = sorted({word[0] for word in words})
    branches = []
    for first in firsts:
        rests = sorted((w[1:] for w in words if w[0] == first), key=len, reverse=True)
        rest = "|".join(re.escape(r).replace(r"\ ", r"\s?") for r in rests)
        branches.append(f"(?<={re.escape(first)})(?:{rest})")
    letters = "".join(firsts)
    return f"[{letters}](?<![\\w@][{letters}])(?:{'|'.join(branches)})(?!\\w)"


_CUE_ALTERNATION = _word_start_alternation(list(PLATFORM_CUES))
PLATFORM_CUE = re.compile(rf"(?P<cue>{_CUE_ALTERNATION})")
# "IG: kebun.hijau88", "line id: abc", "Tele kami: shop_abc", "tiktok - abc_1".
CUE_HANDLE = re.compile(
    rf"""
    (?P<cue>{_CUE_ALTERNATION})
    (?:\s+(?:kami|saya|aku|kita|official|resmi|my|our|namin|ko|mình|em|shop))?
    (?:\s*(?:id|username|user|acc|account|akun|nick|name))?
    (?P<sep>\s*[:：=]\s*|\s*[-–]\s*|\s+)
    (?P<handle>[a-z0-9_][a-z0-9._\-~]{{0,40}}+)(?![@/\w])
    """,
    re.VERBOSE,
)
# A platform named right after a handle: "DM @recruit_ph on telegram", "@abc (IG)".
TRAILING_CUE = re.compile(
    rf"\s*[,;]?\s*[(\[]?\s*(?:(?:on|di|in|sa|trên|qua|via|lewat|melalui|at)\s+)?"
    rf"(?P<cue>{_CUE_ALTERNATION})",
)
AT_HANDLE = re.compile(r"@(?<![\w@.+\-/\\]@)(?P<handle>[a-z0-9_.]{1,40}+)(?![@/\w])")

TELEGRAM_HANDLE = re.compile(r"[a-z][a-z0-9_]{4,31}")
INSTAGRAM_HANDLE = re.compile(r"(?!.*\.\.)[a-z0-9_](?:[a-z0-9._]{0,28}[a-z0-9_])?")
TIKTOK_HANDLE = re.compile(r"(?!.*\.\.)[a-z0-9_][a-z0-9._]{0,22}[a-z0-9_]")
FACEBOOK_HANDLE = re.compile(r"(?!.*\.\.)[a-z0-9][a-z0-9.]{3,49}")
LINE_ID = re.compile(r"[a-z0-9][a-z0-9._\-]{3,19}")

# --- Phone numbers -------------------------------------------------------------------------
# A run of digits and the separators people put in phone numbers (no line breaks).
# It starts with "(", "+" or a digit: "(+63) 917…", "+62 812…", "(021) 555…", "0812…".
PHONE_RUN = re.compile(
    r"[(+\d](?:(?<=\()\s?\+\s?\d|(?<=\()\d|(?<=\+)\s?\d|(?<=\d))"
    r"(?:[ \t\u00a0\u2009\u202f().\-\u2010-\u2015\u2212/]*+\d)*+"
)
# Spans that look like numbers but are dates, times, card/ID groups or IP addresses.
DATE_LIKE = re.compile(
    r"""
    (?<![\d.])(?P<dmy>(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>(?:19|20)\d\d|\d\d))(?![\d])
  | (?<![\d.])(?P<ymd>(?:19|20)\d\d[/.\-]\d{1,2}[/.\-]\d{1,2})(?![\d])
  | (?<!\d)\d{1,2}[.:]\d\d\s*[-–—~]\s*\d{1,2}[.:]\d\d(?!\d)         # 08.00-17.00
  | (?<!\d)\d{1,2}:\d\d(?::\d\d)?(?!\d)                              # 08:00
  | (?<!\d)(?:19|20)\d\d\s*[-–/]\s*(?:19|20)\d\d(?!\d)               # 2024-2025
  | (?<![\d.])(?<!\d[ \-])\d{4}(?P<g>[ \-])\d{4}(?P=g)\d{4}(?P=g)\d{4}(?!\d|[ \-]\d)  # NIK, card
  | (?<![\d.])(?P<ip>\d{1,3}(?:\.\d{1,3}){3})(?![\d.])
    """,
    re.VERBOSE,
)
THOUSANDS = re.compile(r"[1-9]\d{0,2}(?:[.,\s]\d{3}){2,}")
# Directly before an amount: currency and salary/price words.
CURRENCY_BEFORE = re.compile(
    r"(?<![^\W\d_])(?:rp|idr|usd|us\$|\$|rm|myr|sgd|s\$|php|₱|vnd|vnđ|₫|đ|thb|฿|khr|៛|mmk|"
    r"ks|eur|€|£|¥|pesos?|ringgit|rupiah|baht|riel|kyat|gaji|lương|luong|salary|sahod|"
    r"sweldo|harga|giá|price|biaya|phí|fee|total|bayar)\s*[:.]?\s*$",
)
# Directly after an amount or quantity.
UNIT_AFTER = re.compile(
    r"\s*(?:[%$₱€£¥₫៛฿]|(?:jt|juta|jta|triệu|trieu|tr|ribu|rb|rbu|k|đ|vnd|vnđ|dong|đồng|usd|"
    r"rp|rupiah|ringgit|rm|pesos?|php|baht|บาท|riel|kyat|gram|gr|g|kg|mg|ml|pcs|butir|btr|"
    r"pil|tablet|tab|lembar|biji|km|cm)(?![^\W\d_]))",
)
# Bank account numbers: the cue may be a few words away ("rek BCA a.n. Budi 123…").
ACCOUNT_CUE = re.compile(
    r"(?<![^\W\d_])(?:rek(?:ening)?|norek|no\.?\s?rek|account\s*(?:no|number|num|#)|"
    r"acc(?:t)?\.?\s*(?:no|number|#)|a/c|akaun|stk|tk|số\s*tài\s*khoản|so\s*tai\s*khoan|"
    r"tài\s*khoản|tai\s*khoan|virtual\s*account)(?![^\W\d_])",
)
# Identity documents and bank names count only right before the number ("NIK: 3174…").
TIGHT_CUE_BEFORE = re.compile(
    r"(?<![^\W\d_])(?:nik|ktp|npwp|cccd|cmnd|căn\s*cước|cmt|mykad|ic|nric|passport|paspor|"
    r"hộ\s*chiếu|sss|umid|philhealth|bpjs|bca|bri|bni|mandiri|btn|bsi|cimb|permata|danamon|"
    r"maybank|vietcombank|vcb|techcombank|vietinbank|bidv|agribank|acb|sacombank|tpbank|"
    r"vpbank|mbbank|mb\s*bank|bdo|bpi|metrobank|landbank|rhb|kbank|kasikorn|scb|krungthai|"
    r"acleda)(?:\s*(?:no|number|nomor|số|#))?\s*[:.#\-]?\s*$",
)
# Words that send the reader to a contact; they cancel an earlier account cue.
CONTACT_CUE = re.compile(
    r"(?<![^\W\d_])(?:ke|to|đến|tới|sa|kay|via|wa|whatsapp|telp|tel|tlp|hp|phone|call|"
    r"hubungi|hub|contact|sđt|sdt|điện\s*thoại|zalo|viber|line|telegram|tele|liên\s*hệ|"
    r"lien\s*he|sms|nhắn|hotline|cp|cel|cell|mobile|tawag|text)(?![^\W\d_])",
)
WHATSAPP_CUE = re.compile(
    r"(?<![^\W\d_])(?:wa|w\.a\.?|whatsapp|whats\s?app|whatsap|watsap|watsapp|wasap|wassap|"
    r"wsap|wsp)(?![^\W\d_])",
)
WHATSAPP_AFTER = re.compile(rf"\s*[(\[]?\s*{WHATSAPP_CUE.pattern}")
# Between two numbers of one list ("0812… / 0813…", "… atau …").
LIST_GAP = re.compile(r"[\s/,;&|+]*(?:(?:atau|or|hoặc|hoac|o|at|dan|and|và)[\s/,;&|]*)?")
# Words glued to a number that still introduce it ("WA0812…", "hp081…").
GLUED_CUES = frozenset(
    "wa whatsapp wasap watsap hp telp telpon tel tlp sdt sđt zalo call phone sms no nomor "
    "hotline viber line".split()
)

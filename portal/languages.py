"""Language codes: the other tags people and data use for ours, and where readers of each
language most likely are. Pure: the page locales (portal.i18n), the rule files (triage), the
support directory and phone-number reading all take their codes from here."""

from __future__ import annotations

import re

# Other tags for the languages we know, mapped to our code: ISO 639-2/3 codes, and Filipino's
# CLDR code "fil" (the portal and its URLs say "tl").
ALIASES: dict[str, str] = {
    "fil": "tl", "tgl": "tl", "in": "id", "ind": "id", "zsm": "ms", "msa": "ms", "may": "ms",
    "vie": "vi", "eng": "en", "tha": "th", "lao": "lo", "khm": "km", "mya": "my", "bur": "my",
}  # fmt: skip

# Where people reading a language most likely are: the country a form or the help page starts
# with, and the region of phone numbers written without a country code (English has none).
LIKELY_COUNTRY: dict[str, str] = {
    "id": "ID",
    "vi": "VN",
    "ms": "MY",
    "tl": "PH",
    "th": "TH",
    "km": "KH",
    "lo": "LA",
    "my": "MM",
}


def normalize_lang(lang: object) -> str | None:
    """Reduce a language tag such as ``"id-ID"`` or ``"fil"`` to our code, or None."""
    if not isinstance(lang, str) or not lang.strip():
        return None
    code = re.split(r"[-_]", lang.strip().lower(), maxsplit=1)[0]
    return ALIASES.get(code, code)

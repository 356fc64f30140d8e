"""The one place free text from the public is cleaned before it is stored.

Text is kept as a person meant it ("a < b & c", emoji, any script): markup is
stripped, entities decoded, control characters dropped, Unicode normalised to
NFC and the length bounded. Templates escape on output.
"""

from __future__ import annotations

import html
import re
import unicodedata

import bleach

# Tab and newline are meaningful in a description; every other C0/C1 control is not, nor
# are the noncharacters U+FFFE and U+FFFF (not text, and XML such as the Atom feed forbids them).
# The longest text a person may write in one field (a report, a message, a note) and in one line.
TEXT_MAX = 10_000
LINE_MAX = 500

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]")
_UNREADABLE = ("\x00", "\ufffd")
_MAX_PASSES = 3


def has_unreadable_characters(text: str) -> bool:
    """True if the text holds a NUL byte or a character that could not be decoded."""
    return any(marker in text for marker in _UNREADABLE)


def clean_text(text: str, max_length: int, *, multiline: bool = True) -> str:
    """Return plain text: no markup, entities decoded, no control characters, NFC, bounded."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        text = text.replace("\n", " ").replace("\t", " ")
    text = _CONTROL_CHARS.sub("", text)
    for _ in range(_MAX_PASSES):
        if "<" not in text and "&" not in text:
            break
        # bleach strips the tags and escapes what is left; decoding restores "a < b & c".
        stripped = html.unescape(
            bleach.clean(text, tags=set(), attributes={}, strip=True, strip_comments=True)
        )
        if stripped == text:
            break
        text = stripped
    text = _CONTROL_CHARS.sub("", text)
    text = unicodedata.normalize("NFC", text).strip()
    return text[:max_length]


def clean_line(text: str, max_length: int) -> str:
    """clean_text for one-line fields such as a handle, a link or a salary."""
    return clean_text(text, max_length, multiline=False)

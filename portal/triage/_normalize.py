"""Undo defanging and compose decomposed accents, remembering where each piece came from."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable

from portal.triage import _patterns as p

# (new_start, new_end, old_start, old_end) of one replaced stretch of text.
_Segment = tuple[int, int, int, int]


class OffsetMap:
    """Maps offsets in a rewritten text back to offsets in the text it was made from."""

    def __init__(self, segments: list[_Segment], inner: OffsetMap | None = None) -> None:
        self._segments = segments
        self._starts = [segment[0] for segment in segments]
        self._inner = inner

    def rewrote(self, start: int, end: int) -> bool:
        """True if this map's own rewriting (not an inner one) changed ``[start, end)``."""
        index = bisect_right(self._starts, end - 1) - 1
        return index >= 0 and self._segments[index][1] > start

    def to_original(self, pos: int, end: bool = False) -> int:
        """Return the original offset of ``pos``; inside a replacement, its start (or end)."""
        index = bisect_right(self._starts, pos) - 1
        if index >= 0:
            new_start, new_end, old_start, old_end = self._segments[index]
            if pos >= new_end:
                pos = old_end + (pos - new_end)
            elif pos == new_start or not end:
                pos = old_start
            else:
                pos = old_end
        return self._inner.to_original(pos, end) if self._inner else pos


def _rewrite(
    text: str, pattern: re.Pattern[str], replace: Callable[[re.Match[str]], str]
) -> tuple[str, list[_Segment]]:
    """Apply ``replace`` to every match of ``pattern``, recording the replaced segments."""
    pieces: list[str] = []
    segments: list[_Segment] = []
    last = new_pos = 0
    for match in pattern.finditer(text):
        replacement = replace(match)
        if replacement == match.group():
            continue
        pieces.append(text[last : match.start()])
        new_pos += match.start() - last
        segments.append((new_pos, new_pos + len(replacement), match.start(), match.end()))
        pieces.append(replacement)
        new_pos += len(replacement)
        last = match.end()
    if not segments:
        return text, segments
    pieces.append(text[last:])
    return "".join(pieces), segments


def _refang(match: re.Match[str]) -> str:
    """The plain form of one defanged piece (see ``REFANG``); unchanged if it is not one."""
    text, start, end = match.string, match.start(), match.end()
    if match.group("scheme") is not None:
        return "http"
    if match.group("tld") is not None:
        # " dot " between words: only before a known TLD, after a word that can be a label.
        before = text[max(0, start - 64) : start].rsplit(None, 1)[-1:]
        label = before[0].lower() if before else ""
        if match.group("tld").lower() in p.WORD_DOT_TLDS and (
            len(label) >= 3 or label in p.WORD_DOT_TLDS  # "shop dot co dot id"
        ):
            return "."
        return match.group()
    lead = match.group()[0] if match.group()[0] in " \t" else ""
    trail = match.group("trail") or ""
    for name, plain in (("sep", "://"), ("colon", ":"), ("slash", "/")):
        if match.group(name):
            return lead + plain + trail
    # "[.]" and "(at)" need a word on both sides; "(at)" a domain after it ("me (at) 5pm").
    if not (_is_word_char(text[start - 1 : start]) and _is_word_char(text[end : end + 1])):
        return match.group()
    if match.group("at"):
        return "@" if p.AFTER_AT.match(text, end) else match.group()
    return "."


def _is_word_char(char: str) -> bool:
    """True for one letter, digit or underscore."""
    return char.isalnum() or char == "_"


def normalize(text: str) -> tuple[str, OffsetMap]:
    """Return ``text`` with defanging undone and accents composed (NFC), plus an offset map."""
    inner = None
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text, segments = _rewrite(
            text, p.DECOMPOSED, lambda match: unicodedata.normalize("NFC", match.group())
        )
        inner = OffsetMap(segments)
    segments = []
    if any(hint.search(text) for hint in p.REFANG_HINTS):
        text, segments = _rewrite(text, p.REFANG, _refang)
    return text, OffsetMap(segments, inner)

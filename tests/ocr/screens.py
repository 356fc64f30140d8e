"""Phone screenshots of job offers, drawn with Pillow: a 1080 x 2400 chat screen (status bar,
the sender's name, message bubbles) in light or dark mode, text set in Debian's Noto faces
(fonts-noto-core, which scripts/browser_deps.sh installs) and shaped by Raqm, as a phone draws
Thai and Burmese. The bench draws the same screens."""

from __future__ import annotations

import html
import io
import os
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont, features

from tests.ocr.offers import Offer

NOTO = Path("/usr/share/fonts/truetype/noto")
# The face for each script's letters; everything else (Latin, digits, punctuation) in Noto Sans.
SCRIPT_FONTS = {
    "th": "NotoSansThai",
    "my": "NotoSansMyanmar",
    "km": "NotoSansKhmer",
    "lo": "NotoSansLao",
}
SCRIPT_RANGES = {
    "th": (0x0E00, 0x0E7F),
    "lo": (0x0E80, 0x0EFF),
    "my": (0x1000, 0x109F),
    "km": (0x1780, 0x17FF),
}

WIDTH, HEIGHT = 1080, 2400
# A phone at 2.75 device pixels per CSS pixel: 16 sp message text is 44 px.
TEXT_SIZE, NAME_SIZE, SMALL_SIZE = 44, 50, 34
MARGIN, PADDING, LINE_GAP = 40, 32, 18


@dataclass(frozen=True)
class Theme:
    """The colours of a chat app, light or dark."""

    background: str
    bar: str
    bar_text: str
    bubble: str
    text: str
    time: str


LIGHT = Theme("#efeae2", "#008069", "#ffffff", "#ffffff", "#111b21", "#667781")
DARK = Theme("#0b141a", "#1f2c34", "#e9edef", "#202c33", "#e9edef", "#8696a0")


def fonts_or_skip(scripts: list[str]) -> None:
    """Fail on CI, skip elsewhere, when a face or Pillow's text shaping is missing."""
    faces = ["NotoSans", *(SCRIPT_FONTS[s] for s in scripts if s in SCRIPT_FONTS)]
    names = [f"{face}-{style}.ttf" for face in faces for style in ("Regular", "Bold")]
    missing = [name for name in names if not (NOTO / name).exists()]
    message = ""
    if missing:
        message = f"fonts missing in {NOTO}: {', '.join(missing)} (make browser-deps)"
    elif not features.check("raqm"):
        message = "Pillow was built without Raqm, so it cannot shape Thai or Burmese"
    if message:
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@cache
def _font(name: str, size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    path = NOTO / f"{name}-{'Bold' if bold else 'Regular'}.ttf"
    return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.RAQM)


def _script_of(char: str) -> str | None:
    point = ord(char)
    return next((s for s, (lo, hi) in SCRIPT_RANGES.items() if lo <= point <= hi), None)


def _runs(line: str) -> list[tuple[str, str]]:
    """`line` cut into (face name, text) runs: a script's letters in its own face, the rest
    (and marks and spaces inside a run of the script) in the face of the run they belong to."""
    runs: list[tuple[str, str]] = []
    for char in line:
        script = _script_of(char)
        if script is not None:
            face = SCRIPT_FONTS[script]
        elif runs and (unicodedata.combining(char) or char == "\u200b"):
            face = runs[-1][0]
        else:
            face = "NotoSans"
        if runs and runs[-1][0] == face:
            runs[-1] = (face, runs[-1][1] + char)
        else:
            runs.append((face, char))
    return runs


def _width(line: str, size: int, bold: bool = False) -> float:
    return sum(_font(face, size, bold).getlength(text) for face, text in _runs(line))


def _line_metrics(text: str, size: int, bold: bool = False) -> tuple[int, int]:
    """(ascent, descent) of the tallest face `text` uses: Burmese needs far more room than
    Latin, and a phone spaces its lines accordingly."""
    faces = {face for face, _ in _runs(text)} | {"NotoSans"}
    metrics = [_font(face, size, bold).getmetrics() for face in faces]
    return max(a for a, _ in metrics), max(d for _, d in metrics)


def _draw(
    draw: ImageDraw.ImageDraw,
    x: float,
    baseline: float,
    line: str,
    size: int,
    fill: str,
    bold: bool = False,
) -> None:
    """One line, each run in its face, all on one baseline."""
    for face, text in _runs(line):
        font = _font(face, size, bold)
        draw.text((x, baseline), text, font=font, fill=fill, anchor="ls")
        x += font.getlength(text)


def wrap(text: str, width: float, size: int = TEXT_SIZE) -> list[str]:
    """Greedy wrapping at spaces, as a chat app does; a line break in `text` is kept."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if line and _width(candidate, size) > width:
                lines.append(line)
                line = word
            else:
                line = candidate
            if _width(line, size) > width:
                raise ValueError(f"a word wider than a bubble: {word!r}")
        lines.append(line)
    return lines


def phone_screenshot(offer: Offer, *, dark: bool = False) -> Image.Image:
    """A chat screen showing `offer`'s messages, one bubble each, as a 1080 x 2400 RGB image."""
    fonts_or_skip(
        [s for s in SCRIPT_FONTS if any(_script_of(c) == s for c in offer.sender + offer.text)]
    )
    theme = DARK if dark else LIGHT
    image = Image.new("RGB", (WIDTH, HEIGHT), theme.background)
    draw = ImageDraw.Draw(image)
    # Status bar and the chat's title bar: the time, the sender's name and "online".
    draw.rectangle((0, 0, WIDTH, 300), fill=theme.bar)
    _draw(draw, MARGIN, 70, "09:41", SMALL_SIZE, theme.bar_text)
    _draw(draw, WIDTH - MARGIN - 80, 70, "87%", SMALL_SIZE, theme.bar_text)
    draw.ellipse((MARGIN, 130, MARGIN + 120, 250), fill="#8696a0")
    _draw(draw, MARGIN + 160, 195, offer.sender, NAME_SIZE, theme.bar_text, bold=True)
    _draw(draw, MARGIN + 160, 255, "online", SMALL_SIZE, theme.bar_text)
    y = 360
    bubble_width = WIDTH - 2 * MARGIN - 140
    ascent, descent = _line_metrics(offer.text, TEXT_SIZE)
    line_height = ascent + descent + LINE_GAP
    for message in offer.messages:
        lines = wrap(message, bubble_width - 2 * PADDING)
        height = 2 * PADDING + line_height * len(lines) + SMALL_SIZE
        if y + height > HEIGHT - 200:
            raise ValueError(f"{offer.key}: the messages do not fit on one screen")
        right = MARGIN + max(_width(line, TEXT_SIZE) for line in lines) + 2 * PADDING
        right = max(right, MARGIN + 260)
        draw.rounded_rectangle((MARGIN, y, right, y + height), radius=24, fill=theme.bubble)
        for n, line in enumerate(lines):
            baseline = y + PADDING + n * line_height + ascent
            _draw(draw, MARGIN + PADDING, baseline, line, TEXT_SIZE, theme.text)
        _draw(
            draw,
            right - PADDING - 80,
            y + height - PADDING + 6,
            "09:38",
            SMALL_SIZE - 6,
            theme.time,
        )
        y += height + 36
    # The message box at the bottom.
    draw.rounded_rectangle(
        (MARGIN, HEIGHT - 170, WIDTH - MARGIN, HEIGHT - 60), radius=55, fill=theme.bubble
    )
    return image


CHAT_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ margin: 0; font-family: "Noto Sans", sans-serif; background: {background}; }}
header {{ background: {bar}; color: {bar_text}; padding: 28px 16px 12px; }}
header b {{ display: block; font-size: 18px; }}
header small {{ font-size: 13px; }}
main {{ padding: 12px 70px 12px 10px; }}
p {{ background: {bubble}; color: {text}; font-size: 16px; line-height: {line_height};
     margin: 0 0 10px; padding: 8px 10px 4px; border-radius: 8px; }}
p time {{ display: block; text-align: right; font-size: 11px; color: {time}; }}
</style></head>
<body><header><b>{sender}</b><small>online</small></header><main>{bubbles}</main></body></html>
"""


def chat_page(offer: Offer, *, dark: bool = False) -> str:
    """`offer` as a chat app's web page: the browser, not Pillow, lays out and draws the text."""
    theme = DARK if dark else LIGHT
    bubbles = "".join(
        f"<p>{html.escape(message)}<time>09:38</time></p>" for message in offer.messages
    )
    return CHAT_PAGE.format(
        lang=offer.locale,
        sender=html.escape(offer.sender),
        bubbles=bubbles,
        # Chat apps set Burmese with room for its tall vowel signs (Messenger and Viber use
        # about twice the font size); at 1.45 the signs touch the line above.
        line_height=LINE_HEIGHT.get(offer.locale, 1.45),
        **vars(theme),
    )


LINE_HEIGHT = {"my": 2.0}


def encoded(image: Image.Image, fmt: str = "PNG") -> bytes:
    """`image` as the bytes portal.tips.images would have stored."""
    out = io.BytesIO()
    image.save(out, format=fmt, **({"quality": 85} if fmt in ("JPEG", "WEBP") else {}))
    return out.getvalue()

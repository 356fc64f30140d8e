"""Reading the text of a screenshot of a job offer with Tesseract (Debian's tesseract-ocr and its
language packs; `make ocr-deps`, scripts/ocr_deps.sh, installs them).

The image is one portal.tips.images has already re-encoded, so it is a JPEG, PNG or WebP no
larger than its MAX_SIDE; anything else is refused with that module's ImageRejected. Before
Tesseract sees it the picture is made grey, inverted when the phone was in dark mode (Tesseract
reads dark text on a light ground far better: light Thai on dark came out as Latin letters),
enlarged when its text is small and scaled down to a pixel budget.

Tesseract runs as a child process, with a timeout, fed and read through pipes: the screenshot
and its text are never written to a temporary file (pytesseract, the usual wrapper, writes both
to /tmp, and passes Tesseract only the whole process environment). It runs on one thread:
with OpenMP's threads a screenshot took five times longer on a two-core machine, and a server
gets its parallelism from serving several people at once. It reads in sparse-text mode: a chat
screen is bubbles of text, and the automatic page layout cut tall Burmese lines in two.

Nothing here touches a request, the database or the network; the text of an image never appears
in an exception or a log line.
"""

from __future__ import annotations

import io
import math
import os
import re
import subprocess
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from PIL import Image, ImageOps

from portal.languages import normalize_lang
from portal.tips.images import MAX_SIDE, opened_image

# Each portal language -> Tesseract's trained data for it (Debian: tesseract-ocr-<code>).
TESSERACT_LANGUAGES: dict[str, str] = {
    "id": "ind",
    "en": "eng",
    "vi": "vie",
    "ms": "msa",
    "tl": "fil",
    "th": "tha",
    "km": "khm",
    "lo": "lao",
    "my": "mya",
}
# Read alongside the reader's language: offers mix in English words, brand names and numbers.
ALWAYS = "eng"

# Debian's binary, found on PATH; tests point this elsewhere to see the portal without it.
TESSERACT = "tesseract"
DEFAULT_TIMEOUT = 20.0
# `tesseract --list-langs` answers in milliseconds; this only keeps a broken install from hanging.
LIST_TIMEOUT = 10.0
# Larger than anything portal.tips.images stores: refused before a pixel is decoded.
MAX_INPUT_PIXELS = MAX_SIDE * MAX_SIDE
# What Tesseract is given at most (a 1440 x 3200 phone's screenshot fits): time grows with it.
MAX_OCR_PIXELS = 6_000_000
# Phones draw text at much the same size relative to the screen's width, and Tesseract reads it
# well on a 1080 px wide screenshot; one that a messenger has shrunk is enlarged back, up to 3x.
READABLE_SHORT_SIDE = 1080
MAX_UPSCALE = 3.0
# --oem 1: the LSTM recogniser only. --psm 11: sparse text, every line wherever it is. Then the
# outputs, both to stdout: the boxes of lines and words (TSV), then the text.
TESSERACT_OPTIONS = ("--oem", "1", "--psm", "11", "tsv", "txt")


class OcrError(Exception):
    """Reading an image's text did not work; the message never contains any of that text."""


class OcrUnavailable(OcrError):
    """Tesseract, or its trained data for a language, is not installed here."""

    def __init__(self, missing: Sequence[str]) -> None:
        self.missing = tuple(missing)
        super().__init__(
            "Tesseract is not installed (make ocr-deps)"
            if not self.missing
            else f"no Tesseract data for {'+'.join(self.missing)} (make ocr-deps)"
        )


class OcrFailed(OcrError):
    """Tesseract ran but gave no text: it took longer than the timeout, or it crashed."""

    TIMEOUT = "timeout"
    CRASHED = "crashed"

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        super().__init__(f"Tesseract {reason}{f' ({detail})' if detail else ''}")


@cache
def installed_languages() -> frozenset[str]:
    """Tesseract's languages on this machine, asked once per process (`tesseract --list-langs`);
    empty when Tesseract itself is missing. A language pack installed later needs a restart."""
    try:
        listed = subprocess.run(  # noqa: S603 - fixed argument list, no shell
            [TESSERACT, "--list-langs"],
            capture_output=True,
            timeout=LIST_TIMEOUT,
            env=_tesseract_env(),
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    # The first line names the folder ("List of available languages in ..."), one code a line.
    lines = listed.stdout.decode("utf-8", "replace").splitlines()[1:]
    return frozenset(line.strip() for line in lines if line.strip())


def tesseract_languages(locales: Sequence[str]) -> list[str]:
    """The trained data to read with for a reader of `locales`: theirs first, then English.

    Tags such as "id-ID" or "fil" are understood; languages the portal does not serve are left
    out, so English alone is what an unknown reader gets."""
    codes: list[str] = []
    for locale in locales:
        code = TESSERACT_LANGUAGES.get(normalize_lang(locale) or "")
        if code is not None and code not in codes:
            codes.append(code)
    if ALWAYS not in codes:
        codes.append(ALWAYS)
    return codes


def missing_languages(locales: Sequence[str]) -> tuple[str, ...]:
    """Tesseract's codes of the trained data that reading for `locales` needs and this machine
    lacks (all of them when Tesseract is missing); empty when the feature works."""
    installed = installed_languages()
    return tuple(code for code in tesseract_languages(locales) if code not in installed)


def available(locales: Sequence[str]) -> bool:
    """Whether screenshots can be read for a reader of `locales` on this machine."""
    return not missing_languages(locales)


def read_text(image: bytes, locales: Sequence[str], *, timeout: float = DEFAULT_TIMEOUT) -> str:
    """The text of a re-encoded screenshot, read for a reader of `locales` (plus English): a
    line for each paragraph (a chat bubble's lines joined again), each tidied by clean_line.

    Raises ImageRejected (from portal.tips.images) for bytes that are not a JPEG, PNG or WebP
    image or that would decode to too many pixels, OcrUnavailable when Tesseract or a language
    is missing, OcrFailed when Tesseract takes longer than `timeout` seconds or crashes."""
    if not timeout > 0:  # also refuses NaN
        raise ValueError("timeout must be a positive number of seconds")
    missing = missing_languages(locales)
    if missing:
        raise OcrUnavailable(() if not installed_languages() else missing)
    picture = io.BytesIO()
    # PNM is written and read raw, where PNG would spend a tenth of a second compressing.
    prepare(image).save(picture, format="PPM")
    command = [TESSERACT, "stdin", "stdout", "-l", "+".join(tesseract_languages(locales))]
    try:
        done = subprocess.run(  # noqa: S603 - fixed argument list, no shell
            [*command, *TESSERACT_OPTIONS],
            input=picture.getvalue(),
            capture_output=True,
            timeout=timeout,
            env=_tesseract_env(),
            check=False,
        )
    except OSError:  # gone since installed_languages() looked, or not executable
        raise OcrUnavailable(()) from None
    except subprocess.TimeoutExpired:  # subprocess.run has killed it
        raise OcrFailed(OcrFailed.TIMEOUT, f"after {timeout:g} s") from None
    if done.returncode != 0:  # Tesseract's stderr may quote what it read: left out
        raise OcrFailed(OcrFailed.CRASHED, f"exit status {done.returncode}")
    return "\n".join(_paragraphs(done.stdout.decode("utf-8", "replace")))


def prepare(image: bytes) -> Image.Image:
    """The picture Tesseract reads: decoded, grey, dark text on a light ground, and scaled so
    that its text is large enough and its pixels within MAX_OCR_PIXELS."""
    grey = _decoded_grey(image)
    scale = _scale_for(grey.width, grey.height)
    if scale != 1.0:
        size = (max(1, round(grey.width * scale)), max(1, round(grey.height * scale)))
        grey = grey.resize(size, Image.Resampling.BICUBIC, reducing_gap=3.0)
    if _is_dark(grey):
        grey = ImageOps.invert(grey)
    return grey


def _tesseract_env() -> dict[str, str]:
    """The portal's environment (PATH, TESSDATA_PREFIX, locale) with OpenMP held to one thread."""
    return {**os.environ, "OMP_THREAD_LIMIT": "1"}


def _decoded_grey(image: bytes) -> Image.Image:
    """`image` decoded to one 8-bit grey channel, any transparency laid on white."""
    with opened_image(image, MAX_INPUT_PIXELS) as opened:
        if opened.format == "JPEG":  # decode the luminance only
            opened.draft("L", opened.size)
        opened.load()
        if opened.mode in ("RGBA", "LA", "PA") or "transparency" in opened.info:
            ground = Image.new("RGBA", opened.size, "white")
            ground.alpha_composite(opened.convert("RGBA"))
            return ground.convert("L")
        return opened.convert("L")


def _scale_for(width: int, height: int) -> float:
    """Enlarge a small screenshot towards READABLE_SHORT_SIDE, then keep within the budget."""
    scale = min(MAX_UPSCALE, max(1.0, READABLE_SHORT_SIDE / min(width, height)))
    return min(scale, math.sqrt(MAX_OCR_PIXELS / (width * height)))


def _is_dark(grey: Image.Image) -> bool:
    """A dark-mode screen: most of its pixels are darker than mid-grey."""
    histogram = grey.histogram()
    return sum(histogram[:128]) > sum(histogram[128:])


def _marks(first: int, last: int) -> str:
    return "".join(
        chr(point)
        for point in range(first, last + 1)
        if unicodedata.category(chr(point)) in ("Mn", "Mc")
    )


# Vowel signs, tone marks and medials of Thai, Lao, Burmese and Khmer: none of them can begin a
# word, so a space before one is Tesseract's, never the writer's; nor can a Burmese consonant
# that an asat silences (it closes the syllable before it), and no word ends on the signs that
# stack the next consonant (Burmese virama, Khmer coeng). Tesseract 5's models put no other
# spaces inside words of these scripts on the screens we measured (tests/ocr).
_MARKS = "".join(
    _marks(first, last)
    for first, last in ((0x0E00, 0x0E7F), (0x0E80, 0x0EFF), (0x1000, 0x109F), (0x1780, 0x17FF))
)
_SPACE_IN_WORD = re.compile(
    f" +(?=[{re.escape(_MARKS)}]|[\u1000-\u1021]\u103a)|(?<=[\u1039\u17d2]) +"
)


def clean_line(raw: str) -> str:
    """One line of Tesseract's text made tidy: NFC, Thai and Lao SARA AM whole, no space inside a
    word before a combining mark, no outer or doubled spaces."""
    text = unicodedata.normalize("NFC", raw)
    # Tesseract writes Thai and Lao SARA AM as NIKHAHIT + SARA AA, which NFC leaves apart.
    text = text.replace("\u0e4d\u0e32", "\u0e33").replace("\u0ecd\u0eb2", "\u0eb3")
    text = _SPACE_IN_WORD.sub("", text)
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class _Box:
    left: int
    top: int
    width: int
    height: int

    @property
    def bottom(self) -> int:
        return self.top + self.height


# A line continues the one above it (the writer did not break it, the bubble wrapped it) when it
# starts where that one starts, follows it closely and that one filled most of the width. The
# gap between two lines of a Thai bubble was up to 1.3 times a line's height; between two
# bubbles, at least twice.
WRAPPED_FILL = 0.5
WRAPPED_GAP = 1.5


def _paragraphs(output: str) -> list[str]:
    """Tesseract's TSV and text outputs made into paragraphs: the text's lines, tidied, those a
    bubble wrapped joined again with a space (a phone number cut after "+62" is whole again).

    Sparse-text mode puts an empty line after every line, so empty lines say nothing and go."""
    rows = output.splitlines()
    table = [row.split("\t") for row in rows if row.count("\t") == 11 and row[:1].isdigit()]
    lines = [line for line in (clean_line(row) for row in rows if "\t" not in row) if line]
    boxes = _line_boxes(table)
    if len(boxes) != len(lines):  # not seen; the lines are still right, only not joined
        return lines
    paragraphs: list[list[str]] = []
    widths: list[int] = []
    previous: _Box | None = None
    for line, box in zip(lines, boxes, strict=True):
        if previous is not None and _continues(previous, box, max(*widths, box.width)):
            paragraphs[-1].append(line)
            widths.append(box.width)
        else:
            paragraphs.append([line])
            widths = [box.width]
        previous = box
    return [" ".join(paragraph) for paragraph in paragraphs]


def _line_boxes(table: list[list[str]]) -> list[_Box]:
    """The box of each line of the TSV that has a word in it, in the text's order."""
    boxes: list[_Box] = []
    line: _Box | None = None
    for level, *_, left, top, width, height, _confidence, word in table:
        if level == "4":
            line = _Box(int(left), int(top), int(width), int(height))
        elif level == "5" and word.strip() and line is not None:
            boxes.append(line)
            line = None
    return boxes


def _continues(above: _Box, below: _Box, widest: int) -> bool:
    height = max(above.height, below.height)
    return (
        abs(below.left - above.left) <= height / 2
        and -height / 4 <= below.top - above.bottom <= WRAPPED_GAP * height
        and above.width >= WRAPPED_FILL * widest
    )

"""What a hostile or broken upload gets: a clear refusal (portal.tips.images' ImageRejected, with
its reason) before any work is done, or an answer within the timeout; never a hang."""

from __future__ import annotations

import struct
import time
import zlib

import pytest
from PIL import Image

from portal import ocr
from portal.tips.images import ImageRejected
from tests.ocr.offers import offers_in
from tests.ocr.screens import encoded, phone_screenshot


def _png_claiming(width: int, height: int) -> bytes:
    """A small PNG whose header claims `width` x `height` pixels (a decompression bomb's start)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def _jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose frame header claims `width` x `height` pixels."""
    data = bytearray(encoded(Image.new("RGB", (8, 8), "white"), "JPEG"))
    frame = data.index(b"\xff\xc0")
    data[frame + 5 : frame + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def _screenshot(fmt: str) -> bytes:
    return encoded(phone_screenshot(offers_in("id")[0]), fmt)


NOT_IMAGES = {
    "empty": lambda: b"",
    "text": lambda: b"Selamat siang kak, lowongan kerja di Kamboja",
    "pdf": lambda: b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n",
    "gif": lambda: encoded(Image.new("P", (10, 10)), "GIF"),
    "bmp": lambda: encoded(Image.new("RGB", (10, 10)), "BMP"),
    "png cut short": lambda: _screenshot("PNG")[:20_000],
    "jpeg cut short": lambda: _screenshot("JPEG")[:20_000],
    "webp cut short": lambda: _screenshot("WEBP")[:2_000],
    "png header only": lambda: _screenshot("PNG")[:40],
}
TOO_MANY_PIXELS = {
    "png of 100000 x 100000": lambda: _png_claiming(100_000, 100_000),
    "jpeg of 65535 x 65535": lambda: _jpeg_claiming(65_535, 65_535),
    "png one pixel over": lambda: _png_claiming(3001, 3000),
}


@pytest.mark.parametrize("make", NOT_IMAGES.values(), ids=NOT_IMAGES.keys())
def test_what_is_not_an_image_is_refused(make):
    started = time.monotonic()
    with pytest.raises(ImageRejected) as refused:
        ocr.prepare(make())
    assert refused.value.reason == ImageRejected.NOT_AN_IMAGE
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("make", TOO_MANY_PIXELS.values(), ids=TOO_MANY_PIXELS.keys())
def test_an_image_of_too_many_pixels_is_refused_before_decoding(make):
    started = time.monotonic()
    with pytest.raises(ImageRejected) as refused:
        ocr.prepare(make())
    assert refused.value.reason == ImageRejected.TOO_MANY_PIXELS
    assert time.monotonic() - started < 1


def test_read_text_refuses_them_too(tesseract):
    with pytest.raises(ImageRejected):
        ocr.read_text(b"", ["id"])
    with pytest.raises(ImageRejected):
        ocr.read_text(_png_claiming(100_000, 100_000), ["id"])


ODD_BUT_VALID = {
    "1 x 1": lambda: Image.new("L", (1, 1)),
    "1 x 3000": lambda: Image.new("L", (1, 3000)),
    "3000 x 1": lambda: Image.new("L", (3000, 1)),
    "transparent": lambda: Image.new("RGBA", (500, 500), (0, 0, 0, 0)),
    "grey with alpha": lambda: Image.new("LA", (500, 500), (0, 128)),
    "16-bit grey": lambda: Image.new("I;16", (500, 500), 40000),
    "all black": lambda: Image.new("L", (1080, 2400), 0),
    "cmyk jpeg": lambda: Image.new("CMYK", (300, 300), (0, 0, 0, 255)),
}


@pytest.mark.parametrize("make", ODD_BUT_VALID.values(), ids=ODD_BUT_VALID.keys())
def test_an_odd_but_valid_image_reads_as_little_or_nothing(tesseract, make):
    image = make()
    data = encoded(image, "JPEG" if image.mode == "CMYK" else "PNG")
    assert len(ocr.read_text(data, ["id"], timeout=10)) < 20


def test_noise_is_read_or_stopped_within_the_timeout(tesseract):
    """Noise is the slowest thing measured (about 4 s on one core for a full screen)."""
    noise = encoded(Image.effect_noise((1080, 2400), 100).convert("L"))
    started = time.monotonic()
    try:
        ocr.read_text(noise, ["my"], timeout=2)
    except ocr.OcrFailed as failed:
        assert failed.reason == ocr.OcrFailed.TIMEOUT
    assert time.monotonic() - started < 4


def test_an_image_is_decoded_from_memory_only(tesseract, monkeypatch, tmp_path):
    """The screenshot and its text go through pipes: nothing lands in the temporary folder."""
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    ocr.read_text(_screenshot("PNG"), ["id"])
    assert list(tmp_path.iterdir()) == []


def test_a_large_picture_is_read_within_the_budget(tesseract):
    """3000 x 3000, the largest the portal stores, is scaled to MAX_OCR_PIXELS first."""
    page = Image.new("RGB", (3000, 3000), "white")
    page.paste(phone_screenshot(offers_in("id")[0]).resize((1350, 3000)), (0, 0))
    started = time.monotonic()
    text = ocr.read_text(encoded(page), ["id"], timeout=15)
    assert "+62 812-3456-7890" in text
    assert time.monotonic() - started < 15

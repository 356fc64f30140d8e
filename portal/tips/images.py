"""Uploaded images: decoded and re-encoded with Pillow so nothing but pixels survives.

EXIF (and with it GPS position and camera serial), XMP, comments and colour
profiles are dropped; decompression bombs and anything that is not a JPEG, PNG
or WebP image are refused. Every image is scaled down to MAX_SIDE before it is
re-encoded, and one request decodes at most its PixelBudget, so a few small files
that open into huge pictures cannot tie up the server.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError

# Pillow format name -> (media type, file extension, save options)
FORMATS: dict[str, tuple[str, str, dict[str, object]]] = {
    "JPEG": ("image/jpeg", "jpg", {"quality": 85, "optimize": True}),
    "PNG": ("image/png", "png", {"optimize": True}),
    "WEBP": ("image/webp", "webp", {"quality": 85}),
}
# The longest side of a stored image: sharp enough to read a screenshot or a face in a photo.
MAX_SIDE = 3000


class ImageRejected(ValueError):
    """An upload that is not an image we accept; `reason` is one of the keys below."""

    TOO_LARGE = "too_large"
    NOT_AN_IMAGE = "not_an_image"
    TOO_MANY_PIXELS = "too_many_pixels"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class CleanImage:
    data: bytes
    media_type: str
    extension: str
    width: int
    height: int


class PixelBudget:
    """The pixels one request may still decode, across all of its images."""

    def __init__(self, pixels: int) -> None:
        self.left = pixels

    def spend(self, pixels: int) -> None:
        """Take `pixels` before decoding them, or refuse the image that needs them."""
        if pixels > self.left:
            raise ImageRejected(ImageRejected.TOO_MANY_PIXELS)
        self.left -= pixels


def reencode(
    stream: BinaryIO,
    *,
    max_bytes: int,
    max_pixels: int,
    budget: PixelBudget | None = None,
    max_side: int = MAX_SIDE,
) -> CleanImage:
    """Decode an upload and return a fresh encoding of its pixels, or raise ImageRejected.

    Sizes are checked from the header before anything is decoded; a JPEG is decoded at a
    reduced scale when it is much larger than `max_side`, and no image is re-encoded larger.
    """
    raw = stream.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise ImageRejected(ImageRejected.TOO_LARGE)
    with opened_image(raw, max_pixels) as image:
        fmt = image.format or ""
        if fmt == "JPEG":  # decode at 1/2, 1/4 or 1/8 scale, still no smaller than needed
            image.draft(None, _fitted(image.size, max_side))
        if budget is not None:
            budget.spend(image.width * image.height)
        image.load()
        image.thumbnail((max_side, max_side))
        pixels = ImageOps.exif_transpose(image)  # keep the photo upright, drop EXIF
    media_type, extension, options = FORMATS[fmt]
    pixels = _pixels_only(_web_safe_mode(pixels, fmt))
    out = io.BytesIO()
    pixels.save(out, format=fmt, **options)  # no exif=, pnginfo= or icc_profile=: none kept
    return CleanImage(out.getvalue(), media_type, extension, pixels.width, pixels.height)


@contextmanager
def opened_image(raw: bytes, max_pixels: int) -> Iterator[Image.Image]:
    """``raw`` opened as a JPEG, PNG or WebP of at most ``max_pixels`` (checked from the header,
    before anything is decoded). Anything else, a decompression bomb, or an error while the
    caller decodes inside the block, raises ImageRejected."""
    if not raw:
        raise ImageRejected(ImageRejected.NOT_AN_IMAGE)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw), formats=list(FORMATS)) as image:
                if image.width * image.height > max_pixels:
                    raise ImageRejected(ImageRejected.TOO_MANY_PIXELS)
                yield image
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected(ImageRejected.TOO_MANY_PIXELS) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise ImageRejected(ImageRejected.NOT_AN_IMAGE) from None


def _fitted(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    """`size` scaled down, if need be, so that its longer side is `max_side`."""
    width, height = size
    scale = min(1.0, max_side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _pixels_only(image: Image.Image) -> Image.Image:
    """A new image built from the pixel data alone: no info dict for save() to copy from."""
    fresh = Image.frombytes(image.mode, image.size, image.tobytes())
    if image.mode == "P":
        palette = image.getpalette()
        if palette:
            fresh.putpalette(palette)
        if "transparency" in image.info:
            fresh.info["transparency"] = image.info["transparency"]
    return fresh


def _web_safe_mode(image: Image.Image, fmt: str) -> Image.Image:
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        return image.convert("RGB")
    if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        return image.convert("RGBA")
    return image

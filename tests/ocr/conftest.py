"""Tesseract with the data of every portal language, Debian's Chromium for chat pages, and the
list of installed languages asked afresh in each test (tests change what is installed)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from portal import ocr


@pytest.fixture(autouse=True)
def fresh_language_list() -> Iterator[None]:
    ocr.installed_languages.cache_clear()
    yield
    ocr.installed_languages.cache_clear()


@pytest.fixture
def tesseract() -> None:
    """Tesseract with all nine languages: CI must have them (`make test` installs them with
    `make ocr-deps`); a developer's machine without them skips, saying what is missing."""
    missing = ocr.missing_languages(list(ocr.TESSERACT_LANGUAGES))
    if missing:
        message = f"no Tesseract, or no data for {' '.join(missing)}: run make ocr-deps as root"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)

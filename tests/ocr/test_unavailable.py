"""Without Tesseract, or without one language's data, screenshot reading says it is unavailable
(and which data is missing) rather than failing; when Tesseract fails, the error names what
happened and never what the image said."""

from __future__ import annotations

import re
import stat
import subprocess
from pathlib import Path

import pytest

from portal import ocr
from portal.i18n import LOCALES
from tests.ocr.offers import offers_in
from tests.ocr.screens import encoded, phone_screenshot

ROOT = Path(__file__).resolve().parent.parent.parent


def test_every_portal_language_has_its_tesseract_data():
    assert set(ocr.TESSERACT_LANGUAGES) == set(LOCALES)


def test_the_install_script_installs_the_data_of_every_language():
    script = (ROOT / "scripts" / "ocr_deps.sh").read_text()
    codes = set(re.search(r"for lang in ([a-z ]+); do", script).group(1).split())
    assert codes == set(ocr.TESSERACT_LANGUAGES.values())
    for code in codes:
        assert f"[{code}]=tesseract-ocr-{code}" in script


def test_without_tesseract_nothing_is_available(monkeypatch):
    monkeypatch.setattr(ocr, "TESSERACT", "/nonexistent/tesseract")
    assert ocr.installed_languages() == frozenset()
    assert not ocr.available(["id"])
    assert ocr.missing_languages(["th"]) == ("tha", "eng")
    with pytest.raises(ocr.OcrUnavailable, match="Tesseract is not installed") as raised:
        ocr.read_text(b"\x89PNG", ["id"])
    assert raised.value.missing == ()


def test_tesseract_gone_after_the_languages_were_listed_is_unavailable(monkeypatch):
    monkeypatch.setattr(ocr, "installed_languages", lambda: frozenset({"ind", "eng"}))
    monkeypatch.setattr(ocr, "TESSERACT", "/nonexistent/tesseract")
    image = encoded(phone_screenshot(offers_in("id")[0]))
    with pytest.raises(ocr.OcrUnavailable):
        ocr.read_text(image, ["id"])


def test_a_missing_language_is_named_and_the_others_still_work(tesseract, tmp_path, monkeypatch):
    """Real Tesseract, pointed at a folder with the English and Indonesian data only."""
    for code in ("eng", "ind"):
        (tmp_path / f"{code}.traineddata").symlink_to(_tessdata() / f"{code}.traineddata")
    monkeypatch.setenv("TESSDATA_PREFIX", str(tmp_path))
    ocr.installed_languages.cache_clear()  # asked once per process: as after a restart
    assert ocr.installed_languages() == {"eng", "ind"}
    assert ocr.available(["id"]) and ocr.available(["en"])
    assert not ocr.available(["th"])
    with pytest.raises(ocr.OcrUnavailable, match=r"no Tesseract data for tha \(") as raised:
        ocr.read_text(encoded(phone_screenshot(offers_in("id")[0])), ["th"])
    assert raised.value.missing == ("tha",)
    text = ocr.read_text(encoded(phone_screenshot(offers_in("id")[0])), ["id"])
    assert "lowongan kerja" in text


def _tessdata() -> Path:
    """The folder Tesseract names on the first line of `tesseract --list-langs`."""
    listed = subprocess.run([ocr.TESSERACT, "--list-langs"], capture_output=True, check=True)
    return Path(re.search(r'"(.+)"', listed.stdout.decode()).group(1))


def _fake_tesseract(folder: Path, body: str) -> Path:
    """A `tesseract` that lists every language and then does `body` when asked to read."""
    path = folder / "tesseract"
    languages = "\\n".join(ocr.TESSERACT_LANGUAGES.values())
    path.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = --list-langs ]; then\n'
        f"  printf 'List of available languages in \"/fake/\" (9):\\n{languages}\\n'; exit 0\n"
        "fi\n"
        f"{body}\n"
    )
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_a_crash_is_reported_without_what_tesseract_said(tmp_path, monkeypatch):
    fake = _fake_tesseract(tmp_path, "echo 'Selamat siang kak: lowongan' >&2; kill -SEGV $$")
    monkeypatch.setattr(ocr, "TESSERACT", str(fake))
    image = encoded(phone_screenshot(offers_in("id")[0]))
    with pytest.raises(ocr.OcrFailed) as failed:
        ocr.read_text(image, ["id"])
    assert failed.value.reason == ocr.OcrFailed.CRASHED
    assert str(failed.value) == "Tesseract crashed (exit status -11)"
    assert failed.value.__cause__ is None and failed.value.__context__ is None


def test_a_hung_tesseract_is_killed_at_the_timeout(tmp_path, monkeypatch):
    fake = _fake_tesseract(tmp_path, "exec sleep 60")
    monkeypatch.setattr(ocr, "TESSERACT", str(fake))
    image = encoded(phone_screenshot(offers_in("id")[0]))
    with pytest.raises(ocr.OcrFailed, match=r"Tesseract timeout \(after 0.5 s\)") as failed:
        ocr.read_text(image, ["id"], timeout=0.5)
    assert failed.value.reason == ocr.OcrFailed.TIMEOUT

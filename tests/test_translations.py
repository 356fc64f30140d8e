"""Every locale we serve is complete, and the catalog matches the code."""

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from portal.i18n import LOCALES, catalog_dir

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = r"%\((\w+)\)[sd]"


def catalog(locale: str):
    with (ROOT / "translations" / catalog_dir(locale) / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=catalog_dir(locale))


@pytest.mark.parametrize("locale", LOCALES)
def test_locale_has_no_untranslated_or_fuzzy_message(locale):
    bad = []
    for message in catalog(locale):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            bad.append(message.id)
    assert bad == [], f"{locale}: {len(bad)} untranslated or fuzzy, e.g. {bad[:3]}"


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_every_placeholder(locale):
    import re

    for message in catalog(locale):
        if not message.id or isinstance(message.id, tuple):
            continue
        assert sorted(re.findall(PLACEHOLDER, message.id)) == sorted(
            re.findall(PLACEHOLDER, message.string)
        ), (locale, message.id)


def test_catalog_is_up_to_date_with_the_code(tmp_path):
    pot = tmp_path / "messages.pot"
    pybabel = Path(sys.executable).parent / "pybabel"
    subprocess.run(
        [
            str(pybabel),
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        in_code = {m.id for m in read_po(handle) if m.id}
    for locale in LOCALES:
        in_catalog = {m.id for m in catalog(locale) if m.id}
        missing = in_code - in_catalog
        assert not missing, f"run `make i18n`: {locale} lacks {sorted(map(str, missing))[:3]}"

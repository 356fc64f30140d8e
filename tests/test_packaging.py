"""Installs are reproducible and translations ship with the code (the whole path, wheel and
gunicorn, is tested in tests/deploy/test_wheel.py)."""

from __future__ import annotations

import os
import time
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import portal
from portal import create_app
from portal.config import ConfigError
from portal.i18n import LOCALES, catalog_dir, stale_catalogs
from portal.paths import translations_folder

ROOT = Path(__file__).resolve().parent.parent


def _lock() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version.strip()
    return pins


def test_every_dependency_has_a_pin_in_the_lock_that_it_allows():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        wanted += extra
    pins = _lock()
    for text in wanted:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} has no pin in requirements.lock (make lock)"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"requirements.lock pins {name}=={pins[name]}, outside {requirement.specifier}"
        )
        for dependency_extra in requirement.extras:  # psycopg[binary] -> psycopg-binary
            extra_name = canonicalize_name(f"{requirement.name}-{dependency_extra}")
            assert extra_name in pins, f"{extra_name} has no pin in requirements.lock"


def test_the_checkout_has_a_compiled_catalog_for_every_locale():
    assert translations_folder() == ROOT / "translations"
    assert stale_catalogs(translations_folder()) == []


def _catalogs(folder: Path, codes=LOCALES) -> None:
    for code in codes:
        messages = folder / catalog_dir(code) / "LC_MESSAGES"
        messages.mkdir(parents=True)
        (messages / "messages.po").write_text("")
        (messages / "messages.mo").write_bytes(b"")


def test_a_missing_or_stale_catalog_is_named(tmp_path):
    _catalogs(tmp_path, [code for code in LOCALES if code != "km"])
    po = tmp_path / "vi" / "LC_MESSAGES" / "messages.po"
    later = time.time() + 60
    os.utime(po, (later, later))
    problems = stale_catalogs(tmp_path)
    assert [problem.split()[0] for problem in problems] == ["vi", "km"]
    assert "older than its .po" in problems[0]
    assert "no " in problems[1]


def test_production_refuses_to_start_without_every_catalog(tmp_path, monkeypatch):
    _catalogs(tmp_path, [code for code in LOCALES if code != "tl"])
    monkeypatch.setattr(portal, "translations_folder", lambda: tmp_path)
    environ = {
        "WASPADA_ENV": "production",
        "SECRET_KEY": "production-secret-key-for-the-catalog-test-0123",
        "DATABASE_URL": "postgresql://waspada@127.0.0.1:5432/waspada",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "WASPADA_DATA_KEYS": "k1:" + "A" * 43,
    }
    with pytest.raises(ConfigError, match=r"tl \(no .*fil/LC_MESSAGES/messages.mo\)"):
        create_app(environ, instance_path=tmp_path / "instance")

"""Data files parse the same with libyaml and with pure-Python PyYAML (no parser quirks)."""

from pathlib import Path

import pytest
import yaml

PORTAL = Path(__file__).resolve().parent.parent.parent / "portal"
FILES = sorted(PORTAL.rglob("*.yaml"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_data_file_parses_identically_with_both_yaml_parsers(path):
    text = path.read_text(encoding="utf-8")
    pure = yaml.load(text, Loader=yaml.SafeLoader)  # noqa: S506 - a safe loader
    if hasattr(yaml, "CSafeLoader"):
        assert yaml.load(text, Loader=yaml.CSafeLoader) == pure  # noqa: S506
    assert pure

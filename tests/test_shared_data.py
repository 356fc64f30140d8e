"""The tests' copy of the naughty strings stays the shared one; missing shared files skip
the reference checks on a developer's clone but fail them in CI."""

import pytest

from tests.helpers import BLNS, blns_lines, shared_file


def test_the_copy_of_the_naughty_strings_is_the_shared_list():
    assert BLNS.read_bytes() == shared_file("data/blns.txt").read_bytes()
    assert len(blns_lines()) > 500


def test_a_missing_shared_file_skips_outside_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="clone the project next to"):
        shared_file("reference/no-such-file.md")


def test_a_missing_shared_file_fails_in_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="no-such-file"):
        shared_file("reference/no-such-file.md")

"""The dependency audit's fallback: PyPI's project JSON, which describes the newest release."""

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "audit.py"


@pytest.fixture
def audit(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("waspada_audit", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    lock = tmp_path / "requirements.lock"
    lock.write_text("# a comment\nsafe==2.0\nbad==1.5 ; python_version >= '3.8'\nold==1.0\n")
    monkeypatch.setattr(module, "LOCK", lock)
    answers = {
        "safe": {"info": {"version": "2.0"}, "vulnerabilities": []},
        "bad": {
            "info": {"version": "1.5"},
            "vulnerabilities": [
                {"id": "PYSEC-1", "fixed_in": []},
                {"id": "GHSA-gone", "fixed_in": ["1.6"], "withdrawn": "2026-01-01"},
            ],
        },
        "old": {"info": {"version": "3.0"}, "vulnerabilities": []},
    }
    monkeypatch.setattr(module, "project_json", answers.get)
    return module, answers


def test_a_vulnerable_newest_release_fails_and_is_named(audit, capsys):
    module, _ = audit
    assert module.newest_release_audit(required=False) == 1
    out = capsys.readouterr().out
    assert "VULNERABLE bad 1.5: PYSEC-1 (no fix yet)" in out
    assert "GHSA-gone" not in out  # withdrawn advisories do not count
    assert "2 packages checked, 1 vulnerable" in out
    assert "old 1.0 (newest is 3.0)" in out


def test_an_older_pin_is_named_as_not_checked_and_fails_when_required(audit, capsys):
    module, answers = audit
    answers["bad"]["vulnerabilities"] = []
    assert module.newest_release_audit(required=False) == 0
    assert "1 not checked" in capsys.readouterr().out
    assert module.newest_release_audit(required=True) == 1


def test_no_answer_at_all_is_not_a_pass(audit, monkeypatch, capsys):
    module, _ = audit
    monkeypatch.setattr(module, "project_json", lambda name: None)
    assert module.newest_release_audit(required=False) == 0
    assert "NOT DONE" in capsys.readouterr().out
    assert module.newest_release_audit(required=True) == 1

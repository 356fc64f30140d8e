"""`flask --app portal support load FILE` and the directory as read back from the database."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from portal.directory import entries as d
from portal.directory.loader import current_services, load_directory
from portal.extensions import db
from portal.models.directory import SupportService

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@pytest.fixture
def raw() -> dict:
    return yaml.load(d.DEFAULT_PATH.read_text(encoding="utf-8"), Loader=_LOADER)


def _write(data: dict, path: Path) -> Path:
    path.write_text(yaml.dump(data, Dumper=_DUMPER, allow_unicode=True), encoding="utf-8")
    return path


def _rows(app) -> dict[str, SupportService]:
    with app.app_context():
        rows = db.session.scalars(db.select(SupportService)).all()
        db.session.expunge_all()
        return {row.id: row for row in rows}


def _load(app, path: Path):
    return app.test_cli_runner().invoke(args=["support", "load", str(path)])


def test_load_adds_every_entry_and_a_second_load_changes_nothing(app):
    expected = d.load_services()
    first = _load(app, d.DEFAULT_PATH)
    assert first.exit_code == 0, first.output
    assert f"{len(expected)} added, 0 updated, 0 removed" in first.output
    rows = _rows(app)
    assert set(rows) == {s.id for s in expected}
    kbri = rows["id-kbri-phnompenh-phone"]
    assert kbri.located_in == "KH" and kbri.serves_nationals_abroad is True
    assert kbri.confidence == "medium" and kbri.source_date == "2025-03"
    assert kbri.source and kbri.source[0].startswith("https://")
    assert kbri.loaded_at is not None

    second = _load(app, d.DEFAULT_PATH)
    assert second.exit_code == 0, second.output
    assert "0 added, 0 updated, 0 removed" in second.output


def test_load_updates_changed_entries_and_removes_missing_ones(app, raw, tmp_path):
    _load(app, d.DEFAULT_PATH)
    entries = raw["services"]
    removed = entries.pop(next(i for i, e in enumerate(entries) if e["id"] == "vn-dolab-phone"))
    bnn = next(e for e in entries if e["id"] == "id-bnn-184")
    bnn["confidence"] = "high"
    bnn["name"]["en"] = "BNN drug help line 184"
    entries.append(
        {
            **removed,
            "id": "vn-dolab-web",
            "channels": [{"type": "web", "value": "https://dolab.gov.vn", "hours": None}],
        }
    )
    path = _write(raw, tmp_path / "services.yaml")
    result = _load(app, path)
    assert result.exit_code == 0, result.output
    assert "1 added, 1 updated, 1 removed" in result.output
    with app.app_context():
        assert current_services() == d.load_services(path)  # same entries, same order
    rows = _rows(app)
    assert "vn-dolab-phone" not in rows and "vn-dolab-web" in rows
    assert rows["id-bnn-184"].confidence == "high"
    assert rows["id-bnn-184"].name["en"] == "BNN drug help line 184"


@pytest.mark.parametrize(
    "breakage, message",
    [
        (lambda text, raw: text.replace("\nservices:\n", "\nservices: [\n", 1), "not valid YAML"),
        (lambda text, raw: _set(raw, "id-polri-110", confidence="sure"), "'id-polri-110'"),
        (lambda text, raw: _set(raw, "th-police-191", country="Thailand"), "'th-police-191'"),
    ],
    ids=["syntax", "bad-confidence", "bad-country"],
)
def test_a_bad_file_is_refused_with_a_clear_message_and_nothing_changes(
    app, raw, tmp_path, breakage, message
):
    _load(app, d.DEFAULT_PATH)
    before = {sid: row.name for sid, row in _rows(app).items()}
    broken = breakage(d.DEFAULT_PATH.read_text(encoding="utf-8"), raw)
    path = tmp_path / "broken.yaml"
    if isinstance(broken, str):
        path.write_text(broken, encoding="utf-8")
    else:
        _write(broken, path)
    result = _load(app, path)
    assert result.exit_code != 0
    assert message in result.output
    assert "Nothing was changed." in result.output
    assert "Traceback" not in result.output
    assert {sid: row.name for sid, row in _rows(app).items()} == before


def _set(raw: dict, sid: str, **changes: str) -> dict:
    next(e for e in raw["services"] if e["id"] == sid).update(changes)
    return raw


def test_a_missing_file_is_refused(app, tmp_path):
    result = _load(app, tmp_path / "nowhere.yaml")
    assert result.exit_code != 0
    assert "does not exist" in result.output


def test_services_read_back_from_the_database_equal_the_file(app):
    with app.app_context():
        assert current_services() == d.load_services()  # empty table: the file
        load_directory(d.DEFAULT_PATH)
        db.session.remove()
        from_db = current_services()
    assert from_db == d.load_services()
    # The directory's own queries work on them and keep the curated order.
    assert [s.id for s in d.emergency_contacts("VN", services=from_db)][:2] == [
        "vn-tongdai-111",
        "vn-police-113",
    ]


def test_the_help_page_shows_the_loaded_directory(app, raw, tmp_path):
    next(e for e in raw["services"] if e["id"] == "id-polri-110")["name"]["en"] = "Polri 110 (new)"
    assert _load(app, _write(raw, tmp_path / "services.yaml")).exit_code == 0
    page = app.test_client().get("/en/help?country=ID&need=emergency")
    assert "Polri 110 (new)" in page.text

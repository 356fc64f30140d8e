"""Bugs the layout review found in the triage pipeline and the staff services, each shown on
the path a real tip takes: routing reads the directory the help page reads, reasons are codes
rendered in the reader's language, an extraction bug goes to retry and `triage_error`, a tip is
parsed once, and the audit log names the user a service is given."""

from __future__ import annotations

import copy

import pytest
import yaml

from portal.accounts.audit import audit
from portal.casework import actions
from portal.directory import entries
from portal.directory.loader import load_directory
from portal.extensions import db
from portal.jobs import triage as triage_job
from portal.jobs.triage import TriageFailed, triage_tip
from portal.models import AuditEvent, StaffUser, Tip, TriageState
from portal.triage import scoring
from portal.triage.indicators import Indicator
from tests.helpers import submit_report
from tests.staff.helpers import make_staff, staff_client

JOB_TEXT = "Lowongan admin di Kamboja, gaji 15 juta, visa turis, hubungi t.me/rekrut_kh"


def _tip(app, client, **fields) -> int:
    fields.setdefault("lang", "vi")
    fields.setdefault("country", "VN")
    fields.setdefault("description", JOB_TEXT)
    assert submit_report(client, "job-offer", **fields).status_code == 303
    with app.app_context():
        return db.session.scalar(db.select(Tip.id).order_by(Tip.id.desc()))


def _directory_with_new_embassy(tmp_path):
    """The packaged directory plus an embassy of Viet Nam in Cambodia that only an
    administrator's upload knows of."""
    data = yaml.safe_load(entries.DEFAULT_PATH.read_text(encoding="utf-8"))
    model = next(e for e in data["services"] if e["id"] == "id-kbri-phnompenh-phone")
    embassy = copy.deepcopy(model)
    embassy.update(
        id="vn-embassy-phnompenh-hotline",
        country="VN",
        name={"en": "Embassy of Viet Nam in Phnom Penh - citizen hotline"},
        organisation="Đại sứ quán Việt Nam tại Campuchia",
        languages=["vi"],
        channels=[{"type": "phone", "value": "+855 23 726 274", "hours": None, "cost": "standard"}],
        notes="Located in Phnom Penh, Cambodia.",
    )
    data["services"].append(embassy)
    path = tmp_path / "services.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_routing_suggests_the_directory_the_help_page_shows(app, client, tmp_path):
    with app.app_context():
        load_directory(_directory_with_new_embassy(tmp_path))
    tip_id = _tip(app, client, destination="KH")
    with app.app_context():
        assert triage_tip(tip_id) == "done"
        routes = {r["agency_id"]: r for r in db.session.get(Tip, tip_id).routing}
    assert "vn-embassy-phnompenh-hotline" in routes
    route = routes["vn-embassy-phnompenh-hotline"]
    assert route["contact"] == "+855 23 726 274"
    assert route["reason"] == "embassy_destination"
    assert route["reason_params"] == {"nationality": "VN", "destination": "KH"}
    help_page = client.get("/vi/help?country=VN&need=consular")
    assert "+855 23 726 274" in help_page.text  # the same directory


def test_routing_reasons_are_stored_as_codes_and_shown_in_the_readers_language(app, client):
    tip_id = _tip(app, client, country="ID", lang="id", destination="KH")
    with app.app_context():
        triage_tip(tip_id)
        routing = db.session.get(Tip, tip_id).routing
    assert routing and all(" " not in r["reason"] for r in routing)  # codes, not sentences
    analyst = staff_client(app, "analyst")
    english = analyst.get(f"/staff/tips/{tip_id}").text
    assert "The job is in Cambodia: the embassy of Indonesia there helps its citizens." in english
    analyst.environ_base["HTTP_ACCEPT_LANGUAGE"] = "id"
    with app.app_context():
        user = db.session.scalar(db.select(StaffUser))
        user.language = "id"
        db.session.commit()
    indonesian = analyst.get(f"/staff/tips/{tip_id}").text
    assert "The job is in Cambodia" not in indonesian
    assert "Kamboja" in indonesian


def test_an_extraction_bug_goes_to_retry_and_triage_error(app, client, monkeypatch, caplog):
    tip_id = _tip(app, client)

    def broken(self):
        raise RuntimeError("pattern echoing t.me/rekrut_kh")

    monkeypatch.setattr("portal.triage.indicators._Extraction.run", broken)
    with app.app_context():
        with pytest.raises(TriageFailed, match="RuntimeError"):
            triage_tip(tip_id)
        tip = db.session.get(Tip, tip_id)
        assert tip.triage_state == TriageState.FAILED  # no RQ retry left outside a worker
        assert tip.triage_error == "RuntimeError"
        assert tip.triaged_at is None and not tip.routing and not tip.score_reasons
    assert "rekrut_kh" not in caplog.text


def test_a_retry_after_the_bug_is_fixed_finishes_the_tip(app, client, monkeypatch):
    tip_id = _tip(app, client)
    with monkeypatch.context() as patch:
        patch.setattr(
            "portal.triage.indicators._Extraction.run",
            lambda self: (_ for _ in ()).throw(RuntimeError("bug")),
        )
        with app.app_context(), pytest.raises(TriageFailed):
            triage_tip(tip_id)
    with app.app_context():
        assert triage_tip(tip_id) == "done"
        tip = db.session.get(Tip, tip_id)
        assert tip.triage_state == TriageState.DONE and tip.triage_error == ""


def test_a_tip_is_parsed_once_per_job(app, client, monkeypatch):
    tip_id = _tip(app, client)
    calls = []
    real = triage_job.extract

    def counting(text, country=None):
        calls.append(country)
        return real(text, country)

    monkeypatch.setattr(triage_job, "extract", counting)
    monkeypatch.setattr(scoring, "extract", counting)
    with app.app_context():
        assert triage_tip(tip_id) == "done"
        reasons = {r["rule_id"] for r in db.session.get(Tip, tip_id).score_reasons}
    assert calls == ["VN"]
    assert "has_identifier" in reasons  # the job's indicators reached the score


def test_score_uses_the_indicators_it_is_given():
    text = "Dijual sabu, COD Jakarta"
    plain = scoring.score("drugs", text, country="ID")
    given = scoring.score("drugs", text, country="ID", indicators=[Indicator("telegram", "x")])
    assert "has_identifier" not in {r.rule_id for r in plain.reasons}
    assert "has_identifier" in {r.rule_id for r in given.reasons}
    assert given.value >= plain.value
    # Callers that pass only text keep working: score() extracts itself.
    assert "has_identifier" in {
        r.rule_id for r in scoring.score("drugs", text + " t.me/abc_shop", country="ID").reasons
    }


def test_audit_records_the_user_it_is_given(app, client):
    tip_id = _tip(app, client)
    make_staff(app, "budi", "analyst")
    with app.test_request_context():
        # No one is signed in to this request (as for a command or a background task): the
        # line names the user the service was given.
        tip = db.session.get(Tip, tip_id)
        budi = db.session.scalar(db.select(StaffUser).where(StaffUser.username == "budi"))
        actions.add_note(tip, budi, "checked the recruiter's licence")
        audit(None, "system_check")
        db.session.commit()
        lines = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(line.action, line.username) for line in lines][-2:] == [
        ("add_note", "budi"),
        ("system_check", "-"),
    ]

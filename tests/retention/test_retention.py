"""Retention (issue 15): tips are kept only as long as they serve. A controlled clock: every
run is given its `now`, and times the forms wrote are moved into the past. Both backends."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

from PIL import Image
from rq import Queue
from sqlalchemy import func, select, text

from portal.config import current_settings
from portal.extensions import db
from portal.jobs.triage import triage_tip
from portal.models import (
    Attachment,
    AuditEvent,
    Indicator,
    LegalHold,
    Message,
    Note,
    Tip,
    TipIndicator,
    TipTombstone,
    TipWord,
)
from portal.retention import jobs, purge
from tests.helpers import database_bytes, form_tokens, receipt_from, submit_report
from tests.organisations.helpers import make_orgs
from tests.staff.helpers import staff_client

CANARY = "hapus9Kd2"
DAY = timedelta(days=1)


def _png() -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (30, 20), "navy").save(out, "PNG")
    out.seek(0)
    return out


def _report(
    app, client, description: str = f"jual sabu {CANARY}, WA 0812-5555-0199"
) -> tuple[int, str]:
    response = submit_report(
        client,
        "drugs",
        country="ID",
        description=description,
        contact=f"{CANARY}@example.org",
        files=[(_png(), "bukti.png")],
    )
    assert response.status_code == 303
    code = receipt_from(client)
    with app.app_context():
        tip_id = db.session.scalar(select(Tip.id).order_by(Tip.id.desc()))
        assert triage_tip(tip_id) == "done"
    return tip_id, code


def _csrf(client, url: str) -> str:
    return form_tokens(client.get(url).text)["csrf_token"]


def _close(staff, tip_id: int, status: str = "closed_no_action") -> None:
    token = _csrf(staff, f"/staff/tips/{tip_id}")
    staff.post(f"/staff/tips/{tip_id}/status", data={"csrf_token": token, "status": "in_review"})
    response = staff.post(
        f"/staff/tips/{tip_id}/status", data={"csrf_token": token, "status": status}
    )
    assert response.status_code == 303


def _follow_up(client, code: str) -> str:
    client.post("/en/follow-up", data={"csrf_token": _csrf(client, "/en/follow-up"), "code": code})
    return client.get("/en/follow-up").text


def _tip(app, tip_id: int) -> Tip | None:
    with app.app_context():
        tip = db.session.get(Tip, tip_id)
        if tip is not None:
            db.session.expunge(tip)
        return tip


def _run(app, now: datetime, dry_run: bool = False) -> purge.RunResult:
    with app.app_context():
        return purge.run(now, dry_run=dry_run)


def _counts(app, tip_id: int) -> dict[str, int]:
    with app.app_context():
        return {
            model.__tablename__: db.session.scalar(
                select(func.count()).select_from(model).where(model.tip_id == tip_id)
            )
            or 0
            for model in (Message, Attachment, Note, TipWord, TipIndicator, LegalHold)
        }


def test_closing_starts_the_clock_and_expiry_deletes_everything_but_a_tombstone(
    app, client, redis_client, backend
):
    tip_id, _code = _report(app, client)
    other_id, _ = _report(app, client, "another sabu seller, WA 0812-5555-0199")
    staff = staff_client(app, "supervisor", "sari")
    token = _csrf(staff, f"/staff/tips/{tip_id}")
    staff.post(f"/staff/tips/{tip_id}/notes", data={"csrf_token": token, "body": f"note {CANARY}"})
    staff.post(f"/staff/tips/{tip_id}/reply", data={"csrf_token": token, "body": f"q {CANARY}"})
    assert "It is kept while it is open." in staff.get(f"/staff/tips/{tip_id}").text
    _close(staff, tip_id)
    tip = _tip(app, tip_id)
    assert tip.closed_at is not None
    closed = tip.closed_at if tip.closed_at.tzinfo else tip.closed_at.replace(tzinfo=UTC)
    due = closed + 90 * DAY
    assert abs((tip.expires_at.replace(tzinfo=UTC) - due).total_seconds()) < 1
    assert "It will be deleted on" in staff.get(f"/staff/tips/{tip_id}").text
    with app.app_context():
        upload_dir = current_settings(app).upload_dir
        files = [
            upload_dir / key
            for key in db.session.scalars(
                select(Attachment.storage_key).where(Attachment.tip_id == tip_id)
            )
        ]
        shared = db.session.scalar(select(func.count()).select_from(Indicator))
    assert files and all(path.exists() for path in files)
    # A queued job for the tip (as a retry would leave) goes with it.
    Queue(current_settings(app).triage_queue, connection=redis_client).enqueue(
        "portal.jobs.triage.triage_tip", tip_id, job_id=f"triage-tip-{tip_id}"
    )

    assert sum(_run(app, due - DAY).deleted.values()) == 0
    assert _run(app, due + DAY, dry_run=True).deleted["policy"] == 1
    assert _tip(app, tip_id) is not None  # a dry run deletes nothing
    result = _run(app, due + DAY)
    assert result.deleted["policy"] == 1 and result.files == len(files)

    assert _tip(app, tip_id) is None and _tip(app, other_id) is not None
    assert _counts(app, tip_id) == dict.fromkeys(_counts(app, tip_id), 0)
    assert not any(path.exists() for path in files)
    assert not redis_client.exists(f"rq:job:triage-tip-{tip_id}")
    with app.app_context():
        stone = db.session.get(TipTombstone, tip_id)
        assert (stone.category, stone.status, stone.reason) == (
            "drugs",
            "closed_no_action",
            "policy",
        )
        actions = set(
            db.session.scalars(select(AuditEvent.action).where(AuditEvent.tip_id == tip_id))
        )
        assert {"change_status", "add_note", "delete_tip"} <= actions
        # The phone both tips mention stays (the other tip has it); nothing else of it does.
        assert db.session.scalar(select(func.count()).select_from(Indicator)) == shared
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(TipIndicator)
                .where(TipIndicator.tip_id == other_id)
            )
            >= 1
        )
    stored = database_bytes(app, backend) + b"".join(
        p.read_bytes() for p in upload_dir.rglob("*") if p.is_file()
    )
    assert CANARY.encode() not in stored
    assert all(str(tip_id) not in key.decode() for key in redis_client.keys("rq:job:*"))
    staff_page = staff.get(f"/staff/tips/{tip_id}")
    assert staff_page.status_code == 404


def test_a_legal_hold_blocks_deletion_until_it_is_lifted(app, client):
    tip_id, _ = _report(app, client)
    supervisor = staff_client(app, "supervisor", "budi")
    _close(supervisor, tip_id, "closed_spam")
    later = datetime.now(UTC) + 30 * DAY
    token = _csrf(supervisor, f"/staff/tips/{tip_id}")
    bad = supervisor.post(
        f"/staff/tips/{tip_id}/hold",
        data={"csrf_token": token, "reason": "", "case_reference": "X", "review_on": "2020-01-01"},
    )
    assert bad.status_code == 400 and "Choose a date after today" in bad.text
    review = (date.today() + 60 * DAY).isoformat()
    placed = supervisor.post(
        f"/staff/tips/{tip_id}/hold",
        data={
            "csrf_token": token,
            "reason": f"Evidence {CANARY}",
            "case_reference": "LP/123/XII/2026",
            "review_on": review,
        },
    )
    assert placed.status_code == 303
    page = supervisor.get(f"/staff/tips/{tip_id}").text
    assert "Legal hold: this tip will not be deleted." in page and "LP/123/XII/2026" in page
    with app.app_context():
        sealed = db.session.execute(text("SELECT reason_sealed FROM legal_holds")).scalar()
        assert CANARY.encode() not in bytes(sealed)
    result = _run(app, later)
    assert sum(result.deleted.values()) == 0 and result.held == 1
    assert _tip(app, tip_id) is not None

    analyst = staff_client(app, "analyst", "ani")
    assert (
        analyst.post(
            f"/staff/tips/{tip_id}/hold/lift",
            data={"csrf_token": _csrf(analyst, f"/staff/tips/{tip_id}")},
        ).status_code
        == 403
    )
    lifted = supervisor.post(f"/staff/tips/{tip_id}/hold/lift", data={"csrf_token": token})
    assert lifted.status_code == 303
    assert _run(app, later).deleted["policy"] == 1
    assert _tip(app, tip_id) is None


def test_the_outlook_shows_the_holders_next_fortnight_and_old_open_tips(app, client):
    make_orgs(app)
    soon, _ = _report(app, client)
    far, _ = _report(app, client)
    old_open, _ = _report(app, client)
    now = datetime.now(UTC)
    with app.app_context():
        db.session.execute(
            text(
                "UPDATE tips SET status = 'closed_no_action', closed_at = :c, expires_at = :e WHERE id = :id"
            ),
            {"c": now - 80 * DAY, "e": now + 10 * DAY, "id": soon},
        )
        db.session.execute(
            text(
                "UPDATE tips SET status = 'closed_no_action', closed_at = :c, expires_at = :e WHERE id = :id"
            ),
            {"c": now, "e": now + 90 * DAY, "id": far},
        )
        db.session.execute(
            text("UPDATE tips SET created_at = :c WHERE id = :id"),
            {"c": now - 400 * DAY, "id": old_open},
        )
        db.session.commit()
    supervisor = staff_client(app, "supervisor", "kepala")
    page = supervisor.get("/staff/retention/outlook").text
    expiring = page.split('id="expiring-h"')[1].split("</section>")[0]
    assert f"#{soon}<" in expiring and f"#{far}<" not in expiring
    assert "Retention policy" in expiring
    long_open = page.split('id="open-h"')[1].split("</section>")[0]
    assert f"#{old_open}<" in long_open and f"#{soon}<" not in long_open
    partner = staff_client(app, "supervisor", "mitra", org="bnn")
    other = partner.get("/staff/retention/outlook").text
    assert f"#{soon}<" not in other and "Nothing is due to be deleted." in other
    assert staff_client(app, "analyst", "ana").get("/staff/retention/outlook").status_code == 403


def test_the_reporter_can_withdraw_undo_within_the_grace_period_and_then_it_goes(app, client):
    tip_id, code = _report(app, client)
    reporter = app.test_client()
    page = _follow_up(reporter, code)
    assert "You can ask us to delete your report. You will have 7 days" in page
    confirm = reporter.get("/en/follow-up/delete")
    assert confirm.status_code == 200 and "Delete your report?" in confirm.text
    assert "your receipt code will stop working" in confirm.text
    assert _tip(app, tip_id).withdrawn_at is None  # asking is not deleting
    token = form_tokens(confirm.text)["csrf_token"]
    assert reporter.post("/en/follow-up/delete", data={"csrf_token": token}).status_code == 303
    page = reporter.get("/en/follow-up").text
    assert "Your report will be deleted. You can still change your mind." in page
    assert "It will be deleted on" in page and "Keep my report" in page
    withdrawn = _tip(app, tip_id).withdrawn_at.replace(tzinfo=UTC)
    staff = staff_client(app, "supervisor", "lina")
    assert "The reporter asked to delete this report" in staff.get(f"/staff/tips/{tip_id}").text

    assert sum(_run(app, withdrawn + 3 * DAY).deleted.values()) == 0
    keep = reporter.post(
        "/en/follow-up/keep", data={"csrf_token": _csrf(reporter, "/en/follow-up")}
    )
    assert keep.status_code == 303
    assert "Your report will be kept. Thank you." in reporter.get("/en/follow-up").text
    assert _tip(app, tip_id).withdrawn_at is None and _tip(app, tip_id).expires_at is None
    assert sum(_run(app, withdrawn + 30 * DAY).deleted.values()) == 0

    reporter.post("/en/follow-up/delete", data={"csrf_token": _csrf(reporter, "/en/follow-up")})
    withdrawn = _tip(app, tip_id).withdrawn_at.replace(tzinfo=UTC)
    assert _run(app, withdrawn + 8 * DAY).deleted["withdrawn"] == 1
    assert _tip(app, tip_id) is None
    with app.app_context():
        assert db.session.get(TipTombstone, tip_id).reason == "withdrawn"
        actions = set(
            db.session.scalars(select(AuditEvent.action).where(AuditEvent.tip_id == tip_id))
        )
        assert {"reporter_withdrew", "reporter_kept_report", "delete_tip"} <= actions
    again = app.test_client()
    again.get("/en/follow-up")
    answer = again.post(
        "/en/follow-up", data={"csrf_token": _csrf(again, "/en/follow-up"), "code": code}
    )
    assert answer.status_code == 400 and "We could not find a report with this code" in answer.text


def test_a_withdrawal_under_a_legal_hold_is_told_plainly_and_waits_for_the_case(app, client):
    tip_id, code = _report(app, client)
    supervisor = staff_client(app, "supervisor", "rudi")
    token = _csrf(supervisor, f"/staff/tips/{tip_id}")
    supervisor.post(
        f"/staff/tips/{tip_id}/hold",
        data={
            "csrf_token": token,
            "reason": "Court case",
            "case_reference": "PN-7",
            "review_on": (date.today() + 30 * DAY).isoformat(),
        },
    )
    reporter = app.test_client()
    _follow_up(reporter, code)
    confirm = reporter.get("/en/follow-up/delete").text
    assert "passed on to an authority for a case" in confirm
    reporter.post("/en/follow-up/delete", data={"csrf_token": form_tokens(confirm)["csrf_token"]})
    page = reporter.get("/en/follow-up").text
    assert "It will be deleted when the case ends." in page and "Keep my report" not in page
    result = _run(app, datetime.now(UTC) + 30 * DAY)
    assert result.held == 1 and _tip(app, tip_id) is not None
    supervisor.post(f"/staff/tips/{tip_id}/hold/lift", data={"csrf_token": token})
    assert _run(app, datetime.now(UTC) + 30 * DAY).deleted["withdrawn"] == 1


def test_the_policy_is_shown_to_staff_and_set_by_the_coordinators_administrators(app, client):
    make_orgs(app)
    tip_id, _ = _report(app, client)
    supervisor = staff_client(app, "supervisor", "sup")
    _close(supervisor, tip_id, "closed_actioned")
    before = _tip(app, tip_id).expires_at
    analyst = staff_client(app, "analyst", "anal")
    page = analyst.get("/staff/retention")
    assert page.status_code == 200 and 'name="days_' not in page.text and "730" in page.text
    admin = staff_client(app, "admin", "adm")
    form = admin.get("/staff/retention").text
    tokens = form_tokens(form)
    fields = dict(re.findall(r'name="(days_[a-z_]+)"[^>]*value="(\d+)"', form))
    assert len(fields) == 16 and fields["days_drugs_closed_actioned"] == "730"
    refused = admin.post(
        "/staff/retention", data={**tokens, **fields, "days_drugs_closed_actioned": "0"}
    )
    assert refused.status_code == 400
    saved = admin.post(
        "/staff/retention", data={**tokens, **fields, "days_drugs_closed_actioned": "365"}
    )
    assert saved.status_code == 303
    assert "1 closed tip has a new deletion date" in admin.get("/staff/retention").text
    after = _tip(app, tip_id).expires_at
    assert (before - after).days == 365
    partner_admin = staff_client(app, "admin", "padm", org="bnn")
    own = {"csrf_token": _csrf(partner_admin, "/staff/retention")}
    assert 'name="days_' not in partner_admin.get("/staff/retention").text
    assert partner_admin.post("/staff/retention", data={**own, **fields}).status_code == 403
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "change_retention"))
        assert event.detail["old"] == 730 and event.detail["new"] == 365


def test_the_command_and_the_daily_job(app, client, redis_client):
    tip_id, _ = _report(app, client)
    with app.app_context():
        db.session.execute(
            text(
                "UPDATE tips SET status = 'closed_spam', closed_at = :c, expires_at = :e WHERE id = :id"
            ),
            {"c": datetime.now(UTC) - 10 * DAY, "e": datetime.now(UTC) - 3 * DAY, "id": tip_id},
        )
        db.session.commit()
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["retention", "run", "--dry-run"])
    assert (
        dry.exit_code == 0 and "would delete 1 tips (1 under the policy, 0 withdrawn" in dry.output
    )
    assert _tip(app, tip_id) is not None
    with app.app_context():
        queue = Queue(current_settings(app).triage_queue, connection=redis_client)
        at = datetime(2026, 12, 8, 1, 30, tzinfo=UTC)
        assert jobs.next_run(at) == datetime(2026, 12, 8, 2, 0, tzinfo=UTC)
        assert jobs.next_run(at.replace(hour=3)) == datetime(2026, 12, 9, 2, 0, tzinfo=UTC)
        assert jobs.schedule_daily(queue, at) is True
        assert jobs.schedule_daily(queue, at) is False  # one scheduled run, however many workers
        assert jobs.JOB_ID in queue.scheduled_job_registry.get_job_ids()
        assert jobs.run_retention_job() == "deleted 1, held 0"
    assert _tip(app, tip_id) is None
    done = runner.invoke(args=["retention", "run"])
    assert "deleted 0 tips" in done.output


def test_a_partner_sees_that_a_tip_is_held_but_not_why(app, client):
    from tests.organisations.helpers import answer, refer

    orgs = make_orgs(app)
    tip_id, _ = _report(app, client)
    coordinator = staff_client(app, "supervisor", "koord")
    assert refer(coordinator, tip_id, orgs["bnn"]).status_code == 303
    partner = staff_client(app, "supervisor", "polisi", org="bnn")
    waiting = partner.get(f"/staff/tips/{tip_id}").text
    assert "Place a legal hold" not in waiting  # a referral not accepted gives no say
    assert answer(partner, tip_id).status_code == 303
    token = _csrf(coordinator, f"/staff/tips/{tip_id}")
    coordinator.post(
        f"/staff/tips/{tip_id}/hold",
        data={"csrf_token": token, "reason": "Saksi kunci", "case_reference": "LP-42", "review_on": (date.today() + 30 * DAY).isoformat()},
    )
    page = partner.get(f"/staff/tips/{tip_id}").text
    assert "Legal hold: this tip will not be deleted." in page
    assert "LP-42" not in page and "Saksi kunci" not in page
    assert "Lift the legal hold" not in page
    assert "LP-42" in coordinator.get(f"/staff/tips/{tip_id}").text


def test_a_shorter_policy_deletes_nothing_before_the_outlook_could_show_it(app, client):
    tip_id, _ = _report(app, client)
    now = datetime.now(UTC)
    with app.app_context():
        db.session.execute(text("UPDATE tips SET status = 'closed_actioned', closed_at = :c, expires_at = :e WHERE id = :id"), {"c": now - 100 * DAY, "e": now + 630 * DAY, "id": tip_id})
        db.session.commit()
    admin = staff_client(app, "admin", "adm2")
    form = admin.get("/staff/retention").text
    fields = dict(re.findall(r'name="(days_[a-z_]+)"[^>]*value="(\d+)"', form))
    saved = admin.post("/staff/retention", data={**form_tokens(form), **fields, "days_drugs_closed_actioned": "30"})
    assert saved.status_code == 303
    expires = _tip(app, tip_id).expires_at.replace(tzinfo=UTC)
    assert timedelta(days=13) < expires - now <= timedelta(days=14, minutes=5)
    assert sum(_run(app, now + DAY).deleted.values()) == 0
    assert _run(app, now + 15 * DAY).deleted["policy"] == 1

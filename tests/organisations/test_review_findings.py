"""What a review of need-to-know found, each kept fixed: nothing of a tip or of an
organisation that a partner may not know reaches it by a side door."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

from portal.extensions import db
from portal.models import AuditEvent, Indicator, StaffUser, Tip
from portal.warnings import services as warnings
from tests.helpers import form_tokens
from tests.organisations.helpers import answer, follow_up, make_orgs, refer, report
from tests.staff.helpers import make_staff, staff_client

CANARY = "CANARY-HIDDEN-0xdead"


def _user_id(app, username):
    with app.app_context():
        return db.session.scalar(db.select(StaffUser.id).where(StaffUser.username == username))


def test_exports_name_no_hidden_tip_and_keep_red_out_of_stix(app, client):
    orgs = make_orgs(app)
    hidden, _ = report(app, client, description=f"{CANARY} Tuyển gấp, Zalo 0912 345 678")
    amber, _ = report(app, client)
    red, _ = report(app, client, description="Tuyển gấp, Telegram @tuyen_dung_do")
    with app.app_context():
        for indicator in db.session.scalars(db.select(Indicator)):
            indicator.first_seen_at = datetime(2020, 1, 2, tzinfo=UTC)  # the hidden tip's day
        db.session.commit()
    coordinator = staff_client(app, "supervisor")
    embassy = staff_client(app, "supervisor", org="embassy")
    refer(coordinator, amber, orgs["embassy"], tlp="amber")
    answer(embassy, amber, "accept")
    refer(coordinator, red, orgs["embassy"], tlp="red")
    answer(embassy, red, "accept")
    csv_text = embassy.get("/staff/exports/tips.csv?status=").get_data(as_text=True)
    rows = {line.split(",")[0]: line for line in csv_text.splitlines()[1:]}
    assert set(rows) == {str(amber), str(red)}
    cluster_column = csv_text.splitlines()[0].split(",").index("cluster_id")
    assert rows[str(amber)].split(",")[cluster_column] == ""  # the cluster is named by #1
    bundle = json.loads(embassy.get("/staff/exports/indicators.stix.json?status=").get_data(as_text=True))
    patterns = " ".join(o.get("pattern", "") for o in bundle["objects"])
    assert "tuyen_dung_do" not in patterns  # the RED tip stays out of the STIX file
    assert "+84912345678" in patterns
    dated = [o["created"] for o in bundle["objects"] if o["type"] == "indicator"]
    assert dated and not any(created.startswith("2020") for created in dated)


def test_a_transfer_gives_the_thread_but_never_an_unticked_contact(app, client):
    orgs = make_orgs(app)
    tip_id, _ = report(app, client, contact="zalo me 0900 111 222")
    coordinator = staff_client(app, "supervisor")
    embassy = staff_client(app, "supervisor", org="embassy")
    refer(coordinator, tip_id, orgs["embassy"], mode="transfer")
    answer(embassy, tip_id, "accept")
    page = embassy.get(f"/staff/tips/{tip_id}").text
    assert "0900 111 222" not in page
    assert f"/staff/tips/{tip_id}/reply" in page  # it holds the conversation now
    refer(embassy, tip_id, orgs["bnn"], contact=True)  # cannot pass on what it was not given
    bnn = staff_client(app, "analyst", org="bnn")
    assert bnn.get(f"/staff/tips/{tip_id}").status_code == 404


def test_only_the_first_answer_after_a_relayed_question_goes_to_the_asker(app, client):
    orgs = make_orgs(app)
    tip_id, code = report(app, client)
    coordinator = staff_client(app, "supervisor")
    embassy = staff_client(app, "analyst", org="embassy")
    refer(coordinator, tip_id, orgs["embassy"])
    answer(embassy, tip_id, "accept")
    page = coordinator.get(f"/staff/tips/{tip_id}").text
    coordinator.post(f"/staff/tips/{tip_id}/reply", data={
        "csrf_token": form_tokens(page)["csrf_token"], "body": "What is your home address?"})
    page = embassy.get(f"/staff/tips/{tip_id}").text
    embassy.post(f"/staff/tips/{tip_id}/relay", data={
        "csrf_token": form_tokens(page)["csrf_token"], "body": "Which city?"})
    page = coordinator.get(f"/staff/tips/{tip_id}").text
    relay = re.search(r"/staff/relays/(\d+)/decide", page).group(1)
    coordinator.post(f"/staff/relays/{relay}/decide", data={
        "csrf_token": form_tokens(page)["csrf_token"], "decision": "yes"})
    for body in ("City is Sihanoukville", "SECRET-ADDR 12 Jalan Mawar"):
        thread = follow_up(client, code).text
        client.post("/vi/follow-up/reply", data={"csrf_token": form_tokens(thread)["csrf_token"],
                    "body": body}, content_type="multipart/form-data")
    page = embassy.get(f"/staff/tips/{tip_id}").text
    assert "City is Sihanoukville" in page
    assert "SECRET-ADDR" not in page and "home address" not in page
    assert "SECRET-ADDR" in coordinator.get(f"/staff/tips/{tip_id}").text


def test_a_transfer_releases_the_senders_assignee_and_needs_a_supervisor(app, client):
    orgs = make_orgs(app)
    tip_id, _ = report(app, client)
    coordinator = staff_client(app, "supervisor", username="coordsup")
    page = coordinator.get(f"/staff/tips/{tip_id}").text
    coordinator.post(f"/staff/tips/{tip_id}/assign", data={
        "csrf_token": form_tokens(page)["csrf_token"], "assignee": str(_user_id(app, "coordsup"))})
    refer(coordinator, tip_id, orgs["embassy"], mode="transfer")
    analyst = staff_client(app, "analyst", org="embassy")
    answer(analyst, tip_id, "accept")
    with app.app_context():
        assert db.session.get(Tip, tip_id).holder_org_id is None  # an analyst cannot take it
    supervisor = staff_client(app, "supervisor", org="embassy")
    answer(supervisor, tip_id, "accept")
    with app.app_context():
        tip = db.session.get(Tip, tip_id)
        assert tip.holder_org_id == orgs["embassy"] and tip.assignee_id is None
    assert f'href="/staff/tips/{tip_id}"' not in coordinator.get("/staff/queue?assignee=me").text


def test_partners_see_only_warnings_the_public_sees(app, client):
    make_orgs(app)
    hidden, _ = report(app, client, description=f"{CANARY} Tuyển gấp, Zalo 0912 345 678")
    with app.app_context():
        warning = warnings.publish(
            "phone", "+84912345678", {"id": "x", "en": "WITHDRAWN-SUMMARY", "vi": "x"},
            date(2026, 1, 1), hidden, None,
        )
        db.session.commit()
        warnings.withdraw(warning)
        db.session.commit()
    assert "WITHDRAWN-SUMMARY" not in staff_client(app, "analyst", org="embassy").get("/staff/warnings").text
    assert "WITHDRAWN-SUMMARY" in staff_client(app, "analyst").get("/staff/warnings").text


def test_a_partner_is_told_when_the_coordinator_changes_its_accounts(app, client):
    make_orgs(app)
    admin = staff_client(app, "admin")
    make_staff(app, "emb-analyst", "analyst", org="embassy")
    embassy_admin = staff_client(app, "admin", org="embassy")
    page = admin.get("/staff/admin/accounts").text
    admin.post(f"/staff/admin/accounts/{_user_id(app, 'emb-analyst')}/deactivate",
               data={"csrf_token": form_tokens(page)["csrf_token"]})
    assert "deactivate_account" in embassy_admin.get("/staff/admin/audit").text


def test_common_platform_domains_are_not_offered_as_shared_identifiers(app, client):
    orgs = make_orgs(app)
    report(app, client, description=f"{CANARY} tuyển dụng https://www.facebook.com/scam.page.one")
    sent, _ = report(app, client, description="Việc làm lương cao https://www.facebook.com/other.page.two")
    coordinator = staff_client(app, "supervisor")
    embassy = staff_client(app, "analyst", org="embassy")
    refer(coordinator, sent, orgs["embassy"])
    answer(embassy, sent, "accept")
    page = embassy.get(f"/staff/tips/{sent}").text
    assert "facebook[.]com" not in " ".join(re.findall(r"held by other organisations[^<]*", page))


def test_other_organisations_people_are_named_by_their_organisation(app, client):
    orgs = make_orgs(app)
    tip_id, _ = report(app, client)
    coordinator = staff_client(app, "supervisor", username="coord-secret-name")
    embassy = staff_client(app, "supervisor", org="embassy")
    refer(coordinator, tip_id, orgs["embassy"])
    answer(embassy, tip_id, "accept")
    page = embassy.get(f"/staff/tips/{tip_id}").text
    assert "coord-secret-name" not in page and "Waspada · refer" in page
    assert "coord-secret-name" in coordinator.get(f"/staff/tips/{tip_id}").text
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)) > 0


def test_a_third_organisation_does_not_learn_who_holds_the_tip(app, client):
    orgs = make_orgs(app)
    tip_id, _ = report(app, client)
    coordinator = staff_client(app, "supervisor")
    embassy = staff_client(app, "supervisor", org="embassy")
    refer(coordinator, tip_id, orgs["embassy"], mode="transfer")
    answer(embassy, tip_id, "accept")
    refer(coordinator, tip_id, orgs["bnn"])
    bnn = staff_client(app, "analyst", org="bnn")
    page = bnn.get(f"/staff/tips/{tip_id}").text
    line = re.search(r"Talks with the reporter and runs the workflow: ([^<]*)<", page).group(1)
    assert line == "another organisation"
    page = staff_client(app, "analyst").get(f"/staff/tips/{tip_id}").text
    assert "runs the workflow: Đại sứ quán" in page  # the coordinator knows

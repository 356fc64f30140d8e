"""Need-to-know and referrals, through the real pages: what each organisation sees of a tip,
and how a tip travels between them."""

from __future__ import annotations

import json
import re

from portal.extensions import db
from portal.models import AuditEvent, Referral, ReferralRule, Tip, TipAccess
from tests.helpers import form_tokens
from tests.organisations.helpers import answer, csrf, follow_up, make_orgs, refer, report
from tests.staff.helpers import staff_client

CANARY = "CANARY-7f3a-only-for-the-coordinator"


def test_a_partner_sees_only_what_was_sent_to_it(app, client):
    orgs = make_orgs(app)
    sent, code = report(app, client, photo=True, contact="zalo me 0900 111 222")
    kept, _ = report(app, client, description=f"{CANARY} Tuyển gấp, Zalo 0912 345 678")
    coordinator = staff_client(app, "supervisor")
    embassy = staff_client(app, "analyst", org="embassy")
    outsider = staff_client(app, "admin", org="ngo")

    # Before any referral: nobody but the coordinator knows the tips exist.
    for tip_id in (sent, kept):
        assert embassy.get(f"/staff/tips/{tip_id}").status_code == 404
    assert CANARY not in embassy.get("/staff/queue").text
    assert "/staff/tips/" not in embassy.get("/staff/queue?status=").text

    response = refer(coordinator, sent, orgs["embassy"], tlp="amber", photos=False)
    assert response.status_code == 303
    page = embassy.get(f"/staff/tips/{sent}")
    assert page.status_code == 200
    assert "Tuyển gấp CSKH" in page.text
    assert "0900 111 222" not in page.text  # no contact
    assert "/staff/attachments/" not in page.text  # no photos
    with app.app_context():
        attachment = db.session.scalar(db.select(Tip).where(Tip.id == sent)).attachments[0].id
    assert embassy.get(f"/staff/attachments/{attachment}").status_code == 404
    assert coordinator.get(f"/staff/attachments/{attachment}").status_code == 200
    # The tip it shares an identifier with stays hidden: only a count.
    assert CANARY not in page.text
    assert f"/staff/tips/{kept}" not in page.text
    assert "1 tip held by other organisations shares this identifier" in page.text
    # The unrelated organisation still sees nothing at all.
    assert outsider.get(f"/staff/tips/{sent}").status_code == 404
    assert outsider.get(f"/staff/attachments/{attachment}").status_code == 404

    queue = embassy.get("/staff/queue").text
    assert f'href="/staff/tips/{sent}"' in queue and "1 tip waits for your answer" in queue


def test_accept_relay_and_the_reporter_is_told_in_their_language(app, client):
    orgs = make_orgs(app)
    tip_id, code = report(app, client)
    coordinator = staff_client(app, "supervisor")
    embassy = staff_client(app, "analyst", org="embassy")
    refer(coordinator, tip_id, orgs["embassy"])

    # Pending: the reporter is not told yet.
    assert 'id="passed-on"' not in follow_up(client, code).text
    assert answer(embassy, tip_id, "accept").status_code == 303
    thread = follow_up(client, code).text
    assert "Báo cáo của bạn đã được chuyển" in thread or 'id="passed-on"' in thread
    assert "Đại sứ quán Việt Nam tại Campuchia" in thread  # this embassy allows its name

    # The embassy does not talk with the reporter itself: it asks the coordinator.
    page = embassy.get(f"/staff/tips/{tip_id}").text
    assert f"/staff/tips/{tip_id}/reply" not in page
    embassy.post(
        f"/staff/tips/{tip_id}/relay",
        data={"csrf_token": form_tokens(page)["csrf_token"], "body": "Bạn đang ở thành phố nào?"},
    )
    page = coordinator.get(f"/staff/tips/{tip_id}").text
    relay = int(re.search(r"/staff/relays/(\d+)/decide", page).group(1))
    coordinator.post(
        f"/staff/relays/{relay}/decide",
        data={"csrf_token": form_tokens(page)["csrf_token"], "decision": "yes"},
    )
    thread = follow_up(client, code).text
    assert "Bạn đang ở thành phố nào?" in thread
    client.post(
        "/vi/follow-up/reply",
        data={"csrf_token": form_tokens(thread)["csrf_token"], "body": "Tôi ở Sihanoukville"},
        content_type="multipart/form-data",
    )
    assert "Tôi ở Sihanoukville" in embassy.get(f"/staff/tips/{tip_id}").text
    with app.app_context():
        actions = db.session.scalars(
            db.select(AuditEvent.action).where(AuditEvent.tip_id == tip_id).order_by(AuditEvent.id)
        ).all()
    for step in ("refer", "accept_referral", "ask_relay", "send_relay"):
        assert step in actions


def test_decline_ends_access_and_transfer_moves_the_tip(app, client):
    orgs = make_orgs(app)
    first, _ = report(app, client)
    second, _ = report(app, client, description="Tuyển người đi Campuchia, Zalo 0912 000 111")
    coordinator = staff_client(app, "supervisor")
    embassy = staff_client(app, "supervisor", org="embassy")
    refer(coordinator, first, orgs["embassy"])
    answer(embassy, first, "decline", reason="Not ours")
    assert embassy.get(f"/staff/tips/{first}").status_code == 404
    with app.app_context():
        assert db.session.get(TipAccess, (orgs["embassy"], first)) is None

    refer(coordinator, second, orgs["embassy"], mode="transfer", messages=True)
    answer(embassy, second, "accept")
    with app.app_context():
        assert db.session.get(Tip, second).holder_org_id == orgs["embassy"]
    # The embassy now holds the conversation; the coordinator still sees the tip.
    assert f"/staff/tips/{second}/reply" in embassy.get(f"/staff/tips/{second}").text
    assert f"/staff/tips/{second}/reply" not in coordinator.get(f"/staff/tips/{second}").text
    # The embassy transfers it on to the drug agency: its own access ends on acceptance.
    refer(embassy, second, orgs["bnn"], mode="transfer")
    bnn = staff_client(app, "supervisor", org="bnn")
    answer(bnn, second, "accept")
    assert embassy.get(f"/staff/tips/{second}").status_code == 404
    assert bnn.get(f"/staff/tips/{second}").status_code == 200


def test_amber_strict_and_red_go_no_further(app, client):
    orgs = make_orgs(app)
    tip_id, _ = report(app, client)
    coordinator = staff_client(app, "supervisor")
    embassy = staff_client(app, "supervisor", org="embassy")
    refer(coordinator, tip_id, orgs["embassy"], tlp="amber+strict")
    answer(embassy, tip_id, "accept")
    page = embassy.get(f"/staff/tips/{tip_id}").text
    assert f"/staff/tips/{tip_id}/refer" not in page
    refer(embassy, tip_id, orgs["bnn"])  # the form is absent; a forged post is refused
    with app.app_context():
        assert db.session.scalar(db.select(Referral.id).where(Referral.to_org_id == orgs["bnn"])) is None


def test_a_receiver_cannot_loosen_the_marking_or_add_what_it_was_not_given(app, client):
    orgs = make_orgs(app)
    tip_id, _ = report(app, client, photo=True)
    coordinator = staff_client(app, "supervisor")
    embassy = staff_client(app, "supervisor", org="embassy")
    refer(coordinator, tip_id, orgs["embassy"], tlp="amber")
    answer(embassy, tip_id, "accept")
    refer(embassy, tip_id, orgs["bnn"], tlp="clear")
    refer(embassy, tip_id, orgs["bnn"], tlp="amber", photos=True)
    with app.app_context():
        assert db.session.scalar(db.select(Referral.id).where(Referral.to_org_id == orgs["bnn"])) is None
    assert refer(embassy, tip_id, orgs["bnn"], tlp="red").status_code == 303
    with app.app_context():
        made = db.session.scalar(db.select(Referral).where(Referral.to_org_id == orgs["bnn"]))
        assert made.tlp == "red" and not made.with_photos


def test_access_request_granted_by_the_coordinator(app, client):
    orgs = make_orgs(app)
    sent, _ = report(app, client)
    hidden, _ = report(app, client, description=f"{CANARY} Zalo 0912 345 678")
    coordinator = staff_client(app, "supervisor")
    embassy = staff_client(app, "analyst", org="embassy")
    refer(coordinator, sent, orgs["embassy"])
    answer(embassy, sent, "accept")
    page = embassy.get(f"/staff/tips/{sent}").text
    indicator = re.search(r'name="indicator" value="(\d+)"', page).group(1)
    embassy.post(
        f"/staff/tips/{sent}/access-request",
        data={"csrf_token": form_tokens(page)["csrf_token"], "indicator": indicator,
              "reason": "Same recruiter"},
    )
    requests_page = coordinator.get("/staff/access-requests").text
    assert "Same recruiter" in requests_page
    request_id = re.search(r"/staff/access-requests/(\d+)/decide", requests_page).group(1)
    coordinator.post(
        f"/staff/access-requests/{request_id}/decide",
        data={"csrf_token": form_tokens(requests_page)["csrf_token"], "decision": "yes"},
    )
    assert CANARY in embassy.get(f"/staff/tips/{hidden}").text
    with app.app_context():
        actions = set(db.session.scalars(db.select(AuditEvent.action)))
    assert {"request_access", "grant_access_request", "grant_access"} <= actions


def test_referral_rules_fire_on_triage_and_go_on_the_history(app, client):
    orgs = make_orgs(app)
    with app.app_context():
        db.session.add(
            ReferralRule(name="Drugs in Indonesia", category="drugs", country="ID", min_score=1,
                         to_org_id=orgs["bnn"])
        )
        db.session.commit()
    drugs, _ = report(
        app, client, "drugs", "id", country="ID",
        description="Ready sabu 1 gram, COD Jakarta, order WA 0812-3456-7890",
    )
    other, _ = report(app, client)
    bnn = staff_client(app, "analyst", org="bnn")
    page = bnn.get(f"/staff/tips/{drugs}").text
    assert "Drugs in Indonesia" in page  # the firing, with the rule's name, on the history
    assert bnn.get(f"/staff/tips/{other}").status_code == 404
    with app.app_context():
        # Triage again (a retry): the rule does not refer twice.
        from portal.organisations.referrals import apply_rules

        tip = db.session.get(Tip, drugs)
        assert apply_rules(drugs, tip.category, tip.country, tip.score) == []


def test_an_organisation_has_its_own_notes_dashboard_export_and_audit_log(app, client):
    orgs = make_orgs(app)
    tip_id, _ = report(app, client)
    report(app, client, description=f"{CANARY} tuyển người")
    coordinator = staff_client(app, "admin")
    embassy = staff_client(app, "admin", org="embassy")
    refer(coordinator, tip_id, orgs["embassy"])
    token = csrf(coordinator, f"/staff/tips/{tip_id}")
    coordinator.post(f"/staff/tips/{tip_id}/notes", data={"csrf_token": token, "body": CANARY})
    assert CANARY not in embassy.get(f"/staff/tips/{tip_id}").text
    dashboard = embassy.get("/staff/dashboard").text
    assert re.search(r"\b1\b", dashboard)
    with app.app_context():
        total = db.session.scalar(db.select(db.func.count()).select_from(Tip))
    assert total == 2
    audit = embassy.get("/staff/admin/audit").text
    assert "add_note" not in audit and "refer" in audit
    assert embassy.get("/staff/organisations").status_code == 403
    assert embassy.get("/staff/admin/support").status_code == 403


def test_org_commands(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["org", "create", "kp2mi", "--name", "Kementerian P2MI", "--kind",
              "migrant-protection", "--country", "id", "--categories", "job-offer",
              "--countries", "ID,MY"]
    )
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["org", "create", "kp2mi", "--name", "x", "--kind", "ngo",
                               "--country", "ID"]).exit_code != 0
    bad = runner.invoke(args=["org", "create", "x y", "--name", "x", "--kind", "ngo", "--country", "ID"])
    assert bad.exit_code != 0 and "slug" in bad.output
    listed = json.loads(runner.invoke(args=["org", "list"]).output)
    kp2mi = next(org for org in listed if org["slug"] == "kp2mi")
    assert kp2mi["countries"] == ["ID", "MY"] and kp2mi["members"] == 0
    made = runner.invoke(args=["staff", "create", "rina", "--role", "analyst", "--org", "kp2mi"])
    assert made.exit_code == 0 and "kp2mi" in made.output
    assert runner.invoke(args=["staff", "create", "budi", "--role", "analyst", "--org", "nope"]).exit_code != 0
    listed = json.loads(runner.invoke(args=["org", "list"]).output)
    assert next(org for org in listed if org["slug"] == "kp2mi")["members"] == 1


def test_production_refuses_demo_accounts_and_codes(app, monkeypatch):
    import dataclasses

    import portal.demo

    with app.app_context():
        real = portal.demo.current_settings()
    monkeypatch.setattr(
        portal.demo, "current_settings", lambda: dataclasses.replace(real, env="production")
    )
    runner = app.test_cli_runner()
    for args in (["demo", "load"], ["demo", "code", "demo-coordinator"]):
        result = runner.invoke(args=args)
        assert result.exit_code != 0 and "never" in result.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Tip)) == 0


def test_demo_code_is_only_for_demo_accounts(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    code = runner.invoke(args=["demo", "code", "demo-embassy"]).output.strip()
    assert re.fullmatch(r"\d{6}", code)
    assert runner.invoke(args=["demo", "code", "someone-else"]).exit_code != 0


def test_a_member_who_joins_later_sees_the_organisations_tips_at_once(app, client):
    orgs = make_orgs(app)
    tip_id, _ = report(app, client)
    coordinator = staff_client(app, "supervisor")
    refer(coordinator, tip_id, orgs["embassy"])
    newcomer = staff_client(app, "analyst", org="embassy")
    assert newcomer.get(f"/staff/tips/{tip_id}").status_code == 200
    assert f'href="/staff/tips/{tip_id}"' in newcomer.get("/staff/queue").text


def test_the_coordinator_edits_an_organisation_as_the_page_shows_it(app, client):
    orgs = make_orgs(app)
    admin = staff_client(app, "admin")
    page = admin.get(f"/staff/organisations/{orgs['embassy']}").text
    assert 'value="KH, VN"' in page or 'value="VN, KH"' in page
    fields = {name: value for name, value in re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', page)}
    fields.update(
        name="Đại sứ quán Việt Nam tại Campuchia", kind="embassy", languages=["vi", "en"],
        categories=["job-offer", "other"], name_public="y",
    )
    response = admin.post(f"/staff/organisations/{orgs['embassy']}", data=fields)
    assert response.status_code == 303, response.text[-3000:]
    with app.app_context():
        from portal.models import Organisation

        org = db.session.get(Organisation, orgs["embassy"])
        assert sorted(org.countries) == ["KH", "VN"] and org.categories == ["job-offer", "other"]
    assert admin.post(f"/staff/organisations/{orgs['embassy']}", data={
        "csrf_token": fields["csrf_token"], "name": "x", "kind": "embassy", "country": "VN",
    }).status_code == 303

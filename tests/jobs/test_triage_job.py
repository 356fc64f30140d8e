from portal.extensions import db
from portal.jobs import store
from portal.jobs.triage import triage_tip
from portal.models import Indicator, Tip, TipIndicator, TriageState
from tests.helpers import submit_report


def report(client, category="drugs", **fields) -> None:
    assert submit_report(client, category, **fields).status_code == 303


def triage_all(app) -> None:
    with app.app_context():
        for tip_id in db.session.scalars(db.select(Tip.id).order_by(Tip.id)).all():
            triage_tip(tip_id)


def get(app, tip_id) -> Tip:
    return db.session.get(Tip, tip_id)


def test_triage_stores_indicators_score_reasons_and_routing(app, client):
    report(
        client,
        "drugs",
        lang="id",
        country="ID",
        description="Akun ini jual sabu, ready stock, COD seluruh Jakarta. Harga 1jt per "
        "gram, order via WA 0812-3456-7890 atau t.me/kristal_shop",
        link="instagram.com/kristal.store",
    )
    triage_all(app)
    with app.app_context():
        tip = db.session.scalar(db.select(Tip))
        assert tip.triage_state == TriageState.DONE
        found = set(store.tip_indicators(tip.id))
        assert ("phone", "+6281234567890") in found
        assert ("telegram", "kristal_shop") in found
        assert ("instagram", "kristal.store") in found
        assert tip.score >= 50
        assert {r["rule_id"] for r in tip.score_reasons} & {"price_list", "cod_delivery"}
        assert all(r["explanation"] for r in tip.score_reasons)
        assert tip.routing and all(r["why"] and r["reason"] for r in tip.routing)
        assert tip.cluster_id == tip.id


def test_the_reporters_own_contact_is_never_an_indicator(app, client):
    report(
        client,
        "other",
        country="ID",
        description="Penipuan lowongan kerja",
        contact="saya 0813-9999-8888 reporter@example.org",
    )
    triage_all(app)
    with app.app_context():
        values = {v for _k, v in store.tip_indicators(db.session.scalar(db.select(Tip.id)))}
        assert "+6281399998888" not in values and "reporter@example.org" not in values


def test_tips_sharing_an_indicator_are_linked_transitively(app, client):
    report(client, description="Jual sabu, WA 0812-1111-2222", country="ID")
    report(client, description="Jual ekstasi, t.me/toko_gelap", country="ID")
    report(client, description="Akun ini jual: WA 0812 1111 2222 dan t.me/toko_gelap", country="ID")
    report(client, description="Tidak berhubungan, WA 0812-7777-6666", country="ID")
    triage_all(app)
    with app.app_context():
        tips = db.session.scalars(db.select(Tip).order_by(Tip.id)).all()
        assert [t.cluster_id for t in tips] == [tips[0].id] * 3 + [tips[3].id]
        related = store.related_tips(tips[2].id)
        assert {r.tip_id for r in related} == {tips[0].id, tips[1].id}
        shared = {r.tip_id: r.shared for r in related}
        assert shared[tips[0].id] == (("phone", "+6281211112222"),) or (
            ("phone", "+6281211112222") in shared[tips[0].id]
        )
        assert store.cluster_members(tips[0].id) == [t.id for t in tips[:3]]


def test_platform_domains_alone_do_not_link_tips(app, client):
    report(client, description="Lihat t.me/+AbCdEfInvite1 grup jualan", country="ID")
    report(client, description="Grup lain t.me/+ZyXwVuInvite2", country="ID")
    triage_all(app)
    with app.app_context():
        tips = db.session.scalars(db.select(Tip).order_by(Tip.id)).all()
        assert tips[0].cluster_id != tips[1].cluster_id


def test_running_the_job_again_duplicates_nothing(app, client):
    report(client, description="Jual sabu WA 0812-3456-7890, hxxps://toko-gelap[.]com")
    triage_all(app)
    with app.app_context():
        tip_id = db.session.scalar(db.select(Tip.id))
        counts = (db.session.query(Indicator).count(), db.session.query(TipIndicator).count())
        tip = db.session.get(Tip, tip_id)
        tip.set_triage_state(TriageState.QUEUED)  # as if a second job ran after a crash
        db.session.commit()
        assert triage_tip(tip_id) == "done"
        assert (
            db.session.query(Indicator).count(),
            db.session.query(TipIndicator).count(),
        ) == counts


def test_someone_in_danger_is_urgent_whatever_the_text(app, client):
    report(client, "job-offer", description="Lowongan admin", situation="danger")
    triage_all(app)
    with app.app_context():
        tip = db.session.scalar(db.select(Tip))
        assert tip.urgent and tip.priority == "urgent" and tip.priority_rank == 0


def test_urgency_in_the_text_raises_priority_in_any_category(app, client):
    report(
        client,
        "other",
        lang="id",
        description="Adik saya disekap di Kamboja, paspornya ditahan, tidak bisa pulang",
    )
    triage_all(app)
    with app.app_context():
        tip = db.session.scalar(db.select(Tip))
        assert tip.priority == "urgent" and tip.score >= 90


def test_job_offer_routing_includes_the_embassy_in_the_destination(app, client):
    report(
        client,
        "job-offer",
        lang="id",
        country="ID",
        destination="KH",
        description="Kerja CS di Sihanoukville gaji 15 juta, visa turis",
    )
    triage_all(app)
    with app.app_context():
        tip = db.session.scalar(db.select(Tip))
        text = " ".join(f"{r['name']} {r['reason']}" for r in tip.routing)
        assert "Phnom Penh" in text or "Cambodia" in text

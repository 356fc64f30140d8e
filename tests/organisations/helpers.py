"""Organisations for tests: a drug agency, an embassy and an unrelated NGO beside the
coordinator, and tips sent to them through the real pages."""

from __future__ import annotations

import io
import re

from PIL import Image

from portal.extensions import db
from portal.jobs.triage import triage_tip
from portal.models import Tip
from portal.organisations import services
from tests.helpers import form_tokens, receipt_from, submit_report

ORGS = {
    "bnn": services.OrgFields(
        "bnn", "Badan Narkotika Nasional", "law-enforcement", "ID", "National Narcotics Board",
        ("drugs",), ("ID",), ("id", "en"),
    ),
    "embassy": services.OrgFields(
        "embassy", "Đại sứ quán Việt Nam tại Campuchia", "embassy", "VN",
        "Embassy of Viet Nam in Cambodia", ("job-offer",), ("VN", "KH"), ("vi", "en"),
        name_public=True,
    ),
    "ngo": services.OrgFields(
        "ngo", "Hotline Peduli", "ngo", "ID", "Care hotline", ("other",), ("ID",), ("id",),
    ),
}


def make_orgs(app) -> dict[str, int]:
    with app.app_context():
        services.ensure_coordinator()
        ids = {slug: services.create(fields).id for slug, fields in ORGS.items()}
        db.session.commit()
        return ids


def png() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "PNG")
    buffer.seek(0)
    return buffer


def report(app, client, category="job-offer", lang="vi", *, photo=False, **fields) -> tuple[int, str]:
    """Send a report through the form, triage it, return its id and receipt code."""
    fields.setdefault("description", "Tuyển gấp CSKH Campuchia lương 30 triệu, Zalo 0912 345 678")
    fields.setdefault("country", "VN")
    files = [(png(), "photo.png")] if photo else None
    response = submit_report(client, category, lang, files=files, **fields)
    assert response.status_code == 303, response.text[:2000]
    code = receipt_from(client, lang)
    with app.app_context():
        tip_id = db.session.scalar(db.select(Tip.id).order_by(Tip.id.desc()))
        triage_tip(tip_id)
    return tip_id, code


def csrf(client, url) -> str:
    return form_tokens(client.get(url).text)["csrf_token"]


def refer(client, tip_id, org_id, *, tlp="amber", mode="share", reason="For you", **ticks):
    token = csrf(client, f"/staff/tips/{tip_id}")
    data = {"csrf_token": token, "to_org": str(org_id), "reason": reason, "tlp": tlp, "mode": mode}
    data.update({name: "y" for name, on in ticks.items() if on})
    return client.post(f"/staff/tips/{tip_id}/refer", data=data)


def pending_referral_id(page: str) -> int:
    return int(re.search(r'/staff/referrals/(\d+)/answer', page).group(1))


def answer(client, tip_id, decision="accept", reason=""):
    page = client.get(f"/staff/tips/{tip_id}").text
    referral = pending_referral_id(page)
    return client.post(
        f"/staff/referrals/{referral}/answer",
        data={"csrf_token": form_tokens(page)["csrf_token"], "decision": decision, "reason": reason},
    )


def follow_up(client, code: str, lang: str = "vi"):
    """The reporter opens their follow-up page with the receipt code."""
    page = client.get(f"/{lang}/follow-up").text
    client.post(f"/{lang}/follow-up", data={"csrf_token": form_tokens(page)["csrf_token"], "code": code})
    return client.get(f"/{lang}/follow-up")

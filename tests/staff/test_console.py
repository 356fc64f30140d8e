import io
import re

import pytest
from PIL import Image

from portal.extensions import db
from portal.jobs.triage import triage_tip
from portal.models import Attachment, Tip, TipStatus
from portal.models.staff import AuditEvent, StaffUser
from tests.helpers import form_tokens, receipt_from, submit_report
from tests.staff.helpers import staff_client


def make_tips(app, client, n=3, **fields):
    for i in range(n):
        submit_report(
            client,
            fields.pop("category", "drugs"),
            country="ID",
            description=fields.get("description", f"Jual sabu {i}, WA 0812-3456-78{i:02d}"),
        )
    with app.app_context():
        ids = db.session.scalars(db.select(Tip.id).order_by(Tip.id)).all()
        for tip_id in ids:
            triage_tip(tip_id)
        return ids


def csrf(client, url):
    return form_tokens(client.get(url).text)["csrf_token"]


def test_queue_is_ranked_by_priority_then_score_then_age(app, client):
    submit_report(client, "drugs", country="ID", description="Berita: polisi menangkap pengedar")
    submit_report(
        client, "job-offer", country="ID", situation="danger", description="Lowongan admin"
    )
    submit_report(
        client,
        "drugs",
        country="ID",
        description="Ready sabu 1 gram 1jt, COD, order WA 0812-3456-7890, sistem tempel",
    )
    with app.app_context():
        for tip_id in db.session.scalars(db.select(Tip.id)).all():
            triage_tip(tip_id)
        expected = [
            t.id
            for t in sorted(
                db.session.scalars(db.select(Tip)).all(),
                key=lambda t: (t.priority_rank, -t.score, t.created_at, t.id),
            )
        ]
    analyst = staff_client(app, "analyst")
    page = analyst.get("/staff/queue").text
    shown = [int(x) for x in re.findall(r'href="/staff/tips/(\d+)"', page)]
    assert shown == expected
    assert shown[0] == 2  # someone in danger comes first


def test_queue_filters_and_keyset_pagination(app, client):
    ids = make_tips(app, client, n=5)
    analyst = staff_client(app, "analyst")
    seen: list[int] = []
    url = "/staff/queue?category=drugs"
    from portal.casework import queries

    original = queries.PAGE_SIZE
    queries.PAGE_SIZE = 2
    try:
        for _ in range(5):
            page = analyst.get(url).text
            seen += [int(x) for x in re.findall(r'href="/staff/tips/(\d+)"', page)]
            more = re.search(r'href="(/staff/queue\?after=[^"]+)"', page)
            if not more:
                break
            url = more.group(1).replace("&amp;", "&")
    finally:
        queries.PAGE_SIZE = original
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen))
    assert "No tips match" in analyst.get("/staff/queue?category=extremism").text
    assert analyst.get("/staff/queue?category=weapons").status_code == 400
    assert analyst.get("/staff/queue?after=garbage").status_code == 400
    assert analyst.get("/staff/queue?date_from=yesterday").status_code == 400


def test_search_finds_a_phone_typed_in_another_format(app, client):
    ids = make_tips(app, client, n=2)
    analyst = staff_client(app, "analyst")
    page = analyst.get("/staff/queue?q=%2B62+812-3456-7801").text
    assert [int(x) for x in re.findall(r'href="/staff/tips/(\d+)"', page)] == [ids[1]]
    page = analyst.get("/staff/queue?q=sabu+1").text
    assert f'href="/staff/tips/{ids[1]}"' in page


def test_tip_detail_shows_everything_on_one_page(app, client):
    submit_report(
        client,
        "drugs",
        country="ID",
        link="hxxps://toko-gelap[.]com/menu",
        description="Akun ini jual sabu, COD, WA 0812-3456-7890, t.me/toko_gelap",
        files=[(io.BytesIO(_png()), "a.png")],
    )
    submit_report(client, "drugs", country="ID", description="Lagi: t.me/toko_gelap jual ekstasi")
    with app.app_context():
        for tip_id in db.session.scalars(db.select(Tip.id)).all():
            triage_tip(tip_id)
    analyst = staff_client(app, "analyst")
    page = analyst.get("/staff/tips/1").text
    assert "hxxps://toko-gelap[.]com/menu" in page and "toko-gelap[.]com" in page
    assert "+6281234567890" in page
    assert "<code>" in page and "explanation" not in page  # reasons rendered, not raw
    assert "/staff/tips/2" in page  # related through the shared Telegram handle
    assert 'class="blurred"' in page
    assert "Why this score" in page and "Who can act" in page


def test_workflow_notes_assignment_and_reply_reach_the_reporter(app, client):
    submit_report(client, "drugs", country="ID", description="jual sabu")
    code = receipt_from(client)
    analyst = staff_client(app, "analyst", "ana")
    token = csrf(analyst, "/staff/tips/1")
    assert (
        analyst.post(
            "/staff/tips/1/status", data={"csrf_token": token, "status": "in_review"}
        ).status_code
        == 303
    )
    analyst.post("/staff/tips/1/assign", data={"csrf_token": token, "assignee": _id(app, "ana")})
    analyst.post("/staff/tips/1/notes", data={"csrf_token": token, "body": "Cek akun IG-nya"})
    analyst.post(
        "/staff/tips/1/reply",
        data={"csrf_token": token, "body": "Terima kasih, bisa kirim tangkapan layar?"},
    )
    with app.app_context():
        tip = db.session.get(Tip, 1)
        assert tip.status == TipStatus.IN_REVIEW and tip.first_reviewed_at is not None
        assert tip.assignee_id == int(_id(app, "ana"))
        actions = db.session.scalars(
            db.select(AuditEvent.action).where(AuditEvent.tip_id == 1)
        ).all()
        assert {"change_status", "assign", "add_note", "reply", "view_tip"} <= set(actions)
    reporter = app.test_client()
    csrf_token = form_tokens(reporter.get("/en/follow-up").text)["csrf_token"]
    reporter.post("/en/follow-up", data={"csrf_token": csrf_token, "code": code})
    page = reporter.get("/en/follow-up").text
    assert "bisa kirim tangkapan layar?" in page
    assert "Cek akun IG-nya" not in page  # internal notes stay internal
    assert "Someone on our team is reading your report." in page


def test_analysts_cannot_close_as_no_action_or_assign_others(app, client):
    submit_report(client, "drugs", description="x")
    analyst = staff_client(app, "analyst", "amy")
    staff_client(app, "analyst", "ben")
    token = csrf(analyst, "/staff/tips/1")
    analyst.post("/staff/tips/1/status", data={"csrf_token": token, "status": "in_review"})
    response = analyst.post(
        "/staff/tips/1/status",
        data={"csrf_token": token, "status": "closed_no_action"},
        follow_redirects=True,
    )
    assert "not allowed" in response.text
    response = analyst.post(
        "/staff/tips/1/assign", data={"csrf_token": token, "assignee": _id(app, "ben")}
    )
    assert response.status_code == 400  # not even offered as a choice
    supervisor = staff_client(app, "supervisor", "sue")
    token = csrf(supervisor, "/staff/tips/1")
    supervisor.post(
        "/staff/tips/1/status", data={"csrf_token": token, "status": "closed_no_action"}
    )
    supervisor.post("/staff/tips/1/assign", data={"csrf_token": token, "assignee": _id(app, "ben")})
    with app.app_context():
        tip = db.session.get(Tip, 1)
        assert tip.status == TipStatus.CLOSED_NO_ACTION
        assert tip.assignee_id == int(_id(app, "ben"))


def test_photos_are_served_to_staff_only(app, client):
    submit_report(client, "drugs", description="x", files=[(io.BytesIO(_png()), "a.png")])
    with app.app_context():
        attachment_id = db.session.scalar(db.select(Attachment.id))
    url = f"/staff/attachments/{attachment_id}"
    assert client.get(url).status_code == 302  # the reporter's own browser: no
    analyst = staff_client(app, "analyst")
    response = analyst.get(url)
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("analyst", {"queue": 200, "tip": 200, "account": 200}),
        ("supervisor", {"queue": 200, "tip": 200, "account": 200}),
        ("admin", {"queue": 200, "tip": 200, "account": 200}),
    ],
)
def test_each_role_reaches_its_pages(app, client, role, expected):
    submit_report(client, "drugs", description="x")
    user = staff_client(app, role)
    assert user.get("/staff/queue").status_code == expected["queue"]
    assert user.get("/staff/tips/1").status_code == expected["tip"]
    assert user.get("/staff/account").status_code == expected["account"]
    assert user.get("/staff/tips/999").status_code == 404


def _id(app, username) -> str:
    with app.app_context():
        return str(db.session.scalar(db.select(StaffUser.id).where(StaffUser.username == username)))


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (30, 30), "red").save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    "q",
    [
        "x'; DROP TABLE tips; --",
        "%",
        "_",
        "\\",
        "' OR 1=1 --",
        "0812-3456-7800",
        "@toko",
        "ភាសាខ្មែរ",
        '"; SELECT pg_sleep(5)',
    ],
)
def test_search_input_is_data_never_sql(app, client, q):
    make_tips(app, client, n=1)
    analyst = staff_client(app, "analyst")
    response = analyst.get("/staff/queue", query_string={"q": q})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Tip)) == 1
    if q in ("%", "_", "\\"):
        assert "No tips match" in response.text  # wildcards are matched literally


def test_questionnaire_answers_are_shown_as_questions_and_answers_in_the_staff_language(
    app, client
):
    submit_report(
        client,
        "job-offer",
        country="ID",
        situation="danger",
        where_seen="telegram",
        destination="KH",
        salary="15 juta",
        description="Lowongan admin di Kamboja",
    )
    page = staff_client(app, "analyst").get("/staff/tips/1").text
    answers = re.search(r'<dl class="answers">(.*?)</dl>', page, re.S).group(1)
    assert "<dt>Which country is the job in?</dt>" in answers
    assert "<dd>Someone is in danger now or cannot come home</dd>" in answers
    assert "<dt>situation</dt>" not in answers and ">danger<" not in answers
    assert "Cambodia" in answers and "15 juta" in answers
    page_vi = staff_client(app, "analyst", username="vi-reader")
    with app.app_context():
        db.session.execute(
            db.update(StaffUser).where(StaffUser.username == "vi-reader").values(language="vi")
        )
        db.session.commit()
    answers_vi = re.search(r'<dl class="answers">(.*?)</dl>', page_vi.get("/staff/tips/1").text, re.S)
    assert "Campuchia" in answers_vi.group(1)


def test_score_section_says_in_words_where_automatic_triage_is(app, client):
    submit_report(client, "other", country="ID", description="Ada akun aneh")
    analyst = staff_client(app, "analyst")
    assert "Not triaged yet: it is waiting in the triage queue." in analyst.get(
        "/staff/tips/1"
    ).text
    with app.app_context():
        db.session.execute(
            db.update(Tip).values(triage_state="failed", triage_error="TimeoutError")
        )
        db.session.commit()
    page = analyst.get("/staff/tips/1").text
    assert "Automatic triage failed: TimeoutError" in page
    assert "(failed)" not in page

import io
import re
import time

from PIL import Image

from portal.extensions import db
from portal.models import Attachment, Author, Message, Tip, TipStatus
from portal.tips import services
from tests.helpers import form_tokens, receipt_from, submit_report


def open_follow_up(client, code: str, lang: str = "en"):
    tokens = form_tokens(client.get(f"/{lang}/follow-up").text)
    return client.post(
        f"/{lang}/follow-up", data={"csrf_token": tokens["csrf_token"], "code": code}
    )


def report_and_get_code(client, **fields) -> str:
    submit_report(client, "drugs", description=fields.pop("description", "jual sabu"), **fields)
    return receipt_from(client)


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(out, "PNG")
    return out.getvalue()


def test_receipt_code_is_16_digits_in_groups_of_four(client):
    code = report_and_get_code(client)
    groups = code.split(" ")
    assert [len(g) for g in groups] == [4, 4, 4, 4]


def test_follow_up_shows_status_in_plain_words_and_staff_messages(app, client):
    code = report_and_get_code(client)
    with app.app_context():
        tip = db.session.scalar(db.select(Tip))
        tip.status = TipStatus.IN_REVIEW
        db.session.add(Message(tip=tip, author=Author.STAFF, body="Can you send a screenshot?"))
        db.session.commit()
    other = app.test_client()  # a different device: only the code is needed
    assert open_follow_up(other, code).status_code == 303
    page = other.get("/en/follow-up").text
    assert "Someone on our team is reading your report." in page
    assert "Can you send a screenshot?" in page


def test_code_can_be_typed_with_spaces_or_dashes(client):
    code = report_and_get_code(client)
    assert open_follow_up(client, code.replace(" ", "-")).status_code == 303


def test_wrong_code_gets_the_same_answer_whether_or_not_it_exists(app, client):
    code = report_and_get_code(client).replace(" ", "")
    wrong = str((int(code) + 1) % 10**16).zfill(16)
    unknown = "0000111122223333"
    answers = [open_follow_up(app.test_client(), c) for c in (wrong, unknown)]
    assert [a.status_code for a in answers] == [400, 400]
    without_tokens = [re.sub(r'value="[^"]*"', "", a.text) for a in answers]
    assert without_tokens[0] == without_tokens[1]
    assert "could not find a report with this code" in answers[0].text


def test_wrong_code_takes_the_same_work_whether_or_not_it_exists(app, client, monkeypatch):
    calls: list[str] = []
    original = services.receipts.hash_receipt
    monkeypatch.setattr(
        services.receipts,
        "hash_receipt",
        lambda code, settings: calls.append(code) or original(code, settings),
    )
    code = report_and_get_code(client).replace(" ", "")
    calls.clear()
    with app.test_request_context():
        assert services.find_tip_by_receipt(code) is not None
        assert services.find_tip_by_receipt("9999888877776666") is None
        assert services.find_tip_by_receipt("not a code") is None
    assert len(calls) == 3  # one slow hash each, found or not, well-formed or not


def test_malformed_code_gets_a_hint(client):
    response = open_follow_up(client, "12345")
    assert response.status_code == 400
    assert "16 digits" in response.text


def test_reporter_can_reply_with_text_and_an_image(app, client):
    code = report_and_get_code(client)
    open_follow_up(client, code)
    tokens = form_tokens(client.get("/en/follow-up").text)
    response = client.post(
        "/en/follow-up/reply",
        data={
            "csrf_token": tokens["csrf_token"],
            "body": "Here is more: the account moved to @new_shop",
            "images": [(io.BytesIO(png_bytes()), "shot.png")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    page = client.get("/en/follow-up").text
    assert "the account moved to @new_shop" in page
    with app.app_context():
        message = db.session.scalar(db.select(Message))
        attachment = db.session.scalar(db.select(Attachment))
        assert message.author == Author.REPORTER
        assert attachment.message_id == message.id


def test_empty_reply_is_refused(client):
    open_follow_up(client, report_and_get_code(client))
    tokens = form_tokens(client.get("/en/follow-up").text)
    response = client.post(
        "/en/follow-up/reply", data={"csrf_token": tokens["csrf_token"], "body": "  "}
    )
    assert response.status_code == 400
    assert "write a message or add a photo" in response.text


def test_reply_without_an_open_report_goes_back_to_the_code_form(client):
    tokens = form_tokens(client.get("/en/follow-up").text)
    response = client.post(
        "/en/follow-up/reply", data={"csrf_token": tokens["csrf_token"], "body": "hi"}
    )
    assert response.status_code == 303


def test_follow_up_session_expires_and_can_be_closed(app, client, monkeypatch):
    open_follow_up(client, report_and_get_code(client))
    assert "Your report" in client.get("/en/follow-up").text
    tokens = form_tokens(client.get("/en/follow-up").text)
    client.post("/en/follow-up/leave", data={"csrf_token": tokens["csrf_token"]})
    assert "Open my report" in client.get("/en/follow-up").text
    open_follow_up(client, receipt_from(client))
    later = time.time() + 31 * 60
    monkeypatch.setattr(time, "time", lambda: later)
    assert "Open my report" in client.get("/en/follow-up").text


def test_follow_up_login_is_rate_limited_with_a_friendly_page(app_factory):
    app = app_factory(RATE_LIMIT_FOLLOW_UP_LOGIN="3 per minute")
    client = app.test_client()
    statuses = [open_follow_up(client, "1111222233334444", lang="vi").status_code for _ in range(4)]
    assert statuses == [400, 400, 400, 429]
    last = open_follow_up(client, "1111222233334444", lang="vi")
    assert last.status_code == 429
    assert '<html lang="vi"' in last.text

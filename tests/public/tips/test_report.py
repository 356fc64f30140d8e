import threading

import pytest

from portal.extensions import db
from portal.models import Tip, TriageState
from tests.helpers import form_tokens, get_form, receipt_from, submit_report

CATEGORIES = ["drugs", "job-offer", "extremism", "other"]


def tips(app) -> list[Tip]:
    with app.app_context():
        return list(db.session.scalars(db.select(Tip).order_by(Tip.id)))


@pytest.mark.parametrize("category", CATEGORIES)
@pytest.mark.parametrize("lang", ["id", "en", "vi"])
def test_every_report_form_renders_with_labelled_fields(client, category, lang):
    page = client.get(f"/{lang}/report/{category}")
    assert page.status_code == 200
    assert 'name="description"' in page.text and 'name="csrf_token"' in page.text
    assert 'name="website"' in page.text  # honeypot
    assert 'for="description"' in page.text and 'for="contact"' in page.text
    assert f'<html lang="{lang}"' in page.text


def test_drug_report_is_stored_with_its_answers_and_shows_a_receipt(app, client):
    response = submit_report(
        client,
        "drugs",
        description="Akun ini jual sabu, COD",
        link="@seller_demo",
        platform="instagram",
        what_sold="sabu",
        country="ID",
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/en/report/done")
    code = receipt_from(client)
    assert len(code) == 19 and code.replace(" ", "").isdigit()
    [tip] = tips(app)
    assert tip.category == "drugs" and tip.lang == "en" and tip.country == "ID"
    assert tip.answers == {"platform": "instagram", "what_sold": "sabu"}
    assert tip.link == "@seller_demo" and tip.contact == ""
    assert code.replace(" ", "") not in tip.receipt_hash


def test_job_offer_questionnaire_and_danger_show_emergency_numbers_at_once(app, client):
    response = submit_report(
        client,
        "job-offer",
        lang="id",
        description="Sepupu saya di Myawaddy, paspor ditahan",
        where_seen="facebook",
        destination="MM",
        salary="1000 USD",
        situation="danger",
        country="ID",
    )
    assert response.status_code == 303
    done = client.get("/id/report/done").text
    assert 'class="danger-box"' in done
    assert "tel:110" in done  # Indonesia's police line from the support directory
    [tip] = tips(app)
    assert tip.in_danger is True
    assert tip.answers["destination"] == "MM" and tip.answers["situation"] == "danger"


def test_no_emergency_box_when_nobody_is_in_danger(client):
    submit_report(client, "job-offer", description="Lowongan CS di Kamboja", situation="not_left")
    assert 'class="danger-box"' not in client.get("/en/report/done").text


def test_a_link_alone_is_enough(app, client):
    assert submit_report(client, "other", link="https://scam.example/job").status_code == 303
    assert len(tips(app)) == 1


def test_description_or_link_is_required_with_a_clear_message(app, client):
    response = submit_report(client, "drugs", lang="en", description="   ", link="")
    assert response.status_code == 400
    assert "Please describe what you saw, or give a link" in response.text
    assert tips(app) == []


def test_contact_field_is_marked_optional(client):
    assert "(optional)" in client.get("/en/report/drugs").text


def test_honeypot_filled_gets_a_message_not_a_silent_drop(app, client):
    response = submit_report(client, "drugs", description="x", website="http://spam")
    assert response.status_code == 400
    assert "Leave this empty" in response.text
    assert tips(app) == []


def test_missing_csrf_is_refused_with_a_clear_message(app, client):
    tokens = get_form(client, "/en/report/drugs")
    response = client.post(
        "/en/report/drugs", data={"form_token": tokens["form_token"], "description": "x"}
    )
    assert response.status_code == 400
    assert "This form has expired" in response.text
    assert tips(app) == []


def test_the_same_form_sent_twice_stores_one_tip_and_shows_the_same_code(app, client):
    tokens = get_form(client, "/en/report/drugs")
    submit_report(client, "drugs", tokens=tokens, description="first click")
    first = receipt_from(client)
    again = submit_report(client, "drugs", tokens=tokens, description="second click")
    assert again.status_code == 303
    page = client.get("/en/report/done").text
    assert first in page and "already been sent" in page
    assert len(tips(app)) == 1


def test_parallel_submissions_of_one_form_token_store_exactly_one_tip(app):
    client = app.test_client()
    tokens = get_form(client, "/en/report/drugs")
    cookie = client.get_cookie("session")
    results: list[int] = []

    def send() -> None:
        c = app.test_client()
        c.set_cookie(cookie.key, cookie.value)
        results.append(submit_report(c, "drugs", tokens=tokens, description="race").status_code)

    threads = [threading.Thread(target=send) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # One stored tip; each request came from the browser that was given the form (copies of
    # its cookie), so each may show the receipt (a stranger may not: test_security_review).
    assert results == [303] * 50
    assert len(tips(app)) == 1


def test_tip_is_committed_then_queued(app, client, redis_client):
    submit_report(client, "drugs", description="jual sabu")
    [tip] = tips(app)
    assert tip.triage_state == TriageState.QUEUED
    assert redis_client.exists(f"rq:job:triage-tip-{tip.id}")


def test_report_is_stored_while_redis_is_down_and_stays_pending(app_factory):
    app = app_factory(REDIS_URL="redis://127.0.0.1:1/0")
    client = app.test_client()
    response = submit_report(client, "job-offer", description="Kerja di Kamboja gaji 20jt")
    assert response.status_code == 303
    assert receipt_from(client)
    [tip] = tips(app)
    assert tip.triage_state == TriageState.PENDING


def test_unknown_category_and_locale_are_404_in_the_readers_language(client):
    response = client.get("/vi/report/weapons")
    assert response.status_code == 404
    assert '<html lang="vi"' in response.text
    assert client.get("/xx/report/drugs").status_code == 404
    assert client.post("/xx/report/drugs").status_code in (400, 404)


@pytest.mark.parametrize("field", ["description", "link", "contact", "what_sold"])
def test_nul_bytes_are_refused_with_a_message(app, client, field):
    fields = {"description": "ok", field: "bad\x00value"}
    response = submit_report(client, "drugs", **fields)
    assert response.status_code == 400
    assert "could not be read" in response.text
    assert tips(app) == []


def test_invalid_utf8_is_refused_with_a_message(app, client):
    tokens = get_form(client, "/en/report/drugs")
    boundary = "XbOuNdArY"
    parts = []
    for name, value in [*tokens.items(), ("description", None)]:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        )
        parts.append(value.encode() if value is not None else b"caf\xe9 \xff\xfe broken")
        parts.append(b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    response = client.post(
        "/en/report/drugs", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 400
    assert "could not be read" in response.text
    assert tips(app) == []


def test_oversized_fields_are_refused_with_a_message(app, client):
    response = submit_report(client, "drugs", description="x" * 10_001)
    assert response.status_code == 400
    assert "at most 10000 characters" in response.text
    response = submit_report(client, "drugs", description="ok", link="y" * 501)
    assert response.status_code == 400
    assert tips(app) == []


def test_wrong_types_and_made_up_choices_are_refused(app, client):
    assert submit_report(client, "drugs", description="x", platform="myspace").status_code == 400
    assert submit_report(client, "drugs", description="x", country="Narnia").status_code == 400
    response = submit_report(client, "job-offer", description="x", situation=["a", "b"])
    assert response.status_code == 400
    assert "choose an answer from the list" in response.text
    assert tips(app) == []


def test_a_huge_body_gets_a_friendly_413(client):
    tokens = get_form(client, "/en/report/drugs")
    response = client.post("/en/report/drugs", data={**tokens, "description": "x" * (60 << 20)})
    assert response.status_code == 413
    assert "Too much to send at once" in response.text


def test_bad_form_token_is_refused(app, client):
    tokens = get_form(client, "/en/report/drugs")
    response = submit_report(
        client, "drugs", tokens={**tokens, "form_token": "../../etc"}, description="x"
    )
    assert response.status_code == 400
    assert "out of date" in response.text


def test_receipt_is_shown_only_for_a_short_time_and_can_be_hidden(client):
    submit_report(client, "drugs", description="x")
    page = client.get("/en/report/done").text
    tokens = form_tokens(page)
    client.post("/en/report/done", data={"csrf_token": tokens["csrf_token"]})
    page = client.get("/en/report/done").text
    assert 'id="receipt-code"' not in page
    assert "no longer shown" in page


def test_markup_is_stored_as_plain_text_and_escaped_on_output(app, client):
    submit_report(client, "other", description='a < b & c <img src=x onerror=alert(1)> "q"')
    [tip] = tips(app)
    assert tip.description == 'a < b & c  "q"'

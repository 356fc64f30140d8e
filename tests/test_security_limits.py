"""The security review's finding "cheap requests exhaust CPU and memory": IPv6 clients are
counted by /64, every form endpoint has a site-wide ceiling, one request decodes a bounded
number of pixels and stores nothing larger than MAX_SIDE, image work waits its turn, and the
job-offer checker is rate-limited."""

from __future__ import annotations

import dataclasses
import functools
import io
import threading

import pytest
from PIL import Image
from prometheus_client import REGISTRY

from portal.extensions import db
from portal.models import Attachment, Tip
from portal.security import rate_limit_key
from portal.tips.images import MAX_SIDE, PixelBudget, reencode
from tests.helpers import form_tokens, get_form, receipt_from, submit_report

pytestmark = pytest.mark.security

FORTY_MEGAPIXELS = (8000, 5000)


@functools.cache
def huge_png() -> bytes:
    """40 megapixels of one colour: a few KB on disk, 40 MB once decoded."""
    out = io.BytesIO()
    Image.new("L", FORTY_MEGAPIXELS, 200).save(out, "PNG")
    return out.getvalue()


@functools.cache
def huge_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (7000, 5000), "teal").save(out, "JPEG", quality=50)
    return out.getvalue()


def client_at(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


def refusals(limit: str) -> float:
    return REGISTRY.get_sample_value("waspada_rate_limit_refusals_total", {"limit": limit}) or 0.0


def check_offer(client):
    csrf = get_form(client, "/en/check")["csrf_token"]
    return client.post("/en/check", data={"csrf_token": csrf, "offer": "Kerja di Kamboja"})


def open_follow_up(client, code: str):
    csrf = form_tokens(client.get("/en/follow-up").text)["csrf_token"]
    return client.post("/en/follow-up", data={"csrf_token": csrf, "code": code})


# ---------------------------------------------------------------- one client, one count


def test_addresses_of_one_ipv6_64_share_one_limit(app_factory):
    app = app_factory(RATE_LIMIT_SUBMISSION="3 per minute")
    statuses = [
        submit_report(client_at(app, f"2001:db8:1:2::{n}"), description=f"tip {n}").status_code
        for n in range(1, 9)
    ]
    assert statuses == [303, 303, 303, 429, 429, 429, 429, 429]
    neighbour = client_at(app, "2001:db8:1:3::1")  # the next /64: someone else
    assert submit_report(neighbour, description="another household").status_code == 303


def test_ipv4_counts_per_address_also_when_written_as_ipv6(app):
    def key(address: str) -> str:
        with app.test_request_context(environ_base={"REMOTE_ADDR": address}):
            return rate_limit_key()

    assert key("::ffff:192.0.2.1") == key("192.0.2.1")
    assert key("192.0.2.1") != key("192.0.2.2")
    assert key("2001:db8:1:2::1") == key("2001:db8:1:2:ffff:ffff:ffff:ffff")
    assert key("2001:db8:1:2::1") != key("2001:db8:1:3::1")
    assert "2001:db8" not in key("2001:db8:1:2::1")


# ---------------------------------------------------------------- ceilings for everyone


def test_the_submission_ceiling_refuses_many_clients_together(app_factory):
    app = app_factory(RATE_LIMIT_SUBMISSION_GLOBAL="4 per minute")
    before = refusals("submission-global")
    statuses = [
        submit_report(client_at(app, f"198.51.100.{n}"), description=f"tip {n}").status_code
        for n in range(1, 7)
    ]
    assert statuses == [303, 303, 303, 303, 429, 429]
    assert count(app, Tip) == 4
    assert refusals("submission-global") == before + 2


def test_a_client_refused_by_its_own_limit_does_not_use_up_the_ceiling(app_factory):
    app = app_factory(
        RATE_LIMIT_SUBMISSION="2 per minute", RATE_LIMIT_SUBMISSION_GLOBAL="5 per minute"
    )
    flooder = client_at(app, "198.51.100.1")
    statuses = [submit_report(flooder, description=f"flood {n}").status_code for n in range(6)]
    assert statuses == [303, 303, 429, 429, 429, 429]
    others = [
        submit_report(client_at(app, f"198.51.100.{n}"), description=f"tip {n}").status_code
        for n in range(2, 7)
    ]
    assert others == [303, 303, 303, 429, 429]  # 2 + 3 admitted: the ceiling of 5


def test_the_follow_up_sign_in_ceiling_refuses_many_clients_together(app_factory):
    app = app_factory(RATE_LIMIT_FOLLOW_UP_LOGIN_GLOBAL="3 per minute")
    statuses = [
        open_follow_up(client_at(app, f"198.51.100.{n}"), "1111222233334444").status_code
        for n in range(1, 6)
    ]
    assert statuses == [400, 400, 400, 429, 429]


def test_the_follow_up_reply_ceiling_refuses_many_clients_together(app_factory):
    app = app_factory(RATE_LIMIT_FOLLOW_UP_REPLY_GLOBAL="2 per minute")
    client = client_at(app, "198.51.100.1")
    submit_report(client, description="jual sabu")
    assert open_follow_up(client, receipt_from(client)).status_code == 303
    csrf = form_tokens(client.get("/en/follow-up").text)["csrf_token"]
    statuses = []
    for n in range(1, 5):
        client.environ_base["REMOTE_ADDR"] = f"203.0.113.{n}"
        statuses.append(
            client.post(
                "/en/follow-up/reply",
                data={"csrf_token": csrf, "body": f"more {n}"},
                content_type="multipart/form-data",
            ).status_code
        )
    assert statuses == [303, 303, 429, 429]


# ---------------------------------------------------------------- the job-offer checker


def test_the_checker_is_rate_limited_per_client_but_reading_it_is_not(app_factory):
    app = app_factory(RATE_LIMIT_CHECKER="3 per minute")
    client = client_at(app, "198.51.100.1")
    before = refusals("checker")
    assert [check_offer(client).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert refusals("checker") == before + 1
    assert all(client.get("/en/check").status_code == 200 for _ in range(5))
    assert check_offer(client_at(app, "198.51.100.2")).status_code == 200


def test_the_checker_ceiling_refuses_many_clients_together(app_factory):
    app = app_factory(RATE_LIMIT_CHECKER_GLOBAL="3 per minute")
    statuses = [check_offer(client_at(app, f"198.51.100.{n}")).status_code for n in range(1, 6)]
    assert statuses == [200, 200, 200, 429, 429]


# ---------------------------------------------------------------- images


def test_five_40_megapixel_images_in_one_report_are_refused_and_nothing_is_stored(app, client):
    assert len(huge_png()) < 200_000  # cheap to send: the cost is all in decoding
    files = [(io.BytesIO(huge_png()), f"{n}.png") for n in range(5)]
    response = submit_report(client, description="see photos", files=files)
    assert response.status_code == 400
    assert "One of the images is too large to open" in response.text
    assert count(app, Tip) == 0 and count(app, Attachment) == 0
    upload_dir = app.extensions["waspada.settings"].upload_dir
    assert not upload_dir.exists() or not any(p.is_file() for p in upload_dir.rglob("*"))


@pytest.mark.parametrize("image", [huge_png, huge_jpeg], ids=["png", "jpeg"])
def test_a_large_image_is_stored_no_larger_than_the_maximum_side(app, client, image):
    files = [(io.BytesIO(image()), "photo")]
    assert submit_report(client, description="one photo", files=files).status_code == 303
    with app.app_context():
        attachment = db.session.scalar(db.select(Attachment))
        assert max(attachment.width, attachment.height) == MAX_SIDE
        with Image.open(io.BytesIO(image())) as original:
            ratio = original.width / original.height
        assert abs(attachment.width / attachment.height - ratio) < 0.01


def test_a_large_jpeg_is_decoded_at_a_reduced_scale():
    budget = PixelBudget(10**9)
    clean = reencode(
        io.BytesIO(huge_jpeg()), max_bytes=10 << 20, max_pixels=40_000_000, budget=budget
    )
    assert (clean.width, clean.height) == (3000, 2143)
    assert 10**9 - budget.left == 3500 * 2500  # decoded at half scale, not 7000 x 5000


def test_image_work_waits_for_a_free_slot_and_then_answers_503(app, client):
    app.extensions["waspada.settings"] = dataclasses.replace(
        app.extensions["waspada.settings"], image_work_wait_seconds=0.05
    )
    busy = threading.BoundedSemaphore(1)
    app.extensions["waspada.image_slots"] = busy
    small = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(small, "PNG")
    files = [(io.BytesIO(small.getvalue()), "photo.png")]
    busy.acquire()  # another request is decoding images
    response = submit_report(client, description="photo", files=files)
    assert response.status_code == 503
    assert "Nothing you sent before is lost" in response.text
    assert count(app, Tip) == 0
    busy.release()
    files = [(io.BytesIO(small.getvalue()), "photo.png")]
    assert submit_report(client, description="photo", files=files).status_code == 303

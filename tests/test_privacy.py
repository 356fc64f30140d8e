"""A canary client address goes in; it must come out nowhere."""

import logging

from sqlalchemy import inspect

from portal.extensions import db
from tests.helpers import form_tokens, receipt_from, submit_report

CANARY = "198.51.100.213"
CANARY_FORWARDED = "203.0.113.199"


def everything_in_the_database(app) -> str:
    chunks = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(table.select()):
                chunks.append(repr(tuple(row)))
        assert inspect(db.engine).get_table_names()
    return "\n".join(chunks)


def everything_in_redis(redis_client) -> bytes:
    chunks = []
    for key in redis_client.scan_iter():
        chunks.append(key)
        kind = redis_client.type(key)
        if kind == b"string":
            chunks.append(redis_client.get(key) or b"")
        elif kind == b"hash":
            chunks.extend(b"%s=%s" % kv for kv in redis_client.hgetall(key).items())
        elif kind == b"list":
            chunks.extend(redis_client.lrange(key, 0, -1))
        elif kind == b"set":
            chunks.extend(redis_client.smembers(key))
        elif kind == b"zset":
            chunks.extend(m for m, _ in redis_client.zrange(key, 0, -1, withscores=True))
    return b"\n".join(chunks)


def test_canary_address_is_never_stored_or_logged(app_factory, redis_client, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    app = app_factory(PROXY_FIX_X_FOR="1")
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": CANARY, "HTTP_X_FORWARDED_FOR": CANARY_FORWARDED})
    headers = {"X-Forwarded-For": CANARY_FORWARDED, "X-Real-IP": CANARY}

    submit_report(
        client, "job-offer", description="Kerja di Kamboja", situation="danger", headers=headers
    )
    code = receipt_from(client)
    tokens = form_tokens(client.get("/en/follow-up").text)
    client.post(
        "/en/follow-up", data={"csrf_token": tokens["csrf_token"], "code": code}, headers=headers
    )
    tokens = form_tokens(client.get("/en/follow-up").text)
    client.post(
        "/en/follow-up/reply",
        data={"csrf_token": tokens["csrf_token"], "body": "more info"},
        headers=headers,
    )
    client.post(
        "/en/follow-up",
        data={"csrf_token": tokens["csrf_token"], "code": "0000000000000000"},
        headers=headers,
    )
    assert app.test_cli_runner().invoke(args=["triage", "worker", "--burst"]).exit_code == 0

    out, err = capfd.readouterr()
    places = {
        "database": everything_in_the_database(app),
        "redis and job data": everything_in_redis(redis_client).decode("utf-8", "replace"),
        "logs": caplog.text + out + err,
    }
    assert "job-offer" in places["database"]  # the search does see stored data
    assert "Kerja di Kamboja" not in places["database"]  # … and what reporters wrote is sealed
    for where, content in places.items():
        for canary in (CANARY, CANARY_FORWARDED, CANARY.replace(".", "-")):
            assert canary not in content, f"client address found in {where}"

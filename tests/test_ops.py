from tests.helpers import form_tokens


def test_healthz_reports_database_redis_and_queue_depth(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"database": "ok", "redis": "ok", "queue_depth": 0}


def test_healthz_stays_up_without_redis(app_factory):
    app = app_factory(REDIS_URL="redis://127.0.0.1:1/0")
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json["redis"] == "unreachable"
    assert response.json["queue_depth"] is None


def test_database_outage_is_a_clear_503_with_no_stack_trace(tmp_path):
    from portal import create_app
    from tests.conftest import make_env

    broken = create_app(
        make_env(
            {
                "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
                "REDIS_URL": "redis://127.0.0.1:1/0",
            }
        ),
        instance_path=tmp_path / "broken",
    )
    client = broken.test_client()
    assert client.get("/healthz").status_code == 503
    assert client.get("/en/follow-up").status_code == 200  # the form needs no database
    tokens = form_tokens(client.get("/en/follow-up").text)
    response = client.post(
        "/en/follow-up", data={"csrf_token": tokens["csrf_token"], "code": "1234 5678 1234 5678"}
    )
    assert response.status_code == 503
    assert "Traceback" not in response.text and "Nothing you sent before is lost" in response.text

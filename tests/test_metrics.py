"""/metrics: what operators see, who may see it, and that nothing of a reporter is in it.
(Several processes adding up is tested in tests/deploy/test_production_shape.py.)"""

from __future__ import annotations

from prometheus_client import REGISTRY

from tests.helpers import get_form, submit_report

CANARY = "203.0.113.77"
OUTSIDE = {"REMOTE_ADDR": "198.51.100.7"}
TOKEN = "a-metrics-token-long-enough-for-production-0123"


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_metrics_answer_only_loopback_or_the_token(app_factory):
    client = app_factory(METRICS_TOKEN=TOKEN).test_client()
    assert client.get("/metrics").status_code == 200
    assert client.get("/metrics", environ_base=OUTSIDE).status_code == 404
    # Loopback, but through a proxy: the proxy is local, the client is not.
    proxied = client.get("/metrics", headers={"X-Forwarded-For": CANARY})
    assert proxied.status_code == 404
    assert "waspada_" not in proxied.text
    wrong = client.get("/metrics", environ_base=OUTSIDE, headers={"Authorization": "Bearer x"})
    assert wrong.status_code == 404
    right = client.get(
        "/metrics", environ_base=OUTSIDE, headers={"Authorization": f"bearer {TOKEN}"}
    )
    assert right.status_code == 200
    assert right.headers["Content-Type"].startswith("text/plain; version=")
    assert "waspada_triage_queue_depth" in right.text
    assert "waspada_oldest_untriaged_tip_age_seconds" in right.text


def test_reports_and_refusals_are_counted_by_category_and_reason(app_factory):
    client = app_factory(RATE_LIMIT_SUBMISSION="3 per minute").test_client()
    accepted = _value("waspada_reports_accepted_total", category="job-offer")
    invalid = _value("waspada_reports_refused_total", category="job-offer", reason="invalid")
    expired = _value("waspada_reports_refused_total", category="job-offer", reason="expired_form")
    limited = _value("waspada_reports_refused_total", category="job-offer", reason="rate_limited")
    limit = _value("waspada_rate_limit_refusals_total", limit="submission")
    responses_4xx = _value("waspada_http_responses_total", status_class="4xx")

    environ = {"REMOTE_ADDR": CANARY}
    client.environ_base.update(environ)
    text = "Loker Kamboja gaji 2000 USD hubungi t.me/rekrut_canary"
    assert submit_report(client, "job-offer", description=text).status_code == 303
    assert submit_report(client, "job-offer", description="").status_code == 400
    tokens = get_form(client, "/en/report/job-offer")
    no_csrf = {"form_token": tokens["form_token"], "description": text}
    assert client.post("/en/report/job-offer", data=no_csrf).status_code == 400
    statuses = [submit_report(client, "job-offer", description=text).status_code for _ in range(3)]
    assert statuses[-1] == 429, statuses
    accepted += statuses.count(303)
    refused = statuses.count(429)

    assert _value("waspada_reports_accepted_total", category="job-offer") == accepted + 1
    assert _value(
        "waspada_reports_refused_total", category="job-offer", reason="invalid"
    ) == invalid + 1
    assert _value(
        "waspada_reports_refused_total", category="job-offer", reason="expired_form"
    ) == expired + 1
    assert _value(
        "waspada_reports_refused_total", category="job-offer", reason="rate_limited"
    ) == limited + refused
    assert _value("waspada_rate_limit_refusals_total", limit="submission") == limit + refused
    assert _value("waspada_http_responses_total", status_class="4xx") >= responses_4xx + 3

    exposition = client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).text
    for secret in (CANARY, "rekrut_canary", "Kamboja"):
        assert secret not in exposition


def test_follow_up_logins_are_counted_without_the_code(app_factory, client):
    from tests.helpers import receipt_from

    submit_report(client, description="Jual sabu di t.me/contoh")
    code = receipt_from(client)
    before = {
        outcome: _value("waspada_follow_up_logins_total", outcome=outcome)
        for outcome in ("accepted", "wrong_code", "invalid")
    }
    for typed in ("1111 2222 3333 4444", "12", code):
        reader = client.application.test_client()
        tokens = get_form(reader, "/en/follow-up")
        reader.post("/en/follow-up", data={**tokens, "code": typed})
    for outcome in before:
        assert _value("waspada_follow_up_logins_total", outcome=outcome) == before[outcome] + 1
    exposition = client.get("/metrics").text
    assert code.replace(" ", "") not in exposition.replace(" ", "")


def test_every_series_in_the_alert_rules_exists(client):
    import re
    from pathlib import Path

    import yaml

    rules = Path(__file__).resolve().parent.parent / "deploy" / "prometheus" / "waspada.rules.yml"
    expressions = [
        rule["expr"] for group in yaml.safe_load(rules.read_text())["groups"]
        for rule in group["rules"]
    ]
    used = {name for expr in expressions for name in re.findall(r"waspada_\w+", expr)}
    families = {metric.name for metric in REGISTRY.collect() if metric.name.startswith("waspada_")}
    families |= set(re.findall(r"^# TYPE (waspada_\w+)", client.get("/metrics").text, re.M))
    for name in used:
        assert any(name in (family, f"{family}_total") for family in families), name

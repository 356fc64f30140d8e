"""The production shape of deploy/README.md on 127.0.0.1: two gunicorn web processes and
two triage workers on one PostgreSQL and one Redis, with the headers a reverse proxy
sends. Needs the real services (TEST_DATABASE_URL / TEST_REDIS_URL, as `.ci/run` sets)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import redis as redis_lib
from rq import Queue, Worker
from sqlalchemy import create_engine, text

from portal.protection.keys import new_key_line
from tests.deploy.conftest import CANARY, Browser, tokens
from tests.deploy.conftest import report as send_report
from tests.helpers import free_port, stop_process_groups, wait_for

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent.parent
METRICS_TOKEN = "metrics-token-for-the-deploy-test-0123456789"


def _report(browser: Browser, web: str, number: int) -> tuple[int, str | None]:
    return send_report(browser, web, f"Deploy test {number}: jual sabu t.me/toko_{number}")


def _scrape(web: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(f"{web}/metrics", headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def _samples(exposition: str) -> dict[str, float]:
    """'name{labels}' -> value, for the portal's own series."""
    found = {}
    for line in exposition.splitlines():
        if line.startswith("waspada_"):
            name, _, value = line.rpartition(" ")
            found[name] = float(value)
    return found


def test_two_web_processes_and_two_workers_on_one_database_and_redis(services, tmp_path):
    database_url, redis_url = services
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "WASPADA_"))},
        "WASPADA_ENV": "production",
        "SECRET_KEY": "deploy-test-secret-key-0123456789-abcdefghij",
        "RECEIPT_SALT": "deploy-test-receipt-salt",
        "WASPADA_DATA_KEYS": new_key_line("deploy1"),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "PROXY_FIX_X_FOR": "1",
        "WASPADA_INSTANCE": str(tmp_path / "instance"),
        "RATE_LIMIT_SUBMISSION": "5 per minute",
        "WEB_CONCURRENCY": "1",
        "TRIAGE_SWEEP_INTERVAL": "2",
        "PYTHONPATH": str(ROOT),
        "METRICS_TOKEN": METRICS_TOKEN,
        # One folder for every process, so /metrics on either web process adds all up.
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    flask = [sys.executable, "-m", "flask", "--app", "portal"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)

    logs = tmp_path / "logs"
    logs.mkdir()
    processes: list[subprocess.Popen] = []
    webs = []

    def start(name: str, command: list[str], extra: dict[str, str] | None = None) -> None:
        log = (logs / f"{name}.log").open("w")
        processes.append(
            subprocess.Popen(
                command, cwd=ROOT, env={**env, **(extra or {})}, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )
        )

    try:
        for number in (1, 2):
            port = free_port()
            webs.append(f"http://127.0.0.1:{port}")
            start(
                f"web{number}",
                [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "portal.wsgi:app"],
                {"BIND": f"127.0.0.1:{port}"},
            )
            start(f"worker{number}", [*flask, "triage", "worker"])

        def healthy() -> bool:
            try:
                return all(
                    urllib.request.urlopen(f"{web}/healthz", timeout=2).status == 200
                    for web in webs
                )
            except OSError:
                return False

        wait_for(healthy, 60, "both web processes")

        # 20 reporters, each sending one report through each web process.
        codes = []
        for number in range(20):
            phone = Browser(f"{CANARY}{number + 1}")
            for web in webs:
                status, code = _report(phone, web, len(codes))
                assert status == 303 and code, (web, status)
                codes.append(code)
        status, page, headers = Browser(f"{CANARY}1").request(f"{webs[0]}/en/")
        assert headers.get("Strict-Transport-Security", "").startswith("max-age=")

        # One rate limit for the whole site: a flood is counted across both processes,
        # per client address.
        flooder = Browser(f"{CANARY}99")
        statuses = [_report(flooder, webs[n % 2], 100 + n)[0] for n in range(6)]
        assert statuses == [303] * 5 + [429], statuses
        assert _report(Browser(f"{CANARY}98"), webs[1], 200)[0] == 303

        # A receipt from one process opens the report on the other.
        reader = Browser(f"{CANARY}50")
        _, page, _ = reader.request(f"{webs[1]}/en/follow-up")
        wrong = "1111 2222 3333 4444"
        status, _, _ = reader.request(f"{webs[1]}/en/follow-up", {**tokens(page), "code": wrong})
        assert status == 400
        _, page, _ = reader.request(f"{webs[1]}/en/follow-up")
        status, _, _ = reader.request(
            f"{webs[1]}/en/follow-up", {**tokens(page), "code": codes[0]}
        )
        assert status == 303
        _, page, _ = reader.request(f"{webs[1]}/en/follow-up")
        assert "Deploy test 0" in page

        engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
        total = len(codes) + 6

        def all_triaged() -> bool:
            with engine.connect() as conn:
                return conn.execute(
                    text("SELECT count(*) FROM tips WHERE triage_state = 'done'")
                ).scalar() == total

        wait_for(all_triaged, 120, "both workers to triage every report")
        with engine.connect() as conn:
            attempts = conn.execute(text("SELECT DISTINCT triage_attempts FROM tips")).all()
            assert attempts == [(1,)]
            dump = "\n".join(
                str(row)
                for table in ("tips", "messages", "audit_events", "indicators")
                for row in conn.execute(text(f"SELECT * FROM {table}")).all()  # noqa: S608
            )
        engine.dispose()
        redis = redis_lib.Redis.from_url(redis_url)
        workers = Worker.all(queue=Queue("triage", connection=redis))
        assert len(workers) == 2
        assert all(worker.successful_job_count > 0 for worker in workers), [
            worker.successful_job_count for worker in workers
        ]
        metrics = _check_metrics(webs, total, tmp_path / "metrics")
        redis_text = " ".join(
            f"{key!r} {redis.dump(key)!r}" for key in redis.scan_iter(count=1000)
        )
    finally:
        stop_process_groups(processes)

    log_text = "\n".join(path.read_text(errors="replace") for path in logs.iterdir())
    assert '"POST /en/report/drugs" 303' in log_text  # the access log is on
    places = (("database", dump), ("redis", redis_text), ("logs", log_text), ("metrics", metrics))
    for place, content in places:
        assert CANARY not in content, f"a client address reached the {place}"


def _check_metrics(webs: list[str], total: int, folder: Path) -> str:
    """Both web processes report the same totals, counted in four processes; only the
    operator may read them."""

    seen: dict[str, float] = {}

    def triage_counted() -> bool:
        seen.clear()
        seen.update(
            (name, value)
            for name, value in _samples(_scrape(webs[0])[1]).items()
            if name.startswith("waspada_triage")
        )
        return seen.get('waspada_triage_jobs_total{outcome="done"}', 0) == total

    try:
        wait_for(triage_counted, 60, f"the workers' {total} triage jobs done in /metrics")
    except AssertionError as error:
        raise AssertionError(f"{error}; last seen: {seen}") from None
    scrapes = []
    for web in webs:
        status, body = _scrape(web)
        assert status == 200
        scrapes.append(_samples(body))
    first, second = scrapes
    assert _same_counters(first, second), (first, second)
    assert first['waspada_reports_accepted_total{category="drugs"}'] == total
    assert first['waspada_reports_refused_total{category="drugs",reason="rate_limited"}'] == 1
    assert first['waspada_rate_limit_refusals_total{limit="submission"}'] == 1
    assert first['waspada_follow_up_logins_total{outcome="accepted"}'] == 1
    assert first['waspada_follow_up_logins_total{outcome="wrong_code"}'] == 1
    assert first['waspada_triage_job_duration_seconds_count{queue="triage"}'] == total
    assert first["waspada_oldest_untriaged_tip_age_seconds"] == 0
    assert first["waspada_triage_queue_depth"] == 0
    assert first['waspada_http_responses_total{status_class="3xx"}'] >= total + 1
    # Added up from both web processes and both workers (one file per process).
    writers = {name.rsplit("_", 1)[-1] for name in os.listdir(folder) if name.startswith("counter_")}
    assert len(writers) >= 4, sorted(os.listdir(folder))

    # Through the proxy (an outside address), without the token: no such page.
    outsider = Browser(f"{CANARY}7").open(f"{webs[0]}/metrics")
    assert outsider.status == 404
    assert "waspada_" not in outsider.read().decode()
    wrong = Browser(f"{CANARY}7").open(
        f"{webs[0]}/metrics", headers={"Authorization": "Bearer not-the-token"}
    )
    assert wrong.status == 404
    with_token = Browser(f"{CANARY}7").open(
        f"{webs[1]}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
    )
    assert with_token.status == 200
    body = with_token.read().decode()
    assert "waspada_reports_accepted_total" in body
    for forbidden in ("Deploy test", "toko_", "sabu"):
        assert forbidden not in body
    return json.dumps(scrapes) + body


def _same_counters(first: dict[str, float], second: dict[str, float]) -> bool:
    """Counters agree; the scrape itself (2xx responses) may differ by the scrapes between."""
    keys = {k for k in first if "http_responses" not in k} | {
        k for k in second if "http_responses" not in k
    }
    return all(first.get(k) == second.get(k) for k in keys)

"""The production shape of deploy/README.md on 127.0.0.1: two gunicorn web processes and
two triage workers on one PostgreSQL and one Redis, with the headers a reverse proxy
sends. Needs the real services (TEST_DATABASE_URL / TEST_REDIS_URL, as `.ci/run` sets)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
import redis as redis_lib
from rq import Queue, Worker
from sqlalchemy import create_engine, text

from tests.helpers import free_port, stop_process_groups, wait_for

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent.parent
CANARY = "203.0.113."  # TEST-NET-3: the client addresses the "proxy" reports
DATABASE = "waspada_deploy_test"


@pytest.fixture
def services():
    database_url = os.environ.get("TEST_DATABASE_URL")
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not (database_url and redis_url):
        if os.environ.get("CI") == "true":
            pytest.fail("CI must test the production shape: PostgreSQL and Redis are needed")
        pytest.skip("needs TEST_DATABASE_URL and TEST_REDIS_URL")
    server = create_engine(
        database_url.replace("postgresql://", "postgresql+psycopg://", 1),
        isolation_level="AUTOCOMMIT",
    )
    with server.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {DATABASE}"))
    own_db = urllib.parse.urlsplit(database_url)._replace(path=f"/{DATABASE}").geturl()
    own_redis = re.sub(r"/\d+$", "", redis_url) + "/14"
    redis = redis_lib.Redis.from_url(own_redis)
    redis.flushdb()
    yield own_db, own_redis
    redis.flushdb()
    with server.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
    server.dispose()


class Browser:
    """A phone behind the proxy: keeps its cookies (Secure ones too: TLS ended at the
    proxy) and arrives with the headers the proxy adds."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.cookies: dict[str, str] = {}

    def request(self, url: str, data: dict[str, str] | None = None) -> tuple[int, str, dict]:
        headers = {
            "X-Forwarded-For": self.address,
            "X-Forwarded-Proto": "https",
            "Accept-Language": "en",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body, headers=headers)
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            response = opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, response.read().decode(), dict(response.headers)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003
        return None


def _tokens(html: str) -> dict[str, str]:
    found = {}
    for name in ("csrf_token", "form_token"):
        match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html)
        if match:
            found[name] = match.group(1)
    return found


def _report(browser: Browser, web: str, number: int) -> tuple[int, str | None]:
    status, page, _ = browser.request(f"{web}/en/report/drugs")
    assert status == 200
    status, _, headers = browser.request(
        f"{web}/en/report/drugs",
        {**_tokens(page), "description": f"Deploy test {number}: jual sabu t.me/toko_{number}"},
    )
    if status != 303:
        return status, None
    assert headers["Location"].endswith("/en/report/done")
    _, done, _ = browser.request(f"{web}/en/report/done")
    code = re.search(r'id="receipt-code">([^<]*)<', done)
    return status, code.group(1) if code else None


def test_two_web_processes_and_two_workers_on_one_database_and_redis(services, tmp_path):
    database_url, redis_url = services
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "WASPADA_"))},
        "WASPADA_ENV": "production",
        "SECRET_KEY": "deploy-test-secret-key-0123456789-abcdefghij",
        "RECEIPT_SALT": "deploy-test-receipt-salt",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "PROXY_FIX_X_FOR": "1",
        "WASPADA_INSTANCE": str(tmp_path / "instance"),
        "RATE_LIMIT_SUBMISSION": "5 per minute",
        "WEB_CONCURRENCY": "1",
        "TRIAGE_SWEEP_INTERVAL": "2",
        "PYTHONPATH": str(ROOT),
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
                [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "wsgi:app"],
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
        status, _, _ = reader.request(
            f"{webs[1]}/en/follow-up", {**_tokens(page), "code": codes[0]}
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
        redis_text = " ".join(
            f"{key!r} {redis.dump(key)!r}" for key in redis.scan_iter(count=1000)
        )
    finally:
        stop_process_groups(processes)

    log_text = "\n".join(path.read_text(errors="replace") for path in logs.iterdir())
    assert '"POST /en/report/drugs" 303' in log_text  # the access log is on
    for place, content in (("database", dump), ("redis", redis_text), ("logs", log_text)):
        assert CANARY not in content, f"a client address reached the {place}"

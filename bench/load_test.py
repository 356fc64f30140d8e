"""`make load`: 10,000 report submissions from parallel clients against gunicorn on
PostgreSQL + Redis, in production mode behind a (simulated) reverse proxy.

Checks, and prints, what matters under load rather than a speed:
  * zero 5xx and zero connection errors;
  * zero lost reports: every 303 is one stored tip, and nothing else is stored;
  * rate limits applied as configured: honest reporters (a few reports per address)
    are never limited, while flooding addresses get exactly the configured number
    through per window and 429 for the rest.
Settings: LOAD_SUBMISSIONS (10000), LOAD_CLIENTS (32), LOAD_LIMIT ("10 per minute"),
BENCH_DATABASE_URL (PostgreSQL, its database is recreated), BENCH_REDIS_URL.
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import free_port, gunicorn, stop  # noqa: E402
from bench.submit_load import DESCRIPTION, TOKEN  # noqa: E402
from portal.protection.keys import new_key_line  # noqa: E402

SUBMISSIONS = int(os.environ.get("LOAD_SUBMISSIONS", "10000"))
CLIENTS = int(os.environ.get("LOAD_CLIENTS", "32"))
FLOODERS = 2
LIMIT = os.environ.get("LOAD_LIMIT", "10 per minute")
PER_ADDRESS = 4  # honest reporters send a few reports each, well under the limit
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/waspada_load"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")


def recreate_database() -> None:
    parts = urllib.parse.urlsplit(DATABASE_URL)
    server = create_engine(
        parts._replace(scheme="postgresql+psycopg", path="/postgres").geturl(),
        isolation_level="AUTOCOMMIT",
    )
    name = parts.path.lstrip("/")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()


class Reporter:
    """One phone behind the proxy: GET the form, POST it back, keep the session cookie."""

    def __init__(self, port: int, address: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.address = address
        self.cookie = ""

    def _send(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        headers = {"X-Forwarded-For": self.address, "X-Forwarded-Proto": "https"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            # As a browser behind TLS: a same-origin https Referer (Flask-WTF checks it on HTTPS).
            headers["Referer"] = f"https://127.0.0.1:{self.conn.port}{path}"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        page = response.read().decode(errors="replace")
        set_cookie = response.getheader("Set-Cookie")
        if set_cookie:
            self.cookie = set_cookie.split(";", 1)[0]
        return response.status, page

    def report(self, number: int) -> int:
        status, page = self._send("GET", "/id/report/drugs")
        if status != 200:
            return status
        fields = dict(TOKEN.findall(page))
        fields.update(description=f"{DESCRIPTION} #{number}", country="ID")
        status, _ = self._send("POST", "/id/report/drugs", urlencode(fields))
        return status


def main() -> int:
    recreate_database()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("WASPADA_", "TEST_"))},
        "WASPADA_ENV": "production",
        "SECRET_KEY": "load-test-secret-key-0123456789-abcdefghijklmnop",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "PROXY_FIX_X_FOR": "1",
        "RATE_LIMIT_SUBMISSION": LIMIT,
        # The flood comes from thousands of simulated phones at once: the site-wide ceiling
        # (a guard against exactly such a flood) would otherwise be what the run measures.
        "RATE_LIMIT_SUBMISSION_GLOBAL": "1000000 per minute",
        "WASPADA_INSTANCE": str(ROOT / "instance" / "load-test"),
        "WASPADA_DATA_KEYS": new_key_line("load1"),
    }
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "portal", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    port = free_port()
    web = gunicorn("portal.wsgi:app", port, env)  # 2 processes, as in bench/run.py
    statuses: Counter = Counter()
    flood: Counter = Counter()
    errors: list[str] = []
    lock = threading.Lock()
    numbers = itertools.count()
    addresses = itertools.count(1)
    done = threading.Event()

    def send(reporter: Reporter, number: int, tally: Counter) -> None:
        """One report; its status (or -1 for a connection error) is counted in `tally`."""
        try:
            status = reporter.report(number)
        except (OSError, http.client.HTTPException) as error:
            status = -1
            with lock:
                errors.append(repr(error))
        with lock:
            tally[status] += 1

    def honest() -> None:
        while True:
            with lock:
                address = next(addresses)
            octets = (address >> 16 & 255, address >> 8 & 255, address & 255)
            reporter = Reporter(port, "10.{}.{}.{}".format(*octets))
            for _ in range(PER_ADDRESS):
                number = next(numbers)
                if number >= SUBMISSIONS:
                    return
                send(reporter, number, statuses)

    def flooder(index: int) -> None:
        reporter = Reporter(port, f"192.0.2.{index + 1}")
        while not done.is_set():
            send(reporter, -1, flood)
            time.sleep(0.2)

    try:
        started = time.monotonic()
        threads = [threading.Thread(target=honest) for _ in range(CLIENTS)]
        floods = [threading.Thread(target=flooder, args=(i,)) for i in range(FLOODERS)]
        for thread in threads + floods:
            thread.start()
        for thread in threads:
            thread.join()
        done.set()
        for thread in floods:
            thread.join()
        seconds = time.monotonic() - started
    finally:
        stop(web)

    # The descriptions are sealed: read them as the portal does, with the run's data key.
    from portal import create_app
    from portal.extensions import db
    from portal.models import Tip

    app = create_app(env)
    with app.app_context():
        descriptions = [tip.description for tip in db.session.scalars(db.select(Tip))]
        db.engine.dispose()
    stored = len(descriptions)
    numbered = len({d for d in descriptions if not d.endswith("#-1")})
    allowed = int(LIMIT.split()[0])  # "10 per minute": a moving window of 60 s
    windows = int(seconds // 60) + 1
    result = {
        "submissions": sum(statuses.values()),
        "seconds": round(seconds, 1),
        "honest_statuses": dict(statuses),
        "flood_statuses": dict(flood),
        "stored_tips": stored,
        "distinct_honest_tips": numbered,
        "errors": errors[:5],
        "limit": LIMIT,
    }
    print(json.dumps(result, indent=2))
    problems = []
    if any(str(code).startswith("5") for code in list(statuses) + list(flood)) or errors:
        problems.append("server errors or dropped connections")
    if statuses != Counter({303: SUBMISSIONS}):
        problems.append("an honest reporter was refused")
    if stored != statuses[303] + flood[303] or numbered != statuses[303]:
        problems.append("stored tips do not match accepted reports")
    if not flood[429] or flood[303] > FLOODERS * allowed * windows:
        problems.append("the rate limit was not applied as configured")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "load.json").write_text(json.dumps(result, indent=2))
    print("load test:", "OK" if not problems else "FAILED: " + "; ".join(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

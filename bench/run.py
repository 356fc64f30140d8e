"""`make bench`: the portal against a hello-world Flask baseline, same gunicorn, same run.

Absolute numbers mean little on a shared 2-core machine, so every figure is a
ratio to a baseline measured minutes apart with the same settings and load tool:
  * public pages  : wrk -t2 -c32 against gunicorn -w 2, baseline GET / of bench/hello_app.py
  * submission    : bench/submit_load.py (GET form + POST), baseline hello_app's /form,
                    which computes the same argon2id receipt hash per POST
Uses SQLite + embedded Redis unless BENCH_DATABASE_URL / BENCH_REDIS_URL are set.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import submit_load  # noqa: E402
from portal import redis_server  # noqa: E402

SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
PAGES = ["/id/", "/id/report/"]
GOALS = {"page": 0.6, "submission": 0.7}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn(app: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(ROOT / "deploy" / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            app,
        ],
        cwd=ROOT,
        env={**env, "ACCESS_LOG": "0", "WEB_CONCURRENCY": "2"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)  # noqa: S310
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"gunicorn for {app} did not start")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)


def wrk(url: str) -> float:
    out = subprocess.run(
        ["wrk", "-t2", "-c32", f"-d{int(SECONDS)}s", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise RuntimeError(f"{url}: {non2xx.group(1)} error responses")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def main() -> None:
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install -y wrk")
    workdir = Path(tempfile.mkdtemp(prefix="wsp-bench-"))
    redis_process = None
    env = {
        **os.environ,
        "WASPADA_ENV": "development",
        "WASPADA_INSTANCE": str(workdir),
        "RATE_LIMIT_SUBMISSION": "1000000 per minute",
        "RATE_LIMIT_SUBMISSION_GLOBAL": "1000000 per minute",
        "PYTHONPATH": str(ROOT),
    }
    if os.environ.get("BENCH_DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    if os.environ.get("BENCH_REDIS_URL"):
        env["REDIS_URL"] = os.environ["BENCH_REDIS_URL"]
    else:
        redis_process = redis_server.start_embedded(workdir)
    page_ratios: dict[str, list[float]] = {path: [] for path in PAGES}
    submit_ratios: list[float] = []
    statuses: Counter = Counter()
    raw: list[dict[str, float]] = []
    results: dict[str, object] = {
        "seconds": SECONDS,
        "database": "postgresql" if "DATABASE_URL" in env else "sqlite",
    }
    try:
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "portal", "db", "upgrade"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )

        hello_port, portal_port = free_port(), free_port()
        hello = gunicorn("bench.hello_app:app", hello_port, env)
        portal = gunicorn("portal.wsgi:app", portal_port, env)
        # Rounds alternate baseline and portal, so drift in machine load hits both alike.
        for _ in range(ROUNDS):
            baseline = wrk(f"http://127.0.0.1:{hello_port}/")
            for path in PAGES:
                page_ratios[path].append(wrk(f"http://127.0.0.1:{portal_port}{path}") / baseline)
            base = submit_load.run("127.0.0.1", hello_port, "/form", seconds=SECONDS)
            ours = submit_load.run("127.0.0.1", portal_port, "/id/report/drugs", seconds=SECONDS)
            submit_ratios.append(ours.per_second / base.per_second)
            statuses.update(ours.statuses)
            raw.append(
                {
                    "hello_rps": baseline,
                    "baseline_submissions_per_s": base.per_second,
                    "submissions_per_s": ours.per_second,
                }
            )
        stop(hello)
        stop(portal)
    finally:
        if redis_process is not None:
            redis_process.terminate()
        shutil.rmtree(workdir, ignore_errors=True)

    results["rounds"] = raw
    results["pages"] = {p: round(statistics.median(r), 2) for p, r in page_ratios.items()}
    results["submission"] = round(statistics.median(submit_ratios), 2)
    results["submission_statuses"] = dict(statuses)
    for path, ratios in page_ratios.items():
        print(
            f"page {path:<22} ratio {statistics.median(ratios):.2f} (median of "
            f"{', '.join(f'{r:.2f}' for r in ratios)})  goal >= {GOALS['page']}"
        )
    print(
        f"report submission           ratio {results['submission']:.2f} (median of "
        f"{', '.join(f'{r:.2f}' for r in submit_ratios)})  goal >= {GOALS['submission']}"
    )
    print(f"submission responses        {dict(statuses)}")
    print(f"absolute, last round        {json.dumps(raw[-1])}")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

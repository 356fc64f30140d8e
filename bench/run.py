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
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import submit_load  # noqa: E402
from portal import redis_server  # noqa: E402

SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
PAGES = ["/id/", "/id/report/"]
GOALS = {"page": 0.6, "submission": 0.7}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn(app: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
         "--bind", f"127.0.0.1:{port}", app],
        cwd=ROOT, env={**env, "ACCESS_LOG": "0", "WEB_CONCURRENCY": "2"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
    out = subprocess.run(["wrk", "-t2", "-c32", f"-d{int(SECONDS)}s", url], check=True,
                         capture_output=True, text=True).stdout
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise RuntimeError(f"{url}: {non2xx.group(1)} error responses")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def main() -> None:
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install -y wrk")
    workdir = Path(tempfile.mkdtemp(prefix="wsp-bench-"))
    redis_process = None
    env = {**os.environ, "WASPADA_ENV": "development", "WASPADA_INSTANCE": str(workdir),
           "RATE_LIMIT_SUBMISSION": "1000000 per minute", "PYTHONPATH": str(ROOT)}
    if os.environ.get("BENCH_DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    if os.environ.get("BENCH_REDIS_URL"):
        env["REDIS_URL"] = os.environ["BENCH_REDIS_URL"]
    else:
        redis_process = redis_server.start_embedded(workdir)
    results: dict[str, object] = {"seconds": SECONDS, "database":
                                  "postgresql" if "DATABASE_URL" in env else "sqlite"}
    try:
        subprocess.run([sys.executable, "-m", "flask", "--app", "portal", "db", "upgrade"],
                       cwd=ROOT, env=env, check=True, capture_output=True)

        port = free_port()
        hello = gunicorn("bench.hello_app:app", port, env)
        baseline_page = wrk(f"http://127.0.0.1:{port}/")
        baseline_submit = submit_load.run("127.0.0.1", port, "/form", seconds=SECONDS)
        stop(hello)

        port = free_port()
        portal = gunicorn("wsgi:app", port, env)
        pages = {path: wrk(f"http://127.0.0.1:{port}{path}") for path in PAGES}
        submit = submit_load.run("127.0.0.1", port, "/id/report/drugs", seconds=SECONDS)
        stop(portal)
    finally:
        if redis_process is not None:
            redis_process.terminate()
        shutil.rmtree(workdir, ignore_errors=True)

    results["baseline_hello_rps"] = baseline_page
    results["baseline_submission_per_s"] = round(baseline_submit.per_second, 1)
    results["pages"] = {p: {"rps": r, "ratio": round(r / baseline_page, 2)}
                        for p, r in pages.items()}
    results["submission"] = {"per_s": round(submit.per_second, 1),
                             "ratio": round(submit.per_second / baseline_submit.per_second, 2),
                             "statuses": dict(submit.statuses)}
    print(f"baseline hello-world         {baseline_page:9.1f} req/s")
    for path, entry in results["pages"].items():
        print(f"page {path:<23} {entry['rps']:9.1f} req/s  ratio {entry['ratio']:.2f}"
              f"  (goal >= {GOALS['page']})")
    print(f"baseline form+receipt hash   {baseline_submit.per_second:9.1f} /s")
    print(f"report submission            {submit.per_second:9.1f} /s    ratio "
          f"{results['submission']['ratio']:.2f}  (goal >= {GOALS['submission']})"
          f"  statuses {dict(submit.statuses)}")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

"""Triage throughput: pure extract+score per core, and jobs/s through a real RQ worker
against RQ's no-op job rate in the same run; worker RSS after all jobs.

BENCH_JOBS (default 10000) tips are generated, stored and triaged by
`flask --app portal triage worker --burst`; the same number of no-op jobs go
through the same worker class first. SQLite + embedded Redis unless
BENCH_DATABASE_URL / BENCH_REDIS_URL are set.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.tipgen import generate  # noqa: E402
from portal import create_app, redis_server  # noqa: E402

JOBS = int(os.environ.get("BENCH_JOBS", "10000"))
PURE = int(os.environ.get("BENCH_PURE_TIPS", "10000"))


def pure_throughput() -> float:
    from portal.triage.indicators import extract
    from portal.triage.scoring import score

    tips = generate(PURE, seed=1)
    for category, lang, country, text in tips[:200]:  # warm caches and compiled patterns
        extract(text, country)
        score(category, text, country, lang)
    start = time.process_time()
    for category, lang, country, text in tips:
        extract(text, country)
        score(category, text, country, lang)
    return len(tips) / (time.process_time() - start)


def run_worker(env: dict[str, str], module_args: list[str]) -> tuple[float, int]:
    """Run a burst worker; return (seconds, peak RSS of the main worker process in bytes)."""
    start = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, *module_args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    handle = psutil.Process(process.pid)
    peak = 0
    while process.poll() is None:
        try:
            peak = max(peak, handle.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.2)
    return time.monotonic() - start, peak


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="wsp-triage-"))
    redis_process = None
    env = {
        **os.environ,
        "WASPADA_ENV": "development",
        "WASPADA_INSTANCE": str(workdir),
        "PYTHONPATH": str(ROOT),
        "TRIAGE_SWEEP_INTERVAL": "3600",
    }
    if os.environ.get("BENCH_DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    if os.environ.get("BENCH_REDIS_URL"):
        env["REDIS_URL"] = os.environ["BENCH_REDIS_URL"]
    else:
        redis_process = redis_server.start_embedded(workdir)
    try:
        per_core = pure_throughput()
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "portal", "db", "upgrade"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        app = create_app(env, instance_path=workdir)
        with app.app_context():
            from rq import Queue, Retry

            from portal.extensions import db
            from portal.jobs.queue import RETRY_INTERVALS, get_queue, get_redis
            from portal.models import Tip

            get_redis().flushdb()
            noop_queue = Queue("triage", connection=get_redis())
            for n in range(JOBS):
                noop_queue.enqueue(
                    "bench.noop_job.noop",
                    n,
                    job_id=f"noop-{n}",
                    retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS),
                    result_ttl=3600,
                )
        noop_seconds, _ = run_worker(
            env, ["-m", "flask", "--app", "portal", "triage", "worker", "--burst"]
        )
        with app.app_context():
            get_redis().flushdb()
            for n, (category, lang, country, text) in enumerate(generate(JOBS, seed=2)):
                db.session.add(
                    Tip(
                        category=category,
                        lang=lang,
                        country=country,
                        description=text,
                        receipt_hash=f"bench{n:058d}",
                        submission_key=f"bench{n:058d}",
                    )
                )
                if n % 1000 == 999:
                    db.session.commit()
            db.session.commit()
            assert get_queue().count == 0
        triage_seconds, peak_rss = run_worker(
            env, ["-m", "flask", "--app", "portal", "triage", "worker", "--burst"]
        )
        with app.app_context():
            from portal.jobs.sweeper import triage_counts

            counts = triage_counts()
            indicators = db.session.execute(db.text("SELECT count(*) FROM indicators")).scalar()
    finally:
        if redis_process is not None:
            redis_process.terminate()
        shutil.rmtree(workdir, ignore_errors=True)

    noop_rate = JOBS / noop_seconds
    triage_rate = JOBS / triage_seconds  # includes the sweep that queues the stored tips
    result = {
        "jobs": JOBS,
        "database": "postgresql" if "DATABASE_URL" in env else "sqlite",
        "extract_score_tips_per_cpu_second": round(per_core),
        "noop_jobs_per_s": round(noop_rate, 1),
        "triage_jobs_per_s": round(triage_rate, 1),
        "ratio": round(triage_rate / noop_rate, 2),
        "worker_peak_rss_mb": round(peak_rss / 2**20, 1),
        "triage_counts": counts,
        "indicators": indicators,
    }
    print(json.dumps(result, indent=2))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "triage.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

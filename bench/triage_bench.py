"""Triage throughput: pure extract+score per core, and jobs/s through real workers, all
against RQ's own `SimpleWorker` running no-op jobs in the same run, on the same Redis.

BENCH_JOBS (default 10000) of each:
1. no-op jobs through RQ's plain `SimpleWorker` (the baseline);
2. the same no-op jobs through the portal's worker (`flask triage worker --burst`);
3. real tips, stored and queued one job each as the web tier does, then triaged by the
   portal's worker (extract, score, link, route, store; batches when many wait).
The worker process's resident memory is sampled as it goes: at half the no-op jobs and at
the end (growth over the last half), and its peak over the real tips.
SQLite + embedded Redis unless BENCH_DATABASE_URL / BENCH_REDIS_URL are set.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
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


def run_worker(
    env: dict[str, str], module_args: list[str], left: Callable[[], int] | None = None
) -> tuple[float, dict[str, float]]:
    """Run a burst worker; return (seconds, memory figures in MB) where the figures are the
    peak RSS of the process running jobs, and with `left` (jobs still waiting) its RSS
    when half the jobs were done and at the end."""
    start = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, *module_args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    handle = psutil.Process(process.pid)
    peak = half = last = 0
    while process.poll() is None:
        try:
            # The supervisor's worker process runs the jobs (RQ's own worker: itself).
            running = (handle.children() or [handle])[0]
            rss = running.memory_info().rss
        except psutil.NoSuchProcess:
            break
        peak, last = max(peak, rss), rss or last
        if left is not None and not half and left() <= JOBS // 2:
            half = rss
        time.sleep(0.05)
    figures = {"peak_rss_mb": round(peak / 2**20, 1)}
    if left is not None:
        figures.update(rss_at_half_mb=round(half / 2**20, 1), rss_at_end_mb=round(last / 2**20, 1))
    return time.monotonic() - start, figures


def single_tip_latencies(env: dict[str, str], app, count: int = 10) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """An idle worker, and one tip at a time: seconds from the commit to the tip triaged."""
    from portal.extensions import db
    from portal.jobs.queue import enqueue_triage_after_commit
    from portal.models import Tip, TriageState

    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "portal", "triage", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    seconds = []
    try:
        time.sleep(3)  # started and waiting for a job
        for n in range(count):
            tip = Tip(
                category="drugs",
                lang="id",
                country="ID",
                description=f"Jual sabu WA 0812-3456-{n:04d}",
                receipt_hash=f"single{n:058d}",
                submission_key=f"single{n:058d}",
            )
            db.session.add(tip)
            db.session.commit()
            started = time.monotonic()
            enqueue_triage_after_commit([tip.id])
            while True:
                db.session.expire_all()
                if db.session.get(Tip, tip.id).triage_state == TriageState.DONE:
                    break
                db.session.rollback()
                time.sleep(0.005)
            seconds.append(time.monotonic() - started)
            time.sleep(0.5)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
    seconds.sort()
    return {"median": round(seconds[len(seconds) // 2], 3), "max": round(seconds[-1], 3)}


def enqueue_noops(queue_name: str) -> None:
    from rq import Queue, Retry

    from portal.jobs.queue import RETRY_INTERVALS, get_redis

    get_redis().flushdb()
    queue = Queue(queue_name, connection=get_redis())
    with get_redis().pipeline() as pipe:
        for n in range(JOBS):
            queue.enqueue(
                "bench.noop_job.noop",
                n,
                job_id=f"noop-{n}",
                retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS),
                result_ttl=3600,
                pipeline=pipe,
            )
        pipe.execute()


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
            from portal.extensions import db
            from portal.jobs.queue import enqueue_triage_after_commit, get_queue, get_redis
            from portal.models import Tip

            def left() -> int:
                return get_queue().count

            enqueue_noops("triage")
            rq_seconds, _ = run_worker(env, ["-m", "bench.rq_simple_worker"])
            enqueue_noops("triage")
            noop_seconds, noop_memory = run_worker(
                env, ["-m", "flask", "--app", "portal", "triage", "worker", "--burst"], left
            )
            get_redis().flushdb()
            ids = []
            for n, (category, lang, country, text) in enumerate(generate(JOBS, seed=2)):
                tip = Tip(
                    category=category,
                    lang=lang,
                    country=country,
                    description=text,
                    receipt_hash=f"bench{n:058d}",
                    submission_key=f"bench{n:058d}",
                )
                db.session.add(tip)
                if n % 1000 == 999:
                    db.session.commit()
            db.session.commit()
            ids = list(db.session.scalars(db.select(Tip.id).order_by(Tip.id)))
            queued = enqueue_triage_after_commit(ids)  # one job per tip, as the web tier does
            assert len(queued) == JOBS, len(queued)
        triage_seconds, triage_memory = run_worker(
            env, ["-m", "flask", "--app", "portal", "triage", "worker", "--burst"]
        )
        with app.app_context():
            from portal.jobs.sweeper import triage_counts

            counts = triage_counts()
            indicators = db.session.execute(db.text("SELECT count(*) FROM indicators")).scalar()
            latencies = single_tip_latencies(env, app)
    finally:
        if redis_process is not None:
            redis_process.terminate()
        shutil.rmtree(workdir, ignore_errors=True)

    rq_rate = JOBS / rq_seconds
    noop_rate = JOBS / noop_seconds
    triage_rate = JOBS / triage_seconds
    result = {
        "jobs": JOBS,
        "database": "postgresql" if "DATABASE_URL" in env else "sqlite",
        "extract_score_tips_per_cpu_second": round(per_core),
        "rq_simpleworker_noop_jobs_per_s": round(rq_rate, 1),
        "portal_worker_noop_jobs_per_s": round(noop_rate, 1),
        "portal_noop_ratio": round(noop_rate / rq_rate, 2),
        "triage_tips_per_s": round(triage_rate, 1),
        "triage_ratio": round(triage_rate / rq_rate, 2),
        "single_tip_seconds_to_triaged": latencies,
        "noop_worker_memory": noop_memory,
        "triage_worker_memory": triage_memory,
        "triage_counts": counts,
        "indicators": indicators,
    }
    print(json.dumps(result, indent=2))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "triage.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

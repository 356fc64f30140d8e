"""`flask triage rerun` over 1,000,000 tips on PostgreSQL with two workers, against the pure
triage logic's rate on the same machine in the same run (goal: >= 50% of the pure rate
on two cores).

Loads BENCH_TIPS (default 1,000,000) generated tips (bench/tipgen.py: drug sales, scam
offers, news, ordinary ads in id/en/vi; identifiers repeat, so tips link) with COPY,
as already triaged by older rules, without their indicators (so the rerun stores every
indicator and link: more work than a real rerun). Then:
1. the pure logic (extract + score) on BENCH_PURE_TIPS of the same tips: tips per
   CPU-second, times the cores the workers can use (2);
2. two `flask triage worker` processes, and `flask triage rerun` (the command as an
   operator runs it: it queues the batches, then follows the count until every tip is
   scored again), timed from the command's start to its end.

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/waspada_bench_rerun \
        BENCH_REDIS_URL=redis://127.0.0.1:6379/14 .venv/bin/python bench/rerun_scale.py

The database is dropped and recreated, the Redis database flushed (without
BENCH_REDIS_URL, an embedded Redis of its own). Writes
bench/results/rerun_scale.json.
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
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.tipgen import generate  # noqa: E402

TIPS = int(os.environ.get("BENCH_TIPS", "1000000"))
PURE = int(os.environ.get("BENCH_PURE_TIPS", "20000"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
CORES = min(WORKERS, os.cpu_count() or 1)
GOAL = 0.5


def pure_rate(tips: list[tuple[str, str, str, str]]) -> float:
    from portal.triage.indicators import extract
    from portal.triage.scoring import phone_region, score

    for category, lang, country, text in tips[:500]:  # warm caches and compiled patterns
        found = extract(text, country=phone_region(country, lang))
        score(category, text, country=country, lang=lang, indicators=found)
    start = time.process_time()
    for category, lang, country, text in tips:
        found = extract(text, country=phone_region(country, lang))
        score(category, text, country=country, lang=lang, indicators=found)
    return len(tips) / (time.process_time() - start)


def load(url: str, tips: list[tuple[str, str, str, str]]) -> None:
    """The tips, as triaged long ago by rules "old", with COPY (one round trip per 100k)."""
    columns = (
        "category, lang, country, description, link, answers, contact, in_danger, "
        "receipt_hash, submission_key, status, triage_state, triage_attempts, triage_error, "
        "triage_state_changed_at, created_at, updated_at, score, priority, priority_rank, "
        "queue_rank, urgent, score_reasons, routing, has_attachments, rules_version"
    )
    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cursor:
        for start in range(0, len(tips), 100_000):
            with cursor.copy(f"COPY tips ({columns}) FROM STDIN") as copy:
                for n, (category, lang, country, text) in enumerate(
                    tips[start : start + 100_000], start
                ):
                    copy.write_row(
                        (
                            category,
                            lang,
                            country,
                            text,
                            "",
                            "{}",
                            "",
                            False,
                            f"r{n:063d}",
                            f"s{n:063d}",
                            "new",
                            "done",
                            1,
                            "",
                            "2026-01-01",
                            "2026-01-01",
                            "2026-01-01",
                            0,
                            "normal",
                            2,
                            2100,
                            False,
                            "[]",
                            "[]",
                            False,
                            "old",
                        )
                    )
        conn.execute("VACUUM ANALYZE tips")


def main() -> None:
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        sys.exit("set BENCH_DATABASE_URL to a PostgreSQL database that may be wiped")
    redis_url = os.environ.get("BENCH_REDIS_URL")
    embedded = None
    if not redis_url:  # the embedded Redis, as `make run` uses
        from portal import redis_server

        redis_dir = Path(tempfile.mkdtemp(prefix="wsp-rr-"))
        embedded = redis_server.start_embedded(redis_dir)
        redis_url = redis_server.embedded_url(redis_dir)
    admin_url, name = url.rsplit("/", 1)
    with psycopg.connect(f"{admin_url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    redis.Redis.from_url(redis_url).flushdb()
    instance = Path(tempfile.mkdtemp(prefix="wsp-rerun-"))
    env = {
        **os.environ,
        "WASPADA_ENV": "development",
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "WASPADA_INSTANCE": str(instance),
        "PYTHONPATH": str(ROOT),
    }
    flask = [sys.executable, "-m", "flask", "--app", "portal"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)

    tips = generate(TIPS, seed=11)
    per_core = pure_rate(tips[:PURE])
    started = time.monotonic()
    load(url, tips)
    load_seconds = time.monotonic() - started
    del tips

    workers = [
        subprocess.Popen(
            [*flask, "triage", "worker"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for _ in range(WORKERS)
    ]
    try:
        time.sleep(3)  # both registered and idle
        started = time.monotonic()
        command = subprocess.run(
            [*flask, "triage", "rerun"], cwd=ROOT, env=env, capture_output=True, text=True
        )
        seconds = time.monotonic() - started
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=60)
        shutil.rmtree(instance, ignore_errors=True)
        if embedded is not None:
            embedded.terminate()
    if command.returncode != 0:
        sys.exit(f"rerun failed:\n{command.stdout}\n{command.stderr}")
    with psycopg.connect(url) as conn:
        versions = dict(conn.execute("SELECT rules_version, count(*) FROM tips GROUP BY 1"))
        run = conn.execute("SELECT total, scored, changed FROM triage_runs").fetchone()
        indicators = conn.execute("SELECT count(*) FROM indicators").fetchone()[0]
    rate = TIPS / seconds
    result = {
        "tips": TIPS,
        "workers": WORKERS,
        "load_seconds": round(load_seconds, 1),
        "pure_tips_per_cpu_second": round(per_core),
        "pure_tips_per_second_on_cores": round(per_core * CORES),
        "rerun_seconds": round(seconds, 1),
        "rerun_tips_per_second": round(rate),
        "ratio_to_pure_on_cores": round(rate / (per_core * CORES), 2),
        "goal": GOAL,
        "run": {"total": run[0], "scored": run[1], "changed": run[2]},
        "tips_by_rules_version": versions,
        "indicators": indicators,
        "command_output_tail": command.stdout.strip().splitlines()[-1:],
    }
    print(json.dumps(result, indent=2))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "rerun_scale.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

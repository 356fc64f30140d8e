"""`flask triage rerun` over 1,000,000 tips on PostgreSQL with two workers, against the pure
triage logic's rate on the same two cores in the same run (goal: >= 50%).

Loads BENCH_TIPS (default 1,000,000) generated tips (bench/tipgen.py: drug sales, scam
offers, news, ordinary ads in id/en/vi; identifiers repeat, so tips link) with COPY,
never scored (no scores, indicators, clusters or rules version). Then, with two
`flask triage worker` processes running, `flask triage rerun` as an operator runs it
(it queues the batches, then follows the count until every tip is scored), twice:

1. **backfill** (`--rules-changed-only`, every tip): every indicator and link is stored
   and every score moves (a history line each): the worst case, reported, not the goal;
2. **after a rule change**: the tips are marked as scored by older rules, and one in
   ten is given the score (and queue position) those rules would have given it, five
   points off, so that a tenth of the scores move; VACUUM ANALYZE (what autovacuum does between the two). `rerun
   --rules-changed-only` scores every tip again: the case the goal is about.

The pure logic (extract + score) is timed on BENCH_PURE_TIPS of the same tips in two
processes at once, one per core (the rate on two cores, as the workers have them).

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/waspada_bench_rerun \
        .venv/bin/python bench/rerun_scale.py

The database is dropped and recreated (BENCH_REUSE=1 keeps one this bench filled
and times only the run after a rule change); Redis is an embedded one of its own unless
BENCH_REDIS_URL is set (that database is flushed). Writes bench/results/rerun_scale.json.
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


def pure_rate_on_cores(tips: list[tuple[str, str, str, str]], cores: int) -> float:
    """Tips per second of the pure logic in `cores` processes at once (wall clock)."""
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(cores) as pool:
        return sum(pool.map(_pure_wall_rate, [tips] * cores))


def _pure_wall_rate(tips: list[tuple[str, str, str, str]]) -> float:
    return _pure(tips, time.monotonic)


def pure_rate(tips: list[tuple[str, str, str, str]]) -> float:
    """Tips per CPU-second of the pure logic in this process."""
    return _pure(tips, time.process_time)


def _pure(tips: list[tuple[str, str, str, str]], clock) -> float:  # type: ignore[no-untyped-def]
    from portal.triage.indicators import extract
    from portal.triage.scoring import phone_region, score

    def run(batch: list[tuple[str, str, str, str]]) -> None:
        for category, lang, country, text in batch:
            found = extract(text, country=phone_region(country, lang))
            score(category, text, country=country, lang=lang, indicators=found)

    run(tips[:500])  # warm caches and compiled patterns
    start = clock()
    run(tips)
    return len(tips) / (clock() - start)


def load(url: str, tips: list[tuple[str, str, str, str]]) -> None:
    """The tips, as triaged long ago by rules "old", with COPY (one round trip per 100k)."""
    from bench.sealing import TIP_COLUMNS, Sealer

    sealer = Sealer()
    columns = (
        "category, lang, country, " + ", ".join(TIP_COLUMNS) + ", in_danger, "
        "receipt_hash, submission_key, status, triage_state, triage_attempts, triage_error, "
        "triage_state_changed_at, created_at, updated_at, score, priority, priority_rank, "
        "queue_rank, urgent, score_reasons, routing, has_attachments"
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
                            *sealer.tip(text),
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
    reuse = bool(os.environ.get("BENCH_REUSE"))
    admin_url, name = url.rsplit("/", 1)
    if not reuse:
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

    tips = generate(PURE if reuse else TIPS, seed=11)
    per_core = pure_rate(tips[:PURE])
    on_cores = pure_rate_on_cores(tips[:PURE], CORES)
    started = time.monotonic()
    if not reuse:
        from portal import create_app

        with create_app(env, instance_path=instance).app_context():
            load(url, tips)  # sealed with the keys the workers will read them with
    load_seconds = None if reuse else time.monotonic() - started
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
    phases = {}
    try:
        time.sleep(3)  # both registered and idle
        if not reuse:
            phases["backfill"] = timed_rerun(flask, env, url)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("UPDATE triage_marks SET rules_version = 'old'")
            conn.execute(
                "UPDATE tips SET score = greatest(score - 5, 0), queue_rank = queue_rank + 5"
                " WHERE id % 10 = 0"
            )
            conn.execute("VACUUM ANALYZE tips")
            conn.execute("VACUUM ANALYZE triage_marks")
        phases["after_rule_change"] = timed_rerun(flask, env, url)
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=60)
        shutil.rmtree(instance, ignore_errors=True)
        if embedded is not None:
            embedded.terminate()
    with psycopg.connect(url) as conn:
        versions = dict(conn.execute("SELECT rules_version, count(*) FROM triage_marks GROUP BY 1"))
        indicators = conn.execute("SELECT count(*) FROM indicators").fetchone()[0]
    for phase in phases.values():
        phase["ratio_to_pure_on_cores"] = round(phase["tips_per_second"] / on_cores, 2)
    result = {
        "tips": TIPS,
        "workers": WORKERS,
        "load_seconds": round(load_seconds, 1) if load_seconds is not None else None,
        "pure_tips_per_cpu_second": round(per_core),
        "pure_tips_per_second_on_cores": round(on_cores),
        "phases": phases,
        "goal": f">= {GOAL} x pure on {CORES} cores, after a rule change",
        "goal_met": phases["after_rule_change"]["ratio_to_pure_on_cores"] >= GOAL,
        "tips_by_rules_version": versions,
        "indicators": indicators,
    }
    print(json.dumps(result, indent=2))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "rerun_scale.json").write_text(json.dumps(result, indent=2))


def timed_rerun(flask: list[str], env: dict[str, str], url: str) -> dict[str, object]:
    """`flask triage rerun --rules-changed-only`, from the command's start to its end."""
    started = time.monotonic()
    command = subprocess.run(
        [*flask, "triage", "rerun", "--rules-changed-only"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.monotonic() - started
    if command.returncode != 0:
        sys.exit(f"rerun failed:\n{command.stdout}\n{command.stderr}")
    with psycopg.connect(url) as conn:
        total, scored, changed = conn.execute(
            "SELECT total, scored, changed FROM triage_runs ORDER BY id DESC LIMIT 1"
        ).fetchone()
    return {
        "seconds": round(seconds, 1),
        "tips_per_second": round(total / seconds),
        "run": {"total": total, "scored": scored, "changed": changed},
        "command_output_tail": command.stdout.strip().splitlines()[-1:],
    }


if __name__ == "__main__":
    main()

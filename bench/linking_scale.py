"""Linking at scale on PostgreSQL: 1,000,000 indicator rows, then real triage jobs.

Loads 300,000 tips, 1,000,000 indicators and ~1,300,000 tip-indicator edges with
set-based SQL, then triages new tips that mention existing identifiers (so their
clusters merge) and reports p50/p95 per job, the related-tips query time, and
the query plans (which must use the indexes, never a sequential scan).

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/waspada_bench \
        .venv/bin/python bench/linking_scale.py
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.sealing import Sealer  # noqa: E402
from portal import create_app  # noqa: E402

INDICATORS = int(os.environ.get("BENCH_INDICATORS", "1000000"))
TIPS = INDICATORS * 3 // 10
NEW_TIPS = int(os.environ.get("BENCH_NEW_TIPS", "200"))


def phone(n: int) -> str:
    return f"+62812{n:08d}"


def main() -> None:
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        sys.exit("set BENCH_DATABASE_URL to a PostgreSQL database that may be wiped")
    admin_url, name = url.rsplit("/", 1)
    with psycopg.connect(f"{admin_url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {
        **os.environ,
        "WASPADA_ENV": "development",
        "DATABASE_URL": url,
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "WASPADA_INSTANCE": "/tmp/wsp-linking",
    }
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "portal", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )

    started = time.monotonic()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"""
            INSERT INTO tips (category, lang, country,
                in_danger, receipt_hash, submission_key, status, triage_state, triage_attempts,
                triage_error, triage_state_changed_at, created_at, updated_at, score, priority,
                priority_rank, urgent, score_reasons, routing, cluster_id)
            SELECT 'drugs', 'id', 'ID', false,
                   md5('r' || n), md5('s' || n), 'new', 'done', 1, '', now(), now(), now(),
                   (n % 100), 'normal', 2, false, '[]', '[]', n
            FROM generate_series(1, {TIPS}) AS n""")
        # Identifiers as the portal stores them: sealed, found by their blind index.
        with create_app(env, instance_path="/tmp/wsp-linking").app_context():
            sealer = Sealer()
            with conn.cursor() as cursor:
                for start in range(1, INDICATORS + 1, 100_000):
                    with cursor.copy(
                        "COPY indicators (id, kind, value_index, value_sealed, tail_index,"
                        " first_seen_at) FROM STDIN"
                    ) as copy:
                        for n in range(start, min(start + 100_000, INDICATORS + 1)):
                            copy.write_row(
                                (n, "phone", *sealer.indicator("phone", phone(n)), "2026-01-01")
                            )
        conn.execute(
            "SELECT setval(pg_get_serial_sequence('indicators', 'id'), %s)", (INDICATORS,)
        )
        # Every indicator belongs to one tip; every third one to a second tip as well.
        conn.execute(f"""
            INSERT INTO tip_indicators (tip_id, indicator_id)
            SELECT 1 + (i.id % {TIPS}), i.id FROM indicators i""")
        conn.execute(f"""
            INSERT INTO tip_indicators (tip_id, indicator_id)
            SELECT 1 + ((i.id::bigint * 7919) % {TIPS}), i.id FROM indicators i WHERE i.id % 3 = 0
            ON CONFLICT DO NOTHING""")
        conn.execute("ANALYZE")
        edges = conn.execute("SELECT count(*) FROM tip_indicators").fetchone()[0]
    load_seconds = time.monotonic() - started

    from portal.extensions import db
    from portal.jobs import store
    from portal.jobs.triage import triage_tip
    from portal.models import Tip
    from portal.protection.identifiers import index_of

    app = create_app(env, instance_path="/tmp/wsp-linking")
    rng = random.Random(3)
    timings, related_ms = [], []
    with app.app_context():
        new_ids = []
        for n in range(NEW_TIPS):
            a, b = rng.randrange(1, INDICATORS), rng.randrange(1, INDICATORS)
            tip = Tip(
                category="drugs",
                lang="id",
                country="ID",
                description=f"Jual sabu, WA {phone(a)} atau {phone(b)}, COD",
                receipt_hash=f"new{n:061d}",
                submission_key=f"new{n:061d}",
            )
            db.session.add(tip)
            db.session.commit()
            new_ids.append(tip.id)
        for tip_id in new_ids:
            start = time.perf_counter()
            triage_tip(tip_id)
            timings.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            store.related_tips(tip_id)
            related_ms.append((time.perf_counter() - start) * 1000)
        sample = new_ids[-1]
        plans = {}
        for label, sql in {
            "indicator lookup": "SELECT id FROM indicators WHERE value_index = "
            f"'\\x{index_of('phone', phone(42)).hex()}'::bytea",
            "related tips": "SELECT DISTINCT tip_id FROM tip_indicators WHERE indicator_id IN "
            f"(SELECT indicator_id FROM tip_indicators WHERE tip_id = {sample})",
            "cluster members": f"SELECT id FROM tips WHERE cluster_id = {sample} ORDER BY id",
        }.items():
            rows = db.session.execute(db.text("EXPLAIN " + sql)).scalars().all()
            plans[label] = rows
        seq_scans = [
            label for label, rows in plans.items() if any("Seq Scan" in row for row in rows)
        ]

    q = statistics.quantiles(timings, n=20)
    result = {
        "indicators": INDICATORS,
        "tips": TIPS,
        "edges": edges,
        "load_seconds": round(load_seconds, 1),
        "triage_job_ms_p50": round(statistics.median(timings), 1),
        "triage_job_ms_p95": round(q[18], 1),
        "related_tips_ms_p50": round(statistics.median(related_ms), 2),
        "related_tips_ms_p95": round(statistics.quantiles(related_ms, n=20)[18], 2),
        "sequential_scans": seq_scans,
        "plans": plans,
    }
    print(json.dumps(result, indent=2))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "linking_scale.json").write_text(json.dumps(result, indent=2))
    if seq_scans:
        sys.exit(f"sequential scans in: {seq_scans}")


if __name__ == "__main__":
    main()

"""Staff queue at 1,000,000 tips on PostgreSQL: p95 per filter combination (goal <= 100 ms).

Loads 1M tips (and 1M indicators) with set-based SQL, signs a staff member in
through the real forms and times the queue page in-process (Flask test client,
real PostgreSQL), 40 requests per filter set, after 5 warm-up requests each.

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/waspada_bench \
        .venv/bin/python bench/queue_scale.py
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TIPS = int(os.environ.get("BENCH_TIPS", "1000000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "40"))
FILTERS = {
    "default (open, ranked)": "",
    "category": "category=job-offer",
    "country": "country=KH",
    "priority urgent": "priority=urgent",
    "unassigned, with photos": "assignee=none&attachments=yes",
    "date range": "date_from=2026-06-01&date_to=2026-06-07",
    "search text": "q=Sihanoukville",
    "search phone (local format)": "q=0812-0000-4242",
    "all statuses": "status=",
}


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
        "WASPADA_INSTANCE": "/tmp/wsp-queue",
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
            INSERT INTO tips (category, lang, country, description, link, answers, contact,
                in_danger, receipt_hash, submission_key, status, triage_state, triage_attempts,
                triage_error, triage_state_changed_at, created_at, updated_at, score, priority,
                priority_rank, queue_rank, urgent, score_reasons, routing, cluster_id,
                has_attachments)
            SELECT (ARRAY['drugs','job-offer','extremism','other'])[1 + n % 4],
                   (ARRAY['id','en','vi'])[1 + n % 3],
                   (ARRAY['ID','VN','PH','MY','TH','KH','LA','MM'])[1 + n % 8],
                   (ARRAY['Jual sabu ready stock COD kota ', 'Lowongan CS di Sihanoukville gaji ',
                          'Tuyển gấp CSKH Campuchia lương ', 'Grup ajakan kekerasan nomor '])
                       [1 + n % 4] || n,
                   '', '{{}}', '', n % 97 = 0, md5('r' || n), md5('s' || n),
                   (ARRAY['new','in_review','escalated','forwarded','closed_actioned',
                          'closed_no_action'])[1 + n % 6],
                   'done', 1, '', now(), timestamp with time zone '2026-01-01'
                       + (n || ' minutes')::interval, now(),
                   n % 101, p.name, p.rank, p.rank * 1000 + 100 - n % 101, p.rank = 0,
                   '[]', '[]', n, n % 5 = 0
            FROM generate_series(1, {TIPS}) AS n
            CROSS JOIN LATERAL (SELECT
                CASE WHEN n % 200 = 0 THEN 'urgent' WHEN n % 7 = 0 THEN 'high'
                     WHEN n % 3 = 0 THEN 'low' ELSE 'normal' END AS name,
                CASE WHEN n % 200 = 0 THEN 0 WHEN n % 7 = 0 THEN 1
                     WHEN n % 3 = 0 THEN 3 ELSE 2 END AS rank) AS p""")
        conn.execute(f"""
            INSERT INTO indicators (kind, value, first_seen_at)
            SELECT 'phone', '+62812' || lpad(n::text, 8, '0'), now()
            FROM generate_series(1, {TIPS}) AS n""")
        conn.execute(
            "INSERT INTO tip_indicators (tip_id, indicator_id) SELECT id, id FROM indicators"
        )
        conn.execute("ANALYZE")
    load_seconds = time.monotonic() - started

    from portal import create_app
    from tests.staff.helpers import make_staff, sign_in

    app = create_app(env, instance_path="/tmp/wsp-queue")
    make_staff(app, "bench", "supervisor")
    client = app.test_client()
    assert sign_in(client, app, "bench").status_code == 303
    results = {}
    for label, query in FILTERS.items():
        page = f"/staff/queue?{query}"
        for _ in range(5):
            assert client.get(page).status_code == 200
        times = []
        for _ in range(REQUESTS):
            start = time.perf_counter()
            response = client.get(page)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        rows = len(re.findall(r'href="/staff/tips/\d+"', response.text))
        results[label] = {
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(statistics.quantiles(times, n=20)[18], 1),
            "rows": rows,
        }
        # second page through the keyset cursor
        more = re.search(r'href="(/staff/queue\?after=[^"]+)"', response.text)
        if more and label == "default (open, ranked)":
            next_page = more.group(1).replace("&amp;", "&")
            times = []
            for _ in range(REQUESTS):
                start = time.perf_counter()
                client.get(next_page)
                times.append((time.perf_counter() - start) * 1000)
            results["default, page 2 (keyset)"] = {
                "p50_ms": round(statistics.median(times), 1),
                "p95_ms": round(statistics.quantiles(times, n=20)[18], 1),
            }
    worst = max(r["p95_ms"] for r in results.values())
    out = {
        "tips": TIPS,
        "load_seconds": round(load_seconds, 1),
        "worst_p95_ms": worst,
        "filters": results,
    }
    print(json.dumps(out, indent=2))
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "queue_scale.json").write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()

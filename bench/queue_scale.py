"""Staff queue at 1,000,000 tips on PostgreSQL, per organisation: p95 per filter set
(goal <= 100 ms for the coordinator's queue and for any organisation's).

Loads, with set-based SQL: 1M tips (and 1M indicators), 20 partner organisations besides
the coordinator the migration creates, and 1-2 referrals per tip (about 1.5M `referrals`
rows from the coordinator, ~2% still pending, the rest accepted) with the matching
`tip_access` rows (queue_rank and created_at copied from the tip, TLP amber). Partners
org-01..org-19 hold ~7.9% of the tips each (the mean over all 20 partners is ~7.5%);
org-20 holds ~0.5%, which gives its queue a different plan shape. Organisations are
picked by a hash of the tip id, so they do not correlate with category, country, status
or priority. Then VACUUM ANALYZE.

Three supervisors sign in through the real forms: one of the coordinator (sees every
tip), one of org-01 (an average partner), one of org-20 (the small one). For each
account, the queue page is timed in-process (Flask test client, real PostgreSQL), 40
requests per filter set after 5 warm-up requests, plus page 2 of the default queue
through the keyset cursor. A partner's page also lists the referrals waiting for its
answer, so that query is timed too.

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/waspada_bench \
        .venv/bin/python bench/queue_scale.py

The database is dropped and recreated. BENCH_REUSE=1 keeps an already loaded database (to
re-run the timings only; load_seconds is then null); BENCH_TIPS and BENCH_REQUESTS change
the sizes. Writes bench/results/queue_scale.json: p50/p95/rows per filter set for each
account, and the worst p95 overall.
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
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TIPS = int(os.environ.get("BENCH_TIPS", "1000000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "40"))
WARM_UP = 5
GOAL_MS = 100
PARTNERS = 20  # org-01 .. org-19 share most tips; org-20 is the small one
# Measured: the first of the average partners (all 19 hold the same share; whether a
# parallel plan gets lucky differs between them, so always the same one), the small one.
AVERAGE_ORG, SMALL_ORG = "org-01", "org-20"
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
# The queue's own rows (the list of referrals waiting for an answer links to tips too).
ROW = re.compile(r'<td><a href="/staff/tips/\d+"')
NEXT = re.compile(r'href="(/staff/queue\?after=[^"]+)"')


PREFIXES = (
    "Jual sabu ready stock COD kota ",
    "Lowongan CS di Sihanoukville gaji ",
    "Tuyển gấp CSKH Campuchia lương ",
    "Grup ajakan kekerasan nomor ",
)


def _sealed_rows(url: str) -> None:
    """What reporters wrote, sealed as the portal seals it (a data key per tip), and the
    sealed identifiers with their blind indexes, by COPY."""
    from bench.sealing import TIP_COLUMNS, Sealer

    sealer = Sealer()
    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cursor:
        conn.execute(
            "CREATE UNLOGGED TABLE bench_sealed (n integer PRIMARY KEY, data_key_id text,"
            " data_key bytea, seal_ref bytea, description_sealed bytea, link_sealed bytea,"
            " answers_sealed bytea, contact_sealed bytea)"
        )
        for start in range(1, TIPS + 1, 100_000):
            numbers = range(start, min(start + 100_000, TIPS + 1))
            with cursor.copy(f"COPY bench_sealed (n, {', '.join(TIP_COLUMNS)}) FROM STDIN") as copy:
                for n in numbers:
                    copy.write_row((n, *sealer.tip(f"{PREFIXES[n % 4]}{n}")))
            with cursor.copy(
                "COPY indicators (id, kind, value_index, value_sealed, tail_index, first_seen_at)"
                " FROM STDIN"
            ) as copy:
                for n in numbers:
                    copy.write_row((n, "phone", *sealer.indicator("phone", f"+62812{n:08d}"), "2026-01-01T00:00:00+00:00"))
        conn.execute("SELECT setval(pg_get_serial_sequence('indicators', 'id'), %s)", (TIPS,))


def _word_rows(url: str) -> None:
    """The blind word index of every tip, by COPY, its keys made after (as a restore does)."""
    from bench.sealing import Sealer

    sealer = Sealer()
    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cursor:
        conn.execute("ALTER TABLE tip_words DROP CONSTRAINT pk_tip_words")
        conn.execute("ALTER TABLE tip_words DROP CONSTRAINT fk_tip_words_tip_id_tips")
        conn.execute("DROP INDEX ix_tip_words_tip_id")
        for start in range(1, TIPS + 1, 100_000):
            with cursor.copy("COPY tip_words (word, tip_id) FROM STDIN") as copy:
                for n in range(start, min(start + 100_000, TIPS + 1)):
                    for word in sealer.words(f"{PREFIXES[n % 4]}{n}"):
                        copy.write_row((word, n))
        conn.execute("ALTER TABLE tip_words ADD CONSTRAINT pk_tip_words PRIMARY KEY (word, tip_id)")
        conn.execute(
            "ALTER TABLE tip_words ADD CONSTRAINT fk_tip_words_tip_id_tips FOREIGN KEY (tip_id)"
            " REFERENCES tips (id) ON DELETE CASCADE"
        )
        conn.execute("CREATE INDEX ix_tip_words_tip_id ON tip_words (tip_id)")


def load(url: str) -> None:
    """Tips, indicators, partner organisations, referrals and access rows, set-based; the
    sealed text, words and identifiers by COPY first (made in Python, as the portal would)."""
    _sealed_rows(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"""
            INSERT INTO tips (category, lang, country, data_key_id, data_key, seal_ref,
                description_sealed, link_sealed, answers_sealed, contact_sealed,
                in_danger, receipt_hash, submission_key, status, triage_state, triage_attempts,
                triage_error, triage_state_changed_at, created_at, updated_at, score, priority,
                priority_rank, queue_rank, urgent, score_reasons, routing, cluster_id,
                has_attachments)
            SELECT (ARRAY['drugs','job-offer','extremism','other'])[1 + n % 4],
                   (ARRAY['id','en','vi'])[1 + n % 3],
                   (ARRAY['ID','VN','PH','MY','TH','KH','LA','MM'])[1 + n % 8],
                   s.data_key_id, s.data_key, s.seal_ref, s.description_sealed, s.link_sealed,
                   s.answers_sealed, s.contact_sealed,
                   n % 97 = 0, md5('r' || n), md5('s' || n),
                   (ARRAY['new','in_review','escalated','forwarded','closed_actioned',
                          'closed_no_action'])[1 + n % 6],
                   'done', 1, '', now(), timestamp with time zone '2026-01-01'
                       + (n || ' minutes')::interval, now(),
                   n % 101, p.name, p.rank, p.rank * 1000 + 100 - n % 101, p.rank = 0,
                   '[]', '[]', n, n % 5 = 0
            FROM generate_series(1, {TIPS}) AS g(n)
            JOIN bench_sealed AS s USING (n)
            CROSS JOIN LATERAL (SELECT
                CASE WHEN n % 200 = 0 THEN 'urgent' WHEN n % 7 = 0 THEN 'high'
                     WHEN n % 3 = 0 THEN 'low' ELSE 'normal' END AS name,
                CASE WHEN n % 200 = 0 THEN 0 WHEN n % 7 = 0 THEN 1
                     WHEN n % 3 = 0 THEN 3 ELSE 2 END AS rank) AS p
            ORDER BY n""")
        conn.execute("DROP TABLE bench_sealed")
        conn.execute(
            "INSERT INTO tip_indicators (tip_id, indicator_id) SELECT id, id FROM indicators"
        )
    _word_rows(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"""
            INSERT INTO organisations (slug, name, name_en, kind, country, categories,
                countries, languages, name_public, active, created_at)
            SELECT 'org-' || lpad(i::text, 2, '0'), 'Mitra ' || i, 'Partner ' || i,
                   (ARRAY['law-enforcement','migrant-protection','counter-terrorism',
                          'embassy','ngo','platform'])[1 + i % 6],
                   (ARRAY['ID','VN','PH','MY','TH','KH','LA','MM'])[1 + i % 8],
                   '[]'::json, '[]'::json, '["en"]'::json, false, true, now()
            FROM generate_series(1, {PARTNERS}) AS i""")
        # Each tip goes to one of org-01..org-19 by a hash of its id; half of them to a
        # second, different one of those; 1% of the other half to org-20. ~2% pending.
        conn.execute(f"""
            CREATE UNLOGGED TABLE bench_refs AS
            SELECT t.id AS tip_id, o.id AS org_id, t.created_at, t.queue_rank,
                   t.has_attachments,
                   abs(hashint4((t.id * 37 + r.idx)::int)::bigint) % 50 = 0 AS pending
            FROM tips AS t
            CROSS JOIN LATERAL (SELECT abs(hashint4(t.id)::bigint) AS h) AS x
            CROSS JOIN LATERAL (VALUES (1 + x.h % 19),
                (CASE WHEN x.h / 19 % 2 = 0 THEN 1 + (x.h % 19 + 1 + x.h / 38 % 18) % 19
                      WHEN x.h / 38 % 100 = 0 THEN {PARTNERS} END)) AS r(idx)
            JOIN (SELECT id, row_number() OVER (ORDER BY slug) AS idx FROM organisations
                  WHERE kind <> 'coordinator') AS o ON o.idx = r.idx""")
        conn.execute("""
            INSERT INTO referrals (tip_id, from_org_id, to_org_id, state, mode, tlp,
                with_photos, with_messages, with_contact, created_at, answered_at)
            SELECT tip_id, (SELECT id FROM organisations WHERE slug = 'coordinator'), org_id,
                   CASE WHEN pending THEN 'pending' ELSE 'accepted' END, 'share', 'amber',
                   has_attachments, NOT pending, false, created_at,
                   CASE WHEN NOT pending THEN created_at + interval '1 hour' END
            FROM bench_refs ORDER BY created_at, tip_id, org_id""")
        conn.execute("""
            INSERT INTO tip_access (org_id, tip_id, queue_rank, created_at, pending,
                with_photos, with_messages, with_contact, tlp)
            SELECT org_id, tip_id, queue_rank, created_at, pending, has_attachments,
                   NOT pending, false, 'amber'
            FROM bench_refs ORDER BY created_at, tip_id, org_id""")
        conn.execute("DROP TABLE bench_refs")
        conn.execute("VACUUM ANALYZE")


def shares(url: str) -> dict[str, dict[str, Any]]:
    """Tips visible to, and referrals pending for, each organisation."""
    with psycopg.connect(url) as conn:
        rows = conn.execute("""
            SELECT o.slug,
                   CASE WHEN o.kind = 'coordinator' THEN (SELECT count(*) FROM tips)
                        ELSE (SELECT count(*) FROM tip_access AS a WHERE a.org_id = o.id) END,
                   (SELECT count(*) FROM referrals AS r
                    WHERE r.to_org_id = o.id AND r.state = 'pending')
            FROM organisations AS o ORDER BY o.slug""").fetchall()
    return {
        slug: {"tips": tips, "share_pct": round(100 * tips / TIPS, 2), "pending": pending}
        for slug, tips, pending in rows
    }


def timed(client, page: str) -> tuple[list[float], Any]:
    for _ in range(WARM_UP):
        assert client.get(page).status_code == 200, page
    times = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        response = client.get(page)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, page
    return times, response


def figures(times: list[float], response: Any) -> dict[str, Any]:
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(statistics.quantiles(times, n=20)[18], 1),
        "rows": len(ROW.findall(response.text)),
    }


def measure(client) -> dict[str, dict[str, Any]]:
    """p50/p95 per filter set, and page 2 of the default queue, for one signed-in client."""
    results = {}
    for label, query in FILTERS.items():
        times, response = timed(client, f"/staff/queue?{query}")
        results[label] = figures(times, response)
        more = NEXT.search(response.text)
        if more and label == "default (open, ranked)":
            times, response = timed(client, more.group(1).replace("&amp;", "&"))
            results["default, page 2 (keyset)"] = figures(times, response)
    return results


def main() -> None:
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        sys.exit("set BENCH_DATABASE_URL to a PostgreSQL database that may be wiped")
    reuse = os.environ.get("BENCH_REUSE") == "1"
    env = {
        **os.environ,
        "WASPADA_ENV": "development",
        "DATABASE_URL": url,
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "WASPADA_INSTANCE": "/tmp/wsp-queue",
    }
    load_seconds = None
    if not reuse:
        admin_url, name = url.rsplit("/", 1)
        with psycopg.connect(f"{admin_url}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "portal", "db", "upgrade"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    from portal import create_app
    from tests.staff.helpers import make_staff, sign_in

    app = create_app(env, instance_path="/tmp/wsp-queue")
    if not reuse:
        started = time.monotonic()
        with app.app_context():
            load(url)  # sealed with this app's keys, as the portal would have
        load_seconds = round(time.monotonic() - started, 1)
    held = shares(url)
    partners = {slug: v["tips"] for slug, v in held.items() if slug != "coordinator"}
    mean = statistics.mean(partners.values())
    assert 0.8 < partners[AVERAGE_ORG] / mean < 1.2, partners
    assert partners[SMALL_ORG] == min(partners.values()), partners
    accounts = {
        "coordinator": None,
        f"partner, average ({AVERAGE_ORG})": AVERAGE_ORG,
        f"partner, small ({SMALL_ORG})": SMALL_ORG,
    }
    sections = {}
    for label, slug in accounts.items():
        # A fresh name per run, so that BENCH_REUSE=1 can sign in again.
        username = f"bench.{slug or 'coordinator'}.{os.getpid()}"
        make_staff(app, username, "supervisor", org=slug)
        client = app.test_client()
        assert sign_in(client, app, username).status_code == 303
        org = held[slug or "coordinator"]
        results = measure(client)
        sections[label] = {
            "organisation": slug or "coordinator",
            "tips_visible": org["tips"],
            "share_pct": org["share_pct"],
            "referrals_pending": org["pending"],
            "worst_p95_ms": max(r["p95_ms"] for r in results.values()),
            "filters": results,
        }
    worst_label, worst = max(
        (
            (f"{account}: {label}", r["p95_ms"])
            for account, section in sections.items()
            for label, r in section["filters"].items()
        ),
        key=lambda item: item[1],
    )
    out = {
        "tips": TIPS,
        "partner_organisations": len(partners),
        "tip_access_rows": sum(partners.values()),
        "average_partner_share_pct": round(100 * mean / TIPS, 2),
        "load_seconds": load_seconds,
        "requests_per_filter": REQUESTS,
        "goal_p95_ms": GOAL_MS,
        "worst_p95_ms": worst,
        "worst": worst_label,
        "over_goal": [
            f"{account}: {label}"
            for account, section in sections.items()
            for label, r in section["filters"].items()
            if r["p95_ms"] > GOAL_MS
        ],
        "accounts": sections,
    }
    print(json.dumps(out, indent=2, ensure_ascii=False))
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "queue_scale.json").write_text(
        json.dumps(out, indent=2, ensure_ascii=False)
    )


if __name__ == "__main__":
    main()

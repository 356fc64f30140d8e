"""The triage jobs: load tips by id, run the pure pipeline, save. Safe to run twice.

`triage_tip` is the job the portal queues for every new tip. Run by a worker while other
tips wait, it takes up to `TRIAGE_BATCH` of them in the same pass: one read, one write of
each kind for the whole batch, one commit; their own jobs are then taken off the queue.
`triage_rerun` scores a given list of tips again for `flask triage rerun`.

Exactly once: the tips of a batch are read under a row lock (PostgreSQL: FOR UPDATE
SKIP LOCKED, so two workers never take the same tip; SQLite: the write lock, taken
before the read), and a tip's results are written in the same commit that marks it done.
A worker killed mid-batch commits nothing; its tips are still waiting and are triaged
later, once.

It works on plain rows (SQLAlchemy Core), not ORM objects.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass, fields, replace
from typing import Any

import redis
from flask import has_app_context
from rq import get_current_job
from sqlalchemy import Select, func, insert, select, text, update
from sqlalchemy.dialects import sqlite

from portal.categories import Category
from portal.config import current_settings
from portal.directory.loader import current_services
from portal.extensions import db
from portal.jobs import store
from portal.jobs.ocr import queue_image_reading
from portal.models import (
    PRIORITY_RANK,
    Attachment,
    AuditEvent,
    Tip,
    TipAccess,
    TriageMark,
    TriageRun,
    TriageState,
    queue_rank_for,
    utcnow,
)
from portal.organisations import referrals
from portal.protection.keys import Unreadable
from portal.protection.sealed import open_field, open_tip_fields, tip_aead
from portal.triage.indicators import extract, payment_countries
from portal.triage.routing import Route, suggest_routes
from portal.triage.scoring import phone_region, score
from portal.triage.version import rules_version

# Free-text answers that describe the subject of a tip (choices are codes, not text).
TEXT_ANSWERS = ("what_sold", "salary", "topic")
_WAITING = (TriageState.PENDING, TriageState.QUEUED)

log = logging.getLogger(__name__)

# The support directory's services for the batch being triaged (read once per batch).
_services: ContextVar[list[Any] | None] = ContextVar("triage_services", default=None)
# … and the routing suggestions it worked out, by their inputs.
_route_cache: ContextVar[dict[tuple[Any, ...], list[dict[str, Any]]] | None] = ContextVar(
    "triage_routes", default=None
)


@dataclass(frozen=True, slots=True)
class TipView:
    """What the pipeline reads of a tip."""

    id: int
    category: str
    lang: str
    country: str | None
    description: str
    link: str
    answers: dict[str, Any]
    in_danger: bool
    cluster_id: int | None
    machine_text: str = ""  # text read from the tip's photos (portal.jobs.ocr)


_COLUMNS = (
    Tip.id,
    Tip.category,
    Tip.lang,
    Tip.country,
    Tip.data_key_id,
    Tip.data_key,
    Tip.seal_ref,
    Tip.description_sealed,
    Tip.link_sealed,
    Tip.answers_sealed,
    Tip.in_danger,
    Tip.cluster_id,
)


def _view(row: Sequence[Any]) -> TipView:
    """What the pipeline reads of a tip, opened with its data key (Unreadable if it does not
    open: the tip's triage fails by that kind, and its text is never in the error)."""
    tip_id, category, lang, country, *sealed = row[:10]
    return TipView(tip_id, category, lang, country, *open_tip_fields(tip_id, *sealed), *row[10:])
# What a batch compares its results with (a tip whose results did not move keeps its row),
# and the rules that gave them.
_STATE = (
    Tip.triage_state,
    Tip.triage_attempts,
    Tip.score,
    TriageMark.rules_version,
    TriageMark.results_digest,
    TriageMark.indicators_digest,
)
_ROUTE_FIELDS = tuple(field.name for field in fields(Route))


@dataclass(slots=True)
class _Row:
    view: TipView
    state: str
    attempts: int
    score: int
    version: str | None
    digest: str | None  # of the results the tip shows (see _digest)
    found_digest: str | None  # of the indicators stored for it


def triage_tip(tip_id: int) -> str:
    """Triage one tip and, run by a worker while other tips wait, a batch of them.
    Returns what happened to this tip, for the job's result."""
    _require_app_context()
    take = current_settings().triage_batch - 1 if get_current_job() is not None else 0
    try:
        outcome, others = _triage_batch(tip_id, take)
    except Exception as error:  # noqa: BLE001 - recorded by kind, then raised again
        db.session.rollback()
        reason = failure_reason(error)
    else:
        if others:
            _drop_jobs(others)
        if outcome == "done" and get_current_job() is not None:
            _read_photos_later([tip_id, *others])
        return outcome
    # RQ keeps the exception (failed-job registry, 7 days) and the worker logs it: an
    # error raised from tip text (a database error quoting a value, a pattern error
    # echoing its input) must reach neither. So only its kind travels on, raised after
    # the `except` block: nothing, not even a failure to record it, chains the original.
    _record_failure(tip_id, reason)
    raise TriageFailed(reason)


def _read_photos_later(tip_ids: list[int]) -> None:
    """Queue the reading of the photos not read yet of the tips just triaged (the batch's
    others included: their own jobs are gone); each tip is triaged again after."""
    waiting = db.session.execute(
        select(Tip.id, Tip.lang)
        .where(Tip.id.in_(tip_ids))
        .where(
            select(Attachment.id)
            .where(Attachment.tip_id == Tip.id, Attachment.ocr_sealed.is_(None))
            .exists()
        )
    ).all()
    db.session.rollback()  # the look-up's read transaction
    for waiting_id, lang in waiting:
        queue_image_reading(waiting_id, lang or "en")


def triage_rerun(run_id: int, tip_ids: Sequence[int]) -> int:
    """Score these tips again for rerun `run_id` (those it has not scored yet); return how
    many it scored. One commit for the batch, with the run's counts."""
    _require_app_context()
    _new_batch()
    _take_write_lock(tip_ids[0])
    rows = _read(
        _select_rows()
        .where(Tip.id.in_(list(tip_ids)))
        .where((TriageMark.rerun_id != run_id) | TriageMark.rerun_id.is_(None))
        .order_by(Tip.id)
    )
    if rows:
        # A row locked by another job of this run (a batch queued twice) was read as it was
        # before that job's commit: read again, now that its lock is ours, what is done.
        done = set(
            db.session.scalars(
                select(TriageMark.tip_id).where(
                    TriageMark.tip_id.in_([row.view.id for row in rows]),
                    TriageMark.rerun_id == run_id,
                )
            )
        )
        rows = [row for row in rows if row.view.id not in done]
    if not rows:
        db.session.rollback()
        return 0
    results = {row.view.id: _run_pipeline(row.view) for row in rows}
    changed = _save(rows, results, run_id=run_id)
    db.session.execute(
        update(TriageRun)
        .where(TriageRun.id == run_id)
        .values(scored=TriageRun.scored + len(rows), changed=TriageRun.changed + changed)
    )
    db.session.commit()
    return len(rows)


def _triage_batch(tip_id: int, take: int) -> tuple[str, list[int]]:
    """Triage `tip_id` and up to `take` other waiting tips in one transaction; return this
    tip's outcome and the ids of the others it triaged."""
    _new_batch()
    _take_write_lock(tip_id)
    own = _read(_select_rows().where(Tip.id == tip_id), must=tip_id)
    if not own:
        db.session.rollback()
        return "missing", []
    if own[0].state == TriageState.DONE:
        db.session.rollback()
        return "already done", []
    rows = own
    if take:
        # Tips that failed before wait for their own retry: one bad tip must not fail
        # every batch that would take it.
        rows += _read(
            _select_rows()
            .where(Tip.triage_state.in_(_WAITING), Tip.triage_error == "", Tip.id != tip_id)
            .order_by(Tip.id)
            .limit(take),
            skip_locked=True,
        )
    results: dict[int, dict[str, Any]] = {}
    for row in rows:
        try:
            results[row.view.id] = _run_pipeline(row.view)
        except Exception:
            if row.view.id == tip_id:
                raise
            # Another tip's own job triages it, and records the failure if it fails again.
            log.warning("tip %d left for its own job: its pipeline failed", row.view.id)
    rows = [row for row in rows if row.view.id in results]
    _save(rows, results)
    db.session.commit()
    return "done", [row.view.id for row in rows if row.view.id != tip_id]


def _take_write_lock(tip_id: int) -> None:
    """SQLite: take the database's write lock before reading, so no other worker reads
    the same waiting tips meanwhile (PostgreSQL locks the rows it reads instead)."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(text("UPDATE tips SET id = id WHERE id = :id"), {"id": tip_id})


def _select_rows() -> Select[Any]:
    columns: tuple[Any, ...] = (*_COLUMNS, *_STATE)
    return select(*columns).outerjoin(TriageMark, TriageMark.tip_id == Tip.id)


def _read(query: Select[Any], *, skip_locked: bool = False, must: int | None = None) -> list[_Row]:
    """The rows, locked until the commit (PostgreSQL; SQLite holds its write lock). A tip
    the job must triage waits for another transaction that holds it (and then finds it
    done); with `skip_locked`, tips another worker holds are left to it. Locks are taken
    in id order, so two jobs never wait for each other."""
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Tip, skip_locked=skip_locked)
    width = len(_COLUMNS)
    rows: list[_Row] = []
    for found in db.session.execute(query):
        try:
            rows.append(_Row(_view(found[:width]), *found[width:]))
        except Unreadable:
            if found[0] == must:
                raise  # this job's own tip: its triage fails by that kind
            # Another tip's own job records it; one bad tip must not fail every batch.
            log.warning("tip %d left for its own job: its text does not open", found[0])
    read = _machine_texts([row.view.id for row in rows])
    for row in rows:
        if row.view.id in read:
            row.view = replace(row.view, machine_text=read[row.view.id])
    return rows


def _machine_texts(tip_ids: list[int]) -> dict[int, str]:
    """The text read from each tip's photos, joined in upload order (tips with some only)."""
    if not tip_ids:
        return {}
    found: dict[int, list[str]] = {}
    query = (
        select(
            Attachment.tip_id,
            Attachment.seal_ref,
            Attachment.ocr_sealed,
            Tip.data_key_id,
            Tip.data_key,
            Tip.seal_ref,
        )
        .join(Tip, Tip.id == Attachment.tip_id)
        .where(Attachment.tip_id.in_(tip_ids), Attachment.ocr_sealed.is_not(None))
        .order_by(Attachment.id)
    )
    for tip_id, ref, sealed, key_id, wrapped, tip_ref in db.session.execute(query):
        try:
            aead = tip_aead(key_id, wrapped, tip_ref, tip_id)
            read = open_field(aead, "attachments", "ocr_sealed", ref, sealed)
        except Unreadable:
            log.warning("tip %d: the text read from a photo does not open", tip_id)
            continue
        if read:
            found.setdefault(tip_id, []).append(read)
    return {tip_id: "\n".join(texts) for tip_id, texts in found.items()}


def _save(rows: list[_Row], results: dict[int, dict[str, Any]], run_id: int | None = None) -> int:
    """Write the batch's results in a few statements (the caller commits); return how many
    scores moved on tips that had one."""
    found = {
        row.view.id: sorted({(i.kind, i.value) for i in results[row.view.id].pop("_found")})
        for row in rows
    }
    found_digests = {tip_id: _digest_of(pairs) for tip_id, pairs in found.items()}
    # A tip scored before whose indicators are the same has them stored and linked already:
    # only the others are stored and linked (after most rule changes, none).
    linking = [
        row
        for row in rows
        if row.state != TriageState.DONE or row.found_digest != found_digests[row.view.id]
    ]
    clusters = {row.view.id: row.view.cluster_id or row.view.id for row in rows}
    # Only linking moves a cluster: the others keep the cluster their row has now (another
    # tip's linking in this batch may just have changed it).
    relinked = {row.view.id for row in linking}
    if linking:
        ids = store.save_indicators_many({row.view.id: found[row.view.id] for row in linking})
        clusters.update(
            store.link_clusters_many(
                {row.view.id: (row.view.cluster_id, ids[row.view.id]) for row in linking}
            )
        )
    now = utcnow()
    version = rules_version()
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    digests = {row.view.id: _digest(results[row.view.id], clusters[row.view.id]) for row in rows}
    # Only tips whose results moved (or that were never triaged) are written: scoring with
    # new rules that agree (most tips, most of the time) writes only the narrow mark.
    written = [
        row for row in rows if row.state != TriageState.DONE or row.digest != digests[row.view.id]
    ]
    if written and postgresql:
        _pg_update_tips(written, results, clusters, relinked, now)
    elif written:
        _update_tips(written, results, clusters, relinked, now)
    _mark(rows, digests, found_digests, version, now, run_id, postgresql)
    if written:
        # The organisations that see a tip keep its queue position in step (only a tip
        # whose row was written can have moved).
        db.session.execute(
            update(TipAccess)
            .where(TipAccess.tip_id.in_([row.view.id for row in written]))
            .values(
                queue_rank=select(Tip.queue_rank)
                .where(Tip.id == TipAccess.tip_id)
                .scalar_subquery()
            )
            .execution_options(synchronize_session=False)
        )
    # The coordinator's standing rules refer tips (each firing goes on the tip's history).
    rules = referrals.active_rules()
    if rules:
        for row in rows:
            result = results[row.view.id]
            referrals.apply_rules(
                row.view.id, row.view.category, row.view.country, result["score"], rules=rules
            )
    moved = [
        row
        for row in rows
        if row.state == TriageState.DONE and row.score != results[row.view.id]["score"]
    ]
    if moved:
        # Scored again (rules changed): the tip's history says by which rules, from what to what.
        details = [
            {
                "rules_version": version,
                "previous_rules_version": row.version,
                "from": row.score,
                "to": results[row.view.id]["score"],
            }
            for row in moved
        ]
        if postgresql:
            rescored = [
                {"tip_id": row.view.id, "detail": detail}
                for row, detail in zip(moved, details, strict=True)
            ]
            db.session.execute(_PG_RESCORED, {"now": now, "rows": json.dumps(rescored)})
        else:
            db.session.execute(
                insert(AuditEvent),
                [
                    {
                        "at": now,
                        "username": "-",
                        "action": "rescored",
                        "tip_id": row.view.id,
                        "summary": "",
                        "detail": detail,
                    }
                    for row, detail in zip(moved, details, strict=True)
                ],
            )
    return len(moved)


# PostgreSQL: a batch's writes as one statement each, its rows as one JSON document
# (json_to_recordset): the same SQL whatever the batch's size, no per-row statements for the
# server to run, and one C-encoded string for the client to send.
_PG_UPDATE_TIPS = text(
    "UPDATE tips AS t SET score = u.score, priority = u.priority,"
    " priority_rank = u.priority_rank, queue_rank = u.queue_rank, urgent = u.urgent,"
    " score_reasons = u.score_reasons, routing = u.routing,"
    " cluster_id = COALESCE(u.cluster_id, t.cluster_id),"
    " triage_attempts = t.triage_attempts + CASE WHEN t.triage_state = 'done' THEN 0 ELSE 1 END,"
    " triaged_at = :now, triage_state = 'done', triage_error = '',"
    " triage_state_changed_at = :now, updated_at = :now"
    " FROM json_to_recordset(CAST(:rows AS json)) AS u(id integer, score integer,"
    " priority text, priority_rank integer, queue_rank integer, urgent boolean,"
    " score_reasons json, routing json, cluster_id integer) WHERE t.id = u.id"
)
_PG_RESCORED = text(
    "INSERT INTO audit_events (at, username, action, tip_id, summary, detail)"
    " SELECT :now, '-', 'rescored', u.tip_id, '', u.detail"
    " FROM json_to_recordset(CAST(:rows AS json)) AS u(tip_id integer, detail json)"
)


_PG_MARK = text(
    "INSERT INTO triage_marks (tip_id, rules_version, results_digest, indicators_digest,"
    " scored_at, times_scored, rerun_id)"
    " SELECT u.tip_id, :version, u.digest, u.found, :now, 1, CAST(:run_id AS integer)"
    " FROM unnest(CAST(:tips AS integer[]), CAST(:digests AS text[]), CAST(:found AS text[]))"
    " AS u(tip_id, digest, found)"
    " ON CONFLICT (tip_id) DO UPDATE SET rules_version = EXCLUDED.rules_version,"
    " results_digest = EXCLUDED.results_digest, indicators_digest = EXCLUDED.indicators_digest,"
    " scored_at = EXCLUDED.scored_at, times_scored = triage_marks.times_scored + 1,"
    " rerun_id = COALESCE(EXCLUDED.rerun_id, triage_marks.rerun_id)"
)


def _pg_update_tips(
    rows: list[_Row],
    results: dict[int, dict[str, Any]],
    clusters: dict[int, int],
    relinked: set[int],
    now: Any,
) -> None:
    payload = [
        {
            "id": row.view.id,
            **results[row.view.id],
            "cluster_id": clusters[row.view.id] if row.view.id in relinked else None,
        }
        for row in rows
    ]
    db.session.execute(_PG_UPDATE_TIPS, {"rows": json.dumps(payload), "now": now})


def _digest(result: dict[str, Any], cluster_id: int) -> str:
    """A fingerprint of what triage shows of a tip: equal digests, nothing to write."""
    shown = {key: value for key, value in result.items() if key != "_found"}
    return _digest_of([shown, cluster_id])


def _digest_of(value: Any) -> str:
    encoded = json.dumps(value, sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(encoded.encode(), digest_size=16).hexdigest()


def _update_tips(
    rows: list[_Row],
    results: dict[int, dict[str, Any]],
    clusters: dict[int, int],
    relinked: set[int],
    now: Any,
) -> None:
    """SQLite: the written rows by primary key; a row not relinked keeps its cluster."""
    for group in (
        [row for row in rows if row.view.id in relinked],
        [row for row in rows if row.view.id not in relinked],
    ):
        if not group:
            continue
        db.session.execute(
            update(Tip),
            [
                {
                    "id": row.view.id,
                    **results[row.view.id],
                    **({"cluster_id": clusters[row.view.id]} if row.view.id in relinked else {}),
                    # Attempts count the tries of a tip's first triage, not the reruns.
                    "triage_attempts": row.attempts + (row.state != TriageState.DONE),
                    "triaged_at": now,
                    "triage_state": TriageState.DONE,
                    "triage_error": "",
                    "triage_state_changed_at": now,
                }
                for row in group
            ],
        )


def _mark(
    rows: list[_Row],
    digests: dict[int, str],
    found_digests: dict[int, str],
    version: str,
    now: Any,
    run_id: int | None,
    postgresql: bool,
) -> None:
    """Which rules scored these tips, what they found, when, once more, in which rerun."""
    tips = [row.view.id for row in rows]
    if postgresql:
        db.session.execute(
            _PG_MARK,
            {
                "tips": tips,
                "digests": [digests[tip] for tip in tips],
                "found": [found_digests[tip] for tip in tips],
                "version": version,
                "now": now,
                "run_id": run_id,
            },
        )
        return
    insert = sqlite.insert(TriageMark)
    db.session.execute(
        insert.on_conflict_do_update(
            index_elements=["tip_id"],
            set_={
                "rules_version": insert.excluded.rules_version,
                "results_digest": insert.excluded.results_digest,
                "indicators_digest": insert.excluded.indicators_digest,
                "scored_at": insert.excluded.scored_at,
                "times_scored": TriageMark.times_scored + 1,
                "rerun_id": func.coalesce(insert.excluded.rerun_id, TriageMark.rerun_id),
            },
        ),
        [
            {
                "tip_id": tip,
                "rules_version": version,
                "results_digest": digests[tip],
                "indicators_digest": found_digests[tip],
                "scored_at": now,
                "times_scored": 1,
                "rerun_id": run_id,
            }
            for tip in tips
        ],
    )


def save_batch(tips: Sequence[Tip]) -> None:
    """Triage ORM tips just added in this transaction (the caller commits or rolls back)."""
    _new_batch()
    rows = [_Row(view_of(tip), TriageState.PENDING, 0, 0, None, None, None) for tip in tips]
    _save(rows, {row.view.id: _run_pipeline(row.view) for row in rows})


def _drop_jobs(tip_ids: list[int]) -> None:
    """Take the jobs of tips a batch triaged off the queue (best effort: a job left there
    finds its tip done and ends at once)."""
    from portal.jobs.queue import get_queue, job_id_for

    try:
        queue = get_queue()
        job_ids = [job_id_for(tip_id) for tip_id in tip_ids]
        with queue.connection.pipeline(transaction=False) as pipe:
            for job_id in job_ids:
                pipe.lrem(queue.key, 1, job_id)
            removed = pipe.execute()
        gone = [f"rq:job:{job_id}" for job_id, count in zip(job_ids, removed, strict=True) if count]
        if gone:
            queue.connection.delete(*gone)
    except (redis.RedisError, OSError):
        log.warning("could not take %d triaged tip(s) off the queue", len(tip_ids))


def view_of(tip: Tip) -> TipView:
    """The pipeline's view of an ORM tip."""
    machine = "\n".join(item.ocr_text for item in tip.attachments if item.ocr_text)
    return TipView(
        tip.id,
        tip.category,
        tip.lang,
        tip.country,
        tip.description,
        tip.link,
        tip.answers,
        tip.in_danger,
        tip.cluster_id,
        machine_text=machine,
    )


def _run_pipeline(tip: TipView) -> dict[str, Any]:
    """Extract indicators, score and route (no database): the tip's new column values, and
    under "_found" the indicators to store and link."""
    text = triage_text(tip)
    # Read local phone numbers as scoring does: the tip's country, else its language's.
    found = extract(text, country=phone_region(tip.country, tip.lang))
    result = score(tip.category, text, country=tip.country, lang=tip.lang, indicators=found)
    priority = result.priority
    if tip.in_danger:
        # The reporter said someone is in danger now: that outranks any text rule.
        priority = "urgent"
    urgent = bool(result.urgent or tip.in_danger)
    routing = _routes(
        tip.category,
        tip.country,
        (tip.answers or {}).get("destination") or None,
        frozenset(i.kind for i in found),
        tuple(payment_countries(found)),
        urgent,
    )
    return {
        "score": result.value,
        "priority": priority,
        "priority_rank": PRIORITY_RANK.get(priority, PRIORITY_RANK["normal"]),
        "queue_rank": queue_rank_for(priority, result.value),
        "urgent": urgent,
        "score_reasons": [
            {"rule_id": r.rule_id, "weight": r.weight, "explanation": r.explanation}
            for r in result.reasons
        ],
        "routing": routing,
        "_found": found,
    }


def _routes(
    category: str,
    country: str | None,
    destination: str | None,
    kinds: frozenset[str],
    paid_to: tuple[str, ...],
    urgent: bool,
) -> list[dict[str, Any]]:
    """The routing suggestions as stored; tips of a batch with the same inputs share them."""
    key = (category, country, destination, kinds, paid_to, urgent)
    cache = _route_cache.get()
    if cache is None:
        cache = {}
        _route_cache.set(cache)
    if key not in cache:
        routes = suggest_routes(
            category,
            country,
            destination=destination,
            indicator_kinds=set(kinds),
            payment_countries=list(paid_to),
            urgent=urgent,
            # Embassies come from the directory the help page shows (only job offers use them).
            services=_batch_services() if category == Category.JOB_OFFER else (),
        )
        cache[key] = [_route_row(route) for route in routes]
    return cache[key]


def _new_batch() -> None:
    """Forget what the last batch worked out: the directory may have changed since."""
    _services.set(None)
    _route_cache.set(None)


def _batch_services() -> list[Any]:
    services = _services.get()
    if services is None:
        services = current_services()
        _services.set(services)
    return services


def _route_row(route: Route) -> dict[str, Any]:
    """A route as stored (dataclasses.asdict, without its deep copy: a tenth of a batch)."""
    row = {name: getattr(route, name) for name in _ROUTE_FIELDS}
    row["reason_params"] = dict(route.reason_params)
    return row


def triage_text(tip: TipView | Tip) -> str:
    """Everything the reporter told us about the subject, never their own contact details,
    and the text read from their photos."""
    answers = tip.answers or {}
    parts = [tip.description, tip.link]
    parts += [str(v) for k, v in answers.items() if k in TEXT_ANSWERS and v]
    if isinstance(tip, TipView):
        parts.append(tip.machine_text)
    else:
        parts += [item.ocr_text or "" for item in tip.attachments]
    return "\n".join(part for part in parts if part)


class TriageFailed(RuntimeError):
    """A triage job failed; the message names the kind of error, never its content."""


def failure_reason(error: Exception) -> str:
    """What staff and logs may know of an error: its class and, for a database error, its
    SQLSTATE code (e.g. "IntegrityError 23505"); never its message, which may quote tip text."""
    reason = type(error).__name__
    sqlstate = getattr(getattr(error, "orig", None), "sqlstate", None)
    return f"{reason} {sqlstate}" if isinstance(sqlstate, str) else reason


def _record_failure(tip_id: int, reason: str) -> None:
    """Keep the error for staff; the tip becomes `failed` only when no retry is left."""
    job = get_current_job()
    retries_left = (job.retries_left or 0) if job is not None else 0
    state = TriageState.QUEUED if retries_left > 0 else TriageState.FAILED
    db.session.execute(
        update(Tip)
        .where(Tip.id == tip_id, Tip.triage_state != TriageState.DONE)
        .values(
            triage_attempts=Tip.triage_attempts + 1,
            triage_state=state,
            triage_error=reason[:2000],
            triage_state_changed_at=utcnow(),
        )
    )
    db.session.commit()


class NoAppContext(RuntimeError):
    """A triage job ran outside the portal's worker."""


def _require_app_context() -> None:
    """Jobs run in `flask --app portal triage worker`, which pushes the app context their
    database session needs. A bare `rq worker` has none: refuse plainly (RQ retries later)
    rather than build a second app from whatever environment that process has."""
    if not has_app_context():
        raise NoAppContext("run triage jobs with `flask --app portal triage worker`")

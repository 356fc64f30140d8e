"""`flask triage rerun`: score tips again after the rules changed, in batches, resumably.

A run is its filters plus the rules version it scores with. The command queues one
`triage_rerun` job per batch of tips for any number of workers, then follows the
count of tips the run has scored. Each job commits its batch together with the run's
counts, and skips tips the run has already scored, so a tip is scored once per run
however often a batch is queued. Ctrl+C stops the command, not the workers; running
it again with the same filters continues the same run where it stopped.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import Select, func, select

from portal.accounts.audit import audit
from portal.extensions import db
from portal.jobs.queue import get_queue, job_options
from portal.models import Tip, TriageMark, TriageRun, as_utc, utcnow
from portal.triage.version import rules_version

# Tips per job: big enough that a job's fixed costs (Redis, a commit) vanish per tip,
# small enough that a batch commits in well under a second.
BATCH = 200
_ACTIVE = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED}


@dataclass(frozen=True, slots=True)
class RerunFilters:
    category: str | None = None
    status: str | None = None
    since: str | None = None  # an ISO date: tips created on or after it
    rules_changed_only: bool = False

    def key(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


def select_tips(filters: RerunFilters, version: str) -> Select[Any]:
    """The ids of the tips a run with these filters covers."""
    query = _by_tip_columns(filters).outerjoin(TriageMark, TriageMark.tip_id == Tip.id)
    if filters.rules_changed_only:
        query = query.where(TriageMark.rules_version.is_distinct_from(version))
    return query


def _by_tip_columns(filters: RerunFilters) -> Select[Any]:
    """The filters on the tips' own columns (a keyset walk over the tips' ids uses them)."""
    query = select(Tip.id)
    if filters.category:
        query = query.where(Tip.category == filters.category)
    if filters.status:
        query = query.where(Tip.status == filters.status)
    if filters.since:
        query = query.where(Tip.created_at >= datetime.fromisoformat(filters.since))
    return query


def start_or_resume(filters: RerunFilters) -> tuple[TriageRun, bool]:
    """The unfinished run with these filters and the current rules, or a new one.
    Returns the run and whether it was resumed."""
    version = rules_version()
    run = db.session.scalar(
        select(TriageRun)
        .where(
            TriageRun.filters_key == filters.key(),
            TriageRun.rules_version == version,
            TriageRun.finished_at.is_(None),
        )
        .order_by(TriageRun.id.desc())
    )
    if run is not None:
        return run, True
    total = db.session.scalar(
        select(func.count()).select_from(select_tips(filters, version).subquery())
    )
    run = TriageRun(
        filters=asdict(filters), filters_key=filters.key(), rules_version=version, total=total or 0
    )
    db.session.add(run)
    db.session.commit()
    return run, False


def remaining(run: TriageRun) -> Select[Any]:
    """Tips of the run it has not scored yet."""
    filters = RerunFilters(**run.filters)
    return select_tips(filters, run.rules_version).where(
        (TriageMark.rerun_id != run.id) | TriageMark.rerun_id.is_(None)
    )


def batches(run: TriageRun, size: int = BATCH) -> Iterator[list[int]]:
    """The remaining tips in id order, about `size` at a time.

    A keyset walk over the tips' ids, then one look at their marks: each step reads an id
    range from the primary key. (One query joining the marks for each step made PostgreSQL
    join all of them every time: at 1M tips the walk took longer than the scoring.)"""
    filters = RerunFilters(**run.filters)
    after = 0
    while True:
        ids: list[int] = list(
            db.session.scalars(
                _by_tip_columns(filters).where(Tip.id > after).order_by(Tip.id).limit(size)
            )
        )
        if not ids:
            db.session.rollback()
            return
        done = select(TriageMark.tip_id).where(TriageMark.tip_id.in_(ids))
        done = done.where(
            (TriageMark.rerun_id == run.id)
            | (
                TriageMark.rules_version == run.rules_version
                if filters.rules_changed_only
                else False
            )
        )
        skip = set(db.session.scalars(done))
        db.session.rollback()
        wanted = [tip_id for tip_id in ids if tip_id not in skip]
        if wanted:
            yield wanted
        after = ids[-1]


def enqueue(
    run: TriageRun, size: int = BATCH, progress: Callable[[int], None] | None = None
) -> int:
    """Queue a job for every remaining batch; return how many jobs were queued. A batch
    whose job is still waiting or running is not queued twice."""
    from portal.jobs.triage import triage_rerun

    queue = get_queue()
    queued = 0
    for ids in batches(run, size):
        job_id = f"triage-rerun-{run.id}-{ids[0]}-{ids[-1]}"
        try:
            if Job.fetch(job_id, connection=queue.connection).get_status() in _ACTIVE:
                continue
        except NoSuchJobError:
            pass
        queue.enqueue(
            triage_rerun,
            run.id,
            ids,
            job_id=job_id,
            result_ttl=0,
            description=f"rerun {run.id}: {len(ids)} tips",
            **job_options(),
        )
        queued += 1
        if progress:
            progress(len(ids))
    return queued


def scored(run: TriageRun) -> int:
    """How many tips the run has scored so far (the jobs keep the count in their commits)."""
    value = db.session.scalar(select(TriageRun.scored).where(TriageRun.id == run.id))
    db.session.rollback()
    return value or 0


def left(run: TriageRun) -> int:
    value = db.session.scalar(select(func.count()).select_from(remaining(run).subquery()))
    db.session.rollback()
    return value or 0


def finish(run: TriageRun) -> TriageRun:
    """Close the run and write its one audit event, with the counts."""
    run = db.session.get_one(TriageRun, run.id)
    run.finished_at = utcnow()
    audit(
        None,
        "triage_rerun",
        run=run.id,
        rules_version=run.rules_version,
        filters=run.filters,
        total=run.total,
        scored=run.scored,
        changed=run.changed,
        seconds=round((run.finished_at - as_utc(run.started_at)).total_seconds(), 1),
    )
    db.session.commit()
    return run


def wait(run: TriageRun, on_progress: Callable[[int], None], poll: float = 0.5) -> None:
    """Follow the run until it has scored every tip (`on_progress` gets each increase)."""
    seen, still = scored(run), 0
    while True:
        time.sleep(poll)
        now = scored(run)
        if now > seen:
            on_progress(now - seen)
            seen, still = now, 0
        else:
            still += 1
        # The total was counted at the start: tips deleted since never come. When the
        # count stands still for a while, ask what is left.
        if now >= run.total or (still % 20 == 19 and left(run) == 0):
            return

"""Handing tips to the triage queue, only ever after they are committed.

Jobs carry a tip id, never its text, and their id is derived from the tip id so
the same tip is never queued twice. If Redis is down the tip simply stays
`pending`; the sweeper queues it later.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import UTC, datetime

import redis
from flask import Flask, current_app
from rq import Queue, Retry
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy.exc import SQLAlchemyError

from portal import redis_server
from portal.config import current_settings
from portal.extensions import db
from portal.models import Tip, TriageState, utcnow

log = logging.getLogger(__name__)

# Seconds to wait between retries of a failed triage job.
RETRY_INTERVALS = [10, 60, 300]
# After Redis failed once, skip it for this long so a burst of reports is not slowed down
# (kept short: what a process stores meanwhile is queued by its first report after it).
_BACKOFF_SECONDS = 1.0
# Tips stored while Redis was away, queued by a web process once Redis answers again.
_CATCH_UP = 1000
_ACTIVE = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED}


# The job function by name: the triage module uses this one (to take jobs off the queue),
# and the name keeps the import one way.
TRIAGE_JOB = "portal.jobs.triage.triage_tip"


def job_id_for(tip_id: int) -> str:
    """The one job id a tip's triage can have."""
    return f"triage-tip-{tip_id}"


def init_app(app: Flask, redis_url: str) -> None:
    """Remember where Redis is; connections are opened lazily."""
    app.extensions["waspada.redis_url"] = redis_url
    app.extensions["waspada.redis_down_until"] = 0.0


def get_redis(app: Flask | None = None) -> redis.Redis:
    """The app's Redis client (one per process, created on first use)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    client = app.extensions.get("waspada.redis")
    if client is None:
        client = redis_server.connect(app.extensions["waspada.redis_url"])
        app.extensions["waspada.redis"] = client
    return client


def get_queue(app: Flask | None = None) -> Queue:
    """The triage queue."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    return Queue(current_settings(app).triage_queue, connection=get_redis(app))


def enqueue_triage_after_commit(tip_ids: Iterable[int]) -> list[int]:
    """Queue triage for tips that are already committed; return the ids now queued.

    Never raises because of Redis: a tip that could not be queued stays pending.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    ids = list(tip_ids)
    if not ids or time.monotonic() < app.extensions["waspada.redis_down_until"]:
        return []
    queued: list[int] = []
    try:
        queue = get_queue(app)
        for tip_id in ids:
            if _enqueue_once(queue, tip_id):
                queued.append(tip_id)
        if app.extensions.get("waspada.redis_was_down"):
            # Redis answers again: the tips this process stored meanwhile go too, now.
            app.extensions["waspada.redis_was_down"] = False
            for tip_id in _pending(exclude=ids):
                if _enqueue_once(queue, tip_id):
                    queued.append(tip_id)
    except (redis.RedisError, OSError) as error:
        app.extensions["waspada.redis_down_until"] = time.monotonic() + _BACKOFF_SECONDS
        app.extensions["waspada.redis_was_down"] = True
        log.warning(
            "triage queue unreachable, %d tip(s) stay pending: %s",
            len(ids) - len(queued),
            type(error).__name__,
        )
    if queued:
        try:
            _mark_queued(queued)
        except SQLAlchemyError as error:
            # The tips are stored and their jobs are queued; only the label is stale, and
            # the job or the sweeper puts it right. The reporter must not see an error.
            db.session.rollback()
            log.warning("could not mark %d tip(s) as queued: %s", len(queued), type(error).__name__)
    return queued


# While one process looks for a tip's job and queues it, others leave the tip alone: the web
# process that stored it and a worker's sweep could otherwise both find no job and both push
# the same job id, and the job would run twice (seen: 47 triage jobs for 46 tips).
_CLAIM_MS = 10_000


def _enqueue_once(queue: Queue, tip_id: int, *, report: bool = False) -> bool:
    """Make sure the tip has a live job. True once it has; with `report`, True only if a
    job had to be queued now."""
    job_id = job_id_for(tip_id)
    claim = f"waspada:queueing:{job_id}"
    if not queue.connection.set(claim, b"1", nx=True, px=_CLAIM_MS):
        return not report  # another process is queuing this tip right now
    try:
        try:
            job = Job.fetch(job_id, connection=queue.connection)
            if job.get_status() in _ACTIVE and not _abandoned(job):
                return not report
            # Out of RQ's intermediate queue too, or RQ's clean-up would later fail the
            # fresh job that takes this id.
            queue.connection.lrem(f"{queue.key}:intermediate", 0, job_id)
            job.delete()
        except (NoSuchJobError, InvalidJobOperation):
            # Gone between the fetch and the clean-up (a Redis restarted empty, a job
            # finished meanwhile): nothing left to remove, the fresh job goes in below.
            pass
        queue.enqueue(
            TRIAGE_JOB,
            tip_id,
            job_id=job_id,
            result_ttl=3600,
            description=f"triage tip {tip_id}",
            **job_options(),
        )
        return True
    finally:
        queue.connection.delete(claim)


def requeue_lost(tip_ids: list[int]) -> int:
    """Queue again those of these tips whose job is missing or abandoned; return how many.
    Raises if Redis does not answer."""
    queue = get_queue()
    requeued = [tip_id for tip_id in tip_ids if _enqueue_once(queue, tip_id, report=True)]
    if requeued:
        _mark_queued(requeued)
    return len(requeued)


def _pending(exclude: list[int]) -> list[int]:
    try:
        ids = list(
            db.session.scalars(
                db.select(Tip.id)
                .where(Tip.triage_state == TriageState.PENDING, Tip.id.not_in(exclude))
                .order_by(Tip.id)
                .limit(_CATCH_UP)
            )
        )
        db.session.rollback()
        return ids
    except SQLAlchemyError:
        db.session.rollback()
        return []


def job_options() -> dict[str, object]:
    """What every triage job is queued with: retries with back-off, the time it may take,
    and how long a failed one is kept (for staff to see why)."""
    return {
        "retry": Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS),
        "job_timeout": current_settings().triage_job_timeout,
        "failure_ttl": 7 * 24 * 3600,
    }


def _abandoned(job: Job) -> bool:
    """A job that will never run or finish though RQ counts it as active:
    - queued, but in no queue: a worker took it (RQ's intermediate queue) and died before
      starting it, or Redis lost the queue and kept the job;
    - started by a worker that stopped beating (killed mid-job) or that Redis no longer
      knows (it restarted empty, or the worker is gone)."""
    status = job.get_status()
    if status == JobStatus.QUEUED:
        return job.connection.lpos(f"rq:queue:{job.origin}", job.id) is None
    if status != JobStatus.STARTED:
        return False
    if job.worker_name and not job.connection.exists(f"rq:worker:{job.worker_name}"):
        return True
    if job.last_heartbeat is None:
        return False
    settings = current_settings()
    beat = job.last_heartbeat
    if beat.tzinfo is None:
        beat = beat.replace(tzinfo=UTC)
    return (datetime.now(UTC) - beat).total_seconds() > settings.stale_after_seconds


def _mark_queued(tip_ids: list[int]) -> None:
    db.session.execute(
        db.update(Tip)
        .where(Tip.id.in_(tip_ids), Tip.triage_state.in_([TriageState.PENDING, TriageState.QUEUED]))
        .values(triage_state=TriageState.QUEUED, triage_error="", triage_state_changed_at=utcnow())
    )
    db.session.commit()


def queue_depth() -> int | None:
    """Jobs waiting in the triage queue, or None if Redis cannot be reached."""
    try:
        return get_queue().count
    except (redis.RedisError, OSError):
        return None

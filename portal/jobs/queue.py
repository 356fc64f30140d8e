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
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy.exc import SQLAlchemyError

from portal import redis_server
from portal.config import current_settings
from portal.extensions import db
from portal.models import Tip, TriageState, utcnow

log = logging.getLogger(__name__)

# Seconds to wait between retries of a failed triage job.
RETRY_INTERVALS = [10, 60, 300]
# After Redis failed once, skip it for this long so a burst of reports is not slowed down.
_BACKOFF_SECONDS = 5.0
_ACTIVE = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED}


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
    except (redis.RedisError, OSError) as error:
        app.extensions["waspada.redis_down_until"] = time.monotonic() + _BACKOFF_SECONDS
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


def _enqueue_once(queue: Queue, tip_id: int) -> bool:
    job_id = job_id_for(tip_id)
    claim = f"waspada:queueing:{job_id}"
    if not queue.connection.set(claim, b"1", nx=True, px=_CLAIM_MS):
        return True  # another process is queuing this tip right now
    try:
        try:
            job = Job.fetch(job_id, connection=queue.connection)
            if job.get_status() in _ACTIVE and not _abandoned(job):
                return True
            job.delete()
        except NoSuchJobError:
            pass
        from portal.jobs.triage import triage_tip

        queue.enqueue(
            triage_tip,
            tip_id,
            job_id=job_id,
            retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS),
            result_ttl=3600,
            failure_ttl=7 * 24 * 3600,
            description=f"triage tip {tip_id}",
        )
        return True
    finally:
        queue.connection.delete(claim)


def _abandoned(job: Job) -> bool:
    """A started job whose worker stopped beating (killed mid-job) will never finish."""
    if job.get_status() != JobStatus.STARTED or job.last_heartbeat is None:
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

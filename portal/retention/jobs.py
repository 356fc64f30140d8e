"""The daily retention run, scheduled with RQ's scheduler by the workers."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from rq import Queue

from portal.retention.purge import run

JOB_ID = "waspada-retention-daily"
RUN_AT = time(2, 0, tzinfo=UTC)  # a quiet hour in every country served (09:00 in Jakarta)


def run_retention_job() -> str:
    """The job: one retention run. Its summary holds counts only (and is not kept)."""
    result = run()
    return f"deleted {sum(result.deleted.values())}, held {result.held}"


def next_run(now: datetime) -> datetime:
    today = datetime.combine(now.date(), RUN_AT)
    return today if today > now else today + timedelta(days=1)


def schedule_daily(queue: Queue, now: datetime | None = None) -> bool:
    """Schedule the next run unless one is scheduled (or running) already; True if it did.
    Every worker calls this at each maintenance: the fixed job id keeps it to one."""
    if queue.connection.exists(f"rq:job:{JOB_ID}"):
        return False
    queue.enqueue_at(
        next_run(now or datetime.now(UTC)),
        run_retention_job,
        job_id=JOB_ID,
        result_ttl=0,
        failure_ttl=12 * 3600,  # a failed run is shown for a while, then tried again
        job_timeout=3600,
    )
    return True

"""The triage worker: an RQ worker that also sweeps for tips the queue never got."""

from __future__ import annotations

import gc
import logging
import time

import redis
from flask import Flask
from redis.client import Pipeline
from rq import Queue, Worker
from rq.exceptions import NoSuchJobError, StopRequested
from rq.job import Job, JobStatus
from rq.worker import WorkerStatus
from sqlalchemy.exc import SQLAlchemyError

from portal import metrics
from portal.categories import CATEGORIES
from portal.config import current_settings
from portal.extensions import db
from portal.jobs.queue import get_queue, get_redis
from portal.jobs.sweeper import sweep
from portal.models import Tip

log = logging.getLogger(__name__)

# How long the command listener blocks per read (RQ's default is 60 s).
PUBSUB_READ_SECONDS = 0.5


class TriageWorker(Worker):
    """Runs the periodic sweep as part of RQ's own maintenance cycle."""

    stopping = False  # set once SIGTERM or SIGINT has asked this worker to stop

    def fork_work_horse(self, job: Job, queue: Queue) -> None:
        # A connection the parent still holds would be inherited by the horse, and both
        # would then talk to the database over one socket: the horse's statements run in
        # the parent's session, and each side breaks the other's prepared statements.
        db.session.remove()
        super().fork_work_horse(job, queue)

    def execute_job(self, job: Job, queue: Queue) -> None:
        super().execute_job(job, queue)
        # Counted here, in the parent, once the horse is gone: a horse that counted would
        # leave one metrics file per job in the multiprocess folder.
        _count_job(job)

    def subscribe(self) -> None:
        # RQ's listener for commands (e.g. "stop this job") waits 60 s per read. Stopping
        # the worker waits one second for it and then carries on while it may still be
        # blocked, so a worker could take up to a minute to let go. Reading for a second
        # at a time, it sees the stop flag within the second that the join waits.
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(  # type: ignore[assignment]
            sleep_time=PUBSUB_READ_SECONDS,
            daemon=True,
            exception_handler=self._pubsub_exception_handler,
        )

    def handle_warm_shutdown_request(self) -> None:
        self.stopping = True
        super().handle_warm_shutdown_request()

    def heartbeat(self, timeout: int | None = None, pipeline: Pipeline | None = None) -> None:
        # RQ stops an idle worker by raising StopRequested from its signal handler. When the
        # signal lands inside a finaliser (a Redis parser being collected), Python swallows
        # the exception and the stop is lost: the worker would wait for Redis forever. Every
        # pass of RQ's wait loop beats first, so an idle worker asked to stop stops here.
        if self.stopping and self.get_state() != WorkerStatus.BUSY:
            raise StopRequested
        super().heartbeat(timeout, pipeline)

    def main_work_horse(self, job: Job, queue: Queue) -> None:
        # The parent's idle pooled connections are left alone (not closed, not used):
        # the horse opens its own.
        db.engine.dispose(close=False)
        # A horse lives for one job: a garbage collection would only copy shared pages.
        gc.disable()
        super().main_work_horse(job, queue)

    def run_maintenance_tasks(self) -> None:
        super().run_maintenance_tasks()
        try:
            queued = sweep()
        except StopRequested:
            # Raised by RQ's signal handler wherever the worker is, the sweep included:
            # swallowed, the stop would be lost and the worker would run on.
            raise
        except Exception:  # noqa: BLE001 - a failed sweep must not stop the worker
            log.exception("sweep failed; will try again at the next maintenance")
            return
        finally:
            # A sweep that found nothing ends with its read open: never idle in a transaction.
            db.session.remove()
        if queued:
            log.info("sweep queued %d tip(s)", queued)


def _count_job(job: Job) -> None:
    """done, failed (no retry left) or retried, and how long it ran."""
    try:
        status = job.get_status(refresh=True)
        job.refresh()
    except (NoSuchJobError, redis.RedisError, OSError):
        return
    outcome = {
        JobStatus.FINISHED: "done",
        JobStatus.FAILED: "failed",
        JobStatus.SCHEDULED: "retried",
        JobStatus.QUEUED: "retried",
    }.get(status)
    if outcome is None:
        return
    seconds = None
    if job.started_at and job.ended_at:
        seconds = (job.ended_at - job.started_at).total_seconds()
    metrics.triage_job_finished(outcome, seconds)


def warm_up() -> None:
    """Run the whole pipeline once in the parent, inside a transaction that is rolled back.

    Rule data, compiled patterns and SQLAlchemy's statement cache are then loaded
    before the fork, so each work horse inherits them instead of rebuilding them.
    """
    from portal.jobs.triage import _run_pipeline, save_results, view_of

    sample = "Jual sabu WA 0812-3456-7890, t.me/contoh_warmup, https://contoh.example.com"
    try:
        for category in CATEGORIES:
            tip = Tip(
                category=category,
                lang="id",
                country="ID",
                description=sample,
                answers={"destination": "KH"},
                receipt_hash=f"warm-up-{category}",
                submission_key=f"warm-up-{category}",
            )
            db.session.add(tip)
            db.session.flush()
            save_results(tip.id, _run_pipeline(view_of(tip)), attempts=1)
    finally:
        # Rolled back: the warm-up tips and their rows never exist for anyone else.
        db.session.rollback()
        db.engine.dispose()


def run_worker(app: Flask, *, burst: bool = False) -> None:
    """Work the triage queue with the app context pushed (jobs inherit it when forked).

    Reconnects when Redis goes away instead of exiting, so a Redis restart needs
    no one to restart the worker.
    """
    settings = current_settings(app)
    interval = settings.sweep_interval_seconds
    with app.app_context():
        try:
            warm_up()
        except SQLAlchemyError:  # only a speed-up: the database may come up later
            db.session.rollback()
            log.warning("warm-up skipped: database unavailable")
        gc.collect()
        gc.freeze()  # what the parent holds now is shared with every forked horse, untouched
        worker: TriageWorker | None = None
        while True:
            try:
                worker = TriageWorker(
                    [get_queue(app)],
                    connection=get_redis(app),
                    maintenance_interval=interval,
                    worker_ttl=interval + 15,  # RQ blocks for worker_ttl - 15 s between sweeps
                    log_job_description=False,
                )
                if burst:
                    sweep()
                # The scheduler moves retries (scheduled with backoff) back onto the queue.
                worker.work(burst=burst, logging_level="INFO", with_scheduler=True)
                return
            except (redis.ConnectionError, redis.TimeoutError, OSError) as error:
                if burst:
                    raise
                if worker is not None and worker.stopping:
                    # Redis went away while the worker was asked to stop (both stopped at
                    # once): stop, instead of waiting for a Redis that is not coming back.
                    log.info("Redis unreachable while stopping; stopped")
                    return
                log.warning("Redis unreachable (%s); retrying in 5 s", type(error).__name__)
                time.sleep(5)

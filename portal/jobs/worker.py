"""The triage worker: a supervisor and one long-lived process that runs jobs in itself.

RQ's forking `Worker` starts a work horse for every job: with a parent of about 110 MB
that fork costs more than the triage itself (about 30 jobs/s, against 350/s for RQ's
`SimpleWorker`). Here the job runs in the worker process, and a small supervisor keeps
what forking gave:

- a job that hangs is stopped by RQ's death penalty (SIGALRM after the job's timeout)
  and retried with back-off, as before;
- a worker process that dies (killed, out of memory, a crash in C) is started again by
  the supervisor; its job stays in RQ's started registry without a heartbeat and the
  sweep queues the tip again (tips are triaged under a row lock, exactly once);
- memory cannot grow without bound: the worker process is replaced after
  `TRIAGE_WORKER_MAX_JOBS` jobs or once its resident memory passes
  `TRIAGE_WORKER_MAX_RSS_MB`, between two jobs.

The supervisor loads the app and warms it up once; each worker process is forked from
it, so a replacement starts in milliseconds.
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

import psutil
import redis
from flask import Flask
from redis.client import Pipeline
from rq import Queue, SimpleWorker, worker_registration
from rq.exceptions import StopRequested
from rq.job import Job, JobStatus
from rq.worker import WorkerStatus
from sqlalchemy.exc import SQLAlchemyError

from portal import metrics
from portal.categories import CATEGORIES
from portal.config import current_settings
from portal.extensions import db
from portal.jobs.queue import get_queue, get_redis
from portal.jobs.sweeper import recover, sweep
from portal.models import Tip
from portal.retention.jobs import schedule_daily

log = logging.getLogger(__name__)

# How long the command listener blocks per read (RQ's default is 60 s).
PUBSUB_READ_SECONDS = 0.5
# A worker process's exit codes, as its supervisor reads them.
EXIT_DONE = 0  # asked to stop, or a burst found the queue empty
EXIT_RECYCLE = 75  # did its share of jobs or grew too big: start a fresh one
# After a worker process died, wait this long before starting the next one.
RESTART_PAUSE_SECONDS = 1.0


class _WatchedQueue(Queue):
    """RQ's queue, noting when waiting for a job fails because Redis went away (RQ's wait
    loop retries quietly; the worker must know, to recover once Redis is back)."""

    lost = False

    @classmethod
    def dequeue_any(cls, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().dequeue_any(*args, **kwargs)
        except (redis.ConnectionError, redis.TimeoutError):
            _WatchedQueue.lost = True
            raise


class TriageWorker(SimpleWorker):
    """Runs jobs in its own process, sweeps as part of RQ's maintenance, and asks to be
    replaced when it has done `max_jobs` jobs or holds more than `max_rss` bytes."""

    stopping = False  # set once SIGTERM has asked this worker to stop
    recycle = False  # set when this process should be replaced after the current job
    redis_lost = False  # set while Redis does not answer
    swept = False  # set after the first maintenance pass
    # RQ waits 1, 2, 4 … up to 60 s between tries while Redis is away: a Redis that came
    # back would then wait up to a minute for its worker. Try every second instead.
    exponential_backoff_factor = 1.0
    max_connection_wait_time = 1.0

    def __init__(self, *args: Any, max_jobs: int = 0, max_rss: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_jobs = max_jobs
        self.max_rss = max_rss
        self.jobs_done = 0
        self._process = psutil.Process()
        # Set after RQ checked the queues' type against it: the queues stay plain ones.
        self.queue_class = _WatchedQueue

    def execute_job(self, job: Job, queue: Queue) -> None:
        try:
            super().execute_job(job, queue)
        finally:
            # A job's session ends with the job: nothing it loaded outlives it.
            db.session.remove()
        _count_job(job)
        self.jobs_done += 1
        if self._outgrown():
            self.recycle = True
            self._stop_requested = True  # RQ's loop stops before taking the next job

    def _outgrown(self) -> bool:
        if self.max_jobs and self.jobs_done >= self.max_jobs:
            log.info("worker process did %d jobs; replacing it", self.jobs_done)
            return True
        if self.max_rss and self._process.memory_info().rss > self.max_rss:
            log.info("worker process holds over %d MB; replacing it", self.max_rss // 2**20)
            return True
        return False

    def _install_signal_handlers(self) -> None:
        # Ctrl+C reaches the whole process group: the supervisor turns it into one SIGTERM
        # for this process, which must not count it twice (a second signal is a cold stop).
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, self.request_stop)

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        try:
            super().request_stop(signum, frame)
        finally:
            signal.signal(signal.SIGINT, signal.SIG_IGN)

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
        try:
            super().heartbeat(timeout, pipeline)
        except (redis.ConnectionError, redis.TimeoutError):
            self.redis_lost = True  # RQ's wait loop retries every second (see below)
            raise
        if (self.redis_lost or _WatchedQueue.lost) and pipeline is None:
            self.back_online()
            self.redis_lost = _WatchedQueue.lost = False

    def back_online(self) -> None:
        """Redis answers again after an outage, and may have come back empty: register
        again, and queue every tip whose job it lost before taking the next job, instead of
        waiting for the next periodic sweep."""
        if not self.connection.hexists(self.key, "birth"):  # a Redis that restarted empty
            with self.connection.pipeline() as pipeline:
                pipeline.hset(self.key, mapping=self.serialize())
                worker_registration.register(self, pipeline)
                pipeline.expire(self.key, self.worker_ttl + 60)
                pipeline.execute()
        recover_now()

    def run_maintenance_tasks(self) -> None:
        super().run_maintenance_tasks()
        try:
            # The first pass, as the worker starts, looks at every waiting tip: a worker
            # that died may have left jobs no one will run (see recover()).
            queued = sweep() if self.swept else recover()
            self.swept = True
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
        try:
            schedule_daily(get_queue())  # the daily retention run (RQ's scheduler runs it)
        except (redis.RedisError, OSError) as error:
            log.warning("retention run not scheduled: %s", type(error).__name__)


def _count_job(job: Job) -> None:
    """done, failed (no retry left) or retried, and how long it ran: as RQ left the job in
    this process (no round trip to Redis)."""
    outcome = {
        JobStatus.FINISHED: "done",
        JobStatus.FAILED: "failed",
        JobStatus.SCHEDULED: "retried",
        JobStatus.QUEUED: "retried",
    }.get(job.get_status(refresh=False))
    if outcome is None or (job.func_name or "").startswith("portal.jobs.ocr."):
        return  # picture readings are not triage jobs: they would skew its timings
    seconds = None
    if job.started_at and job.ended_at:
        seconds = (job.ended_at - job.started_at).total_seconds()
    metrics.triage_job_finished(outcome, seconds)


def warm_up() -> None:
    """Run the whole pipeline once in the supervisor, inside a transaction that is rolled back.

    Rule data, compiled patterns and SQLAlchemy's statement cache are then loaded
    before the fork, so each worker process inherits them instead of rebuilding them.
    """
    from portal.jobs.triage import save_batch

    sample = "Jual sabu WA 0812-3456-7890, t.me/contoh_warmup, https://contoh.example.com"
    try:
        tips = [
            Tip(
                category=category,
                lang="id",
                country="ID",
                description=sample,
                answers={"destination": "KH"},
                receipt_hash=f"warm-up-{category}",
                submission_key=f"warm-up-{category}",
            )
            for category in CATEGORIES
        ]
        db.session.add_all(tips)
        db.session.flush()
        save_batch(tips)
    finally:
        # Rolled back: the warm-up tips and their rows never exist for anyone else.
        db.session.rollback()
        db.engine.dispose()


def run_worker(app: Flask, *, burst: bool = False) -> None:
    """Supervise one worker process: start it, start it again if it dies or asks to be
    replaced, and pass SIGTERM or Ctrl+C on to it (once) so it stops after its job."""
    with app.app_context():
        try:
            warm_up()
        except SQLAlchemyError:  # only a speed-up: the database may come up later
            db.session.rollback()
            log.warning("warm-up skipped: database unavailable")
        db.engine.dispose()
    gc.collect()
    gc.freeze()  # what the supervisor holds now is shared with every worker process
    supervisor = _Supervisor()
    supervisor.run(lambda: _work(app, burst=burst), burst=burst)


class _Supervisor:
    def __init__(self) -> None:
        self.child = 0
        self.stopping = False

    def _forward(self, signum: int, frame: FrameType | None) -> None:
        if self.child and not self.stopping:
            os.kill(self.child, signal.SIGTERM)  # a warm stop: the job in hand finishes
        elif self.child:
            os.kill(self.child, signal.SIGKILL)  # asked twice: stop now (the sweep recovers)
        self.stopping = True

    def run(self, work: Callable[[], int], *, burst: bool) -> None:
        signal.signal(signal.SIGTERM, self._forward)
        signal.signal(signal.SIGINT, self._forward)
        while not self.stopping:
            self.child = os.fork()
            if self.child == 0:
                code = EXIT_DONE
                try:
                    code = work()
                except BaseException:  # noqa: BLE001 - whatever ends the process, exit with a code
                    log.exception("worker process failed")
                    code = 1
                finally:
                    logging.shutdown()
                    os._exit(code)
            code = _wait(self.child)
            self.child = 0
            if code == EXIT_RECYCLE:
                continue
            if code == EXIT_DONE or burst:
                return
            log.warning("worker process ended with %s; starting another", code)
            time.sleep(RESTART_PAUSE_SECONDS)


def _wait(pid: int) -> int:
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            return os.waitstatus_to_exitcode(status)
        except ChildProcessError:
            return 1
        except InterruptedError:  # pragma: no cover - Python retries waitpid itself (PEP 475)
            continue


def _work(app: Flask, *, burst: bool) -> int:
    """One worker process: work the triage queue with the app context pushed. Reconnects
    when Redis goes away instead of exiting, and after it comes back finds every tip whose
    job Redis lost before taking the next job."""
    # The supervisor's handlers came with the fork: Ctrl+C is the supervisor's to pass on,
    # and SIGTERM before RQ's loop runs (or between two of its runs) ends this process.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    app.extensions.pop("waspada.redis", None)
    settings = current_settings(app)
    interval = settings.sweep_interval_seconds
    with app.app_context():
        # The supervisor's connections belong to it: this process opens its own.
        db.engine.dispose(close=False)
        worker: TriageWorker | None = None
        reconnected = False
        while True:
            signal.signal(signal.SIGTERM, _stop_now)
            try:
                worker = TriageWorker(
                    [get_queue(app)],
                    connection=get_redis(app),
                    maintenance_interval=interval,
                    worker_ttl=interval + 15,  # RQ blocks for worker_ttl - 15 s between sweeps
                    log_job_description=False,
                    max_jobs=settings.worker_max_jobs,
                    max_rss=settings.worker_max_rss_mb * 2**20,
                )
                if reconnected:
                    recover_now()
                if burst:
                    sweep()
                # The scheduler moves retries (scheduled with backoff) back onto the queue.
                # RQ's own lines (four per job at INFO) cost a tenth of a no-op job's time:
                # WARNING unless TRIAGE_WORKER_LOG_LEVEL asks for more.
                worker.work(
                    burst=burst, logging_level=settings.worker_log_level, with_scheduler=True
                )
                if burst or worker.stopping:
                    return EXIT_DONE
                if worker.recycle:
                    return EXIT_RECYCLE
                # RQ's loop ends on an error it does not expect (it logged it): this process
                # may be in any state, so the supervisor starts a fresh one.
                return 1
            except StopRequested:
                return EXIT_DONE
            except (redis.ConnectionError, redis.TimeoutError, OSError) as error:
                if burst:
                    raise
                if worker is not None and worker.stopping:
                    # Redis went away while the worker was asked to stop (both stopped at
                    # once): stop, instead of waiting for a Redis that is not coming back.
                    log.info("Redis unreachable while stopping; stopped")
                    return EXIT_DONE
                log.warning("Redis unreachable (%s); retrying in 1 s", type(error).__name__)
                reconnected = True
                time.sleep(1)


def _stop_now(signum: int, frame: FrameType | None) -> None:
    raise StopRequested


def recover_now() -> None:
    """Redis is back (it may have come back empty): queue every tip it lost, at once."""
    try:
        queued = recover()
    except (redis.RedisError, OSError):
        raise  # gone again: RQ's wait loop tries again in a second
    except Exception:  # noqa: BLE001 - the next maintenance pass sweeps again
        log.exception("recovery after a Redis outage failed; the next sweep tries again")
        return
    finally:
        db.session.remove()
    log.info("Redis is back: %d tip(s) queued again", queued)

"""`flask --app portal triage …`: the worker, the sweeper and a status line."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

import click
import redis
from flask import current_app
from flask.cli import AppGroup
from rq import Worker

from portal.categories import CATEGORIES
from portal.jobs import rerun
from portal.jobs.sweeper import sweep, triage_counts
from portal.jobs.worker import run_worker
from portal.models import TipStatus

triage_cli = AppGroup("triage", help="Run and inspect the triage queue.")


@triage_cli.command("worker")
@click.option("--burst", is_flag=True, help="Sweep, work until the queue is empty, then exit.")
def worker_command(burst: bool) -> None:
    """Run an RQ worker for the triage queue."""
    run_worker(current_app._get_current_object(), burst=burst)  # type: ignore[attr-defined]


@triage_cli.command("sweep")
def sweep_command() -> None:
    """Queue every tip whose triage is pending or stuck."""
    click.echo(f"queued {sweep()} tip(s)")


@triage_cli.command("status")
def status_command() -> None:
    """Print tip counts by triage state as one JSON object."""
    click.echo(json.dumps(triage_counts(), sort_keys=True))


@triage_cli.command("rerun")
@click.option("--category", type=click.Choice(CATEGORIES), help="Only tips of this category.")
@click.option(
    "--status", type=click.Choice([s.value for s in TipStatus]), help="Only tips in this status."
)
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Only tips sent on or after this day (YYYY-MM-DD).",
)
@click.option(
    "--rules-changed-only", is_flag=True, help="Only tips scored by other rules than today's."
)
@click.option(
    "--batch",
    type=click.IntRange(1, 1000),
    default=rerun.BATCH,
    show_default=True,
    help="Tips per job.",
)
@click.option("--no-wait", is_flag=True, help="Queue the work and return; the workers do it.")
def rerun_command(
    category: str | None,
    status: str | None,
    since: datetime | None,
    rules_changed_only: bool,
    batch: int,
    no_wait: bool,
) -> None:
    """Score tips again with today's rules, in batches for the triage workers.

    Running it again with the same options continues an unfinished run; each tip is
    scored once per run. Ctrl+C stops following the run, not the workers."""
    filters = rerun.RerunFilters(
        category=category,
        status=status,
        since=since.date().isoformat() if since else None,
        rules_changed_only=rules_changed_only,
    )
    run, resumed = rerun.start_or_resume(filters)
    done = rerun.scored(run)
    click.echo(
        f"{'continuing' if resumed else 'starting'} run {run.id} with rules {run.rules_version}: "
        f"{run.total} tip(s), {done} already scored"
    )
    try:
        with click.progressbar(length=max(run.total, 1), label="queueing", show_pos=True) as bar:
            bar.update(done)
            jobs = rerun.enqueue(run, batch, progress=bar.update)
        click.echo(f"queued {jobs} job(s) of up to {batch} tips")
        if no_wait:
            return
        if not _workers():
            click.echo("no triage worker is running: start one (flask --app portal triage worker)")
        started, first = time.monotonic(), rerun.scored(run)

        def rate_and_eta(_: object) -> str:
            seconds = time.monotonic() - started
            count = rerun.scored(run) - first
            rate = count / seconds if seconds > 0 else 0.0
            left = max(run.total - first - count, 0)
            eta = f"{left / rate:.0f} s left" if rate > 0 else "waiting for workers"
            return f"{rate:.0f} tips/s, {eta}"

        with click.progressbar(  # type: ignore[assignment]
            length=max(run.total, 1),
            label="scoring",
            show_pos=True,
            show_eta=False,
            item_show_func=rate_and_eta,
        ) as bar:
            bar.update(first)
            rerun.wait(run, bar.update)
    except KeyboardInterrupt:
        click.echo(f"\nstopped following run {run.id}; run the same command again to continue it")
        raise SystemExit(130) from None
    finished = rerun.finish(run)
    click.echo(
        f"run {finished.id} done: {finished.scored} scored, {finished.changed} with a new score"
    )


def _workers() -> list[Any]:
    from portal.jobs.queue import get_redis

    try:
        return Worker.all(connection=get_redis())
    except (redis.RedisError, OSError):
        return []

"""`flask --app portal triage …`: the worker, the sweeper and a status line."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import AppGroup

from portal.jobs.sweeper import sweep, triage_counts
from portal.jobs.worker import run_worker

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

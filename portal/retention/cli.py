"""`flask retention run [--dry-run]`: delete what the retention policy says has expired."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.retention import purge

retention_cli = AppGroup("retention", help="How long tips are kept, and deleting the expired.")


@retention_cli.command("run")
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
def run_command(dry_run: bool) -> None:
    """Delete every tip whose time is up (closed under the policy, or withdrawn by its
    reporter seven days ago) and not under a legal hold; print the counts."""
    result = purge.run(dry_run=dry_run)
    total = sum(result.deleted.values())
    verb = "would delete" if dry_run else "deleted"
    click.echo(
        f"{verb} {total} tips ({result.deleted['policy']} under the policy, "
        f"{result.deleted['withdrawn']} withdrawn by their reporter)"
        + ("" if dry_run else f", {result.files} photo files")
        + f"; {result.held} due but under a legal hold"
    )

"""`flask keys rotate` and `flask keys check`: operating the keys that protect reports."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.accounts.audit import audit
from portal.config import current_settings
from portal.extensions import db
from portal.protection import operations
from portal.protection.keys import Unreadable

keys_cli = AppGroup("keys", help="The keys that keep what reporters wrote unreadable at rest.")


@keys_cli.command("rotate")
def rotate_command() -> None:
    """Re-wrap every data key under the newest key (the first in WASPADA_DATA_KEYS[_FILE]).

    Resumable: run it again after an interruption. Once it reports nothing left under an
    older key, `keys check` passes and the older key can be removed from the key list."""
    ring = current_settings().data_keys
    total = operations.to_rotate()
    try:
        with click.progressbar(
            length=max(total, 1), label=f"re-wrapping under {ring.newest_id}", show_pos=True
        ) as bar:
            result = operations.rotate(progress=bar.update)
    except Unreadable as error:
        db.session.rollback()
        raise click.ClickException(
            f"{error}. Put the key that wrapped it back in the key list, then run this again."
        ) from None
    audit(
        None,
        "rotate_data_keys",
        summary=f"{result.data_keys} data keys and {result.site_keys} site keys re-wrapped under {ring.newest_id}",
    )
    db.session.commit()
    click.echo(
        f"re-wrapped {result.data_keys} data keys and {result.site_keys} site keys under "
        f"{ring.newest_id}; {operations.to_rotate()} left under older keys"
    )


@keys_cli.command("check")
def check_command() -> None:
    """Prove every sealed value and photo opens with the configured keys (exit 1 if not),
    and count the keys each key-encryption key wraps."""
    report = operations.check()
    for table, count in report.counts.items():
        bad = sum(1 for line in report.problems if line.startswith(f"{table} "))
        click.echo(f"{table}: {count} checked, {bad} unreadable")
    newest = current_settings().data_keys.newest_id
    for key_id, count in sorted(report.wrapped_by.items()):
        click.echo(f"keys wrapped by {key_id}{' (newest)' if key_id == newest else ''}: {count}")
    older = sum(count for key_id, count in report.wrapped_by.items() if key_id != newest)
    if older:
        click.echo(
            f"{older} keys are still wrapped by an older key: run `flask keys rotate` before "
            "removing it from the key list"
        )
    for line in report.problems:
        click.echo(f"  {line}", err=True)
    if report.problems:
        raise click.ClickException(f"{len(report.problems)} sealed values do not open")
    click.echo("every sealed value opens")

"""`flask --app portal support load FILE`: publish a new version of the support directory."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from portal.directory.loader import load_directory

support_cli = AppGroup("support", help="The support directory (help lines, embassies).")


@support_cli.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load_command(file: Path) -> None:
    """Check FILE and make the directory match it (entries missing from FILE are removed)."""
    try:
        result = load_directory(file)
    except ValueError as problem:
        raise click.ClickException(f"{problem}\nNothing was changed.") from None
    click.echo(
        f"support directory loaded from {file}: {result.added} added, "
        f"{result.updated} updated, {result.removed} removed"
    )

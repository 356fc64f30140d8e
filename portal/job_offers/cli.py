"""`flask --app portal registry load FILE` and `registry list`: the licensed-recruiter lists."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from portal.accounts.audit import audit
from portal.extensions import db
from portal.job_offers import registry

registry_cli = AppGroup("registry", help="Lists of licensed recruiters the checker looks up.")


@registry_cli.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load_command(file: Path) -> None:
    """Check FILE (CSV: name,licence_number,country,source_url,date_retrieved) and replace
    the list of every country it holds. A bad line refuses the whole file."""
    try:
        result = registry.load(file.read_bytes(), file.name)
    except registry.RegistryFileRefused as refused:
        db.session.rollback()
        lines = "\n".join(
            f"  line {line}: {code}{f' ({detail})' if detail else ''}"
            for line, code, detail in refused.problems
        )
        raise click.ClickException(
            f"{file} was not loaded:\n{lines}\nNothing was changed."
        ) from None
    summary = ", ".join(
        f"{item.country} {item.added + item.kept} ({item.added} added, {item.removed} removed, "
        f"{item.kept} unchanged)"
        for item in result.countries
    )
    audit(None, "load_recruiter_registry", summary=f"{file.name}: {summary}")
    db.session.commit()
    click.echo(f"registry loaded from {file}: {summary}")


@registry_cli.command("list")
def list_command() -> None:
    """The loaded lists: country, entries, date of the list, where it came from."""
    listings = registry.lists()
    if not listings:
        click.echo("no list loaded")
    for item in listings:
        click.echo(
            f"{item.country}  {item.entries:6d}  {item.retrieved.isoformat()}  {item.source_url}"
        )

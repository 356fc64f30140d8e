"""`flask --app portal org …`: the organisations of a deployment."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from portal.categories import CATEGORIES
from portal.extensions import db
from portal.i18n import LOCALES
from portal.models import OrgKind
from portal.organisations import services

org_cli = AppGroup("org", help="Organisations: who works which tips.")

_PROBLEMS = {
    "slug": "the slug is 3-40 characters a-z, 0-9 and -, not starting or ending with -",
    "name": "the name is required (up to 200 characters)",
    "kind": "unknown kind",
    "country": "countries are two-letter ISO codes (ID, VN, PH…)",
    "categories": f"categories are {', '.join(CATEGORIES)}",
    "languages": f"languages are {', '.join(LOCALES)}",
    "exists": "an organisation with this slug exists",
    "second_coordinator": "there is already a coordinator organisation",
}


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


@org_cli.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="The name in the organisation's own language.")
@click.option("--name-en", default="", help="The name in English (default: --name).")
@click.option("--kind", type=click.Choice([k.value for k in OrgKind]), required=True)
@click.option("--country", required=True, help="Where it is based or whom it serves (ID, VN…).")
@click.option("--categories", default="", help=f"Comma-separated, of {', '.join(CATEGORIES)}.")
@click.option("--countries", default="", help="Comma-separated country codes it takes.")
@click.option("--languages", default="", help="Comma-separated languages its staff read.")
@click.option("--public-name", is_flag=True, help="Reporters may read its name.")
@click.option("--coordinator", is_flag=True, help="This is the coordinating organisation.")
def create_command(
    slug: str,
    name: str,
    name_en: str,
    kind: str,
    country: str,
    categories: str,
    countries: str,
    languages: str,
    public_name: bool,
    coordinator: bool,
) -> None:
    """Create an organisation."""
    if coordinator:
        kind = OrgKind.COORDINATOR
    elif kind == OrgKind.COORDINATOR:
        raise click.ClickException("use --coordinator to create the coordinator organisation")
    fields = services.OrgFields(
        slug, name, kind, country, name_en, _split(categories), _split(countries),
        _split(languages), public_name,
    )
    try:
        org = services.create(fields)
    except services.OrgError as refused:
        raise click.ClickException(_PROBLEMS.get(refused.code, refused.code)) from None
    db.session.commit()
    click.echo(f"Created organisation {org.slug} ({org.kind}, {org.country}).")


@org_cli.command("list")
def list_command() -> None:
    """Every organisation as one JSON array: slug, names, kind, country, members and tips."""
    click.echo(json.dumps(services.listing(), ensure_ascii=False))

"""`flask --app portal staff …`: create and reset staff accounts."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.accounts import services
from portal.config import current_settings
from portal.extensions import db
from portal.i18n import LOCALES
from portal.models.staff import Role, StaffUser
from portal.organisations import services as organisations

staff_cli = AppGroup("staff", help="Manage staff accounts.")


def _print_setup(account: services.NewAccount) -> None:
    base = current_settings().public_base_url.rstrip("/")
    click.echo(f"One-time setup link (valid {services.SETUP_HOURS} hours, use it once):")
    click.echo(f"  {base}/staff/setup/{account.setup_token}")
    click.echo("TOTP enrolment URI, for provisioning (the setup page offers the person a fresh one):")
    click.echo(f"  {account.totp_uri}")


@staff_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--language", type=click.Choice(list(LOCALES)), default="en")
@click.option(
    "--org", "org_slug", default="", help="The organisation's slug (default: the coordinator)."
)
def create_command(username: str, role: str, language: str, org_slug: str) -> None:
    """Create an account and print its one-time setup link and TOTP URI."""
    org = organisations.by_slug(org_slug) if org_slug else organisations.ensure_coordinator()
    if org is None:
        raise click.ClickException(f"no organisation {org_slug!r}: see `flask org list`")
    try:
        account = services.create_account(username, role, language, org.id)
    except services.AccountError as refused:
        raise click.ClickException(
            {
                "exists": f"{username} already exists",
                "bad_username": "use 3-40 letters a-z, digits, . - _",
            }[refused.code]
        ) from None
    db.session.commit()
    click.echo(f"Created {account.user.username} ({role}, {org.slug}).")
    _print_setup(account)


@staff_cli.command("reset")
@click.argument("username")
def reset_command(username: str) -> None:
    """New setup link and authenticator for an account; its sessions end."""
    user = db.session.scalar(db.select(StaffUser).where(StaffUser.username == username.lower()))
    if user is None:
        raise click.ClickException(f"no account named {username}")
    account = services.new_setup_token(user)
    db.session.commit()
    _print_setup(account)

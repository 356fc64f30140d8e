"""`flask --app portal ops backup-check`: prove a restored copy is whole before anyone relies on it.

A backup nobody has restored is a hope. After a restore this checks what goes wrong in
practice: a schema older than the code, uploads that did not come back with the database,
rows that cannot be read back. Problems are named by row id only: never tip text, never
receipt codes, so the output can be pasted into a ticket.
"""

from __future__ import annotations

import io
import json
import random
from typing import Any

import click
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask.cli import AppGroup
from PIL import Image
from sqlalchemy import inspect, select
from sqlalchemy.exc import SQLAlchemyError

from portal.extensions import db
from portal.jobs.store import tip_indicators
from portal.models import Attachment, Note, Tip
from portal.paths import migrations_folder
from portal.protection.files import SEAL_OVERHEAD, open_file
from portal.protection.keys import Unreadable
from portal.protection.sealed import unreadable
from portal.storage import LocalStorage, current_storage

ops_cli = AppGroup("ops", help="Checks for operators (backups and restores).")

_ATTACHMENT_PROBLEMS = {
    "bad_key": "storage key is not one the portal makes",
    "missing": "file missing from the upload folder",
    "size": "file size differs from size_bytes in the database",
    "not_an_image": "file is not an image Pillow can read",
}


@ops_cli.command("backup-check")
@click.option(
    "--sample",
    type=click.IntRange(min=0),
    default=50,
    show_default=True,
    help="How many tips to open (oldest, newest and a random spread).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of lines.")
def backup_check_command(sample: int, as_json: bool) -> None:
    """Check a restored instance; exit 1 if anything is wrong, so a restore script stops there."""
    result = backup_check(sample)
    if as_json:
        click.echo(json.dumps(result, sort_keys=True))
    else:
        _print_summary(result)
    if result["problems"]:
        raise SystemExit(1)


def backup_check(sample: int) -> dict[str, Any]:
    """Run every check and return plain values; later checks need the current schema, so an
    unreachable or outdated database stops there."""
    result: dict[str, Any] = {
        "database": "ok",
        "revision": [],
        "newest": sorted(ScriptDirectory(str(migrations_folder())).get_heads()),
        "attachments_checked": 0,
        "tips_checked": 0,
        "tips_total": 0,
        "problems": [],
    }
    try:
        with db.engine.connect() as connection:
            result["revision"] = sorted(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as error:
        result["database"] = "unreachable"
        result["problems"].append(
            {"problem": "database_unreachable", "error": type(error).__name__}
        )
        return result
    if result["revision"] != result["newest"]:
        result["database"] = "outdated"
        result["problems"].append({"problem": "database_outdated"})
        return result

    store = current_storage()
    last_id = 0
    while batch := db.session.scalars(
        select(Attachment).where(Attachment.id > last_id).order_by(Attachment.id).limit(500)
    ).all():
        for attachment in batch:
            result["attachments_checked"] += 1
            problem = attachment_file_problem(store, attachment)
            if problem:
                result["problems"].append({"attachment": attachment.id, "problem": problem})
        last_id = batch[-1].id
        db.session.expunge_all()

    result["tips_total"], tip_ids = sample_tip_ids(sample)
    for tip_id in tip_ids:
        result["tips_checked"] += 1
        failure = tip_load_error(tip_id)
        if failure:
            result["problems"].append({"tip": tip_id, "problem": "unreadable", "error": failure})
    return result


def attachment_file_problem(store: LocalStorage, attachment: Attachment) -> str | None:
    """Why an attachment's file would fail on the staff page, or None: a copy that missed files
    or cut them short looks fine until someone opens that tip, and a restore with other data
    keys than the backup's holds files that no longer open."""
    try:
        path = store.path(attachment.storage_key)
    except ValueError:
        return "bad_key"
    if not path.is_file():
        return "missing"
    if path.stat().st_size != attachment.size_bytes + SEAL_OVERHEAD:
        return "size"
    try:
        data = open_file(attachment, path.read_bytes())
    except (Unreadable, LookupError):
        return "unreadable"
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return "not_an_image"
    return None


def sample_tip_ids(size: int) -> tuple[int, list[int]]:
    """(how many tips exist, up to `size` of their ids): newest, oldest and a random spread,
    because a partial restore usually loses one end of the id range."""
    ids = db.session.scalars(select(Tip.id).order_by(Tip.id)).all()
    if len(ids) <= size:
        return len(ids), list(ids)
    ends = [ids[-1], ids[0]][:size]
    return len(ids), sorted(ends + random.sample(ids[1:-1], size - len(ends)))


def tip_load_error(tip_id: int) -> str | None:
    """Load a tip the way the staff tip page does, reading every column of it and of its
    messages, attachments and notes, and its indicators; the error's class name, or None.
    Only the class name: a database error message may quote the row."""
    try:
        tip = db.session.get(Tip, tip_id)
        if tip is None:
            return "NotFound"
        notes = db.session.scalars(select(Note).where(Note.tip_id == tip_id)).all()
        for row in (tip, *tip.messages, *tip.attachments, *notes):
            for column in inspect(row).mapper.column_attrs:
                getattr(row, column.key)
            if unreadable(row):  # sealed with a key this instance does not have
                return "Unreadable"
        tip_indicators(tip_id)
    except (SQLAlchemyError, ValueError, Unreadable) as error:
        db.session.rollback()
        return type(error).__name__
    finally:
        db.session.expunge_all()  # a sample of thousands should not pile up in memory
    return None


def _print_summary(result: dict[str, Any]) -> None:
    if result["database"] == "unreachable":
        click.echo("database: unreachable")
    else:
        revision = ", ".join(result["revision"]) or "none"
        click.echo(f"database: {result['database']} (revision {revision})")
    if result["database"] == "ok":
        click.echo(f"attachments: {result['attachments_checked']} checked")
        click.echo(f"tips: {result['tips_checked']} of {result['tips_total']} opened")
    for problem in result["problems"]:
        click.echo(f"problem: {_describe(problem, result)}")
    count = len(result["problems"])
    click.echo(f"backup check failed: {count} problem(s)" if count else "backup check passed")


def _describe(problem: dict[str, Any], result: dict[str, Any]) -> str:
    if "attachment" in problem:
        return f"attachment {problem['attachment']}: {_ATTACHMENT_PROBLEMS[problem['problem']]}"
    if "tip" in problem:
        return f"tip {problem['tip']} could not be loaded ({problem['error']})"
    if problem["problem"] == "database_unreachable":
        return f"the database does not answer ({problem['error']}): check DATABASE_URL"
    revision = ", ".join(result["revision"]) or "none"
    newest = ", ".join(result["newest"])
    return (
        f"the database is not at the newest revision (it is at {revision}, this code needs "
        f"{newest}): run `flask --app portal db upgrade`"
    )

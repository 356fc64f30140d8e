"""Backups, as deploy/README.md describes them: a `pg_dump -Fc` of a real instance and a copy
of its uploads, restored into a new database and folder, give staff the same tips, photos and
threads and reporters the same receipt codes; `flask ops backup-check` says so, and names by
id what a careless restore lost."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import urllib.parse
from pathlib import Path
from typing import NoReturn

import pytest
import redis as redis_lib
from flask_migrate import stamp, upgrade
from PIL import Image
from sqlalchemy import create_engine, text

from portal import create_app
from portal.extensions import db
from portal.jobs.triage import triage_tip
from portal.models import Attachment, Tip
from portal.ops_cli import sample_tip_ids
from portal.paths import migrations_folder
from portal.protection.files import read_file
from portal.storage import LocalStorage
from tests.conftest import EnglishClient, make_env, own_redis_db, worker_suffix
from tests.helpers import form_tokens, receipt_from, submit_report
from tests.staff.helpers import make_staff, sign_in

SOURCE, RESTORED = f"waspada_backup_src{worker_suffix()}", f"waspada_backup_dst{worker_suffix()}"
REPORT = "Akun telegram @toko_backup_uji jual sabu, kirim COD ke Jakarta"
FOLLOW_UP = "Update from the reporter: the seller moved to a new group"
# Restored together with the data, from the separate settings backup: without the same
# RECEIPT_SALT and SECRET_KEY, the reporters' receipt codes would no longer open anything.
SETTINGS = {
    "SECRET_KEY": "backup-test-secret-key-0123456789-abcdefghij",
    "RECEIPT_SALT": "backup-test-receipt-salt",
}


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (24, 16), "teal").save(out, "PNG")
    return out.getvalue()


def open_follow_up(client, code: str):
    tokens = form_tokens(client.get("/en/follow-up").text)
    return client.post("/en/follow-up", data={"csrf_token": tokens["csrf_token"], "code": code})


def backup_check(app, *args: str):
    return app.test_cli_runner().invoke(args=["ops", "backup-check", *args])


# --- backup-check on the test backends (SQLite, and PostgreSQL when configured) ---


@pytest.fixture
def stamped(app):
    """The app's schema marked as migrated to the newest revision, as `flask db upgrade` leaves
    it (the shared fixture builds the schema with create_all, which writes no revision)."""
    with app.app_context():
        stamp()
    yield app
    with app.app_context():
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()


def report_with_photo(app, client) -> Attachment:
    response = submit_report(
        client, "drugs", description=REPORT, files=[(io.BytesIO(png_bytes()), "shot.png")]
    )
    assert response.status_code == 303
    with app.app_context():
        attachment = db.session.scalar(db.select(Attachment))
        db.session.expunge(attachment)
        return attachment


def upload_path(app, attachment: Attachment) -> Path:
    return LocalStorage(app.extensions["waspada.settings"].upload_dir).path(attachment.storage_key)


def test_backup_check_passes_on_a_complete_instance(stamped, client):
    report_with_photo(stamped, client)
    result = backup_check(stamped)
    assert result.exit_code == 0, result.output
    assert "attachments: 1 checked" in result.output
    assert "tips: 1 of 1 opened" in result.output
    assert "backup check passed" in result.output


def test_backup_check_names_a_missing_upload_by_attachment_id(stamped, client):
    attachment = report_with_photo(stamped, client)
    code = receipt_from(client)
    upload_path(stamped, attachment).unlink()
    result = backup_check(stamped)
    assert result.exit_code == 1
    assert f"attachment {attachment.id}: file missing" in result.output
    assert "toko_backup_uji" not in result.output and code not in result.output


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (lambda data: data[: len(data) // 2], "size"),
        (lambda data: b"\0" * len(data), "unreadable"),
    ],
    ids=["truncated", "garbled"],
)
def test_backup_check_finds_cut_short_or_garbled_uploads(stamped, client, damage, problem):
    attachment = report_with_photo(stamped, client)
    path = upload_path(stamped, attachment)
    path.write_bytes(damage(path.read_bytes()))
    result = backup_check(stamped, "--json")
    assert result.exit_code == 1
    assert json.loads(result.output)["problems"] == [
        {"attachment": attachment.id, "problem": problem}
    ]


def test_backup_check_names_a_tip_that_cannot_be_read_without_quoting_it(stamped, client):
    assert submit_report(client, "drugs", description=REPORT).status_code == 303
    with stamped.app_context():
        tip_id = db.session.scalar(db.select(Tip.id))
        # A sealed value that does not open (a restore with other keys, or altered bytes).
        db.session.execute(
            text("UPDATE tips SET answers_sealed = :junk WHERE id = :id"),
            {"junk": b"\x01" + bytes(60), "id": tip_id},
        )
        db.session.commit()
    result = backup_check(stamped)
    assert result.exit_code == 1
    assert f"tip {tip_id} could not be loaded (Unreadable)" in result.output
    assert "toko_backup_uji" not in result.output


def test_backup_check_refuses_a_database_behind_the_migrations(app):
    result = backup_check(app)  # create_all wrote no alembic revision
    assert result.exit_code == 1
    assert "not at the newest revision" in result.output
    assert "flask --app portal db upgrade" in result.output


def test_tip_sample_spans_the_oldest_and_the_newest(stamped, client):
    for number in range(5):
        assert submit_report(client, "drugs", description=f"tip {number}").status_code == 303
    with stamped.app_context():
        ids = db.session.scalars(db.select(Tip.id).order_by(Tip.id)).all()
        total, sample = sample_tip_ids(3)
    assert total == 5 and len(sample) == 3
    assert sample[0] == ids[0] and sample[-1] == ids[-1]
    result = backup_check(stamped, "--sample", "3", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["tips_checked"] == 3


# --- the whole round trip on PostgreSQL: dump, restore elsewhere, use ---


def _unavailable(reason: str) -> NoReturn:
    """Skip where the services are missing; CI, where they are always there, fails instead."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must test backup and restore: {reason}")
    pytest.skip(reason)


def _pg_tools(server) -> dict[str, str]:
    """pg_dump and pg_restore of the server's major version if installed, else those on PATH:
    an older pg_dump refuses to dump a newer server."""
    with server.connect() as conn:
        major = int(conn.execute(text("SHOW server_version_num")).scalar()) // 10000
    tools = {}
    for name in ("pg_dump", "pg_restore"):
        matching = Path(f"/usr/lib/postgresql/{major}/bin/{name}")
        found = str(matching) if matching.is_file() else shutil.which(name)
        if found is None:
            _unavailable(f"needs {name} (PostgreSQL client tools)")
        tools[name] = found
    return tools


@pytest.fixture
def databases():
    """Two fresh databases of this test's own: the instance, and where its backup goes."""
    database_url = os.environ.get("TEST_DATABASE_URL")
    if not database_url:
        _unavailable("needs TEST_DATABASE_URL (PostgreSQL)")
    server = create_engine(
        database_url.replace("postgresql://", "postgresql+psycopg://", 1),
        isolation_level="AUTOCOMMIT",
    )
    try:
        tools = _pg_tools(server)
        with server.connect() as conn:
            for name in (SOURCE, RESTORED):
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                conn.execute(text(f"CREATE DATABASE {name}"))
        yield (
            {
                name: urllib.parse.urlsplit(database_url)._replace(path=f"/{name}").geturl()
                for name in (SOURCE, RESTORED)
            },
            tools,
        )
        with server.connect() as conn:
            for name in (SOURCE, RESTORED):
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    finally:
        server.dispose()


@pytest.fixture
def restore_redis(embedded_redis_url):
    """A Redis database of this test's own (both installations may share it: it holds only
    rate limits and queued jobs, nothing a backup needs)."""
    url = embedded_redis_url
    if os.environ.get("TEST_REDIS_URL"):
        url = own_redis_db(os.environ["TEST_REDIS_URL"], "backup")
    yield url
    redis_lib.Redis.from_url(url).flushdb()


def instance_app(database_url: str, redis_url: str, uploads: Path, instance: Path):
    """One installation: its database, its uploads folder, the restored settings."""
    backend = {"DATABASE_URL": database_url, "REDIS_URL": redis_url}
    app = create_app(make_env(backend, UPLOAD_DIR=str(uploads), **SETTINGS), instance_path=instance)
    app.test_client_class = EnglishClient
    with app.app_context():
        upgrade(directory=str(migrations_folder()))
    return app


@pytest.mark.slow
def test_restored_backup_serves_the_same_tips_photos_and_threads(
    databases, restore_redis, tmp_path
):
    urls, tools = databases
    redis_url = restore_redis

    # The instance in use: a report with a photo, a follow-up, triage done, a staff account.
    source = instance_app(urls[SOURCE], redis_url, tmp_path / "uploads", tmp_path / "old")
    reporter = source.test_client()
    response = submit_report(
        reporter, "drugs", description=REPORT, files=[(io.BytesIO(png_bytes()), "shot.png")]
    )
    assert response.status_code == 303
    code = receipt_from(reporter)
    assert open_follow_up(reporter, code).status_code == 303
    tokens = form_tokens(reporter.get("/en/follow-up").text)
    response = reporter.post(
        "/en/follow-up/reply", data={"csrf_token": tokens["csrf_token"], "body": FOLLOW_UP}
    )
    assert response.status_code == 303
    with source.app_context():
        tip_id = db.session.scalar(db.select(Tip.id))
        assert triage_tip(tip_id) == "done"
        photo = read_file(db.session.scalar(db.select(Attachment)))
        db.engine.dispose()
    make_staff(source, "restorer", "analyst")

    # The backup: a custom-format dump and a copy of the uploads; then the old machine is gone.
    dump = tmp_path / "waspada.dump"
    subprocess.run([tools["pg_dump"], "-Fc", "-f", str(dump), urls[SOURCE]], check=True)
    backup_uploads = tmp_path / "backup-uploads"
    shutil.copytree(tmp_path / "uploads", backup_uploads)
    shutil.rmtree(tmp_path / "uploads")

    # The restore, in the README's order, onto a new database and folder.
    subprocess.run([tools["pg_restore"], "--no-owner", "-d", urls[RESTORED], str(dump)], check=True)
    shutil.copytree(backup_uploads, tmp_path / "restored-uploads")
    restored = instance_app(
        urls[RESTORED], redis_url, tmp_path / "restored-uploads", tmp_path / "new"
    )

    staff = restored.test_client()
    assert sign_in(staff, restored, "restorer").status_code == 303
    page = staff.get(f"/staff/tips/{tip_id}")
    assert page.status_code == 200
    assert REPORT in page.text
    assert re.search(r'<td>telegram</td><td><input [^>]*value="[^"]*toko_backup_uji', page.text)
    photo_urls = re.findall(r'src="(/staff/attachments/\d+)"', page.text)
    assert len(photo_urls) == 1
    image = staff.get(photo_urls[0])
    assert image.status_code == 200
    assert image.content_type.startswith("image/")
    assert image.data == photo

    # The reporter's receipt code still opens the thread.
    phone = restored.test_client()
    assert open_follow_up(phone, code).status_code == 303
    thread = phone.get("/en/follow-up").text
    assert REPORT in thread and FOLLOW_UP in thread

    result = backup_check(restored)
    assert result.exit_code == 0, result.output
    assert "attachments: 1 checked" in result.output
    assert "tips: 1 of 1 opened" in result.output

    # A restore that missed a file is caught, and the file is named.
    with restored.app_context():
        attachment = db.session.scalar(db.select(Attachment))
        upload_path(restored, attachment).unlink()
    result = backup_check(restored)
    assert result.exit_code == 1
    assert f"attachment {attachment.id}: file missing" in result.output
    assert code not in result.output and REPORT not in result.output
    for app in (source, restored):
        with app.app_context():
            db.engine.dispose()

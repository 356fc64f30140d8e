"""`flask db upgrade` must produce exactly the schema the models describe."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import func, select, text

from portal.config import current_settings
from portal.extensions import db
from portal.models import Attachment, Note, Organisation, Referral, StaffUser, Tip
from portal.protection import words as search_words
from portal.protection.files import read_file
from portal.protection.site_keys import forget_site_keys

PHOTO = b"\x89PNG\r\n\x1a\n" + b"photo-before-0013" * 8


@pytest.fixture
def unstamped(app):
    """The shared app, left as the other tests expect it: its schema from create_all, with
    no alembic revision (a stamped database would pass `ops backup-check`'s revision test)."""
    yield app
    with app.app_context():
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        forget_site_keys()  # the migration made site keys of its own


def migrate_empty_database_to(revision: str) -> None:
    """Every table gone, then `flask db upgrade` to `revision` (in an app context)."""
    db.drop_all()
    db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.session.commit()
    upgrade(revision=revision)


def test_db_upgrade_yields_the_models_schema(unstamped):
    app = unstamped
    with app.app_context():
        migrate_empty_database_to("head")
        with db.engine.connect() as connection:
            dialect = connection.dialect.name

            def include(obj, name, type_, reflected, compare_to):  # noqa: ANN001
                # Trigram indexes exist only on PostgreSQL (Index.ddl_if).
                return not (
                    type_ == "index" and name and name.endswith("_trgm") and dialect != "postgresql"
                )

            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_object": include}
            )
            differences = compare_metadata(context, db.metadata)
        assert differences == []
        tables = set(db.inspect(db.engine).get_table_names())
        assert {"tips", "messages", "attachments", "alembic_version"} <= tables


def test_demo_load_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    second = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0 and second.exit_code == 0
    assert first.output.count("created") == 4
    assert second.output.count("exists") == 4
    receipts = [
        line.split("receipt ")[1] for line in first.output.splitlines() if "receipt " in line
    ]
    assert len(receipts) == 4
    assert receipts == [
        line.split("receipt ")[1] for line in second.output.splitlines() if "receipt " in line
    ]
    # The same organisations, accounts and referrals, not twice over.
    assert (
        first.output.split("Demo staff accounts")[1]
        == second.output.split("Demo staff accounts")[1]
    )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Organisation)) == 3
        assert db.session.scalar(select(func.count()).select_from(StaffUser)) == 3
        assert db.session.scalar(select(func.count()).select_from(Referral)) == 2


def test_upgrading_puts_every_account_note_and_audit_line_under_a_coordinator(unstamped):
    """A one-team deployment upgrades without losing anything: its people become the
    coordinator organisation, which sees every tip as before."""
    app = unstamped
    with app.app_context():
        migrate_empty_database_to("0008")
        now = "2026-11-30 10:00:00+00:00"
        db.session.execute(
            text(
                "INSERT INTO staff_users (username, role, language, totp_secret, "
                "totp_last_counter, failed_logins, session_version, active, created_at) "
                "VALUES ('lama', 'admin', 'id', 'JBSWY3DPEHPK3PXP', 0, 0, 1, true, :now)"
            ),
            {"now": now},
        )
        db.session.execute(
            text(
                "INSERT INTO tips (category, lang, description, link, answers, contact, in_danger,"
                " receipt_hash, submission_key, status, triage_state, triage_attempts, "
                "triage_error, triage_state_changed_at, created_at, score, priority, "
                "priority_rank, queue_rank, urgent, score_reasons, routing, has_attachments, "
                "updated_at) VALUES ('drugs', 'id', 'lama', '', '{}', '', false, 'r', 's', 'new',"
                " 'done', 1, '', :now, :now, 0, 'normal', 2, 2100, false, '[]', '[]', false, :now)"
            ),
            {"now": now},
        )
        db.session.execute(
            text(
                "INSERT INTO notes (tip_id, staff_user_id, body, created_at) VALUES (1, 1, 'n', :now)"
            ),
            {"now": now},
        )
        db.session.execute(
            text(
                "INSERT INTO messages (tip_id, author, body, created_at) VALUES (1, 'reporter', 'm', :now)"
            ),
            {"now": now},
        )
        db.session.execute(text("UPDATE tips SET assignee_id = 1"))
        # A photo from before 0013, in clear in the uploads folder.
        uploads = current_settings(app).upload_dir
        (uploads / "ab").mkdir(parents=True, exist_ok=True)
        photo = uploads / "ab" / ("p" * 32 + ".png")
        photo.write_bytes(PHOTO)
        db.session.execute(
            text(
                "INSERT INTO attachments (tip_id, storage_key, media_type, width, height,"
                " size_bytes, created_at) VALUES (1, :key, 'image/png', 4, 4, :size, :now)"
            ),
            {"key": "ab/" + "p" * 32 + ".png", "size": len(PHOTO), "now": now},
        )
        db.session.execute(
            text(
                "INSERT INTO audit_events (at, staff_user_id, username, action, detail, summary)"
                " VALUES (:now, 1, 'lama', 'view_tip', '{}', '')"
            ),
            {"now": now},
        )
        db.session.commit()
        upgrade()
        coordinator = db.session.execute(text("SELECT id, kind FROM organisations")).one()
        assert coordinator.kind == "coordinator"
        for table in ("staff_users", "notes", "audit_events"):
            column = "organisation_id"
            assert (
                db.session.execute(text(f"SELECT {column} FROM {table}")).scalar() == coordinator.id
            )
        assert db.session.execute(text("SELECT holder_org_id FROM tips")).scalar() is None
        # SQLite rebuilds altered tables: nothing hanging off them may be lost on the way.
        assert db.session.execute(text("SELECT assignee_id FROM tips")).scalar() == 1
        # 0013 sealed what was there, with the running application's keys: it reads as before,
        # and the old plaintext columns are gone.
        forget_site_keys()
        db.session.expire_all()
        tip = db.session.get(Tip, 1)
        assert (tip.description, tip.link, tip.answers, tip.contact) == ("lama", "", {}, "")
        assert [m.body for m in tip.messages] == ["m"]
        assert db.session.scalar(select(Note)).body == "n"
        assert db.session.scalar(select(StaffUser)).totp_secret == "JBSWY3DPEHPK3PXP"
        columns = {c["name"] for c in db.inspect(db.engine).get_columns("tips")}
        assert "description" not in columns and "description_sealed" in columns
        sealed = db.session.execute(text("SELECT description_sealed FROM tips")).scalar()
        assert b"lama" not in bytes(sealed)
        # The photo was sealed under a new name; the plaintext original went at the commit.
        attachment = db.session.scalar(select(Attachment))
        assert attachment.storage_key != "ab/" + "p" * 32 + ".png" and not photo.exists()
        assert read_file(attachment) == PHOTO
        assert PHOTO not in (uploads / attachment.storage_key).read_bytes()
        # … and the word index has it.
        assert db.session.scalar(search_words.tips_with_all(search_words.query_hashes("lama"))) == 1


def test_upgrading_seals_the_reasons_of_referrals_and_access_requests(unstamped):
    """0015: the staff's reasons, written in clear before it, are sealed with the tip's key."""
    app = unstamped
    with app.app_context():
        migrate_empty_database_to("0014")
        now = "2026-12-01 10:00:00+00:00"
        coordinator = db.session.execute(text("SELECT id FROM organisations")).scalar()
        db.session.execute(
            text(
                "INSERT INTO organisations (slug, name, name_en, kind, country, categories,"
                " countries, languages, name_public, active, created_at) VALUES ('bnn', 'BNN',"
                " 'BNN', 'law-enforcement', 'ID', '[]', '[]', '[]', false, true, :now)"
            ),
            {"now": now},
        )
        db.session.execute(
            text(
                "INSERT INTO tips (category, lang, in_danger, receipt_hash, submission_key,"
                " status, triage_state, triage_attempts, triage_error, triage_state_changed_at,"
                " created_at, score, priority, priority_rank, queue_rank, urgent, score_reasons,"
                " routing, has_attachments, updated_at) VALUES ('drugs', 'id', false, 'r', 's',"
                " 'new', 'done', 1, '', :now, :now, 0, 'normal', 2, 2100, false, '[]', '[]',"
                " false, :now)"
            ),
            {"now": now},
        )
        db.session.execute(
            text(
                "INSERT INTO referrals (tip_id, from_org_id, to_org_id, state, mode, tlp,"
                " with_photos, with_messages, with_contact, reason, created_at, answer_reason)"
                " VALUES (1, :coordinator, 2, 'accepted', 'share', 'amber', false, false, false,"
                " 'kasus rahasia', :now, 'diterima')"
            ),
            {"coordinator": coordinator, "now": now},
        )
        db.session.commit()
        upgrade()
        forget_site_keys()
        db.session.expire_all()
        referral = db.session.scalar(select(Referral))
        assert (referral.reason, referral.answer_reason) == ("kasus rahasia", "diterima")
        sealed = db.session.execute(text("SELECT reason_sealed FROM referrals")).scalar()
        assert b"rahasia" not in bytes(sealed)
        columns = {c["name"] for c in db.inspect(db.engine).get_columns("referrals")}
        assert "reason" not in columns and "answer_reason" not in columns

"""protection at rest: sealed columns, per-tip data keys, site keys, blind indexes

Everything a reporter wrote (description, link, answers, contact, messages, photos and the
text read from them), staff notes, relayed questions, identifier values and staff TOTP
secrets are sealed with the keys of portal.protection; the plaintext columns and their
trigram indexes go. Existing rows and upload files are sealed on the way, with the data
keys (WASPADA_DATA_KEYS / _FILE) of the application running the upgrade.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08 01:30:00

"""

import json
import os
import secrets
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

REF = 16
# (table, old column, new column): text columns sealed with the key of the row's tip.
TIP_CHILDREN = [
    ("messages", "body", "body_sealed"),
    ("notes", "body", "body_sealed"),
    ("relay_requests", "body", "body_sealed"),
    ("attachments", "ocr_text", "ocr_sealed"),
]
TIP_FIELDS = [
    ("description", "description_sealed", "text"),
    ("link", "link_sealed", "text"),
    ("answers", "answers_sealed", "json"),
    ("contact", "contact_sealed", "text"),
]


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "protection_keys",
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("purpose", name="pk_protection_keys"),
    )
    op.create_table(
        "tip_words",
        sa.Column("word", sa.BigInteger(), nullable=False),
        sa.Column("tip_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tip_id"], ["tips.id"], name="fk_tip_words_tip_id_tips", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("word", "tip_id", name="pk_tip_words"),
    )
    op.create_index("ix_tip_words_tip_id", "tip_words", ["tip_id"])
    with op.batch_alter_table("tips") as batch:
        for _old, new, _kind in TIP_FIELDS:
            batch.add_column(sa.Column(new, sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("data_key", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("data_key_id", sa.String(32), nullable=True))
        batch.add_column(sa.Column("seal_ref", sa.LargeBinary(REF), nullable=True))
    op.create_index("ix_tips_data_key_id", "tips", ["data_key_id"])
    for table, _old, new in TIP_CHILDREN:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column(new, sa.LargeBinary(), nullable=True))
            batch.add_column(sa.Column("seal_ref", sa.LargeBinary(REF), nullable=True))
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(sa.Column("totp_sealed", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("seal_ref", sa.LargeBinary(REF), nullable=True))
    with op.batch_alter_table("indicators") as batch:
        batch.add_column(sa.Column("value_index", sa.LargeBinary(16), nullable=True))
        batch.add_column(sa.Column("value_sealed", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("tail_index", sa.LargeBinary(16), nullable=True))

    _seal_existing_rows()

    if postgresql:
        for name in ("ix_tips_description_trgm", "ix_tips_link_trgm", "ix_indicators_value_trgm"):
            op.execute(f"DROP INDEX IF EXISTS {name}")
    with op.batch_alter_table("tips") as batch:
        for old, _new, _kind in TIP_FIELDS:
            batch.drop_column(old)
    for table, old, _new in TIP_CHILDREN:
        with op.batch_alter_table(table) as batch:
            batch.drop_column(old)
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_column("totp_secret")
    with op.batch_alter_table("indicators") as batch:
        batch.drop_constraint("uq_indicators_kind_value", type_="unique")
        batch.drop_column("value")
        batch.alter_column("value_index", existing_type=sa.LargeBinary(16), nullable=False)
        batch.alter_column("value_sealed", existing_type=sa.LargeBinary(), nullable=False)
        batch.create_unique_constraint("uq_indicators_value_index", ["value_index"])
    op.create_index("ix_indicators_tail_index", "indicators", ["tail_index"])


BATCH = 500


def _batches(bind, sql, params=None):
    """Rows of `sql` (which selects the id first and takes :after and :limit) in id order,
    a batch at a time: a large instance is not read into memory at once."""
    after = 0
    while True:
        rows = bind.execute(sa.text(sql), {**(params or {}), "after": after, "limit": BATCH}).all()
        if not rows:
            return
        yield rows
        after = rows[-1][0]


def _seal_existing_rows():
    """Seal what is there, with the application's keys (the same functions as at run time)."""
    from flask import current_app

    from portal.config import current_settings
    from portal.protection import words
    from portal.protection.files import seal_file
    from portal.protection.identifiers import index_of, seal_value, tail_of
    from portal.protection.keys import associated, seal, unwrap, wrap
    from portal.protection.site_keys import _ad, ensure_site_keys

    settings = current_settings(current_app)
    ring = settings.data_keys
    bind = op.get_bind()
    ensure_site_keys(bind, ring)
    site = {
        purpose: unwrap(ring, key_id, wrapped, _ad(purpose), purpose)
        for purpose, key_id, wrapped in bind.execute(
            sa.text("SELECT purpose, key_id, wrapped FROM protection_keys")
        )
    }
    index_key = site["index"]

    tip_keys = {}
    query = (
        "SELECT id, description, link, answers, contact FROM tips"
        " WHERE id > :after ORDER BY id LIMIT :limit"
    )
    for rows in _batches(bind, query):
        for tip_id, description, link, answers, contact in rows:
            ref = os.urandom(REF)
            raw = AESGCM.generate_key(bit_length=256)
            key_id, wrapped = wrap(ring, raw, associated("tips", "data_key", ref))
            aead = AESGCM(raw)
            tip_keys[tip_id] = aead
            if isinstance(answers, str):
                answers = json.loads(answers or "{}")
            values = {"description": description or "", "link": link or "", "contact": contact or ""}
            sealed = {
                f"{name}_sealed": seal(aead, text.encode(), associated("tips", f"{name}_sealed", ref))
                for name, text in values.items()
            }
            sealed["answers_sealed"] = seal(
                aead,
                json.dumps(answers or {}, ensure_ascii=False, separators=(",", ":")).encode(),
                associated("tips", "answers_sealed", ref),
            )
            bind.execute(
                sa.text(
                    "UPDATE tips SET description_sealed = :description_sealed,"
                    " link_sealed = :link_sealed, answers_sealed = :answers_sealed,"
                    " contact_sealed = :contact_sealed, data_key = :data_key,"
                    " data_key_id = :data_key_id, seal_ref = :ref WHERE id = :id"
                ),
                {**sealed, "data_key": wrapped, "data_key_id": key_id, "ref": ref, "id": tip_id},
            )
            # The word index holds what the reporter wrote in the report itself.
            texts = [values["description"], values["link"]]
            texts += [str(v) for v in (answers or {}).values() if isinstance(v, str | int | float)]
            found = sorted({h for text in texts if text for h in words.hashes(text, index_key)})
            if found:
                bind.execute(
                    sa.text("INSERT INTO tip_words (word, tip_id) VALUES (:word, :tip_id)"),
                    [{"word": h, "tip_id": tip_id} for h in found],
                )

    uploads = Path(settings.upload_dir)
    replaced = []  # (plaintext file, its sealed copy's new key)
    for table, old, new in TIP_CHILDREN:
        extra = ", storage_key" if table == "attachments" else ""
        query = f"SELECT id, tip_id, {old}{extra} FROM {table} WHERE id > :after ORDER BY id LIMIT :limit"
        for rows in _batches(bind, query):
            for row in rows:
                row_id, tip_id, text = row[0], row[1], row[2]
                aead = tip_keys[tip_id]
                ref = os.urandom(REF)
                blob = None if text is None else seal(aead, text.encode(), associated(table, new, ref))
                bind.execute(
                    sa.text(f"UPDATE {table} SET {new} = :blob, seal_ref = :ref WHERE id = :id"),
                    {"blob": blob, "ref": ref, "id": row_id},
                )
                if table == "attachments":
                    sealed_key = _seal_upload(uploads, row[3], aead, ref, seal_file)
                    if sealed_key is not None:
                        bind.execute(
                            sa.text("UPDATE attachments SET storage_key = :key WHERE id = :id"),
                            {"key": sealed_key, "id": row_id},
                        )
                        replaced.append(uploads / row[3])
    _remove_after_commit(bind, replaced)

    totp = AESGCM(site["totp"])
    query = "SELECT id, totp_secret FROM staff_users WHERE id > :after ORDER BY id LIMIT :limit"
    for rows in _batches(bind, query):
        for user_id, secret in rows:
            ref = os.urandom(REF)
            blob = seal(totp, (secret or "").encode(), associated("staff_users", "totp_sealed", ref))
            bind.execute(
                sa.text("UPDATE staff_users SET totp_sealed = :blob, seal_ref = :ref WHERE id = :id"),
                {"blob": blob, "ref": ref, "id": user_id},
            )

    identifiers = AESGCM(site["identifiers"])
    query = "SELECT id, kind, value FROM indicators WHERE id > :after ORDER BY id LIMIT :limit"
    for rows in _batches(bind, query):
        for row_id, kind, value in rows:
            index = index_of(kind, value, index_key)
            bind.execute(
                sa.text(
                    "UPDATE indicators SET value_index = :index, value_sealed = :sealed,"
                    " tail_index = :tail WHERE id = :id"
                ),
                {
                    "index": index,
                    "sealed": seal_value(index, value, identifiers),
                    "tail": tail_of(kind, value, index_key),
                    "id": row_id,
                },
            )


def _seal_upload(folder, storage_key, aead, ref, seal_file):
    """A sealed copy of a photo under a new random name (the row is pointed at it in the same
    transaction); the plaintext original stays until the upgrade commits, so an upgrade that
    fails or is stopped leaves every photo as it was. None if the file is missing."""
    path = Path(folder) / storage_key
    if not path.is_file():
        return None
    directory, extension = storage_key.split("/", 1)[0], storage_key.rsplit(".", 1)[-1]
    new_key = f"{directory}/{secrets.token_urlsafe(24)}.{extension}"
    fd = os.open(Path(folder) / new_key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(seal_file(aead, ref, path.read_bytes()))
    return new_key


def _remove_after_commit(bind, paths):
    """Delete the plaintext originals once the upgrade's transaction has committed (and
    never if it rolls back: then the rows still point at them)."""
    if not paths:
        return

    def remove(_connection):
        for path in paths:
            try:
                path.unlink()
            except OSError:
                pass

    sa.event.listen(bind, "commit", remove, once=True)


def downgrade():
    raise RuntimeError(
        "0013 sealed every report: going back would write them out in clear. Restore the "
        "backup taken before the upgrade instead."
    )

"""referrals and access requests: the staff's reasons sealed with the tip's key

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08 02:00:00

"""

import os

import sqlalchemy as sa
from alembic import op
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

REF = 16
# (table, {old column: new column})
TABLES = {
    "referrals": {"reason": "reason_sealed", "answer_reason": "answer_sealed"},
    "access_requests": {"reason": "reason_sealed"},
}


def upgrade():
    for table, columns in TABLES.items():
        with op.batch_alter_table(table) as batch:
            for new in columns.values():
                batch.add_column(sa.Column(new, sa.LargeBinary(), nullable=True))
            batch.add_column(sa.Column("seal_ref", sa.LargeBinary(REF), nullable=True))
    _seal_existing_rows()
    for table, columns in TABLES.items():
        with op.batch_alter_table(table) as batch:
            for old in columns:
                batch.drop_column(old)


def _seal_existing_rows():
    """Seal what is there with each tip's data key (the application's keys unwrap it; a tip
    that has none yet gets one)."""
    from flask import current_app

    from portal.config import current_settings
    from portal.protection.keys import associated, seal, unwrap, wrap

    ring = current_settings(current_app).data_keys
    bind = op.get_bind()
    keys = {}

    def tip_key(tip_id):
        if tip_id not in keys:
            key_id, wrapped, ref = bind.execute(
                sa.text("SELECT data_key_id, data_key, seal_ref FROM tips WHERE id = :id"),
                {"id": tip_id},
            ).one()
            if wrapped is None:
                ref = ref or os.urandom(REF)
                raw = AESGCM.generate_key(bit_length=256)
                key_id, wrapped = wrap(ring, raw, associated("tips", "data_key", ref))
                bind.execute(
                    sa.text(
                        "UPDATE tips SET data_key = :key, data_key_id = :key_id, seal_ref = :ref"
                        " WHERE id = :id"
                    ),
                    {"key": wrapped, "key_id": key_id, "ref": ref, "id": tip_id},
                )
            else:
                raw = unwrap(
                    ring, key_id, bytes(wrapped), associated("tips", "data_key", bytes(ref)), "tip"
                )
            keys[tip_id] = AESGCM(raw)
        return keys[tip_id]

    for table, columns in TABLES.items():
        olds = ", ".join(columns)
        after = 0
        while True:
            rows = bind.execute(
                sa.text(
                    f"SELECT id, tip_id, {olds} FROM {table} WHERE id > :after ORDER BY id LIMIT 500"
                ),
                {"after": after},
            ).all()
            if not rows:
                break
            for row_id, tip_id, *texts in rows:
                ref = os.urandom(REF)
                aead = tip_key(tip_id)
                values = {
                    new: seal(aead, (text or "").encode(), associated(table, new, ref))
                    for new, text in zip(columns.values(), texts, strict=True)
                }
                sets = ", ".join(f"{new} = :{new}" for new in columns.values())
                bind.execute(
                    sa.text(f"UPDATE {table} SET {sets}, seal_ref = :ref WHERE id = :id"),
                    {**values, "ref": ref, "id": row_id},
                )
            after = rows[-1][0]


def downgrade():
    raise RuntimeError(
        "0015 sealed the staff's reasons: going back would write them out in clear. Restore "
        "the backup taken before the upgrade instead."
    )

"""retention: policy per category and status, legal holds, tombstones, tip expiry

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 01:00:00

"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

CATEGORIES = ("drugs", "job-offer", "extremism", "other")
# The defaults of portal.retention.policy.DEFAULT_DAYS, as they were when this was written.
DEFAULT_DAYS = {
    "closed_no_action": 90,
    "closed_duplicate": 90,
    "closed_spam": 7,
    "closed_actioned": 730,
}
NOTICE_DAYS = 14  # portal.retention.policy.OUTLOOK_DAYS


def upgrade():
    with op.batch_alter_table("tips") as batch:
        batch.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_tips_expires_at", "tips", ["expires_at"])
    rules = op.create_table(
        "retention_rules",
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["staff_users.id"],
            name="fk_retention_rules_updated_by_id_staff_users",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("category", "status", name="pk_retention_rules"),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        rules,
        [
            {"category": c, "status": s, "days": d, "updated_at": now, "updated_by_id": None}
            for c in CATEGORIES
            for s, d in DEFAULT_DAYS.items()
        ],
    )
    op.create_table(
        "legal_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tip_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("reason_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("case_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("seal_ref", sa.LargeBinary(16), nullable=True),
        sa.Column("review_on", sa.Date(), nullable=False),
        sa.Column("placed_by_id", sa.Integer(), nullable=True),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lifted_by_id", sa.Integer(), nullable=True),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tip_id"], ["tips.id"], name="fk_legal_holds_tip_id_tips", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name="fk_legal_holds_organisation_id_organisations",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["placed_by_id"],
            ["staff_users.id"],
            name="fk_legal_holds_placed_by_id_staff_users",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["lifted_by_id"],
            ["staff_users.id"],
            name="fk_legal_holds_lifted_by_id_staff_users",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_legal_holds"),
    )
    op.create_index("ix_legal_holds_tip_id", "legal_holds", ["tip_id"])
    op.create_index("ix_legal_holds_lifted_at", "legal_holds", ["lifted_at"])
    op.create_table(
        "tip_tombstones",
        sa.Column("tip_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("tip_id", name="pk_tip_tombstones"),
    )
    op.create_index("ix_tip_tombstones_deleted_at", "tip_tombstones", ["deleted_at"])

    # Tips closed before this: closed when last changed; due under the default policy.
    bind = op.get_bind()
    closed = bind.execute(
        sa.text("SELECT id, status, updated_at FROM tips WHERE status LIKE 'closed%'")
    ).all()
    for tip_id, status, updated_at in closed:
        if isinstance(updated_at, str):
            updated_at = datetime.fromisoformat(updated_at)
        if updated_at.tzinfo is None:
            updated_at = updated_at.replace(tzinfo=UTC)
        days = DEFAULT_DAYS.get(status)
        expires = None
        if days is not None:
            # Nothing is deleted before supervisors could see it coming in their outlook.
            expires = max(updated_at + timedelta(days=days), now + timedelta(days=NOTICE_DAYS))
        bind.execute(
            sa.text("UPDATE tips SET closed_at = :closed, expires_at = :expires WHERE id = :id"),
            {"closed": updated_at, "expires": expires, "id": tip_id},
        )


def downgrade():
    op.drop_index("ix_tip_tombstones_deleted_at", table_name="tip_tombstones")
    op.drop_table("tip_tombstones")
    op.drop_index("ix_legal_holds_lifted_at", table_name="legal_holds")
    op.drop_index("ix_legal_holds_tip_id", table_name="legal_holds")
    op.drop_table("legal_holds")
    op.drop_table("retention_rules")
    op.drop_index("ix_tips_expires_at", table_name="tips")
    with op.batch_alter_table("tips") as batch:
        batch.drop_column("expires_at")
        batch.drop_column("withdrawn_at")
        batch.drop_column("closed_at")

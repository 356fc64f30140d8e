"""triage: the rules version behind each score, and re-triage runs

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 18:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tips") as batch_op:
        batch_op.add_column(sa.Column("rules_version", sa.String(length=16), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("rerun_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_tips_rerun_id"), ["rerun_id"], unique=False)
    op.create_table(
        "triage_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("filters_key", sa.String(length=200), nullable=False),
        sa.Column("rules_version", sa.String(length=16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("scored", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_runs")),
    )
    with op.batch_alter_table("triage_runs") as batch_op:
        batch_op.create_index(batch_op.f("ix_triage_runs_filters_key"), ["filters_key"], unique=False)


def downgrade():
    with op.batch_alter_table("triage_runs") as batch_op:
        batch_op.drop_index(batch_op.f("ix_triage_runs_filters_key"))
    op.drop_table("triage_runs")
    with op.batch_alter_table("tips") as batch_op:
        batch_op.drop_index(batch_op.f("ix_tips_rerun_id"))
        batch_op.drop_column("rerun_id")
        batch_op.drop_column("rules_version")

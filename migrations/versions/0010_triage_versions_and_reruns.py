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
    op.create_table(
        "triage_marks",
        sa.Column("tip_id", sa.Integer(), nullable=False),
        sa.Column("rules_version", sa.String(length=16), nullable=False),
        sa.Column("results_digest", sa.String(length=32), nullable=False),
        sa.Column("indicators_digest", sa.String(length=32), nullable=False),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("times_scored", sa.Integer(), nullable=False),
        sa.Column("rerun_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tip_id"], ["tips.id"], name=op.f("fk_triage_marks_tip_id_tips"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tip_id", name=op.f("pk_triage_marks")),
    )
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
    op.drop_table("triage_marks")

"""server-side sessions: staff sign-ins, receipts shown once, follow-up views

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 06:20:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "server_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("staff_user_id", sa.Integer(), nullable=True),
        sa.Column("tip_id", sa.Integer(), nullable=True),
        sa.Column("sealed", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_user_id"],
            ["staff_users.id"],
            name=op.f("fk_server_sessions_staff_user_id_staff_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tip_id"], ["tips.id"], name=op.f("fk_server_sessions_tip_id_tips"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_server_sessions")),
    )
    with op.batch_alter_table("server_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_server_sessions_expires_at"), ["expires_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_server_sessions_staff_user_id"), ["staff_user_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_server_sessions_tip_id"), ["tip_id"], unique=False)


def downgrade():
    with op.batch_alter_table("server_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_server_sessions_tip_id"))
        batch_op.drop_index(batch_op.f("ix_server_sessions_staff_user_id"))
        batch_op.drop_index(batch_op.f("ix_server_sessions_expires_at"))
    op.drop_table("server_sessions")

"""job offers: the licensed-recruiter lists an operator loads

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 21:30:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "licensed_recruiters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_key", sa.String(length=300), nullable=False),
        sa.Column("licence_number", sa.String(length=100), nullable=False),
        sa.Column("licence_key", sa.String(length=100), nullable=False),
        sa.Column("source_url", sa.Text(), nullable=False),
        sa.Column("retrieved", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licensed_recruiters")),
    )
    op.create_index(
        "ix_licensed_recruiters_country_name_key",
        "licensed_recruiters",
        ["country", "name_key"],
    )
    op.create_index("ix_licensed_recruiters_licence_key", "licensed_recruiters", ["licence_key"])
    op.create_table(
        "recruiter_lists",
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("source_url", sa.Text(), nullable=False),
        sa.Column("retrieved", sa.Date(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("country", name=op.f("pk_recruiter_lists")),
    )


def downgrade():
    op.drop_table("recruiter_lists")
    op.drop_index("ix_licensed_recruiters_licence_key", table_name="licensed_recruiters")
    op.drop_index("ix_licensed_recruiters_country_name_key", table_name="licensed_recruiters")
    op.drop_table("licensed_recruiters")

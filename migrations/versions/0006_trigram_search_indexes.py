"""trigram indexes for staff text search (PostgreSQL only)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 10:30:00

"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_tips_description_trgm", "tips", "description"),
    ("ix_tips_link_trgm", "tips", "link"),
    ("ix_indicators_value_trgm", "indicators", "value"),
]


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite searches with LIKE; the data there is small
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        op.create_index(
            name,
            table,
            [column],
            postgresql_using="gin",
            postgresql_ops={column: "gin_trgm_ops"},
        )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, table, _column in INDEXES:
        op.drop_index(name, table_name=table)

"""attachments: the text read from a photo by OCR

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 22:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("attachments") as batch:
        batch.add_column(sa.Column("ocr_text", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("attachments") as batch:
        batch.drop_column("ocr_text")

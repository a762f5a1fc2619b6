"""school_classes.archived_at: classes archived by their staff

Revision ID: a7c3e9f1b246
Revises: d9a4e6b2c815
Create Date: 2026-12-06 09:45:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a7c3e9f1b246"
down_revision = "d9a4e6b2c815"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE, no batch: on SQLite a batch copies the table, which foreign keys refuse
    # (see c4d2a9e17b35).
    op.add_column("school_classes", sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    op.drop_column("school_classes", "archived_at")

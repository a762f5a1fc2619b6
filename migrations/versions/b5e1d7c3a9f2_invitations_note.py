"""invitations.note: for whom an administrator made an invitation link

Revision ID: b5e1d7c3a9f2
Revises: a7c3e9f1b246
Create Date: 2026-12-06 13:15:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b5e1d7c3a9f2"
down_revision = "a7c3e9f1b246"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE, no batch: on SQLite a batch copies the table, which foreign keys refuse
    # (see c4d2a9e17b35).
    op.add_column("invitations", sa.Column("note", sa.String(120), nullable=True))


def downgrade():
    op.drop_column("invitations", "note")

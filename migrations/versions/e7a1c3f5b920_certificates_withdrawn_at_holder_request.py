"""certificates withdrawn at the holder's request

Revision ID: e7a1c3f5b920
Revises: c4d2a9e17b35
Create Date: 2026-12-02 15:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e7a1c3f5b920"
down_revision = "c4d2a9e17b35"
branch_labels = None
depends_on = None


def upgrade():
    # A certificate whose holder deleted their account stays (its code was shared) but is
    # withdrawn: its page shows no personal data. Plain ALTER TABLE, no batch: a batch on SQLite
    # would copy the table and drop the old one, which foreign keys refuse (see c4d2a9e17b35).
    op.add_column("certificates", sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("certificates", sa.Column("withdrawal_reason", sa.String(length=40), nullable=True))


def downgrade():
    op.drop_column("certificates", "withdrawal_reason")
    op.drop_column("certificates", "withdrawn_at")

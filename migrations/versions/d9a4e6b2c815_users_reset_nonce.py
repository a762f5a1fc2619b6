"""users.reset_nonce: only the last password-reset link mailed works

Revision ID: d9a4e6b2c815
Revises: c8d2f6a1e473
Create Date: 2026-12-06 09:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d9a4e6b2c815"
down_revision = "c8d2f6a1e473"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE, no batch: on SQLite a batch copies the table, which foreign keys refuse
    # (see c4d2a9e17b35). Links mailed before this (no nonce in them) work while it is NULL.
    op.add_column("users", sa.Column("reset_nonce", sa.String(length=16), nullable=True))


def downgrade():
    op.drop_column("users", "reset_nonce")

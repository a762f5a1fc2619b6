"""site administrators and disabled accounts

Revision ID: c4d2a9e17b35
Revises: 74370f3a69d4
Create Date: 2026-12-02 15:10:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c4d2a9e17b35"
down_revision = "74370f3a69d4"
branch_labels = None
depends_on = None


def upgrade():
    # Nobody is a site administrator after the upgrade and no account is disabled: an operator
    # names the administrators with `flask --app wsgi user set-admin EMAIL`.
    # Plain ALTER TABLE, no batch: on SQLite a batch would copy the users table and drop the old
    # one, which the foreign keys of every other table refuse once there are accounts. The default
    # is the string "0" (false on both databases) for the same reason: SQLite adds a column with a
    # constant default in place, but copies the table for an SQL expression such as sa.false().
    op.add_column("users", sa.Column("is_admin", sa.Boolean(), server_default="0", nullable=False))
    op.add_column("users", sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    # ALTER TABLE … DROP COLUMN (SQLite 3.35 or later), for the reason given above.
    op.drop_column("users", "disabled_at")
    op.drop_column("users", "is_admin")

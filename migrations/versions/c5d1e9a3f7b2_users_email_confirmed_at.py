"""accounts confirm their e-mail address: users.email_confirmed_at

Revision ID: c5d1e9a3f7b2
Revises: a3e7c9d1f582
Create Date: 2026-12-05 16:05:00.000000

Anyone could register any address. The address is now confirmed by a mailed link (or a password
reset, or a change of address), and certificates and notification mails wait for it. Accounts
from before the rule keep what they had: they count as confirmed from their creation (asking
them all at once would have stopped their mails and certificates until each one came back).
Accounts made by a school platform (LTI) count as confirmed too, as new ones do.

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c5d1e9a3f7b2"
down_revision = "a3e7c9d1f582"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE, no batch: on SQLite a batch copies the table and drops the old one.
    op.add_column("users", sa.Column("email_confirmed_at", sa.DateTime(timezone=True), nullable=True))
    users = sa.table(
        "users",
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("email_confirmed_at", sa.DateTime(timezone=True)),
    )
    op.execute(users.update().values(email_confirmed_at=users.c.created_at))


def downgrade():
    op.drop_column("users", "email_confirmed_at")

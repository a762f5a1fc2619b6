"""users: the interface language kept with the account, which e-mails follow by default

Revision ID: d7b2e5a9c146
Revises: c4d8a1e6f203
Create Date: 2026-12-05 07:30:00.000000

The language chosen in one browser stayed in that browser's cookie: signing in elsewhere opened in
the browser's language, and e-mails went out in French unless their own language was set.
A person's notification preferences may now leave the e-mails' language empty: the account's.
Rows kept from before keep the language they hold.

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d7b2e5a9c146"
down_revision = "c4d8a1e6f203"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("locale", sa.String(length=5), nullable=True))
    with op.batch_alter_table("notification_preferences", schema=None) as batch_op:
        batch_op.alter_column("locale", existing_type=sa.String(length=5), nullable=True)


def downgrade():
    op.execute("UPDATE notification_preferences SET locale = 'fr' WHERE locale IS NULL")
    with op.batch_alter_table("notification_preferences", schema=None) as batch_op:
        batch_op.alter_column("locale", existing_type=sa.String(length=5), nullable=False)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("locale")

"""users: the interface language kept with the account

Revision ID: d7b2e5a9c146
Revises: c4d8a1e6f203
Create Date: 2026-12-05 07:30:00.000000

The language chosen in one browser stayed in that browser's cookie: signing in elsewhere opened in
the browser's language, and e-mails went out in French unless their own language was set.

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


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("locale")

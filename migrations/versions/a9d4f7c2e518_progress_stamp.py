"""users.progress_stamp: drawn anew with every write of the person's module progress

Revision ID: a9d4f7c2e518
Revises: e8c3a5f1b742
Create Date: 2026-12-07 23:00:00.000000

The class page and its CSV are kept per process (app/schools/kept.py) under the stamps of the
class's students: a table is made again once one of them has changed.

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a9d4f7c2e518"
down_revision = "e8c3a5f1b742"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("progress_stamp", sa.BigInteger(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("progress_stamp")

"""sessions end at logout: a per-user session generation

Revision ID: 74370f3a69d4
Revises: 1da04b60d5e1
Create Date: 2026-12-02 14:29:01.816118

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "74370f3a69d4"
down_revision = "1da04b60d5e1"
branch_labels = None
depends_on = None


def upgrade():
    # Existing accounts start at 0. Cookies issued before this change name no generation, so
    # everyone signs in once more after the upgrade.
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_generation", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_generation")

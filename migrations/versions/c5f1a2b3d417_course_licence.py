"""course licence: the licence a publisher states for a course (front matter ``licence``)

Revision ID: c5f1a2b3d417
Revises: b1e4f7a9c026
Create Date: 2026-12-03 07:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c5f1a2b3d417"
down_revision = "b1e4f7a9c026"
branch_labels = None
depends_on = None


def upgrade():
    # Courses imported before stated no licence: the server default says what that means.
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("licence", sa.String(length=40), server_default="all-rights-reserved", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_column("licence")

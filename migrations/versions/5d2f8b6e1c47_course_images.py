"""course images

Revision ID: 5d2f8b6e1c47
Revises: 3a9c7e2d4b10
Create Date: 2026-12-02 23:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5d2f8b6e1c47"
down_revision = "3a9c7e2d4b10"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "course_images",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=20), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )


def downgrade():
    op.drop_table("course_images")

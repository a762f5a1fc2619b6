"""replies to review comments: review_replies

Revision ID: c8d2f6a1e473
Revises: b4e7d2a9c531
Create Date: 2026-12-06 03:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c8d2f6a1e473"
down_revision = "b4e7d2a9c531"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "review_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_review_replies_author_id_users")),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["review_comments.id"],
            name=op.f("fk_review_replies_comment_id_review_comments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_replies")),
    )
    op.create_index(op.f("ix_review_replies_comment_id"), "review_replies", ["comment_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_review_replies_comment_id"), table_name="review_replies")
    op.drop_table("review_replies")

"""review comments on modules

Revision ID: 7e4a1c9f3b28
Revises: 5d2f8b6e1c47
Create Date: 2026-12-02 23:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7e4a1c9f3b28"
down_revision = "5d2f8b6e1c47"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "review_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("module_slug", sa.String(length=80), nullable=False),
        sa.Column("module_hash", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_review_comments_author_id_users")),
        sa.ForeignKeyConstraint(
            ["draft_id"],
            ["course_drafts.id"],
            name=op.f("fk_review_comments_draft_id_course_drafts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"], ["users.id"], name=op.f("fk_review_comments_resolved_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_comments")),
    )
    op.create_index(op.f("ix_review_comments_draft_id"), "review_comments", ["draft_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_review_comments_draft_id"), table_name="review_comments")
    op.drop_table("review_comments")

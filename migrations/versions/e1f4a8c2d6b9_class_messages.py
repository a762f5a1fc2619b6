"""teachers write to a class: class_messages

Revision ID: e1f4a8c2d6b9
Revises: d9e3b7a1c5f4
Create Date: 2026-12-05 16:45:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e1f4a8c2d6b9"
down_revision = "d9e3b7a1c5f4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "class_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_class_messages_author_id_users")),
        sa.ForeignKeyConstraint(
            ["class_id"],
            ["school_classes.id"],
            name=op.f("fk_class_messages_class_id_school_classes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_class_messages")),
    )
    op.create_index(op.f("ix_class_messages_class_id"), "class_messages", ["class_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_class_messages_class_id"), table_name="class_messages")
    op.drop_table("class_messages")

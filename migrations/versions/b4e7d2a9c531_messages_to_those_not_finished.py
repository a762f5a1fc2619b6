"""a message to the students who have not finished an assigned item: class_message_recipients

Revision ID: b4e7d2a9c531
Revises: e1f4a8c2d6b9
Create Date: 2026-12-05 23:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b4e7d2a9c531"
down_revision = "e1f4a8c2d6b9"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("class_messages", sa.Column("unfinished_of", sa.Text(), nullable=True))
    op.create_table(
        "class_message_recipients",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["class_messages.id"],
            name=op.f("fk_class_message_recipients_message_id_class_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_class_message_recipients_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("message_id", "user_id", name=op.f("pk_class_message_recipients")),
    )
    op.create_index(
        op.f("ix_class_message_recipients_user_id"), "class_message_recipients", ["user_id"], unique=False
    )


def downgrade():
    op.drop_index(op.f("ix_class_message_recipients_user_id"), table_name="class_message_recipients")
    op.drop_table("class_message_recipients")
    with op.batch_alter_table("class_messages") as batch_op:
        batch_op.drop_column("unfinished_of")

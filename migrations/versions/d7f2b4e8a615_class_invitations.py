"""class invitations: students invited to a class by e-mail

Revision ID: d7f2b4e8a615
Revises: c4d8e2a6f913
Create Date: 2026-12-07 13:00:00.000000

A teacher could give a class's code or link only by hand. They may now type or upload a list of
addresses, each mailed the class's link once; the address is kept 30 days, so that it is not
mailed twice and the teacher sees who has joined.

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d7f2b4e8a615"
down_revision = "c4d8e2a6f913"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "class_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("mailbox", sa.String(length=254), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["class_id"],
            ["school_classes.id"],
            name=op.f("fk_class_invitations_class_id_school_classes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"],
            ["users.id"],
            name=op.f("fk_class_invitations_invited_by_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_class_invitations")),
    )
    for column in ("class_id", "email", "mailbox", "invited_by_id", "created_at"):
        op.create_index(op.f(f"ix_class_invitations_{column}"), "class_invitations", [column], unique=False)


def downgrade():
    for column in ("class_id", "email", "mailbox", "invited_by_id", "created_at"):
        op.drop_index(op.f(f"ix_class_invitations_{column}"), table_name="class_invitations")
    op.drop_table("class_invitations")

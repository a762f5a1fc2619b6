"""course drafts: who sent a draft back, and when

Revision ID: c4d8a1e6f203
Revises: a9e4c2d7f318
Create Date: 2026-12-05 07:00:00.000000

The editors' draft page showed the reviewer's comment without saying whose it was or from when.
Drafts sent back before this revision keep their comment and show no name or date.

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c4d8a1e6f203"
down_revision = "a9e4c2d7f318"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("course_drafts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sent_back_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("sent_back_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_course_drafts_sent_back_by_id_users"), "users", ["sent_back_by_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("course_drafts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_course_drafts_sent_back_by_id_users"), type_="foreignkey")
        batch_op.drop_column("sent_back_at")
        batch_op.drop_column("sent_back_by_id")

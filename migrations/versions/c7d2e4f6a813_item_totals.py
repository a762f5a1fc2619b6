"""item totals: quiz answers summed once by a job, so the statistics page reads only the rest

Revision ID: c7d2e4f6a813
Revises: b5e1f7a9c402
Create Date: 2026-12-03 23:05:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c7d2e4f6a813"
down_revision = "b5e1f7a9c402"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "item_totals",
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("course_version", sa.Integer(), nullable=False),
        sa.Column("shown", sa.Integer(), nullable=False),
        sa.Column("right", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("sx", sa.Float(), nullable=False),
        sa.Column("sy", sa.Float(), nullable=False),
        sa.Column("syy", sa.Float(), nullable=False),
        sa.Column("sxy", sa.Float(), nullable=False),
        sa.Column("latest_attempt", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["question_id"], ["questions.id"]),
        sa.PrimaryKeyConstraint("question_id", "course_version"),
    )
    op.create_table(
        "choice_totals",
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("course_version", sa.Integer(), nullable=False),
        sa.Column("choice", sa.Integer(), nullable=False),
        sa.Column("chosen", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["question_id"], ["questions.id"]),
        sa.PrimaryKeyConstraint("question_id", "course_version", "choice"),
    )
    # Every answer already given is still to be folded: the first fold of each course adds them.
    with op.batch_alter_table("attempt_answers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("folded", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index(
            "ix_attempt_answers_unfolded",
            ["module_id", "course_version"],
            unique=False,
            sqlite_where=sa.text("folded = 0"),
            postgresql_where=sa.text("folded = false"),
        )


def downgrade():
    with op.batch_alter_table("attempt_answers", schema=None) as batch_op:
        batch_op.drop_index("ix_attempt_answers_unfolded")
        batch_op.drop_column("folded")
    op.drop_table("choice_totals")
    op.drop_table("item_totals")

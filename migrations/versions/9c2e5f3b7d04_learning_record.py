"""the learning record (xAPI-shaped events) and record stores

Revision ID: 9c2e5f3b7d04
Revises: 8b1f4e2a6c93
Create Date: 2026-12-03 04:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "9c2e5f3b7d04"
down_revision = "8b1f4e2a6c93"
branch_labels = None
depends_on = None


INDEXES = (
    ("ix_learning_events_user_id", ["user_id"]),
    ("ix_learning_events_organisation_id", ["organisation_id"]),
    ("ix_learning_events_course_id", ["course_id"]),
    ("ix_learning_events_module_id", ["module_id"]),
    ("ix_learning_events_occurred_at", ["occurred_at"]),
    ("ix_learning_events_course_id_occurred_at", ["course_id", "occurred_at"]),
    ("ix_learning_events_user_id_course_id", ["user_id", "course_id"]),
)


def upgrade():
    op.create_table(
        "learning_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("module_id", sa.Integer(), nullable=True),
        sa.Column("verb", sa.String(length=40), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_seconds", sa.Integer(), nullable=True),
        sa.Column("statement", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_learning_events_user_id_users")),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_learning_events_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_learning_events_course_id_courses")
        ),
        sa.ForeignKeyConstraint(
            ["module_id"], ["modules.id"], name=op.f("fk_learning_events_module_id_modules")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_events")),
        sa.UniqueConstraint("statement_id", name=op.f("uq_learning_events_statement_id")),
    )
    for name, columns in INDEXES:
        op.create_index(op.f(name), "learning_events", columns, unique=False)


def downgrade():
    for name, _columns in INDEXES:
        op.drop_index(op.f(name), table_name="learning_events")
    op.drop_table("learning_events")

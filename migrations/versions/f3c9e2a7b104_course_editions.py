"""course editions: a course's text in another language, and each learner's choice of language

Revision ID: f3c9e2a7b104
Revises: d6a2b4c8e519
Create Date: 2026-12-03 10:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f3c9e2a7b104"
down_revision = "d6a2b4c8e519"
branch_labels = None
depends_on = None


def upgrade():
    # An edition is a course row of its own (its modules and questions are imported like any
    # course's) that points at the original; it has no slug, so no URL finds it by itself.
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("edition_of_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("source_version", sa.Integer(), nullable=True))
        batch_op.alter_column("slug", existing_type=sa.String(length=80), nullable=True)
        batch_op.create_index("ix_courses_edition_of_id", ["edition_of_id"], unique=False)
        batch_op.create_unique_constraint("uq_courses_edition_of_id", ["edition_of_id", "language"])
        batch_op.create_foreign_key("fk_courses_edition_of_id_courses", "courses", ["edition_of_id"], ["id"])
    op.create_table(
        "course_language_choices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(["course_id"], ["courses.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "course_id"),
    )
    # The language a certificate was earned in (None: issued before Cadre had editions, so in the
    # course's own language).
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_column("language")
    op.drop_table("course_language_choices")
    # Translations go: their published versions, their drafts' link, their learning events.
    op.execute(
        "DELETE FROM course_versions WHERE course_id IN (SELECT id FROM courses WHERE edition_of_id IS NOT NULL)"
    )
    op.execute(
        "UPDATE course_drafts SET course_id = NULL, state = 'draft' "
        "WHERE course_id IN (SELECT id FROM courses WHERE edition_of_id IS NOT NULL)"
    )
    op.execute(
        "DELETE FROM learning_events WHERE course_id IN (SELECT id FROM courses WHERE edition_of_id IS NOT NULL)"
    )
    op.execute(
        "DELETE FROM questions WHERE module_id IN (SELECT id FROM modules WHERE course_id IN "
        "(SELECT id FROM courses WHERE edition_of_id IS NOT NULL))"
    )
    op.execute(
        "DELETE FROM modules WHERE course_id IN (SELECT id FROM courses WHERE edition_of_id IS NOT NULL)"
    )
    op.execute("DELETE FROM courses WHERE edition_of_id IS NOT NULL")
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_constraint("fk_courses_edition_of_id_courses", type_="foreignkey")
        batch_op.drop_constraint("uq_courses_edition_of_id", type_="unique")
        batch_op.drop_index("ix_courses_edition_of_id")
        batch_op.alter_column("slug", existing_type=sa.String(length=80), nullable=False)
        batch_op.drop_column("source_version")
        batch_op.drop_column("edition_of_id")

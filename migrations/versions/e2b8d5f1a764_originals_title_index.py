"""courses: the originals in order of title, in an index of their own (the dashboard's suggestions)

Revision ID: e2b8d5f1a764
Revises: d4a7c9e1b250
Create Date: 2026-12-04 19:00:00.000000

PostgreSQL's planner takes ``edition_of_id IS NULL`` for a filter, not for the equality that would
let it read ix_courses_title in order of title: it read every original course to suggest three.

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e2b8d5f1a764"
down_revision = "d4a7c9e1b250"
branch_labels = None
depends_on = None

ORIGINALS = sa.text("edition_of_id IS NULL")


def upgrade():
    op.create_index(
        "ix_courses_originals_title",
        "courses",
        ["sort_title", "slug", "id"],
        postgresql_where=ORIGINALS,
        sqlite_where=ORIGINALS,
    )


def downgrade():
    op.drop_index("ix_courses_originals_title", table_name="courses")

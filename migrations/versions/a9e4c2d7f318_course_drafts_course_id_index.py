"""course drafts: found by their course through an index

Revision ID: a9e4c2d7f318
Revises: f5c3a9d2e186
Create Date: 2026-12-04 20:00:00.000000

A publisher's workspace and draft pages look up the drafts of their published translations by
course, which read every draft of every publisher.

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "a9e4c2d7f318"
down_revision = "f5c3a9d2e186"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_course_drafts_course_id", "course_drafts", ["course_id"])


def downgrade():
    op.drop_index("ix_course_drafts_course_id", table_name="course_drafts")

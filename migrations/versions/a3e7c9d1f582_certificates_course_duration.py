"""certificates course duration: the announced length of the course a certificate attests

Revision ID: a3e7c9d1f582
Revises: b8f2d4c6e913
Create Date: 2026-12-05 12:50:00.000000

A certificate said how many modules were completed and the final test's score, not how long the
course was, which a training record usually states. Certificates now keep the course's announced
duration (minutes) of the edition taken, at issue; none for certificates issued before.

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a3e7c9d1f582"
down_revision = "b8f2d4c6e913"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE both ways, no batch: a batch on SQLite would copy the table, losing its
    # expression index, and drop the old one, which foreign keys refuse (see e7a1c3f5b920).
    op.add_column("certificates", sa.Column("course_duration", sa.Integer(), nullable=True))


def downgrade():
    op.drop_column("certificates", "course_duration")

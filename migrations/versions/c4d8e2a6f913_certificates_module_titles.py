"""certificates module titles: the modules a certificate attests, named as they were at issue

Revision ID: c4d8e2a6f913
Revises: b5e1d7c3a9f2
Create Date: 2026-12-07 04:00:00.000000

A certificate said how many modules were completed; an employer reading it followed the link to
the course page, which lists the course's modules of today. Certificates now keep the titles of
the modules they attest, in the edition taken, at issue; none for certificates issued before.

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c4d8e2a6f913"
down_revision = "b5e1d7c3a9f2"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE both ways, no batch: a batch on SQLite would copy the table, losing its
    # expression index, and drop the old one, which foreign keys refuse (see e7a1c3f5b920).
    op.add_column("certificates", sa.Column("module_titles", sa.JSON(), nullable=True))


def downgrade():
    op.drop_column("certificates", "module_titles")

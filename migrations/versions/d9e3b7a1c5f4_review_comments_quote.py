"""review comments may quote the passage they are about

Revision ID: d9e3b7a1c5f4
Revises: c5d1e9a3f7b2
Create Date: 2026-12-05 16:40:00.000000

A comment was on a module as a whole; a reviewer can now quote the words it is about (selected
on the reading page), and the page says when they are no longer in the module.

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d9e3b7a1c5f4"
down_revision = "c5d1e9a3f7b2"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE, no batch: on SQLite a batch copies the table and drops the old one.
    op.add_column("review_comments", sa.Column("quote", sa.Text(), nullable=True))


def downgrade():
    op.drop_column("review_comments", "quote")

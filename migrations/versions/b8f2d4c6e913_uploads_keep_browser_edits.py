"""uploads keep browser edits: a draft's package hash, an import's consent to replace changes

Revision ID: b8f2d4c6e913
Revises: d7b2e5a9c146
Create Date: 2026-12-05 10:10:00.000000

A package uploaded for a course whose draft holds changes not yet published replaced them without
a word. Drafts now remember the hash of the files a package last saved and of the draft that
package was made from (none for drafts from before: their first upload over unpublished changes
asks), and an import whether its uploader agreed to replace such changes.

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b8f2d4c6e913"
down_revision = "d7b2e5a9c146"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE both ways, no batch: on SQLite a batch copies the table and drops the old
    # one, and dropping course_drafts would cascade to its review comments.
    op.add_column("course_drafts", sa.Column("package_hash", sa.String(length=64), nullable=True))
    op.add_column("course_drafts", sa.Column("package_base", sa.String(length=64), nullable=True))
    op.add_column(
        "package_imports",
        sa.Column("replaces_changes", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade():
    op.drop_column("package_imports", "replaces_changes")
    op.drop_column("course_drafts", "package_base")
    op.drop_column("course_drafts", "package_hash")

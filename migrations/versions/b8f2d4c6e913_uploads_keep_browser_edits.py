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
    with op.batch_alter_table("course_drafts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("package_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("package_base", sa.String(length=64), nullable=True))
    with op.batch_alter_table("package_imports", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("replaces_changes", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("package_imports", schema=None) as batch_op:
        batch_op.drop_column("replaces_changes")
    with op.batch_alter_table("course_drafts", schema=None) as batch_op:
        batch_op.drop_column("package_base")
        batch_op.drop_column("package_hash")

"""package imports: an uploaded package waits here while a job turns it into a draft

Revision ID: b5e1f7a9c402
Revises: a8d4e6f2c317
Create Date: 2026-12-03 17:50:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b5e1f7a9c402"
down_revision = "a8d4e6f2c317"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "package_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("locale", sa.String(length=10), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("step", sa.String(length=10), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("draft_slug", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("package_imports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_package_imports_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_package_imports_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("package_imports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_package_imports_user_id"))
        batch_op.drop_index(batch_op.f("ix_package_imports_organisation_id"))
    op.drop_table("package_imports")

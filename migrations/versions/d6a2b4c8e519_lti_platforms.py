"""LTI 1.3: platforms registered by schools, launches, their users, contexts and grades

Revision ID: d6a2b4c8e519
Revises: c5f1a2b3d417
Create Date: 2026-12-03 07:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d6a2b4c8e519"
down_revision = "c5f1a2b3d417"
branch_labels = None
depends_on = None


def upgrade():
    when = sa.DateTime(timezone=True)
    op.create_table(
        "lti_platforms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("deployment_ids", sa.Text(), nullable=False),
        sa.Column("auth_login_url", sa.String(length=500), nullable=False),
        sa.Column("auth_token_url", sa.String(length=500), nullable=False),
        sa.Column("key_set_url", sa.String(length=500), nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("issuer", "client_id"),
    )
    op.create_index("ix_lti_platforms_organisation_id", "lti_platforms", ["organisation_id"])
    op.create_table(
        "lti_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.ForeignKeyConstraint(["platform_id"], ["lti_platforms.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform_id", "subject"),
    )
    op.create_index("ix_lti_accounts_platform_id", "lti_accounts", ["platform_id"])
    op.create_index("ix_lti_accounts_user_id", "lti_accounts", ["user_id"])
    op.create_table(
        "lti_contexts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("context_id", sa.String(length=255), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("memberships_url", sa.String(length=500), nullable=True),
        sa.Column("roster_synced_at", when, nullable=True),
        sa.ForeignKeyConstraint(["platform_id"], ["lti_platforms.id"]),
        sa.ForeignKeyConstraint(["class_id"], ["school_classes.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform_id", "context_id"),
    )
    op.create_index("ix_lti_contexts_platform_id", "lti_contexts", ["platform_id"])
    op.create_index("ix_lti_contexts_class_id", "lti_contexts", ["class_id"])
    op.create_table(
        "lti_launch_values",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("expires_at", when, nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_lti_launch_values_expires_at", "lti_launch_values", ["expires_at"])
    op.create_table(
        "lti_grade_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=True),
        sa.Column("lineitem_url", sa.String(length=500), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.Column("sent_score", sa.Float(), nullable=True),
        sa.Column("sent_completed", sa.Boolean(), nullable=False),
        sa.Column("sent_at", when, nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_try_at", when, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["platform_id"], ["lti_platforms.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["course_id"], ["courses.id"]),
        sa.ForeignKeyConstraint(["module_id"], ["modules.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform_id", "lineitem_url", "user_id"),
    )
    op.create_index("ix_lti_grade_links_platform_id", "lti_grade_links", ["platform_id"])
    op.create_index("ix_lti_grade_links_user_id", "lti_grade_links", ["user_id"])
    op.create_index("ix_lti_grade_links_course_id", "lti_grade_links", ["course_id"])


def downgrade():
    for table in ("lti_grade_links", "lti_launch_values", "lti_contexts", "lti_accounts", "lti_platforms"):
        op.drop_table(table)

"""learning record stores to forward statements to, with their cursors

Revision ID: a0d3e6c4f815
Revises: 9c2e5f3b7d04
Create Date: 2026-12-03 04:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a0d3e6c4f815"
down_revision = "9c2e5f3b7d04"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "record_stores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operator", sa.Boolean(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("endpoint", sa.String(length=500), nullable=False),
        sa.Column("username", sa.String(length=200), nullable=False),
        sa.Column("password_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("last_event_id", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failures", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_try_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(operator IS NULL) <> (organisation_id IS NULL)",
            name=op.f("ck_record_stores_operator_or_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_record_stores_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_stores")),
        sa.UniqueConstraint("operator", name=op.f("uq_record_stores_operator")),
        sa.UniqueConstraint("organisation_id", name=op.f("uq_record_stores_organisation_id")),
    )


def downgrade():
    op.drop_table("record_stores")

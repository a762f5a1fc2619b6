"""training bodies: what a publisher's attestations of completion need

Revision ID: b1e4f7a9c026
Revises: a0d3e6c4f815
Create Date: 2026-12-03 04:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b1e4f7a9c026"
down_revision = "a0d3e6c4f815"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "training_bodies",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("legal_name", sa.String(length=200), nullable=False),
        sa.Column("declaration_number", sa.String(length=11), nullable=False),
        sa.Column("signatory_name", sa.String(length=120), nullable=False),
        sa.Column("signatory_role", sa.String(length=120), nullable=False),
        sa.Column("place", sa.String(length=120), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_training_bodies_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_training_bodies")),
    )


def downgrade():
    op.drop_table("training_bodies")

"""signed Open Badges 3.0 credentials, issuer keys and the status list

Revision ID: 8b1f4e2a6c93
Revises: 7e4a1c9f3b28
Create Date: 2026-12-03 04:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "8b1f4e2a6c93"
down_revision = "7e4a1c9f3b28"
branch_labels = None
depends_on = None


def upgrade():
    # One signed credential per certificate and language, built on first request (app/credentials).
    # The issuer's keys live in the environment and the status list is derived from the
    # certificates (its index is the certificate's id): neither needs a table.
    op.create_table(
        "open_badge_credentials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_open_badge_credentials_certificate_id_certificates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open_badge_credentials")),
        sa.UniqueConstraint(
            "certificate_id", "locale", name=op.f("uq_open_badge_credentials_certificate_id")
        ),
    )


def downgrade():
    op.drop_table("open_badge_credentials")

"""certificates: a code typed in the wrong case and the revocation list found by index

Revision ID: f5c3a9d2e186
Revises: e2b8d5f1a764
Create Date: 2026-12-04 19:30:00.000000

Both are public: a code typed in the wrong case was looked for in every certificate, and every
verifier's fetch of the revocation list read every certificate to find the few revoked.

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f5c3a9d2e186"
down_revision = "e2b8d5f1a764"
branch_labels = None
depends_on = None

NOT_VALID = sa.text("revoked_at IS NOT NULL OR withdrawn_at IS NOT NULL")


def upgrade():
    op.create_index("ix_certificates_code_lower", "certificates", [sa.text("lower(code)")])
    op.create_index(
        "ix_certificates_not_valid",
        "certificates",
        ["id"],
        postgresql_where=NOT_VALID,
        sqlite_where=NOT_VALID,
    )


def downgrade():
    op.drop_index("ix_certificates_not_valid", table_name="certificates")
    op.drop_index("ix_certificates_code_lower", table_name="certificates")

"""invitation refusals: addresses that asked for no more class invitations

Revision ID: e8c3a5f1b742
Revises: d7f2b4e8a615
Create Date: 2026-12-07 17:00:00.000000

Each class invitation e-mail now carries a link to receive no more of them. Cadre keeps a keyed
fingerprint (HMAC) of the mailbox that followed it, not the address, for as long as the refusal
stands; the key is made once per installation and kept in site_keys.

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e8c3a5f1b742"
down_revision = "d7f2b4e8a615"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "invitation_refusals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitation_refusals")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_invitation_refusals_fingerprint")),
    )

    op.create_table(
        "site_keys",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_site_keys")),
    )


def downgrade():
    op.drop_table("site_keys")
    op.drop_table("invitation_refusals")

"""catalogue search: each course's folded title and searched texts, an index the listing reads alone, and a full-text index on PostgreSQL

Revision ID: a8d4e6f2c317
Revises: f3c9e2a7b104
Create Date: 2026-12-03 14:10:00.000000

"""

import sqlalchemy as sa
from alembic import op

from app.catalog.search import fold, sort_key

# revision identifiers, used by Alembic.
revision = "a8d4e6f2c317"
down_revision = "f3c9e2a7b104"
branch_labels = None
depends_on = None

courses = sa.table(
    "courses",
    sa.column("id", sa.Integer),
    sa.column("title", sa.String),
    sa.column("summary", sa.Text),
    sa.column("audience", sa.Text),
    sa.column("publisher", sa.String),
    sa.column("sort_title", sa.String),
    sa.column("search_text", sa.Text),
)


def upgrade():
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sort_title", sa.String(length=200), server_default="", nullable=False))
        batch_op.add_column(sa.Column("search_text", sa.Text(), server_default="", nullable=False))
    # Existing courses get the same folded texts as the model computes on every flush.
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(courses.c.id, courses.c.title, courses.c.summary, courses.c.audience, courses.c.publisher)
    ).all()
    for row in rows:
        connection.execute(
            courses.update()
            .where(courses.c.id == row.id)
            .values(
                sort_title=sort_key(row.title),
                search_text=fold(" ".join((row.title, row.summary, row.audience, row.publisher))),
            )
        )
    op.create_index(
        "ix_courses_listing",
        "courses",
        [
            "edition_of_id",
            "language",
            "archived_at",
            "visibility",
            "sort_title",
            "duration",
            "level",
            "publisher",
            "organisation_id",
            "content_updated",
        ],
    )
    op.create_index("ix_courses_title", "courses", ["edition_of_id", "sort_title", "slug"])
    if connection.dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_courses_search ON courses USING gin (to_tsvector('simple', search_text))")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_courses_search", table_name="courses")
    op.drop_index("ix_courses_title", table_name="courses")
    op.drop_index("ix_courses_listing", table_name="courses")
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_column("search_text")
        batch_op.drop_column("sort_title")

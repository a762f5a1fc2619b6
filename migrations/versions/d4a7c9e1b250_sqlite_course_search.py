"""catalogue search on SQLite: a full-text (FTS5) table of the courses' folded texts, kept by triggers

Revision ID: d4a7c9e1b250
Revises: c7d2e4f6a813
Create Date: 2026-12-04 04:10:00.000000

PostgreSQL searches with its GIN index (a8d4e6f2c317); SQLite compared every course's texts.

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "d4a7c9e1b250"
down_revision = "c7d2e4f6a813"
branch_labels = None
depends_on = None

# As app.catalog.models SQLITE_SEARCH_DDL was when this was written (a migration is not changed).
STATEMENTS = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS course_search USING fts5(search_text, tokenize = 'ascii')",
    "CREATE TRIGGER IF NOT EXISTS course_search_insert AFTER INSERT ON courses BEGIN"
    " INSERT OR REPLACE INTO course_search (rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS course_search_update AFTER UPDATE OF id, search_text ON courses BEGIN"
    " DELETE FROM course_search WHERE rowid = old.id;"
    " INSERT OR REPLACE INTO course_search (rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS course_search_delete AFTER DELETE ON courses BEGIN"
    " DELETE FROM course_search WHERE rowid = old.id; END",
)


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in STATEMENTS:
        op.execute(statement)
    op.execute("DELETE FROM course_search")  # whatever a schema made otherwise holds: filled afresh
    op.execute("INSERT INTO course_search (rowid, search_text) SELECT id, search_text FROM courses")


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS course_search_{trigger}")
    op.execute("DROP TABLE IF EXISTS course_search")

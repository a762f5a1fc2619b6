"""SQLite as ``make run`` serves it: readers beside the writer, writers queued, not refused."""

from sqlalchemy import text

from app.extensions import db
from tests.conftest import fresh_schema, make_app


def test_sqlite_keeps_a_write_ahead_log_and_waits_long_for_the_writer_before(tmp_path):
    with fresh_schema(make_app(f"sqlite:///{tmp_path / 'cadre.sqlite'}")):
        assert db.session.scalar(text("PRAGMA journal_mode")) == "wal"
        # Longer than the slowest request holds the lock (a preview is stopped after 10 s).
        assert db.session.scalar(text("PRAGMA busy_timeout")) >= 10_000

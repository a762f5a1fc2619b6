"""``flask backup`` and ``flask restore`` (probe M7): consistent copies, restores a test performs,
and bad input answered with a message, exit code 1 and nothing changed."""

import os
import secrets
import shlex
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from flask_migrate import stamp
from sqlalchemy import create_engine, make_url, select, text

from app import backup
from app.accounts.models import User
from app.extensions import db
from tests.conftest import fresh_schema, make_app


def assert_clean_error(result, message: str) -> None:
    """Exit code 1 and the message, as ``Error: …``; no traceback."""
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert "Error: " in result.output and message in result.output


@pytest.fixture
def cli_app(tmp_path):
    """An app on a SQLite file at the latest migration, its instance folder under tmp_path."""
    app = make_app(f"sqlite:///{tmp_path / 'cadre.sqlite'}")
    app.instance_path = str(tmp_path / "instance")
    with fresh_schema(app):
        stamp()
        yield app


@pytest.fixture
def cli(cli_app):
    runner = cli_app.test_cli_runner()

    def invoke(*args: str, input: str | None = None):
        db.session.remove()  # as in a real run, no transaction of ours is open meanwhile
        return runner.invoke(args=list(args), input=input)

    return invoke


def add_user(name: str, email: str) -> None:
    db.session.add(User(full_name=name, email=email, password_hash="x"))
    db.session.commit()


def names() -> list[str]:
    db.session.remove()
    return sorted(db.session.scalars(select(User.full_name)))


def names_in(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return sorted(row[0] for row in connection.execute("SELECT full_name FROM users"))


def live_path(app) -> Path:
    return Path(db.engine.url.database)


def test_a_backup_taken_during_a_write_transaction_is_the_committed_state(cli, cli_app, tmp_path):
    for number in range(20):
        add_user(f"Committed {number}", f"c{number}@example.org")
    database = live_path(cli_app)
    # The committed rows are still in the WAL: a plain copy of the database file would miss them.
    assert Path(f"{database}-wal").stat().st_size > 0
    writer = sqlite3.connect(database, isolation_level=None)
    writer.execute("PRAGMA cache_size = 5")  # spill uncommitted pages into the WAL as the transaction grows
    writer.execute("BEGIN IMMEDIATE")
    writer.executemany(
        "INSERT INTO users (full_name, email, password_hash, created_at)"
        " VALUES (?, ?, 'x', CURRENT_TIMESTAMP)",
        [(f"Uncommitted {n} " + "x" * 100, f"u{n}@example.org") for n in range(2000)],
    )
    try:
        result = cli("backup", str(tmp_path / "during.sqlite"))
    finally:
        writer.execute("COMMIT")
        writer.close()
    assert result.exit_code == 0, result.output
    assert "Backup written to" in result.output
    with sqlite3.connect(tmp_path / "during.sqlite") as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
        assert copy.execute("SELECT version_num FROM alembic_version").fetchone() is not None
    assert names_in(tmp_path / "during.sqlite") == sorted(f"Committed {n}" for n in range(20))
    assert len(names()) == 2020  # the writer's transaction went through, nothing was blocked


def test_backup_goes_to_instance_backups_by_default_and_is_private(cli, cli_app):
    add_user("Zoé Lefèvre", "zoe@example.org")
    result = cli("backup")
    assert result.exit_code == 0, result.output
    [written] = (Path(cli_app.instance_path) / "backups").glob("cadre-*.sqlite")
    assert str(written) in result.output
    assert written.stat().st_mode & 0o077 == 0  # password hashes and names: for the owner only
    assert names_in(written) == ["Zoé Lefèvre"]


def test_restore_brings_back_the_data_of_the_backup(cli, cli_app, tmp_path):
    add_user("Before", "before@example.org")
    assert cli("backup", str(tmp_path / "saved.sqlite")).exit_code == 0
    db.session.scalar(select(User)).full_name = "After"
    db.session.commit()
    add_user("Later", "later@example.org")

    result = cli("restore", "--yes", str(tmp_path / "saved.sqlite"))

    assert result.exit_code == 0, result.output
    assert names() == ["Before"]
    [safety] = (Path(cli_app.instance_path) / "backups").glob("cadre-before-restore-*.sqlite")
    assert names_in(safety) == ["After", "Later"]  # the replaced database is kept
    assert "db upgrade" not in result.output  # same revision: nothing more to do


def test_restore_while_cadre_has_the_database_open(cli, cli_app, tmp_path):
    """A running Cadre's connection sees the restored data, not a file swapped under its WAL."""
    add_user("Before", "before@example.org")
    assert cli("backup", str(tmp_path / "saved.sqlite")).exit_code == 0
    running = sqlite3.connect(live_path(cli_app), isolation_level=None)
    running.execute("UPDATE users SET full_name = 'After'")  # left in the WAL, which stays while it is open
    assert cli("restore", "--yes", str(tmp_path / "saved.sqlite")).exit_code == 0
    assert [row[0] for row in running.execute("SELECT full_name FROM users")] == ["Before"]
    assert running.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    running.close()
    assert names() == ["Before"]


def test_restore_accepts_a_plain_copy_of_a_stopped_database_and_leaves_it_alone(cli, cli_app, tmp_path):
    add_user("Before", "before@example.org")
    db.session.remove()
    db.engine.dispose()  # Cadre stopped: the WAL is checkpointed into the file, which stays in WAL mode
    copy = tmp_path / "copied" / "cadre.sqlite"
    copy.parent.mkdir()
    shutil.copyfile(live_path(cli_app), copy)
    add_user("Later", "later@example.org")
    result = cli("restore", "--yes", str(copy))
    assert result.exit_code == 0, result.output
    assert names() == ["Before"]
    assert list(copy.parent.iterdir()) == [copy]  # no -wal or -shm file left beside the user's copy


def test_restore_asks_before_replacing_anything(cli, cli_app, tmp_path):
    add_user("Before", "before@example.org")
    assert cli("backup", str(tmp_path / "saved.sqlite")).exit_code == 0
    add_user("Later", "later@example.org")
    result = cli("restore", str(tmp_path / "saved.sqlite"), input="n\n")
    assert result.exit_code == 1
    assert "Replace the content of" in result.output and "Aborted" in result.output
    assert names() == ["Before", "Later"]
    assert not (Path(cli_app.instance_path) / "backups").exists()


def test_restore_of_an_older_revision_says_to_upgrade(cli, tmp_path):
    add_user("Before", "before@example.org")
    assert cli("backup", str(tmp_path / "old.sqlite")).exit_code == 0
    with sqlite3.connect(tmp_path / "old.sqlite") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '5ed5569db32f'")
    result = cli("restore", "--yes", str(tmp_path / "old.sqlite"))
    assert result.exit_code == 0, result.output
    assert "run `flask --app wsgi db upgrade` now" in result.output


def written(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def other_sqlite(path: Path) -> Path:
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE notes (body TEXT)")
    return path


def newer_cadre(cli, path: Path) -> Path:
    assert cli("backup", str(path)).exit_code == 0
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'fffffffffff0'")
    return path


def damaged(cli, path: Path) -> Path:
    assert cli("backup", str(path)).exit_code == 0
    data = bytearray(path.read_bytes())
    data[4096 * 2 : 4096 * 6] = b"\xff" * 4096 * 4  # b-tree pages overwritten, header intact
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize(
    ("make_file", "message"),
    [
        (lambda cli, tmp: tmp / "missing.sqlite", "no such file"),
        (lambda cli, tmp: tmp, "is a folder; give a backup file"),
        (lambda cli, tmp: written(tmp / "notes.txt", b"Not a database"), "not a SQLite database"),
        (lambda cli, tmp: written(tmp / "empty.sqlite", b""), "not a SQLite database"),
        (lambda cli, tmp: other_sqlite(tmp / "other.sqlite"), "not a Cadre database"),
        (lambda cli, tmp: newer_cadre(cli, tmp / "newer.sqlite"), "newer or different Cadre"),
        (lambda cli, tmp: damaged(cli, tmp / "damaged.sqlite"), "damaged"),
        (lambda cli, tmp: tmp / "cadre.sqlite", "is the database itself"),
    ],
    ids=["missing", "folder", "text", "empty", "other-schema", "newer-revision", "damaged", "itself"],
)
def test_restore_refuses_bad_files_and_changes_nothing(cli, cli_app, tmp_path, make_file, message):
    add_user("Kept", "kept@example.org")
    path = make_file(cli, tmp_path)
    before = list((tmp_path / "instance").rglob("*"))
    assert_clean_error(cli("restore", "--yes", str(path)), message)
    assert names() == ["Kept"]
    assert list((tmp_path / "instance").rglob("*")) == before  # no safety copy either: nothing began


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (lambda tmp: written(tmp / "taken.sqlite", b"mine"), "already exists"),
        (lambda tmp: tmp / "no-such-folder" / "copy.sqlite", "is not a folder"),
        (lambda tmp: written(tmp / "a-file", b"x") / "copy.sqlite", "is not a folder"),
    ],
    ids=["existing-file", "missing-folder", "parent-is-a-file"],
)
def test_backup_refuses_bad_targets_and_writes_nothing(cli, tmp_path, target, message):
    path = target(tmp_path)
    before = sorted(tmp_path.rglob("*"))
    assert_clean_error(cli("backup", str(path)), message)
    assert sorted(tmp_path.rglob("*")) == before
    if path.is_file():
        assert path.read_text() == "mine"


def test_backup_says_so_when_the_folder_cannot_be_written(cli, tmp_path, monkeypatch):
    """An unwritable folder (simulated: the suite may run as root, who writes anywhere)."""

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(backup.tempfile, "mkstemp", refuse)
    assert_clean_error(cli("backup", str(tmp_path)), f"cannot write in {tmp_path}: Permission denied")
    assert not list(tmp_path.glob("cadre-*"))


def test_backup_of_a_database_not_created_yet_says_what_to_do(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'never.sqlite'}")
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path)])
    assert_clean_error(result, "no database file here yet")
    assert list(tmp_path.iterdir()) == []
    skipped = app.test_cli_runner().invoke(args=["backup", "--if-upgrade-pending"])
    assert skipped.exit_code == 0 and "No backup needed" in skipped.output


def test_make_db_backs_up_only_when_a_migration_is_pending(cli, cli_app):
    up_to_date = cli("backup", "--if-upgrade-pending")
    assert up_to_date.exit_code == 0 and "No backup needed" in up_to_date.output
    assert not (Path(cli_app.instance_path) / "backups").exists()
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '5ed5569db32f'"))
    pending = cli("backup", "--if-upgrade-pending")
    assert pending.exit_code == 0, pending.output
    assert len(list((Path(cli_app.instance_path) / "backups").glob("cadre-*.sqlite"))) == 1


@pytest.fixture
def postgres_database(postgres_url):
    """A database of this test's own: pg_dump reads a whole database, and other runs' schemas
    in the shared test database come and go while it reads (a dropped table fails the dump)."""
    server = make_url(postgres_url).set(query={})
    name = f"cadre_backup_{os.getpid()}_{secrets.token_hex(4)}"
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield server.set(database=name).render_as_string(hide_password=False)
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture
def postgres_cli(postgres_database, tmp_path):
    app = make_app(postgres_database)
    app.instance_path = str(tmp_path / "instance")
    with fresh_schema(app):
        stamp()
        runner = app.test_cli_runner()
        yield lambda *args: runner.invoke(args=list(args))


def test_postgresql_backup_runs_pg_dump(postgres_cli, tmp_path):
    add_user("Zoé Lefèvre", "zoe@example.org")
    db.session.remove()
    result = postgres_cli("backup", str(tmp_path))
    assert result.exit_code == 0, result.output
    [dump] = tmp_path.glob("cadre-*.dump")
    assert dump.read_bytes().startswith(b"PGDMP")  # pg_dump's custom format
    assert dump.stat().st_mode & 0o077 == 0


def test_postgresql_backup_without_pg_dump_prints_the_command(postgres_cli, tmp_path, monkeypatch):
    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    result = postgres_cli("backup", str(tmp_path / "cadre.dump"))
    assert_clean_error(result, "pg_dump is not on the PATH")
    assert list(tmp_path.iterdir()) == []
    [command] = [line for line in result.output.splitlines() if line.startswith("  pg_dump ")]
    assert command.startswith(f"  pg_dump --format=custom --file {tmp_path / 'cadre.dump'} --dbname ")
    assert "postgresql://postgres@" in command  # libpq's spelling, without SQLAlchemy's +psycopg
    subprocess.run(shlex.split(command), check=True)  # the exact command works as printed  # noqa: S603
    assert (tmp_path / "cadre.dump").read_bytes().startswith(b"PGDMP")


def test_restore_refuses_postgresql_and_gives_the_pg_restore_command(postgres_cli, tmp_path):
    add_user("Kept", "kept@example.org")
    db.session.remove()
    result = postgres_cli("restore", "--yes", str(tmp_path / "cadre.dump"))
    assert_clean_error(result, "restore replaces SQLite databases only, and Cadre is using PostgreSQL")
    assert "pg_restore --clean --if-exists --no-owner --dbname" in result.output
    assert names() == ["Kept"]

"""Command line: ``flask --app wsgi backup [PATH]`` and ``flask --app wsgi restore PATH``.

SQLite is copied with its online backup API: the copy is the last committed state, taken while
Cadre keeps serving (WAL readers never wait for the writer), and restored the same way, so a
running Cadre sees the restored data instead of a file swapped under its feet. PostgreSQL is
dumped with ``pg_dump --format=custom`` and restored with ``pg_restore`` by the operator.

The commands speak the language of --lang or of the terminal (app.cli_language); the pg_dump and
pg_restore commands they print are the same in every language, to be copied as they are.
"""

import os
import shlex
import shutil
import sqlite3
import subprocess  # noqa: S404 - runs pg_dump with an argument list, never a shell
import tempfile
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import click
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import URL

from app import page_cache
from app.cli_language import confirm, localised
from app.extensions import SQLITE_BUSY_TIMEOUT_MS, db
from app.i18n import gettext

SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_S = SQLITE_BUSY_TIMEOUT_MS / 1000


def _database_url() -> URL:
    return db.engine.url


def _sqlite_path(url: URL) -> Path:
    """The database file, or a clean error for an in-memory database."""
    if not url.database or url.database == ":memory:" or url.database.startswith("file::memory:"):
        raise click.ClickException(
            gettext("the database is in memory: there is no file to back up or restore")
        )
    return Path(url.database)


def _libpq_url(url: URL) -> str:
    """The database as pg_dump and pg_restore name it, without the password (given by PGPASSWORD)."""
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False)


def _timestamped(folder: Path, stem: str, suffix: str) -> Path:
    """A new file name in folder, such as cadre-20261202-150300Z.sqlite."""
    moment = datetime.now(UTC).strftime("%Y%m%d-%H%M%SZ")
    candidate = folder / f"{stem}-{moment}{suffix}"
    number = 2
    while candidate.exists():  # two backups in one second (a restore's safety copy, say)
        candidate = folder / f"{stem}-{moment}-{number}{suffix}"
        number += 1
    return candidate


def _destination(path: str | None, suffix: str, stem: str = "cadre") -> Path:
    """Where the backup goes: PATH (a new file, or a folder to put it in), else instance/backups/."""
    if path is None:
        folder = Path(current_app.instance_path) / "backups"
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # backups hold personal data
        except OSError as error:
            raise click.ClickException(
                gettext("cannot create %(path)s: %(reason)s", path=folder, reason=error.strerror)
            ) from None
        return _timestamped(folder, stem, suffix)
    target = Path(path)
    if target.is_dir():
        return _timestamped(target, stem, suffix)
    if target.exists():
        raise click.ClickException(
            gettext("%(path)s already exists; give a new file name or a folder", path=target)
        )
    if not target.parent.is_dir():
        raise click.ClickException(gettext("%(path)s is not a folder", path=target.parent))
    return target


def _temporary_beside(target: Path) -> Path:
    """An empty private file in the target's folder, renamed into place once complete."""
    try:
        handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    except OSError as error:
        raise click.ClickException(
            gettext("cannot write in %(path)s: %(reason)s", path=target.parent, reason=error.strerror)
        ) from None
    os.close(handle)
    return Path(name)


def _connect(path: Path, read_only: bool = False) -> closing[sqlite3.Connection]:
    """A connection to path, closed on leaving the with block (sqlite3's own only ends a transaction).

    Read only leaves a backup file and its folder exactly as they were.
    """
    mode = ""
    if read_only:
        # Without a -wal file beside it the file is complete: immutable reads it without creating
        # -wal and -shm files next to the user's backup.
        mode = "?mode=ro" if Path(f"{path}-wal").exists() else "?mode=ro&immutable=1"
    uri = f"{path.resolve().as_uri()}{mode}"
    return closing(sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S))


def backup_sqlite(source: Path, target: Path) -> None:
    """Copy the committed state of source into the new file target, or raise ClickException."""
    if not source.is_file():
        raise click.ClickException(
            gettext("%(path)s: no database file here yet (run `flask --app wsgi db upgrade`)", path=source)
        )
    partial = _temporary_beside(target)
    try:
        with (
            _connect(source) as live,
            closing(sqlite3.connect(partial)) as copy,
        ):
            live.backup(copy)  # one step: one read transaction, so one consistent snapshot
            copy.execute("PRAGMA journal_mode = DELETE")  # a single self-contained file
            if copy.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise click.ClickException(
                    gettext("%(path)s: the copy failed its integrity check", path=source)
                )
        os.replace(partial, target)
    except sqlite3.Error as error:
        raise click.ClickException(
            gettext("%(path)s: cannot back up: %(reason)s", path=source, reason=error)
        ) from None
    finally:
        partial.unlink(missing_ok=True)


def backup_postgresql(url: URL, target: Path) -> None:
    """Run pg_dump into target, or print the command when pg_dump is not installed."""
    command = ["pg_dump", "--format=custom", "--file", str(target), "--dbname", _libpq_url(url)]
    if shutil.which("pg_dump") is None:
        raise click.ClickException(
            gettext("pg_dump is not on the PATH (Debian: apt install postgresql-client). Run:")
            + "\n  "
            + shlex.join(command)
            + _password_note(url)
        )
    partial = _temporary_beside(target)
    command[3] = str(partial)
    environment = dict(os.environ, PGPASSWORD=url.password) if url.password else None
    try:
        finished = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)  # noqa: S603
        if finished.returncode != 0:
            raise click.ClickException(gettext("pg_dump failed: %(reason)s", reason=finished.stderr.strip()))
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _password_note(url: URL) -> str:
    return "\n" + gettext("(with the password in PGPASSWORD or ~/.pgpass)") if url.password else ""


def _script_directory() -> ScriptDirectory:
    return ScriptDirectory(current_app.extensions["migrate"].directory)


def _revision_of(connection: sqlite3.Connection) -> str | None:
    """The alembic revision recorded in a SQLite database, None when it has none."""
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None
    return row[0] if row else None


def upgrade_pending(url: URL) -> bool:
    """True when the database exists, has Cadre's tables and is older than the code's migrations."""
    if url.get_backend_name() == "sqlite":
        path = _sqlite_path(url)
        if not path.is_file():
            return False
        with _connect(path) as connection:
            revision = _revision_of(connection)
    else:
        with db.engine.connect() as connection:
            revision = MigrationContext.configure(connection).get_current_revision()
    return revision is not None and revision not in _script_directory().get_heads()


@click.command("backup")
@click.argument("path", required=False, type=click.Path(dir_okay=True))
@click.option(
    "--if-upgrade-pending",
    is_flag=True,
    help="Back up only when `db upgrade` has a migration to apply (what `make run` does).",
)
@with_appcontext
@localised
def backup_command(path: str | None, if_upgrade_pending: bool) -> None:
    """Back up the database, safely while Cadre runs.

    PATH is a new file or a folder (default: instance/backups/), where a timestamped file is
    written. SQLite is copied with its online backup API; PostgreSQL is dumped with
    pg_dump --format=custom (the command is printed when pg_dump is not installed).
    """
    url = _database_url()
    if if_upgrade_pending and not upgrade_pending(url):
        click.echo(gettext("No backup needed: no existing database has a migration pending."))
        return
    if url.get_backend_name() == "sqlite":
        target = _destination(path, ".sqlite")
        backup_sqlite(_sqlite_path(url), target)
    else:
        target = _destination(path, ".dump")
        backup_postgresql(url, target)
    click.echo(gettext("Backup written to %(path)s", path=target))


def check_restorable(path: Path) -> str:
    """The alembic revision of a SQLite file fit to restore, or raise ClickException saying why not."""
    if path.is_dir():
        raise click.ClickException(gettext("%(path)s is a folder; give a backup file", path=path))
    if not path.is_file():
        raise click.ClickException(gettext("%(path)s: no such file", path=path))
    with path.open("rb") as file:
        if file.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
            raise click.ClickException(gettext("%(path)s: not a SQLite database", path=path))
    try:
        with _connect(path, read_only=True) as candidate:
            if candidate.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise click.ClickException(
                    gettext("%(path)s: the database is damaged (integrity check failed)", path=path)
                )
            revision = _revision_of(candidate)
            names = candidate.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            tables = {row[0] for row in names}
    except sqlite3.Error as error:
        raise click.ClickException(
            gettext("%(path)s: cannot read it as a database: %(reason)s", path=path, reason=error)
        ) from None
    if revision is None or "users" not in tables:
        raise click.ClickException(
            gettext("%(path)s: not a Cadre database (no migration revision or no users table)", path=path)
        )
    known = {script.revision for script in _script_directory().walk_revisions()}
    if revision not in known:
        raise click.ClickException(
            gettext(
                "%(path)s: made by a newer or different Cadre (revision %(revision)s is unknown here);"
                " update Cadre before restoring it",
                path=path,
                revision=revision,
            )
        )
    return revision


def restore_sqlite(source: Path, live: Path) -> None:
    """Replace live's content by source's, in one transaction of the backup API."""
    try:
        with _connect(source, read_only=True) as backup, _connect(live) as database:
            backup.backup(database)
    except sqlite3.Error as error:
        raise click.ClickException(
            gettext("cannot restore into %(path)s: %(reason)s; it is unchanged", path=live, reason=error)
        ) from None


@click.command("restore")
@click.argument("path", type=click.Path())
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
@localised
def restore_command(path: str, yes: bool) -> None:
    """Restore the SQLite database from a backup.

    PATH must be a SQLite database with Cadre's schema, at the current migration or an older
    one. The current database is first copied to instance/backups/.
    """
    url = _database_url()
    if url.get_backend_name() != "sqlite":
        command = ["pg_restore", "--clean", "--if-exists", "--no-owner", "--dbname", _libpq_url(url), path]
        raise click.ClickException(
            gettext(
                "restore replaces SQLite databases only, and Cadre is using PostgreSQL."
                " Stop Cadre, then restore a pg_dump file with:"
            )
            + "\n  "
            + shlex.join(command)
            + _password_note(url)
        )
    source = Path(path)
    revision = check_restorable(source)
    live = _sqlite_path(url)
    if live.exists() and live.samefile(source):
        raise click.ClickException(
            gettext("%(path)s is the database itself; give a backup file", path=source)
        )
    if not yes:
        confirm(gettext("Replace the content of %(live)s with %(backup)s?", live=live, backup=source))
    db.engine.dispose()  # this process's own pooled connections must not hold a transaction
    if live.is_file():
        safety = _destination(None, ".sqlite", stem="cadre-before-restore")
        backup_sqlite(live, safety)
        click.echo(gettext("The current database was copied to %(path)s", path=safety))
    restore_sqlite(source, live)
    page_cache.changed()  # with Redis, the running server's kept pages go too
    click.echo(gettext("Restored %(backup)s into %(live)s.", backup=source, live=live))
    if revision not in _script_directory().get_heads():
        click.echo(
            gettext("The backup predates the latest migrations: run `flask --app wsgi db upgrade` now.")
        )

"""Flask extensions, created unbound here and bound to the app in ``create_app``."""

import functools
import sqlite3
import time
from contextvars import ContextVar

from flask import current_app, g, has_app_context, has_request_context, request
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase

# Named constraints let Alembic alter them later on PostgreSQL and SQLite alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base shared by every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


# UPDATE … RETURNING (app.learning.stamps), in SQLite since 3.35 (2021); Python 3.11's builds carry later.
SQLITE_AT_LEAST = (3, 35, 0)
# How long a SQLite write waits for the one writer before it to finish, instead of failing at once.
SQLITE_BUSY_TIMEOUT_MS = 30_000
# PostgreSQL's serialization_failure and deadlock_detected: the transaction was rolled back whole,
# and running it again may well succeed.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection, connection_record):
    """Let SQLAlchemy, not pysqlite, open transactions, so savepoints roll back as they should.

    pysqlite otherwise starts transactions lazily and turns a first SAVEPOINT into a commit
    (SQLAlchemy's documented recipe); foreign keys are also off by default in SQLite. Write-ahead
    logging lets readers (a backup, the command line) work while a request writes, and the busy
    timeout makes a writer queue behind another instead of answering "database is locked".
    """
    if isinstance(dbapi_connection, sqlite3.Connection):
        if sqlite3.sqlite_version_info < SQLITE_AT_LEAST:  # said at once, not at a learner's first quiz
            raise RuntimeError(
                f"Cadre needs SQLite {'.'.join(map(str, SQLITE_AT_LEAST))} or later (UPDATE … RETURNING);"
                f" this Python's is {sqlite3.sqlite_version}"
            )
        dbapi_connection.isolation_level = None
        dbapi_connection.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        dbapi_connection.execute("PRAGMA journal_mode = WAL")  # kept in the file; "memory" in memory
        dbapi_connection.execute("PRAGMA foreign_keys = ON")
        # PostgreSQL's translate(), which SQLite lacks: names searched with their accents set aside.
        dbapi_connection.create_function("translate", 3, _translate, deterministic=True)


def _translate(text: str | None, source: str, target: str) -> str | None:
    """As PostgreSQL's: each character of *source* in *text* becomes the one at its place in
    *target*, or goes where *target* is shorter."""
    if text is None:
        return None
    return text.translate(_translation_table(source, target))


@functools.lru_cache(maxsize=8)
def _translation_table(source: str, target: str) -> dict[int, int | None]:
    return str.maketrans(source[: len(target)], target, source[len(target) :])


# Requests that only read: their SQLite transactions need not take the write lock.
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# True while a background job runs (app.jobs): run at once, it may be inside a GET's request.
in_job: ContextVar[bool] = ContextVar("in_job", default=False)


def writes_on_get(view):
    """Mark a view that may write to the database when asked with GET (a PDF built and kept, an
    LTI login's state): on SQLite its transactions take the write lock from the start, as a POST's
    do. A view that writes only now and then calls start_writing() before it writes instead.

    Tests fail any GET that writes without one or the other (tests/conftest.py).
    """
    view.writes_on_get = True
    return view


def note_reading_request() -> None:
    """Before a request's first query (the app's first before_request function): note whether it
    only reads, i.e. it is a GET (HEAD, OPTIONS) whose view is not marked ``writes_on_get``."""
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    g.reading_request = request.method in READING_METHODS and not getattr(view, "writes_on_get", False)


def forget_reading_request(error=None) -> None:
    g.pop("reading_request", None)  # anything after the request (a test's own writes) may write


def start_writing() -> bool:
    """In a request noted as only reading, let what follows write: a view that writes only now
    and then (a quiz's first visit draws its questions) need not take SQLite's lock on every GET.

    On SQLite a transaction that has read cannot take the write lock safely (see _sqlite_begin):
    the reading one is ended, and the next begins with the lock. Objects already loaded are then
    read again when next used, so the caller must read again what its write depends on. True when
    a transaction was ended that way.
    """
    if not (has_request_context() and g.get("reading_request", False)):
        return False
    g.reading_request = False
    session = db.session()
    if session.in_transaction() and session.get_bind().dialect.name == "sqlite":
        session.rollback()  # nothing to lose: a reading request has written nothing
        return True
    return False


def reads_only() -> bool:
    """True for a transaction of a request noted as only reading, outside any background job."""
    return has_app_context() and g.get("reading_request", False) and not in_job.get()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection):
    """On SQLite, take the write lock when a transaction that may write begins, not at its first
    write; a transaction that only reads takes none.

    A request reads before it writes, and a transaction that has read cannot wait for the lock:
    SQLite refuses at once, whatever the busy timeout (waiting could deadlock, or the writer before
    it changed what it read). With a plain BEGIN, simultaneous sign-ups or submissions answered
    500: their transactions now run one after the other, which suits the scale SQLite serves.
    Pages that only read (GET requests, but those of views marked ``writes_on_get``) begin a
    plain transaction: with write-ahead logging they neither wait for a writer nor for each other,
    where taking the lock made every page wait its turn (seconds at the 99th percentile).
    """
    if connection.dialect.name == "sqlite":
        reading = reads_only()
        connection.info["reads_only"] = reading
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


def is_retryable(error: DBAPIError) -> bool:
    """True when the database rolled the transaction back for a conflict worth one more try."""
    return getattr(error.orig, "sqlstate", None) in RETRYABLE_SQLSTATES


def retry_conflicts(view):
    """Run a view again from a clean session when PostgreSQL chose its transaction as a deadlock
    victim or refused it as not serialisable, instead of answering 500 (three tries in all).

    Only for views whose every effect lives in that transaction: nothing flashed, mailed or
    written elsewhere before the failure, so running them twice does what running them once does.
    """

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        for attempt in range(1, 3):
            try:
                return view(*args, **kwargs)
            except DBAPIError as error:
                if not is_retryable(error):
                    raise
                db.session.rollback()
                time.sleep(0.05 * attempt)  # let the transaction that won finish first
        return view(*args, **kwargs)

    return wrapper

"""Fixtures shared by the whole suite: app, database, client, auth helper and factories."""

import contextlib
import html
import os
import re
import secrets
import sqlite3
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from flask import g, has_request_context, request
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine

from app import create_app
from app.accounts.models import User
from app.catalog.importer import import_course
from app.catalog.models import Course
from app.config import normalise_database_url
from app.content.checker import check_root
from app.extensions import db, in_job
from app.models_base import utcnow

FIXTURES = Path(__file__).parent / "fixtures"
VALID_CONTENT = FIXTURES / "content" / "valid"
PASSWORD = "correct horse battery staple"
POSTGRES_HINT = (
    "PostgreSQL tests need TEST_DATABASE_URL, e.g. "
    "TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test "
    "(.ci/run sets it when a server answers)"
)
UNTRUSTED_WORK_DIR = tempfile.mkdtemp(prefix="cadre-test-slots-")
# The page cache's generation without Redis (app.page_cache): this run's own, not instance/'s.
PAGE_CACHE_GENERATION_FILE = os.path.join(tempfile.mkdtemp(prefix="cadre-test-pages-"), "generation")
# With Redis, this process's own count of catalogue changes: make test runs tests side by side, and
# one process's change would drop the pages another's test kept. Deleted when the run ends.
PAGE_CACHE_GENERATION_KEY = f"cadre-test-pages-{os.getpid()}-{secrets.token_hex(4)}"


# Tests that measure time or load the machine on purpose: `make test` runs them after the others,
# on their own, so that the tests run beside each other (pytest-xdist) neither slow them past their
# bounds nor are slowed by them.
ALONE = (
    "tests/test_bench.py",  # CPU per request against hello world, under wrk
    "tests/concurrency/",  # races between gunicorn workers and transactions
    "tests/accounts/test_forgot_timing.py",  # a known and an unknown address answer in the same time
    "tests/content/test_bounded_slots.py",  # waits for a slot, then gives up, within bounds
    "tests/content/test_bounded_pool.py",
    "tests/publishing/test_bounded_work.py",
    "tests/publishing/test_editor_help.py",
    "tests/learning/test_quiz_reads.py",
    "tests/e2e/test_editor.py",
    "tests/e2e/test_live_server.py",
)


def pytest_collection_modifyitems(config, items):
    root = config.rootpath
    if missing := [path for path in ALONE if not (root / path).exists()]:
        raise pytest.UsageError(f"tests/conftest.py ALONE names what is not there: {missing}")
    for item in items:
        where = item.path.relative_to(root).as_posix()
        if where.startswith(ALONE):
            item.add_marker(pytest.mark.alone)


def pytest_sessionfinish(session):
    """The page cache's count of changes that apps given the machine's Redis left there."""
    from tests.test_jobs import REDIS_URL

    with contextlib.suppress(redis.RedisError):
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).delete(PAGE_CACHE_GENERATION_KEY)


@pytest.fixture(scope="session")
def postgres_url():
    """TEST_DATABASE_URL pointed at a schema of this run's own, dropped at the end.

    Two runs sharing one database (a developer and CI, say) then never lock each other's tables.
    """
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        if os.environ.get("CADRE_REQUIRE_POSTGRES"):
            pytest.fail(POSTGRES_HINT)
        pytest.skip(POSTGRES_HINT)
    url = normalise_database_url(url)
    schema = f"cadre_test_{os.getpid()}_{secrets.token_hex(4)}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in url else "?"
    yield f"{url}{separator}options=-csearch_path%3D{schema}"
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """Every database test runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite'}"
    return request.getfixturevalue("postgres_url")


def make_app(database_url: str, **overrides):
    """A testing app on the given database, CSRF off unless asked for."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "SERVER_BASE_URL": "https://cadre.example",
        "PASSWORD_MIN_LENGTH": 10,
        # scrypt with n = 2¹⁰ rather than Werkzeug's 2¹⁵: each account made or signed in cost a
        # test 0.05 to 0.17 s of hashing. test_config checks the app's own default.
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        # Assertions read the English source strings; test_i18n checks French is the real default.
        "BABEL_DEFAULT_LOCALE": "en",
        # Slots of this test run only: another run on the same checkout must not take them.
        "UNTRUSTED_WORK_DIR": UNTRUSTED_WORK_DIR,
        "PAGE_CACHE_GENERATION_FILE": PAGE_CACHE_GENERATION_FILE,
        "PAGE_CACHE_GENERATION_KEY": PAGE_CACHE_GENERATION_KEY,
        # Throttling counts of this app's own, for apps given the machine's Redis: every test
        # database's first user is user 1, and counts kept there for an hour or a day would
        # otherwise add up across tests and runs (and refuse a later run's uploads).
        "RATELIMIT_KEY_PREFIX": f"cadre-test-limits-{secrets.token_hex(6)}",
    }
    config.update(overrides)
    app = create_app(config)

    @app.before_request
    def forget_previous_requests_user():
        # Tests keep one app context open, so ``g`` outlives a request; a real server starts
        # each request with an empty ``g``. Forget the user Flask-Login cached there.
        g.pop("_login_user", None)
        g.pop("frame_ancestors", None)  # what an LTI launch allowed its own response (app.security)
        g.pop("course_views", None)  # a page's courses as read in one language (app.catalog.editions)
        g.pop("_flask_babel", None)  # Flask-Babel's locale, chosen afresh by each request
        g.pop("locale_negotiated", None)  # whether the browser chose it (app.i18n)
        g.pop("form_action", None)
        g.pop("csrf_token", None)  # Flask-WTF's signed token: each visitor's own (app.page_cache)
        g.pop("cadre_forms", None)  # the forms a page holds (app.forms.forms_have_errors)

    return app


WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


@event.listens_for(Engine, "connect")
def _tests_do_not_wait_for_the_disk(dbapi_connection, connection_record):
    """Test databases are thrown away: their commits need not wait for the disk (on a machine
    whose disk takes 2 ms a flush, that was a good part of the suite's time)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA synchronous = OFF")
    elif type(dbapi_connection).__module__.startswith("psycopg"):
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        dbapi_connection.execute("SET synchronous_commit TO off")
        dbapi_connection.autocommit = autocommit


@event.listens_for(Engine, "before_cursor_execute")
def _no_write_in_a_reading_request(conn, cursor, statement, parameters, context, executemany):
    """A GET whose view writes must say so (app.extensions.writes_on_get): on SQLite its
    transactions would otherwise not take the write lock before they read.

    Judged by the request, not by how the transaction began: tests share one session across
    requests, so a GET often goes on with a transaction the test itself began.
    """
    if not (has_request_context() and g.get("reading_request") and not in_job.get()):
        return
    if statement.lstrip()[:7].upper().startswith(WRITES):
        raise AssertionError(
            f"{request.endpoint} writes during a GET: mark its view @writes_on_get, or call start_writing() "
            f"before its first write ({statement[:80]})"
        )


@contextmanager
def fresh_schema(app):
    """Inside an app context, a freshly created schema that is dropped afterwards."""
    with app.app_context():
        try:
            db.drop_all()
            db.create_all()
            yield app
        finally:
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


@contextmanager
def signed_in_with_csrf(database_url, **fields):
    """An app with CSRF protection on, one account (``fields`` set on it), and a client logged
    in through the real form: (app, client, user)."""
    with fresh_schema(make_app(database_url, WTF_CSRF_ENABLED=True)) as app:
        user = User(full_name="Zoé Lefèvre", email="zoe@example.org", **fields)
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        client = app.test_client()
        token = csrf_token_from(client.get("/account/login").get_data(as_text=True))
        client.post("/account/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
        yield app, client, user


@pytest.fixture
def empty_database(database_url):
    """An app on an empty database (no tables), for the migrations to build."""
    app = make_app(database_url)
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        yield app
        db.session.remove()
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.engine.dispose()


@pytest.fixture
def app(database_url):
    """The app with a fresh schema, dropped afterwards."""
    with fresh_schema(make_app(database_url)) as app:
        yield app


@pytest.fixture
def cli_app(database_url):
    """An app for command-line tests: an app context, but no request (as under `flask ...`)."""
    with fresh_schema(make_app(database_url)) as app:
        assert not has_request_context()
        yield app


@pytest.fixture
def cli(cli_app):
    """Run a ``flask`` command: ``cli("user", "list")``; ``input=`` answers its prompts."""
    runner = cli_app.test_cli_runner()

    def invoke(*args: str, input: str | None = None):
        result = runner.invoke(args=list(args), input=input)
        db.session.expire_all()  # the command committed in a session of its own
        return result

    return invoke


def assert_clean_error(result, message: str) -> None:
    """A command refused with a message and exit code 1, not a traceback."""
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert "Error: " in result.output and message in result.output


@pytest.fixture(autouse=True)
def terminal_asks_for_no_language(monkeypatch):
    """The command line speaks the language LC_ALL, LC_MESSAGES or LANG ask for (app.cli_language):
    a French terminal must not turn the suite's English assertions French. Tests that want French
    pass --lang fr, or the variables through the runner's ``env=``."""
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Factory: a committed account with a known password."""
    counter = iter(range(1, 10_000))

    def factory(full_name: str = "Zoé Lefèvre", email: str | None = None, password: str = PASSWORD) -> User:
        user = User(full_name=full_name, email=email or f"learner{next(counter)}@example.org")
        user.email_confirmed_at = utcnow()  # as after following the link mailed at sign-up
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
        return user

    return factory


@pytest.fixture
def course(app) -> Course:
    """The valid fixture course, imported."""
    result = check_root(VALID_CONTENT)
    assert result.problems == []
    for doc in result.courses:
        import_course(doc)
    db.session.commit()
    return db.session.scalars(db.select(Course).order_by(Course.id)).first()


class AuthActions:
    """Log in and out through the real forms."""

    def __init__(self, client):
        self._client = client

    def login(self, email: str, password: str = PASSWORD, next: str | None = None):
        url = "/account/login" + (f"?next={next}" if next else "")
        return self._client.post(url, data={"email": email, "password": password, "next": next or ""})

    def logout(self):
        return self._client.post("/account/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


def csrf_token_from(html: str) -> str:
    """The CSRF token a rendered form carries."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token in the page"
    return match.group(1)


def tampered(token: str) -> str:
    """An itsdangerous ``token`` (payload, ``.``, signature) with its signature's first character
    changed: all six of its bits count, whereas the last character's lowest bits are dropped in
    decoding, so changing the end can leave the signature as it was (one time in many)."""
    head, dot, signature = token.rpartition(".")
    return f"{head}{dot}{'B' if signature[0] == 'A' else 'A'}{signature[1:]}"


def text_of(response) -> str:
    """The page as a person reads it: entities unescaped (an apostrophe, not &#39;)."""
    return html.unescape(response.get_data(as_text=True))


@contextmanager
def counted_statements():
    """The SQL statements run inside the block, as a list filled in as they run."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)

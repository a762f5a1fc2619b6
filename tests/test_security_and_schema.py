"""CSRF protection with the token on, and migrations that build exactly the declared schema."""

import json
import warnings

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from werkzeug.routing.converters import IntegerConverter

from app.catalog.models import compared_with_models
from app.extensions import db
from tests.conftest import PASSWORD, csrf_token_from, fresh_schema, make_app, text_of


@pytest.fixture
def csrf_app(database_url):
    with fresh_schema(make_app(database_url, WTF_CSRF_ENABLED=True)) as app:
        yield app


@pytest.mark.parametrize(
    "path",
    ["/account/login", "/account/register", "/account/forgot", "/account/logout", "/language/en"],
)
def test_post_without_csrf_token_fails(csrf_app, path):
    client = csrf_app.test_client()
    response = client.post(path, data={"email": "zoe@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert "The form expired" in text_of(response)


def test_post_with_csrf_token_works(csrf_app, make_user):
    make_user(email="zoe@example.org")
    client = csrf_app.test_client()
    token = csrf_token_from(client.get("/account/login").get_data(as_text=True))
    response = client.post(
        "/account/login",
        data={"email": "zoe@example.org", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302


def _raw_token(client) -> str:
    with client.session_transaction() as session:
        return session["csrf_token"]


def test_signing_in_gives_a_new_form_token(csrf_app, make_user):
    """A token from before the sign-in (read or planted in a shared browser) stops working."""
    make_user(email="zoe@example.org")
    client = csrf_app.test_client()
    before = csrf_token_from(client.get("/account/login").get_data(as_text=True))
    signed_in = {"email": "zoe@example.org", "password": PASSWORD, "csrf_token": before}
    assert client.post("/account/login", data=signed_in).status_code == 302
    change = {"current": PASSWORD, "password": "another long passphrase 42"}
    change["confirm"] = change["password"]
    response = client.post("/account/password", data={**change, "csrf_token": before})
    assert response.status_code == 400 and "The form expired" in text_of(response)
    after = csrf_token_from(client.get("/account/password").get_data(as_text=True))
    assert after != before
    assert client.post("/account/password", data={**change, "csrf_token": after}).status_code == 302
    # Signed in again as herself (the password change does it): her other tabs' forms still work.
    again = _raw_token(client)
    back = {"current": change["password"], "password": PASSWORD, "confirm": PASSWORD}
    assert client.post("/account/password", data={**back, "csrf_token": after}).status_code == 302
    assert _raw_token(client) == again  # the same secret (a page's token also signs the second)
    # Signed out, then someone else signs in on that browser: a new token again.
    client.post("/account/logout", data={"csrf_token": after})
    make_user("Noé Martin", "noe@example.org")
    signed_in = {"email": "noe@example.org", "password": PASSWORD, "csrf_token": after}
    assert client.post("/account/login", data=signed_in).status_code == 302
    response = client.post("/account/password", data={**change, "csrf_token": after})
    assert response.status_code == 400


def test_quiz_and_mark_read_need_the_token(csrf_app, make_user, course):
    make_user(email="zoe@example.org")
    client = csrf_app.test_client()
    token = csrf_token_from(client.get("/account/login").get_data(as_text=True))
    client.post(
        "/account/login",
        data={"email": "zoe@example.org", "password": PASSWORD, "csrf_token": token},
    )
    assert client.post("/courses/voix-et-ia/consentement/read").status_code == 400
    assert client.post("/courses/voix-et-ia/cadre-legal/quiz", data={"version": "1"}).status_code == 400


def test_migrations_build_exactly_the_models_schema(empty_database):
    upgrade()
    with db.engine.connect() as connection, warnings.catch_warnings():
        # Alembic compares indexes on expressions on PostgreSQL only (the catalogue's full-text
        # index exists there only; the certificates' codes in lower case on both).
        names = "'?(ix_courses_search|ix_certificates_code_lower)'?"
        warnings.filterwarnings("ignore", f"autogenerate skipping .* expression-based index {names}")
        # SQLAlchemy does not read such an index back from SQLite, and says so.
        warnings.filterwarnings("ignore", f"Skipped unsupported reflection of expression-based index {names}")
        context = MigrationContext.configure(connection, opts={"include_name": compared_with_models})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ; run `flask --app wsgi db migrate`: {diff}"
    if db.engine.dialect.name == "sqlite":
        # What compare_metadata does not see: the search table and its triggers, as the models make
        # them (a migration that rebuilds ``courses`` drops its triggers and must make them again).
        made = (
            "SELECT type, name, sql FROM sqlite_master"
            " WHERE name LIKE 'course_search%' AND (type != 'table' OR name = 'course_search')"
        )
        with db.engine.connect() as connection:
            migrated = set(connection.execute(text(made)).all())
        db.drop_all()
        db.create_all()
        with db.engine.connect() as connection:
            assert set(connection.execute(text(made)).all()) == migrated
        assert {name for _type, name, _sql in migrated} == {
            "course_search",
            "course_search_insert",
            "course_search_update",
            "course_search_delete",
        }


def test_migrations_downgrade_cleanly(empty_database):
    upgrade()
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}


def test_security_headers(client, app):
    response = client.get("/courses")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "script-src" not in response.headers["Content-Security-Policy"]  # default-src 'self' covers it
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_error_pages_keep_the_layout_and_say_what_happened(client, app, make_user, auth, course):
    missing = client.get("/courses/nope")
    assert missing.status_code == 404
    assert "This page does not exist" in text_of(missing) and 'class="site-header"' in text_of(missing)
    assert "not available here" in text_of(client.get("/account/logout"))  # GET on a POST-only URL
    auth.login(make_user().email)
    assert "could not be understood" in text_of(client.post("/courses/voix-et-ia/cadre-legal/read"))


def test_the_assessment_migration_keeps_attempts_and_copies_their_answers(empty_database):
    """Attempts and certificates recorded before draws existed survive, and count in the statistics."""
    upgrade(revision="5ed5569db32f")
    results = [
        {
            "key": "a",
            "choices": [{"chosen": True, "correct": True}, {"chosen": False, "correct": False}],
            "correct": True,
        },
        {
            "key": "b",
            "choices": [{"chosen": True, "correct": False}, {"chosen": True, "correct": True}],
            "correct": False,
        },
        {"key": "gone", "choices": [], "correct": True},  # a question since deleted is skipped
    ]
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (id, email, full_name, password_hash, created_at) "
                "VALUES (1, 'z@example.org', 'Zoé', 'x', CURRENT_TIMESTAMP)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO courses (id, slug, title, summary, language, level, duration, audience,"
                " publisher, content_updated, intro_html, version, content_hash, published_at, version_at,"
                " visibility)"
                " VALUES (1, 'c', 'C', 's', 'fr', 'beginner', 10, 'a', 'p', '2026-11-01', '', 2, 'h',"
                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'public')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO modules (id, course_id, slug, position, title, duration, objectives, body_html,"
                " has_quiz, pass_mark, shuffle, retired)"
                " VALUES (1, 1, 'm', 1, 'M', 5, '[]', '', true, 70, false, false)"
            )
        )
        for qid, key in ((1, "a"), (2, "b")):
            connection.execute(
                text(
                    "INSERT INTO questions (id, module_id, key, position, kind, prompt_html, choices,"
                    " explanation_html, retired) VALUES (:id, 1, :key, :id, 'single', '', '[]', '', false)"
                ),
                {"id": qid, "key": key},
            )
        connection.execute(
            text(
                "INSERT INTO quiz_attempts (id, user_id, module_id, created_at, score, passed,"
                " course_version, results) VALUES (1, 1, 1, CURRENT_TIMESTAMP, 66, false, 2, :results)"
            ),
            {"results": json.dumps(results)},
        )
        connection.execute(
            text(
                "INSERT INTO certificates (id, code, user_id, course_id, issued_at, holder_name,"
                " course_title, publisher, course_version, content_updated)"
                " VALUES (1, 'code', 1, 1, CURRENT_TIMESTAMP, 'Zoé', 'C', 'p', 2, '2026-11-01')"
            )
        )
    upgrade()
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM quiz_attempts")).scalar() == 1
        assert connection.execute(text("SELECT count(*) FROM certificates")).scalar() == 1
        answers = connection.execute(
            text("SELECT question_id, correct, rest, course_version FROM attempt_answers ORDER BY 1")
        ).all()
        assert [(q, bool(c), r, v) for q, c, r, v in answers] == [(1, True, 0.5, 2), (2, False, 1.0, 2)]
        picks = connection.execute(
            text("SELECT question_id, choice FROM answer_choices ORDER BY question_id, choice")
        ).all()
        assert [tuple(p) for p in picks] == [(1, 0), (2, 0), (2, 1)]
        module = connection.execute(text("SELECT review, attempts_per_day, is_final FROM modules")).one()
        assert (module[0], module[1], bool(module[2])) == ("after-pass", 3, False)


def test_accounts_from_before_the_confirmation_rule_count_as_confirmed(empty_database):
    """Existing accounts keep their mails and certificates; new ones confirm by the mailed link."""
    upgrade(revision="a3e7c9d1f582")
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (id, email, full_name, password_hash, created_at) "
                "VALUES (1, 'z@example.org', 'Zoé', 'x', '2026-11-02 10:00:00')"
            )
        )
    upgrade()
    with db.engine.connect() as connection:
        confirmed = connection.execute(text("SELECT email_confirmed_at FROM users")).scalar()
    assert str(confirmed).startswith("2026-11-02 10:00:00")


def test_migrations_leave_foreign_keys_enforced_on_sqlite(empty_database):
    """SQLite migrations run with foreign keys off (migrations/env.py); no connection keeps that."""
    upgrade()
    if db.engine.dialect.name == "sqlite":
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_every_number_in_a_url_is_bounded_by_the_databases_integers(app):
    """An id past 2**31 - 1 is a 404, not a database error (SQLite and PostgreSQL overflow)."""
    unbounded = [
        f"{rule.rule} ({name})"
        for rule in app.url_map.iter_rules()
        for name, converter in rule._converters.items()
        if isinstance(converter, IntegerConverter) and (converter.max is None or converter.max > 2**31 - 1)
    ]
    assert unbounded == []

"""CSRF protection with the token on, and migrations that build exactly the declared schema."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

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


def test_migrations_build_exactly_the_models_schema(empty_database):
    upgrade()
    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert diff == [], f"models and migrations differ; run `flask --app wsgi db migrate`: {diff}"


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

"""With Redis, every app process counts in one place: two apps share the limits."""

import secrets
from contextlib import contextmanager

import pytest
import redis

from app import limits
from app.accounts.models import User
from app.extensions import db
from tests.conftest import make_app

WRONG = "not the right password at all"


def fail_login(app, email):
    return app.test_client().post("/account/login", data={"email": email, "password": WRONG, "next": ""})


@contextmanager
def apps_on(database: str, count: int, **settings):
    """Apps on one new SQLite database, with no request context left open between requests."""
    apps = [make_app(database, **settings) for _ in range(count)]
    with apps[0].app_context():
        db.create_all()
        user = User(full_name="Zoé Lefèvre", email="zoe@example.org")
        user.set_password("correct horse battery staple")
        db.session.add(user)
        db.session.commit()
        db.session.remove()
    try:
        yield apps
    finally:
        for app in apps:
            with app.app_context():
                db.engine.dispose()


@pytest.fixture
def two_apps(redis_url, tmp_path):
    """Two apps on one database and one Redis, under a key prefix of this test's own."""
    prefix = f"cadre-test-{secrets.token_hex(6)}"
    database = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    settings = {"RATELIMIT_STORAGE_URI": redis_url, "RATELIMIT_KEY_PREFIX": prefix}
    with apps_on(database, 2, **settings) as apps:
        yield apps
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)
    client.close()


def test_two_apps_share_the_limits(two_apps):
    first, second = two_apps
    assert limits.storage_uri(first.config).startswith("redis://")
    for _ in range(5):
        assert fail_login(first, "zoe@example.org").status_code == 200
    # The sixth failure, on the other process, finds the account paused.
    response = fail_login(second, "zoe@example.org")
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 60


def test_apps_without_redis_count_alone(tmp_path):
    """The control: in memory (development, make run), each process counts for itself."""
    database = f"sqlite:///{tmp_path / 'alone.sqlite'}"
    with apps_on(database, 2) as (first, second):
        assert limits.storage_uri(first.config) == "memory://"
        for _ in range(5):
            assert fail_login(first, "zoe@example.org").status_code == 200
        assert fail_login(first, "zoe@example.org").status_code == 429
        assert fail_login(second, "zoe@example.org").status_code == 200


def test_an_unreachable_redis_never_breaks_a_login(tmp_path):
    """A storage that does not answer falls back to memory: throttling goes on, no 500."""
    database = f"sqlite:///{tmp_path / 'down.sqlite'}"
    with apps_on(database, 1, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0") as (app,):
        statuses = [fail_login(app, "zoe@example.org").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]

"""Configuration rules: production refuses a default secret; DATABASE_URL picks the driver."""

import pytest

from app import create_app
from app.config import DEFAULT_SECRET_KEY, ConfigError, normalise_database_url


@pytest.fixture
def production(monkeypatch, tmp_path):
    """A complete, valid production environment; each test spoils one setting of it."""
    monkeypatch.setenv("CADRE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    monkeypatch.setenv("SERVER_BASE_URL", "https://cadre.example.org")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.sqlite")
    monkeypatch.setenv("CADRE_OB3_SIGNING_KEY", "A" * 43 + "=")  # Open Badges (issue 13), base64 seed

    def spoil(name: str, value: str | None) -> None:
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)

    return spoil


def test_production_starts_when_complete(production):
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


@pytest.mark.parametrize("secret", [None, DEFAULT_SECRET_KEY, "short"])
def test_production_refuses_weak_secret(production, secret):
    production("SECRET_KEY", secret)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


@pytest.mark.parametrize("base_url", [None, "http://cadre.example.org"])
def test_production_needs_a_public_https_address(production, base_url):
    """Reset links must not be built from the Host header a visitor sends."""
    production("SERVER_BASE_URL", base_url)
    with pytest.raises(ConfigError, match="SERVER_BASE_URL"):
        create_app()


def test_development_never_uses_the_default_key(tmp_path):
    """Without SECRET_KEY, development gets a random key kept in instance/, not the repo's."""
    first = create_app({"SECRET_KEY": DEFAULT_SECRET_KEY, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert first.config["SECRET_KEY"] != DEFAULT_SECRET_KEY
    again = create_app({"SECRET_KEY": DEFAULT_SECRET_KEY, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert again.config["SECRET_KEY"] == first.config["SECRET_KEY"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.sqlite", "sqlite:///x.sqlite"),
    ],
)
def test_database_url(url, expected):
    assert normalise_database_url(url) == expected


# Open Badges 3.0 (issue 13): the signing key, like SECRET_KEY.
@pytest.mark.parametrize("key", [None, "not-a-key", "QUJD"])
def test_production_needs_an_open_badges_signing_key(production, key):
    production("CADRE_OB3_SIGNING_KEY", key)
    with pytest.raises(ConfigError, match="OB3_SIGNING_KEY"):
        create_app()


def test_production_refuses_a_malformed_previous_public_key(production):
    production("CADRE_OB3_PREVIOUS_PUBLIC_KEYS", "z6Mk-not-a-key")
    with pytest.raises(ConfigError, match="OB3_PREVIOUS_PUBLIC_KEYS"):
        create_app()


def test_production_reads_the_signing_key_and_old_keys_from_the_environment(production):
    from app.credentials.keys import issuer_keys, new_signing_key, parse_signing_key
    from app.credentials.linked_data import public_key_multibase

    old = public_key_multibase(parse_signing_key(new_signing_key()).public_key())
    production("CADRE_OB3_PREVIOUS_PUBLIC_KEYS", old)
    keys = issuer_keys(create_app().config)
    assert keys.signing_key.private_bytes_raw() == bytes(32)
    assert keys.all_multibase[1:] == [old]


def test_development_keeps_a_signing_key_under_instance(tmp_path, monkeypatch):
    from app.config import ensure_local_signing_key

    config = {"OB3_SIGNING_KEY": None}
    ensure_local_signing_key(config, str(tmp_path))
    again = {"OB3_SIGNING_KEY": None}
    ensure_local_signing_key(again, str(tmp_path))
    assert config["OB3_SIGNING_KEY"] == again["OB3_SIGNING_KEY"]
    assert (tmp_path / "ob3_signing_key").stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["ob3_signing_key"]


def test_an_old_sqlite_is_refused_with_a_clear_message(monkeypatch, tmp_path):
    import sqlite3

    from sqlalchemy import create_engine, text

    import app.extensions  # noqa: F401 - its connect listener

    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 31, 1))
    engine = create_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    with pytest.raises(RuntimeError, match=r"needs SQLite 3\.35\.0 or later"):
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    engine.dispose()


def test_passwords_are_hashed_with_werkzeugs_scrypt_unless_configured_otherwise():
    from app.accounts.models import User

    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    user = User(full_name="Zoé", email="zoe@example.org")
    with app.app_context():
        user.set_password("correct horse battery staple")
    assert user.password_hash.startswith("scrypt:32768:8:1$")
    app.config["PASSWORD_HASH_METHOD"] = "scrypt:1024:8:1"
    with app.app_context():
        user.set_password("correct horse battery staple")
    assert user.password_hash.startswith("scrypt:1024:8:1$") and user.check_password(
        "correct horse battery staple"
    )

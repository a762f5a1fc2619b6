"""Configuration rules: production refuses a default secret; DATABASE_URL picks the driver."""

import pytest

from app import create_app
from app.config import DEFAULT_SECRET_KEY, ConfigError, normalise_database_url


@pytest.mark.parametrize("secret", [None, DEFAULT_SECRET_KEY, "short"])
def test_production_refuses_weak_secret(monkeypatch, tmp_path, secret):
    monkeypatch.setenv("CADRE_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.sqlite")
    if secret:
        monkeypatch.setenv("SECRET_KEY", secret)
    else:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def test_production_starts_with_real_secret(monkeypatch, tmp_path):
    monkeypatch.setenv("CADRE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    monkeypatch.setenv("SERVER_BASE_URL", "https://cadre.example.org")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.sqlite")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize("base_url", [None, "http://cadre.example.org"])
def test_production_needs_a_public_https_address(monkeypatch, tmp_path, base_url):
    """Reset links must not be built from the Host header a visitor sends."""
    monkeypatch.setenv("CADRE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.sqlite")
    if base_url:
        monkeypatch.setenv("SERVER_BASE_URL", base_url)
    else:
        monkeypatch.delenv("SERVER_BASE_URL", raising=False)
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

"""French by default, English on request, and the switcher remembers the choice."""

import pytest

from app.extensions import db
from tests.conftest import make_app, text_of


@pytest.fixture
def french_app(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'i18n.sqlite'}", BABEL_DEFAULT_LOCALE="fr")
    with app.app_context():
        db.create_all()
        yield app


def test_french_by_default(french_app):
    page = text_of(french_app.test_client().get("/account/login"))
    assert '<html lang="fr">' in page
    assert "Mot de passe" in page


def test_browser_preference_for_english(french_app):
    page = text_of(french_app.test_client().get("/account/login", headers={"Accept-Language": "en-GB,en"}))
    assert '<html lang="en">' in page
    assert "Password" in page


def test_switcher_remembers_the_choice(french_app):
    client = french_app.test_client()
    response = client.post("/language/en", data={"next": "/account/login"})
    assert response.status_code == 302 and response.location == "/account/login"
    assert '<html lang="en">' in text_of(client.get("/account/login"))
    # An unknown language or an off-site next changes nothing dangerous.
    assert client.post("/language/de").status_code == 404
    assert client.post("/language/fr", data={"next": "https://evil.example"}).location == "/courses"


def test_outside_a_request_messages_use_the_default_language(french_app):
    """The command line and background jobs have no browser: they get the default, never a crash."""
    from flask_babel import gettext

    with french_app.app_context():
        assert gettext("Password") == "Mot de passe"

"""Legal notice, privacy notice and cookie statement: reachable everywhere, filled in from configuration."""

import logging

import pytest

from app.extensions import db
from tests.conftest import PASSWORD, make_app, text_of

LEGAL_PAGES = ["/legal/notice", "/legal/privacy", "/legal/cookies", "/legal/accessibility"]
OPERATOR = {
    "OPERATOR_NAME": "Atelier Cadre & Cie SAS",
    "OPERATOR_ADDRESS": "12 rue des Monteurs, 75011 Paris",
    "OPERATOR_PHONE": "+33 1 23 45 67 89",
    "OPERATOR_CONTACT": "dpo@atelier-cadre.example",
    "OPERATOR_REGISTRATION": "RCS Paris 123 456 789, capital 10 000 €",
    "PUBLICATION_DIRECTOR": "Camille Martin",
    "HOST_NAME": "Hébergeur Exemple SAS",
    "HOST_ADDRESS": "2 rue Kellermann, 59100 Roubaix",
    "HOST_PHONE": "+33 9 87 65 43 21",
    "RETENTION_LOG_DAYS": 180,
}


@pytest.fixture
def configured(tmp_path):
    """An app whose operator has filled in every legal detail."""
    app = make_app(f"sqlite:///{tmp_path / 'legal.sqlite'}", **OPERATOR)
    with app.app_context():
        db.create_all()
        yield app


def production_app(tmp_path, **overrides):
    """A production app (its start-up checks pass) with the given legal details."""
    return make_app(
        f"sqlite:///{tmp_path / 'production.sqlite'}",
        ENV_NAME="production",
        SECRET_KEY="x" * 48,
        OB3_SIGNING_KEY="A" * 43 + "=",  # Open Badges (issue 13): production needs its signing key
        **overrides,
    )


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("path", LEGAL_PAGES)
def test_legal_pages_answer_in_both_languages(client, path, language):
    response = client.get(path, headers={"Accept-Language": language})
    assert response.status_code == 200
    page = text_of(response)
    assert f'<html lang="{language}">' in page
    assert "<h1>" in page and '<main id="main"' in page


@pytest.mark.parametrize("language", ["en", "fr"])
def test_legal_notice_shows_the_configured_operator(configured, language):
    page = text_of(configured.test_client().get("/legal/notice", headers={"Accept-Language": language}))
    for key in ("OPERATOR_NAME", "OPERATOR_ADDRESS", "OPERATOR_PHONE", "OPERATOR_CONTACT"):
        assert OPERATOR[key] in page
    for key in ("OPERATOR_REGISTRATION", "PUBLICATION_DIRECTOR", "HOST_NAME", "HOST_ADDRESS", "HOST_PHONE"):
        assert OPERATOR[key] in page
    assert "mailto:dpo@atelier-cadre.example" in page
    assert "CADRE_" not in page  # nothing left to configure: no warning


def test_privacy_notice_names_controller_contact_and_retention(configured):
    page = text_of(configured.test_client().get("/legal/privacy"))
    assert "The controller of your data is Atelier Cadre & Cie SAS, 12 rue des Monteurs, 75011 Paris." in page
    assert "mailto:dpo@atelier-cadre.example" in page
    assert "You can delete it at any time" in page
    assert "Server and security logs: 180 days." in page
    assert "CNIL" in page and "https://www.cnil.fr/fr/plaintes" in page
    assert "not transferred outside the European Union" in page


def test_a_configured_transfer_outside_the_eu_is_stated(tmp_path):
    transfers = "E-mails go through Mailer Inc. (USA)."
    app = make_app(f"sqlite:///{tmp_path / 't.sqlite'}", DATA_TRANSFERS=transfers)
    with app.app_context():
        db.create_all()
        page = text_of(app.test_client().get("/legal/privacy"))
    assert "Some data leaves the European Union, as follows: E-mails go through Mailer Inc. (USA)." in page
    assert "not transferred outside" not in page


def test_operator_values_are_escaped(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'x.sqlite'}", OPERATOR_NAME="<script>alert(1)</script>")
    with app.app_context():
        db.create_all()
        page = app.test_client().get("/legal/notice").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_cookie_statement_lists_only_the_cookies_the_app_sets(client, app, make_user):
    page = text_of(client.get("/legal/cookies"))
    assert f"<code>{app.config['SESSION_COOKIE_NAME']}</code>" in page
    assert "<code>remember_token</code>" in page
    assert "Until you close your browser." in page and "30 days, or until you log out." in page
    assert "no cookie banner" in page
    # What the statement lists is what a visitor who logs in with « remember me » really gets.
    user = make_user()
    responses = [
        client.post("/account/login", data={"email": user.email, "password": PASSWORD, "remember": "y"}),
        client.post("/language/fr", data={"next": "/legal/cookies"}),
        client.get("/legal/cookies"),
        client.post("/account/logout"),
    ]
    set_cookies = [header for response in responses for header in response.headers.getlist("Set-Cookie")]
    names = {header.split("=", 1)[0] for header in set_cookies}
    assert names == {app.config["SESSION_COOKIE_NAME"], "remember_token", "cadre_device"}
    assert "<code>cadre_device</code>" in page and "365 days." in page
    session_cookie = app.config["SESSION_COOKIE_NAME"] + "="
    assert not any("Expires=" in header for header in set_cookies if header.startswith(session_cookie))
    # All but the logout's deletions carry HttpOnly, as the statement says.
    assert all("HttpOnly" in header for header in set_cookies if "Expires=Thu, 01 Jan 1970" not in header)


ANY_PAGES = ["/courses", "/account/login", "/account/register", "/legal/privacy", "/no-such-page"]


@pytest.mark.parametrize("path", ANY_PAGES)
def test_every_page_footer_links_the_legal_pages(client, path):
    page = text_of(client.get(path))
    footer = page[page.index('<footer class="site-footer">') :]
    for link in LEGAL_PAGES:
        assert f'href="{link}"' in footer


def test_registration_form_links_the_privacy_notice(client):
    page = text_of(client.get("/account/register"))
    form = page[page.index('<form method="post" novalidate>') : page.index("</form>")]
    assert 'href="/legal/privacy"' in form


def test_development_placeholders_are_flagged(client):
    page = text_of(client.get("/legal/notice"))
    assert "This is a development server: the values below are placeholders." in page
    assert "CADRE_PUBLICATION_DIRECTOR" in page


def test_production_without_legal_details_warns_the_operator(tmp_path, caplog):
    """The server starts, says in its log what is missing, and the pages say it too."""
    with caplog.at_level(logging.WARNING):
        app = production_app(tmp_path, OPERATOR_NAME="Atelier Cadre", HOST_NAME="")
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "legal notice and privacy notice lack the operator's details" in logged
    assert "CADRE_HOST_NAME" in logged and "CADRE_PUBLICATION_DIRECTOR" in logged
    assert "CADRE_OPERATOR_NAME" not in logged
    with app.app_context():
        db.create_all()
        page = text_of(app.test_client().get("/legal/notice"))
    assert "This server runs in production, but the operator has not yet given the details" in page
    assert "CADRE_HOST_NAME" in page and "CADRE_OPERATOR_NAME" not in page


def test_production_with_legal_details_is_quiet(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        app = production_app(tmp_path, **OPERATOR)
    assert "legal notice" not in " ".join(record.getMessage() for record in caplog.records)
    with app.app_context():
        db.create_all()
        page = text_of(app.test_client().get("/legal/privacy"))
    assert "For the operator" not in page and "CADRE_" not in page


def test_legal_details_come_from_the_environment(monkeypatch, tmp_path):
    from app import create_app

    monkeypatch.setenv("CADRE_OPERATOR_NAME", "Atelier Cadre")
    monkeypatch.setenv("CADRE_RETENTION_LOG_DAYS", "90")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite'}")
    app = create_app()
    assert app.config["OPERATOR_NAME"] == "Atelier Cadre"
    assert app.config["RETENTION_LOG_DAYS"] == 90


def test_the_accessibility_statement_is_honest_and_names_whom_to_tell(configured):
    page = text_of(configured.test_client().get("/legal/accessibility", headers={"Accept-Language": "fr"}))
    assert "non conforme" in page  # no audit yet: the RGAA's own rule
    assert OPERATOR["OPERATOR_CONTACT"] in page
    assert "5 décembre 2026" in page

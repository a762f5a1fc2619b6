"""The learners' help page: reachable from every page, in both languages, and true to the code."""

from app.content.parser import DEFAULT_ATTEMPTS_PER_DAY
from tests.conftest import text_of


def test_every_page_links_to_help_and_it_answers_in_both_languages(client):
    assert 'href="/help/"' in client.get("/courses").get_data(as_text=True)
    page = text_of(client.get("/help/"))
    assert "<h1>Help</h1>" in page and "Quizzes" in page and "Certificates" in page
    french = text_of(client.get("/help/", headers={"Accept-Language": "fr"}))
    assert "<h1>Aide</h1>" in french and "On ne peut échouer à un quiz que quelques fois" in french


def test_the_daily_limit_it_states_is_the_default_authors_get(client):
    page = text_of(client.get("/help/"))
    assert f"in 24 hours ({DEFAULT_ATTEMPTS_PER_DAY}, unless the course's author chose otherwise)" in page
    assert "You can fail a quiz only a few times" in page


def test_it_names_whom_to_write_to(app, client):
    app.config["OPERATOR_CONTACT"] = "aide@cadre.example"
    assert "Write to aide@cadre.example." in text_of(client.get("/help/"))

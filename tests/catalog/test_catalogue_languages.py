"""The catalogue knows its languages: the interface's first, the others after and labelled."""

from datetime import date

from app.catalog.models import Course
from app.extensions import db
from tests.conftest import text_of


def _english_course():
    db.session.add(
        Course(
            slug="voice-and-ai",
            title="Voice and AI",
            summary="What the law allows when a voice is cloned.",
            language="en",
            level="beginner",
            duration=40,
            audience="Actors",
            publisher="Cadre",
            content_updated=date(2026, 12, 1),
            intro_html="<p>Intro</p>",
            content_hash="x" * 64,
        )
    )
    db.session.commit()


def test_an_english_reader_sees_english_courses_first_then_french_ones_labelled(client, course):
    _english_course()
    page = text_of(client.get("/courses", headers={"Accept-Language": "en"}))
    assert page.index("Courses in English") < page.index("Voice and AI") < page.index("Courses in French")
    assert page.index("Courses in French") < page.index("La voix et l")
    assert "These courses are written in French" in page
    assert "These courses are written in English" not in page


def test_a_french_reader_sees_french_courses_first(client, course):
    _english_course()
    client.post("/language/fr")
    page = text_of(client.get("/courses"))
    assert page.index("Formations en français") < page.index("Formations en anglais")
    assert "Ces formations sont rédigées en anglais" in page


def test_the_filter_keeps_one_language_and_ignores_an_unknown_one(client, course):
    _english_course()
    only = text_of(client.get("/courses?language=en"))
    assert "Voice and AI" in only and "La voix et l" not in only
    assert "La voix et l" in text_of(client.get("/courses?language=klingon"))


def test_a_language_without_courses_says_so(client, course):
    page = text_of(client.get("/courses?language=en"))
    assert "No courses in this language yet." in page

"""Course cards are written once per process and kept (app/catalog/cards.py): a kept card must be
exactly what each reader would otherwise get, whoever saw it first."""

from types import SimpleNamespace

from flask import render_template_string

from app.catalog import cards
from app.extensions import db
from app.learning.models import ModuleProgress
from app.learning.services import CourseProgress
from app.models_base import utcnow
from tests.conftest import text_of
from tests.learning.attempts import add_final_test

COURSE = "/courses/voix-et-ia"


def card_of(page: str) -> str:
    start = page.index('<article class="course-card"')
    return page[start : page.index("</article>", start)]


def test_each_reader_gets_the_card_of_their_own_progress(client, course, make_user, auth):
    first, second = make_user(), make_user()
    auth.login(first.email)
    client.post(f"{COURSE}/consentement/read")
    assert "33% done" in card_of(text_of(client.get("/courses")))
    auth.logout()
    auth.login(second.email)
    card = card_of(text_of(client.get("/courses")))
    assert "Not started" in card and "33% done" not in card
    auth.logout()
    assert "progress-line" not in card_of(text_of(client.get("/courses")))  # a visitor: no progress
    auth.login(first.email)
    assert "33% done" in card_of(text_of(client.get("/")))


def test_a_course_whose_final_test_is_left_is_not_called_completed(client, course, make_user, auth):
    """The UX walk of 6 December 2026: « Terminée » on the card, no certificate, a final test to take."""
    learner = make_user()
    final = add_final_test(course)
    now = utcnow()
    for module in course.modules:
        if not module.is_final:
            db.session.add(ModuleProgress(user_id=learner.id, module_id=module.id, completed_at=now,
                                          attempts=0, last_activity_at=now))  # fmt: skip
    db.session.commit()
    auth.login(learner.email)
    card = card_of(text_of(client.get("/courses")))
    assert "Modules done; final test to pass" in card and "Completed" not in card
    db.session.add(ModuleProgress(user_id=learner.id, module_id=final.id, completed_at=now, best_score=80,
                                  attempts=1, last_activity_at=now))  # fmt: skip
    db.session.commit()
    card = card_of(text_of(client.get("/courses")))
    assert "Completed" in card and "final test to pass" not in card


def test_a_card_follows_its_course_and_the_reader_s_language(client, course, make_user, auth):
    auth.login(make_user().email)  # signed in: the visitors' page cache is not in the way
    assert "Language:" in card_of(text_of(client.get("/courses")))
    for column, value, shown in [
        ("title", "Voix, IA et droit voisin", "Voix, IA et droit voisin"),
        ("summary", "Un résumé revu", "Un résumé revu"),
        ("duration", 95, "1\u00a0h\u00a035\u00a0min"),
        ("level", "advanced", "Advanced"),
        ("publisher", "Syndicat des voix", "by Syndicat des voix"),
    ]:  # one at a time: each is in the card's key
        setattr(course, column, value)
        db.session.commit()
        assert shown in card_of(text_of(client.get("/courses"))), column
    with client.session_transaction() as session:
        session["locale"] = "fr"
    card = card_of(text_of(client.get("/courses")))
    assert "Langue :" in card or "Langue\u00a0:" in card
    assert "Language:" not in card
    assert "1\u00a0h\u00a035<" in card  # the French way of writing a duration


def test_a_kept_card_is_the_card_the_template_writes(app, monkeypatch):
    monkeypatch.setattr(cards, "MAX_KEPT", 3)
    template = '{% set heading_level = 3 %}{% include "catalog/_course_card.html" %}'
    with app.test_request_context("/courses"):
        for number in range(10):
            course = SimpleNamespace(
                id=number,
                slug=f"cours-{number}",
                title=f"Cours <{number}>",
                summary="Résumé & plus",
                language="fr",
                level="beginner",
                duration=30 + number,
                publisher="Cadre",
            )
            progress = CourseProgress(number % 3, 3, number % 2 + number % 3)
            written = render_template_string(template, course=course, progress={number: progress})
            assert cards.course_card(course, progress, 3) == written
            assert cards.course_card(course, progress, 3) == written  # kept, the same
            assert "Cours &lt;" in written
            assert '<h2 class="course-card-title">' in cards.course_card(course, progress, 2)
            moved = SimpleNamespace(**{**vars(course), "slug": "autre"})
            assert 'href="/courses/autre"' in cards.course_card(moved, progress, 3)
            assert len(app.extensions["cadre_course_cards"]) <= 3


def test_no_card_is_kept_while_templates_reload(app, monkeypatch):
    """In development templates reload when edited, and so must cards."""
    monkeypatch.setattr(app.jinja_env, "auto_reload", True)
    course = SimpleNamespace(
        id=1, slug="c", title="C", summary="S", language="fr", level="beginner", duration=5, publisher="P"
    )
    with app.test_request_context("/courses"):
        assert 'href="/courses/c"' in cards.course_card(course, None, 3)
    assert not app.extensions.get("cadre_course_cards")

"""A learner against the assessment engine in a real browser: a failed attempt teaches without
giving the key, the draw is kept on reload and renewed on retake, the daily limit says when the
quiz opens again, and a final test ends in a certificate that states its score."""

import re
import unicodedata
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from sqlalchemy import select

from app.accounts.models import User
from app.catalog.importer import import_course
from app.catalog.models import Question
from app.content.checker import check_root
from app.content.quiz import plain_text
from app.extensions import db
from app.learning.models import QuizAttempt
from app.models_base import utcnow
from tests.conftest import FIXTURES, PASSWORD
from tests.e2e.test_journey import assert_accessible, shot

COURSE = "/courses/pools-fixture"


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """The English interface, whose strings are the source ones."""
    return {**browser_context_args, "locale": "en-GB"}


@pytest.fixture
def pools_server(live_server):
    base, app = live_server
    with app.app_context():
        for doc in check_root(FIXTURES / "content" / "pools").courses:
            import_course(doc)
        user = User(full_name="Inès Moreau", email="ines@example.org", email_confirmed_at=utcnow())
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
    return base, app


def log_in(page: Page, base: str) -> None:
    page.goto(f"{base}/account/login")
    page.get_by_label("E-mail address").fill("ines@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def _words(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def drawn(page: Page, app) -> list[Question]:
    """The questions the quiz page shows, in order."""
    inputs = page.locator("fieldset.question input")
    names = list(dict.fromkeys(inputs.evaluate_all("els => els.map(e => e.name)")))
    with app.app_context():
        questions = {q.id: q for q in db.session.scalars(select(Question))}
        db.session.expunge_all()
    return [questions[int(name[1:])] for name in names]


def answer(page: Page, app, rightly) -> list[Question]:
    """Tick, for each question, its right options when rightly(question), else one wrong one."""
    questions = drawn(page, app)
    for question in questions:
        good = rightly(question)
        wanted = [c for c in question.choices if c["correct"] == good][: None if good else 1]
        for choice in wanted:
            text = _words(plain_text(choice["html"]))
            page.locator(f'fieldset.question label:has(input[name="q{question.id}"])').filter(
                has_text=text
            ).first.locator("input").check()
    page.get_by_role("button", name="Submit my answers").click()
    return questions


def test_fail_reload_retake_limit_pass_final_certificate(page: Page, pools_server):
    base, app = pools_server
    log_in(page, base)

    page.goto(f"{base}{COURSE}/mots-de-passe")
    page.get_by_role("link", name="Take the quiz").click()
    first = drawn(page, app)
    assert len(first) == 6
    page.reload()
    assert [q.id for q in drawn(page, app)] == [q.id for q in first]  # the same draw
    assert_accessible(page)
    shot(page, "assessment-01-quiz")

    # A failed attempt: right or wrong, and the feedback of the options chosen; never the key.
    questions = answer(page, app, rightly=lambda q: q.id == first[0].id)
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Your result: 16%"))
    expect(page.get_by_text("Not passed yet.")).to_be_visible()
    expect(page.locator(".badge-wrong")).to_have_count(5)
    # A single-answer question: a multiple-answer one gets no feedback before a pass (its ticks' would tell).
    wrong = next(q for q in questions[1:] if q.kind == "single")
    chosen = next(c for c in wrong.choices if not c["correct"])
    feedback = _words(plain_text(chosen["feedback_html"]))
    expect(page.locator(".choice-feedback").filter(has_text=feedback)).to_be_visible()
    assert "right answer" not in page.content()
    assert _words(plain_text(wrong.explanation_html)) not in _words(page.inner_text("main"))
    assert_accessible(page)
    shot(page, "assessment-02-failed")

    # A retake draws other questions.
    page.get_by_role("link", name="Try again").click()
    second = drawn(page, app)
    assert {q.key for q in second}.isdisjoint(q.key for q in first)
    answer(page, app, rightly=lambda q: False)
    page.get_by_role("link", name="Try again").click()
    answer(page, app, rightly=lambda q: False)
    # Three failures in 24 hours: the result says when the next attempt opens, and so does the quiz.
    expect(page.get_by_text("Your next attempt opens on")).to_be_visible()
    expect(page.get_by_role("link", name="Try again")).to_have_count(0)
    page.goto(f"{base}{COURSE}/mots-de-passe/quiz")
    expect(page.get_by_role("heading", name="No more attempts today")).to_be_visible()
    assert_accessible(page)
    shot(page, "assessment-03-limit")

    with app.app_context():  # the next day
        for attempt in db.session.scalars(select(QuizAttempt)):
            attempt.created_at -= timedelta(hours=25)
        db.session.commit()
    page.goto(f"{base}{COURSE}/mots-de-passe/quiz")
    passed = answer(page, app, rightly=lambda q: True)
    expect(page.get_by_text("Passed.")).to_be_visible()
    expect(page.get_by_text("right answer").first).to_be_visible()
    assert _words(plain_text(passed[0].explanation_html)) in _words(page.inner_text("main"))
    shot(page, "assessment-04-passed")

    page.get_by_role("link", name="Next module").click()
    page.get_by_role("link", name="Take the quiz").click()
    answer(page, app, rightly=lambda q: True)
    expect(page.get_by_text("Passed.")).to_be_visible()
    page.get_by_role("link", name="Take the final test").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Final test"))
    answer(page, app, rightly=lambda q: True)
    expect(page.get_by_text("earned its certificate")).to_be_visible()
    page.get_by_role("link", name="See my certificate").click()
    expect(page.get_by_text("2 modules completed; final test passed with 100%")).to_be_visible()
    assert_accessible(page)
    shot(page, "assessment-05-certificate")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the PDF").click()
    pdf = PdfReader(BytesIO(Path(download_info.value.path()).read_bytes()))
    pdf_text = " ".join(pdf.pages[0].extract_text().split())
    assert "final test passed with 100%" in pdf_text


def test_quiz_result_and_limit_pages_fit_a_phone(page: Page, pools_server):
    base, app = pools_server
    page.set_viewport_size({"width": 375, "height": 740})
    log_in(page, base)
    quiz = f"{base}{COURSE}/sauvegardes/quiz"
    for _ in range(3):
        page.goto(quiz)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, page.url
        answer(page, app, rightly=lambda q: False)
        page.wait_for_url(re.compile(r"/attempts/\d+$"))  # measure the result page, not the way there
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, page.url
    shot(page, "assessment-phone-result")
    page.goto(quiz)
    expect(page.get_by_role("heading", name="No more attempts today")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.goto(f"{base}{COURSE}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

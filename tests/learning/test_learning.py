"""Catalogue, module states, quiz grading on the server, attempts, progress and dashboard."""

import re

import pytest
from sqlalchemy import func, select

from app.catalog.models import FINAL_SLUG, Module
from app.certificates.models import Certificate
from app.extensions import db
from app.learning.forms import _choice_value
from app.learning.grading import QUESTION_TYPES, score_percent
from app.learning.models import ModuleProgress, QuizAttempt
from app.learning.services import courses_progress
from tests.conftest import counted_statements, text_of
from tests.learning.attempts import add_final_test
from tests.learning.test_dashboard_performance import add_course, add_module

COURSE = "/courses/voix-et-ia"
QUIZ = f"{COURSE}/cadre-legal/quiz"
# In the fixture quiz: question 1 (single) is right with choice 1; "textes" (multiple) with 0 and 1.
RIGHT = {"q1": "1", "q2": ["0", "1"]}


def quiz_fields(course):
    """Map question keys to form field names (q<id>) for the fixture quiz."""
    module = db.session.scalar(select(Module).where(Module.slug == "cadre-legal"))
    return {q.key: f"q{q.id}" for q in module.questions}


def answers(client, course, first: str, second: list[str]) -> dict:
    """Form data choosing these choice indices, in the opaque values of a freshly served quiz."""
    page = client.get(QUIZ).get_data(as_text=True)
    token = re.search(r'name="draw" type="hidden" value="([^"]+)"', page).group(1)
    module = db.session.scalar(select(Module).where(Module.slug == "cadre-legal"))
    by_key = {q.key: q for q in module.questions}

    def values(key, indices):
        question = by_key[key]
        return [
            _choice_value(token, question, int(i)) if int(i) < len(question.choices) else i for i in indices
        ]

    fields = quiz_fields(course)
    return {
        fields["qu-est-ce-que-l-opt-out"]: values("qu-est-ce-que-l-opt-out", [first])[0],
        fields["textes"]: values("textes", second),
        "version": str(course.version),
        "draw": token,
    }


@pytest.fixture
def learner(make_user, auth, course):
    user = make_user(full_name="Zoé Lefèvre-Œuvray")
    auth.login(user.email)
    return user


@pytest.mark.parametrize(
    ("kind", "selected", "right"),
    [
        ("single", [1], True),
        ("single", [0], False),
        ("single", [], False),
        ("multiple", [0, 1], True),
        ("multiple", [0], False),
        ("multiple", [0, 1, 2], False),
    ],
)
def test_question_types_grade_all_or_nothing(kind, selected, right):
    choices = [{"correct": True}, {"correct": kind == "multiple"}, {"correct": False}]
    if kind == "single":
        choices = [{"correct": False}, {"correct": True}, {"correct": False}]
    assert QUESTION_TYPES[kind].is_correct(choices, selected) is right


def test_score_rounds_down():
    assert score_percent(2, 3) == 66
    assert score_percent(0, 0) == 0


def test_catalogue_lists_courses_with_facts(client, course):
    page = text_of(client.get("/courses"))
    assert course.title in page
    assert course.summary in page
    assert course.publisher in page


def test_unknown_course_and_module_are_404(client, course):
    assert client.get("/courses/nope").status_code == 404
    assert client.get(f"{COURSE}/nope").status_code == 404


def test_a_retired_module_a_final_test_or_another_course_s_module_has_no_page(client, course):
    """The module page finds its module among the course's live modules (not a final test)."""
    other = add_course(course, "Autre formation", slug="autre", modules=0)
    add_module(other, "ailleurs", like=course, position=1)
    add_final_test(course)
    db.session.commit()
    assert client.get(f"{COURSE}/consentement").status_code == 200
    assert client.get("/courses/autre/ailleurs").status_code == 200
    db.session.scalar(select(Module).where(Module.slug == "consentement")).retired = True
    db.session.commit()
    for slug in ("consentement", FINAL_SLUG, "ailleurs", "Cadre-Legal"):
        assert client.get(f"{COURSE}/{slug}").status_code == 404, slug


def test_module_page_shows_objectives_and_navigation(client, course):
    page = text_of(client.get(f"{COURSE}/consentement"))
    module = db.session.scalar(select(Module).where(Module.slug == "consentement"))
    for objective in module.objectives:
        assert objective in page
    assert 'rel="prev"' in page and 'rel="next"' in page


def test_quiz_page_never_carries_the_answers(client, course, learner):
    page = text_of(client.get(QUIZ))
    module = db.session.scalar(select(Module).where(Module.slug == "cadre-legal"))
    for question in module.questions:
        # The explanation and any trace of correctness stay on the server until grading.
        assert question.explanation_html not in page
    for marker in ("correct", "data-right", "[x]", "[X]", "checked"):
        assert marker not in page


def test_the_quiz_heading_marks_the_module_title_with_its_language(client, course, learner):
    # An English interface over a French course: a screen reader switches voice for the title.
    assert re.search(r'<h1>Quiz: <span lang="fr">[^<]+</span></h1>', text_of(client.get(QUIZ)))


def test_quiz_needs_login(client, course):
    response = client.get(QUIZ)
    assert response.status_code == 302 and "/account/login" in response.location


def test_failed_then_passed_quiz(client, course, learner):
    failed = client.post(QUIZ, data=answers(client, course, "0", ["0"]), follow_redirects=True)
    text = text_of(failed)
    assert "0%" in text or "0 %" in text
    assert "Not passed yet." in text
    module = db.session.scalar(select(Module).where(Module.slug == "cadre-legal"))
    # A failed attempt says right or wrong, never the key nor the explanations.
    assert module.questions[0].explanation_html not in text
    assert "right answer" not in text and "wrong" in text
    assert "Back to the course" not in text and ">Try again</a>" in text  # the way on

    passed = client.post(QUIZ, data=answers(client, course, "1", ["0", "1"]), follow_redirects=True)
    assert "Passed." in text_of(passed)
    assert f'href="/courses/{course.slug}">Back to the course</a>' in text_of(passed)
    assert ">Take it again, for practice</a>" in text_of(passed) and "Try again" not in text_of(passed)
    # Once passed, the full correction is shown.
    assert module.questions[0].explanation_html in text_of(passed)
    attempts = db.session.scalars(select(QuizAttempt).order_by(QuizAttempt.id)).all()
    assert [a.score for a in attempts] == [0, 100]
    row = db.session.scalar(select(ModuleProgress))
    assert row.best_score == 100 and row.attempts == 2 and row.completed_at is not None


def test_half_right_is_below_pass_mark(client, course, learner):
    client.post(QUIZ, data=answers(client, course, "1", ["0"]))
    attempt = db.session.scalar(select(QuizAttempt))
    assert attempt.score == 50 and attempt.passed is False


def test_best_score_counts(client, course, learner):
    client.post(QUIZ, data=answers(client, course, "1", ["0", "1"]))
    client.post(QUIZ, data=answers(client, course, "0", ["2"]))
    row = db.session.scalar(select(ModuleProgress))
    assert row.best_score == 100 and row.completed_at is not None


def test_unanswered_question_is_refused_and_nothing_recorded(client, course, learner):
    data = answers(client, course, "1", ["0"])
    del data[quiz_fields(course)["textes"]]
    response = client.post(QUIZ, data=data)
    assert response.status_code == 200
    assert "Tick at least one answer." in text_of(response)
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 0


def test_forged_choice_is_refused(client, course, learner):
    response = client.post(QUIZ, data=answers(client, course, "7", ["0", "1"]))
    assert response.status_code == 200
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 0


def test_stale_quiz_version_asks_to_answer_again(client, course, learner):
    data = answers(client, course, "1", ["0", "1"])
    data["version"] = "0"
    response = client.post(QUIZ, data=data)
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 0


def test_attempt_of_someone_else_is_404(client, course, learner, make_user, auth):
    client.post(QUIZ, data=answers(client, course, "1", ["0", "1"]))
    attempt = db.session.scalar(select(QuizAttempt))
    url = f"{COURSE}/cadre-legal/attempts/{attempt.id}"
    assert client.get(url).status_code == 200
    other = make_user()
    auth.logout()
    auth.login(other.email)
    assert client.get(url).status_code == 404


def test_mark_read_only_for_modules_without_quiz(client, course, learner):
    assert client.post(f"{COURSE}/cadre-legal/read").status_code == 400
    assert client.post(f"{COURSE}/consentement/read").status_code == 302
    opened = client.get(f"{COURSE}/consentement/read")  # the form's address opened as a page: its module
    assert (opened.status_code, opened.location) == (303, f"{COURSE}/consentement")
    page = text_of(client.get(COURSE))
    items = {
        slug: next(li for li in page.split("<li>") if f'{COURSE}/{slug}"' in li)
        for slug in ("consentement", "bonnes-pratiques")
    }
    assert 'badge-done">Read</span>' in items["consentement"]
    assert "Not started" in items["bonnes-pratiques"]
    # Another module follows: the learner stays on the page, which leads on to it.
    assert client.post(f"{COURSE}/consentement/read").location == f"{COURSE}/consentement"
    # The last module: the course page says what comes next (here, the course complete or not).
    last = client.post(f"{COURSE}/bonnes-pratiques/read", follow_redirects=True)
    assert last.request.path == COURSE and "You marked this module as read." in text_of(last)


def test_progress_and_dashboard(client, course, learner):
    client.post(f"{COURSE}/consentement/read")
    progress = courses_progress(learner, [course.id])[course.id]
    assert (progress.completed, progress.total, progress.percent) == (1, 3, 33)
    page = text_of(client.get("/dashboard"))
    assert "33% done (1 of 3 modules)" in page
    french = text_of(client.get("/dashboard", headers={"Accept-Language": "fr"}))
    assert "Terminée à 33\u202f% (modules\u00a0: 1 sur 3)" in french  # not « 1 sur 3 modules »
    # What to do next is the first module not completed.
    assert re.search(r"Next:\s*<a [^>]*>Le cadre légal</a>", page)
    # The course page points to the same module: one rule for "what to do next".
    assert "Continue: Le cadre légal" in text_of(client.get(COURSE))
    assert "Complete every module" in page


def complete_course(client, course):
    client.post(QUIZ, data=answers(client, course, "1", ["0", "1"]))
    client.post(f"{COURSE}/consentement/read")
    return client.post(f"{COURSE}/bonnes-pratiques/read", follow_redirects=True)


def test_certificate_issued_when_course_completed(client, course, learner):
    response = complete_course(client, course)
    assert "earned its certificate" in text_of(response)
    certificate = db.session.scalar(select(Certificate))
    assert certificate.holder_name == "Zoé Lefèvre-Œuvray"
    assert certificate.course_version == course.version
    dashboard = text_of(client.get("/dashboard"))
    assert f"/certificates/{certificate.code}/pdf" in dashboard


def test_certificate_issued_exactly_once(client, course, learner):
    assert "earned its certificate" in text_of(complete_course(client, course))
    # Repeating the last steps (a double submit, a retaken quiz) issues and announces nothing more.
    assert "earned its certificate" not in text_of(complete_course(client, course))
    client.post(f"{COURSE}/bonnes-pratiques/read")
    assert db.session.scalar(select(func.count(Certificate.id))) == 1


def test_query_count_of_catalogue_is_bounded(client, course, learner, app):
    with counted_statements() as statements:
        # The first visit to the quiz draws its questions (a savepoint and an insert more), and
        # on SQLite first ends its reading transaction to write under the lock, so the questions,
        # the course, the learner and the open draw are read again (app.extensions.start_writing).
        # Each page's header reads the person's memberships (app/nav.py): one query more, except on the
        # dashboard, which shares that query instead of running its own. Pages showing a course
        # read its editions and the learner's choice of language (two queries), the dashboard
        # also the edition modules of translated courses (one; tests/catalog/test_editions.py).
        # The catalogue counts its courses, reads a page's ids then rows, and lists the publishers
        # for its filter, whatever the catalogue's size (tests/catalog/test_listing.py).
        bounds = [("/courses", 10), (COURSE, 10), (f"{COURSE}/consentement", 10), ("/dashboard", 12)]
        for url, bound in [*bounds, (QUIZ, 19), (QUIZ, 12)]:
            statements.clear()
            assert client.get(url).status_code == 200
            assert len(statements) <= bound, (url, statements)


def test_choice_values_are_opaque_kept_on_reload_and_new_after_a_submission(client, course, learner):
    def values():
        return re.findall(r'type="(?:radio|checkbox)" value="([^"]+)"', text_of(client.get(QUIZ)))

    first = values()
    assert len(first) == 6
    # Not the options' indices but 16 hex digits of a keyed hash (all digits one time in 1,850).
    assert all(re.fullmatch(r"[0-9a-f]{16}", v) for v in first)
    assert sorted(values()) == sorted(first)  # the open draw is kept
    client.post(QUIZ, data=answers(client, course, "0", ["2"]))
    assert set(first).isdisjoint(values())  # a new draw, new values


def test_stale_version_wins_over_missing_answers(client, course, learner):
    fields = quiz_fields(course)
    response = client.post(QUIZ, data={fields["textes"]: "x", "version": "0"})
    assert response.status_code == 302
    assert "was updated" in text_of(client.get(QUIZ))


def test_error_summary_names_the_unanswered_question(client, course, learner):
    data = answers(client, course, "1", ["0"])
    del data[quiz_fields(course)["qu-est-ce-que-l-opt-out"]]
    page = text_of(client.post(QUIZ, data=data))
    summary = page[page.index('class="error-summary"') :]
    summary = summary[: summary.index("</div>")]
    assert "Question 1" in summary and "Question 2" not in summary
    # The entry says which question it is; the question's box is marked, its message above its options.
    assert re.search(r'Question 1</a> · <span lang="fr">[^<]*opt-out', summary)
    box = page[page.index('<fieldset class="question field-invalid"') :]
    assert box.index('class="error"') < box.index('class="choices"')


def test_failed_attempts_still_count_as_started(client, course, learner):
    client.post(QUIZ, data=answers(client, course, "0", ["2"]))
    progress = courses_progress(learner, [course.id])[course.id]
    assert progress.started and progress.completed == 0
    assert "Not started" not in text_of(client.get("/courses"))


@pytest.mark.parametrize(
    "url",
    [
        f"{COURSE}/cadre-legal/attempts/99999999999999999999",
        f"{COURSE}/cadre-legal/attempts/2147483648",
    ],
)
def test_huge_attempt_ids_are_404(client, course, learner, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", ["/courses/a%00b", f"{COURSE}/a%00b", "/certificates/%00"])
def test_nul_bytes_are_a_clear_400(client, course, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "could not be understood" in text_of(response)


def test_nul_byte_in_a_form_is_refused(client, app):
    response = client.post("/account/login", data={"email": "a\x00@example.org", "password": "x"})
    assert response.status_code == 400

"""The question statistics page of a publisher's course: who may see it, what it shows, its CSV,
and a number of queries that does not grow with the attempts."""

import io

import pytest
from sqlalchemy import select

from app.extensions import db
from app.publishing.models import PUBLISHED, CourseDraft
from tests.conftest import counted_statements, text_of
from tests.learning.attempts import (
    OPT_OUT,
    TEXTES,
    questions_of,
    quiz_module,
    record_attempt,
)
from tests.publishing.test_workflow import publisher, valid_files  # noqa: F401

WS = "/workspace/syndicat"
PAGE = f"{WS}/voix-et-ia/statistics"
CSV = f"{WS}/voix-et-ia/statistics.csv"


@pytest.fixture
def people(course, publisher):  # noqa: F811 - the workflow tests' fixture
    """The fixture course, published by "syndicat" (the workflow tests' people, one per role)."""
    org, _other, people = publisher
    course.organisation_id = org.id
    db.session.add(
        CourseDraft(
            organisation_id=org.id,
            slug="voix-et-ia",
            files=valid_files(),
            state=PUBLISHED,
            course_id=course.id,
            updated_by_id=people["editor"].id,
        )
    )
    db.session.commit()
    return people


def answer(people, count: int, start: int = 0) -> None:
    """*count* attempts of the fixture quiz: the single question right 3 times in 4, "textes" 1 in 2."""
    module = quiz_module()
    questions = questions_of(module)
    for i in range(start, start + count):
        record_attempt(
            people["outsider"],
            module,
            {questions[OPT_OUT]: {1} if i % 4 else {0}, questions[TEXTES]: {0, 1} if i % 2 else {2}},
        )
    db.session.commit()


def login(auth, people, role):
    auth.logout()
    if role != "anonymous":
        auth.login(people[role].email)


@pytest.mark.parametrize("url", [PAGE, CSV])
@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 200),
        ("editor", 200),
        ("reviewer", 200),
        ("member", 403),
        ("outsider", 404),
        ("other_editor", 404),
        ("anonymous", 302),
    ],
)
def test_who_may_see_the_statistics(client, auth, people, role, status, url):
    answer(people, 2)
    login(auth, people, role)
    response = client.get(url)
    assert response.status_code == status
    if role == "anonymous":
        assert "/account/login" in response.location


def test_only_a_published_course_has_statistics(client, auth, people):
    db.session.scalar(select(CourseDraft)).course_id = None
    db.session.commit()
    login(auth, people, "editor")
    assert client.get(PAGE).status_code == 404
    assert client.get(f"{WS}/inconnu/statistics").status_code == 404


def test_the_page_shows_each_question_and_option(client, auth, people):
    answer(people, 40)
    login(auth, people, "reviewer")
    page = text_of(client.get(PAGE))
    assert "Question statistics" in page and "Version 1 (current)" in page
    assert "<caption" in page and 'scope="col"' in page and 'scope="row"' in page
    # The single question: right 30 times in 40; "textes" half the time, by the same learners.
    assert "1. Qu'est-ce que l'opt-out ?" in page
    assert '<td class="num">40</td>\n        <td class="num">75%</td>' in page
    assert '<td class="num">50%</td>' in page
    # Options with their counts; the right one said in words, not only in colour.
    assert "Une licence libre" in page and "right answer" in page
    assert '<td class="num">30</td>\n        <td class="num">75%</td>' in page
    assert "Download CSV (French spreadsheet)" in page
    # Option C of the single question is never chosen: flagged, as shown 40 times.
    assert "Option C is almost never chosen: Une licence libre" in page


def test_discrimination_has_two_decimals(client, auth, people):
    # Two questions right together or wrong together: perfectly discriminating.
    module = quiz_module()
    questions = questions_of(module)
    for right in (True, False, True):
        record_attempt(
            people["outsider"],
            module,
            {questions[OPT_OUT]: {1} if right else {0}, questions[TEXTES]: {0, 1} if right else {0}},
        )
    db.session.commit()
    login(auth, people, "editor")
    page = text_of(client.get(PAGE))
    assert page.count('<td class="num">1.00</td>') == 2


def test_an_empty_version_says_so(client, auth, people):
    login(auth, people, "editor")
    page = text_of(client.get(PAGE))
    assert "No learner has answered a quiz of this version yet" in page
    assert "Download CSV" not in page


def test_the_version_picker_lists_versions_with_answers_and_refuses_others(client, auth, people, course):
    answer(people, 3)
    course.version = 2
    db.session.commit()
    login(auth, people, "editor")
    page = text_of(client.get(PAGE))
    assert '<option selected value="2">Version 2 (current)</option>' in page
    assert '<option value="1">Version 1</option>' in page
    assert "No learner has answered a quiz of this version yet" in page
    old = text_of(client.get(PAGE, query_string={"version": 1}))
    assert '<option selected value="1">Version 1</option>' in old and "Une licence libre" in old
    for bad in ("3", "0", "x", ""):
        assert client.get(PAGE, query_string={"version": bad}).status_code == 404


def test_the_draft_page_links_to_the_statistics_of_a_published_course(client, auth, people):
    login(auth, people, "editor")
    assert f'href="{PAGE}"' in text_of(client.get(f"{WS}/voix-et-ia"))


def test_csv_download(client, auth, people):
    answer(people, 40)
    login(auth, people, "editor")
    response = client.get(CSV, query_string={"format": "en"})
    assert response.mimetype == "text/csv"
    assert "attachment;" in response.headers["Content-Disposition"]
    assert response.headers["Content-Disposition"].endswith('-en.csv"')
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    lines = body.decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + 3 + 3  # header, then the three options of each question
    assert lines[0].startswith("Quiz,Final test,Question,Question key,")
    assert any(line.startswith(f"Le cadre légal,no,1,{OPT_OUT},") and ",40,75.0," in line for line in lines)
    french = client.get(CSV).get_data().decode("utf-8-sig")
    assert ";40;75,0;" in french
    assert io.StringIO(french).readline().count(";") == 13


def test_the_number_of_queries_does_not_grow_with_the_attempts(client, auth, people):
    login(auth, people, "editor")

    def statements_for_page() -> int:
        db.session.commit()  # each request starts afresh: nothing loaded, no transaction open
        with counted_statements() as statements:
            assert client.get(PAGE).status_code == 200
        return len(statements)

    answer(people, 5)
    client.get(PAGE)  # warm up: anything done once per process is not counted
    few = statements_for_page()
    answer(people, 60, start=5)
    many = statements_for_page()
    assert few == many
    # The user, the organisation, the membership, the draft and the course; the versions with
    # answers, the modules, the questions, the two sums (totals and the answers not in them yet),
    # the header's unread-notification count and its memberships, for the Workspace link (on
    # SQLite, a BEGIN as well).
    assert few <= 13

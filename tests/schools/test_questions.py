"""The teacher's page of an assigned item's questions: first answers per student, all answers,
only the class's current students, no key, a bounded number of queries, and who may see it."""

import re

import pytest
from sqlalchemy import select

from app.catalog.importer import import_course
from app.catalog.models import Course, Module, Question
from app.content.checker import check_root
from app.extensions import db
from app.learning.models import AttemptAnswer, QuizAttempt
from app.orgs import services as orgs
from app.schools import services
from tests.conftest import FIXTURES, counted_statements, text_of


@pytest.fixture
def world(app, make_user):
    """The pools course assigned to a class of three; a fourth person answers outside the class."""
    result = check_root(FIXTURES / "content" / "pools")
    for doc in result.courses:
        import_course(doc)
    course = db.session.scalar(select(Course).where(Course.slug == "pools-fixture"))
    school = orgs.create_organisation("ecole-image", "École de l’image", "school")
    other = orgs.create_organisation("lycee-voisin", "Lycée voisin", "school")
    people = {
        name: make_user(name.title(), f"{name}@example.org")
        for name in ("teacher", "sami", "clara", "ines", "olga", "vera")
    }
    orgs.set_role(school, people["teacher"], "teacher")
    orgs.set_role(other, people["vera"], "teacher")
    klass = services.create_class(school, people["teacher"], "BTS 2", "2026-2027", "")
    db.session.commit()
    for name in ("sami", "clara", "ines"):
        services.join_class(people[name], klass.join_code)
    item = services.assign(klass, course, None, None, people["teacher"])
    db.session.commit()
    module = db.session.scalar(
        select(Module).where(Module.course_id == course.id, Module.slug == "mots-de-passe")
    )
    questions = list(
        db.session.scalars(
            select(Question).where(Question.module_id == module.id).order_by(Question.position)
        )
    )
    return klass, item, people, module, questions


def answered(user, module, *answers):
    """One attempt of ``user`` answering (question, right?) pairs."""
    attempt = QuizAttempt(
        user_id=user.id, module_id=module.id, score=0, passed=False, course_version=1, results=[]
    )
    db.session.add(attempt)
    db.session.flush()
    for question, correct in answers:
        db.session.add(
            AttemptAnswer(
                attempt_id=attempt.id,
                question_id=question.id,
                module_id=module.id,
                course_version=1,
                correct=correct,
            )
        )
    db.session.commit()


def read(response) -> str:
    """The page's words, without its tags, spaces collapsed (no-break spaces kept)."""
    words = re.sub(r"[ \t\n]+", " ", re.sub(r"<[^>]+>", " ", text_of(response)))
    return words.replace(" )", ")").replace("( ", "(")


def url(klass, item) -> str:
    return f"/classes/{klass.id}/assignments/{item.id}/questions"


def test_each_question_counts_each_student_at_their_first_answer(client, auth, world):
    klass, item, people, module, (q1, q2, q3, *rest) = world
    answered(people["sami"], module, (q1, True), (q2, False), (q3, False))
    answered(people["sami"], module, (q2, True))  # right the second time: not the first
    answered(people["clara"], module, (q2, True), (q1, True))
    answered(people["ines"], module, (q2, False), (q1, True))
    answered(people["olga"], module, (q1, False), (q2, False))  # not in the class: not counted
    auth.login(people["teacher"].email)
    page = read(client.get(url(klass, item)))
    assert "1 of 3 students right the first time (33%) · 50% of 4 answers right" in page
    assert "3 of 3 students right the first time (100%) · 100% of 3 answers right" in page
    # Hardest first, whatever the author's order.
    assert page.index(q2.prompt_html[3:20]) < page.index(q1.prompt_html[3:20])
    assert "0 of 1 student right the first time (0%) · 0% of 1 answer right" in page  # q3: Sami's alone
    assert "9 questions of this quiz have not been met by the class yet." in page
    assert "No student of the class has answered this quiz yet." in page  # the other quizzes
    # Figures only: no option, hence no key, is on the page.
    assert not any(choice["html"][3:-4] in page for choice in q1.choices + q2.choices)


def test_a_quiz_or_module_withdrawn_since_keeps_its_answers(client, auth, world):
    klass, item, people, module, (q1, *rest) = world
    only_module = services.assign(klass, module.course, module, None, people["teacher"])
    for name in ("sami", "clara", "ines"):
        answered(people[name], module, (q1, True))
    module.has_quiz = False  # as an update that removes the quiz leaves it
    for question in [q1, *rest]:
        question.retired = True
    db.session.commit()
    auth.login(people["teacher"].email)
    page = read(client.get(url(klass, only_module)))
    assert "3 of 3 students right the first time" in page and "removed from the quiz since" in page
    assert "3 of 3 students right the first time" in read(client.get(url(klass, item)))
    module.retired, module.position = True, 10_000 + module.id  # the whole module withdrawn
    db.session.commit()
    page = read(client.get(url(klass, only_module)))
    assert "3 of 3 students right the first time" in page and f"{module.position}." not in page


def test_a_student_who_left_no_longer_counts(client, auth, world, make_user):
    klass, item, people, module, (q1, *rest) = world
    answered(people["sami"], module, (q1, False))
    for name in ("clara", "ines"):
        answered(people[name], module, (q1, True))
    auth.login(people["teacher"].email)
    assert "2 of 3 students right the first time" in read(client.get(url(klass, item)))
    services.leave(klass, people["sami"])
    db.session.commit()
    assert "2 of 2 students right the first time" in read(client.get(url(klass, item)))


def test_the_page_is_in_french_too(client, auth, world):
    klass, item, people, module, (q1, *rest) = world
    answered(people["sami"], module, (q1, False))
    answered(people["clara"], module, (q1, True))
    answered(people["ines"], module, (q1, False))
    auth.login(people["teacher"].email)
    page = read(client.get(url(klass, item), headers={"Accept-Language": "fr"}))
    assert "Résultats par question\u00a0: Hygiène numérique de base" in page
    first, all_answers = (
        "Justes du premier coup\u00a0: 1 sur 3 élèves",
        "33\u00a0% de réponses justes (3 réponses)",
    )
    assert f"{first} (33\u00a0%) · {all_answers}" in page


def test_the_class_page_links_each_item_to_its_questions(client, auth, world):
    klass, item, people, *_ = world
    auth.login(people["teacher"].email)
    page = text_of(client.get(f"/classes/{klass.id}"))
    link = re.search(rf'<a href="{url(klass, item)}" aria-label="([^"]+)">([^<]+)</a>', page)
    assert link.groups() == ("Results by question: Hygiène numérique de base", "Results by question")


def test_queries_do_not_grow_with_students_or_attempts(client, auth, world, make_user):
    klass, item, people, module, questions = world
    answered(people["sami"], module, (questions[0], True))
    auth.login(people["teacher"].email)
    db.session.commit()  # every object expired: both requests read what they need
    with counted_statements() as few:
        client.get(url(klass, item))
    for n in range(15):
        student = make_user(f"Élève {n}", f"eleve{n}@example.org")
        services.join_class(student, klass.join_code)
        for _ in range(3):
            answered(student, module, *((q, n % 2 == 0) for q in questions[:6]))
    db.session.commit()
    with counted_statements() as many:
        page = read(client.get(url(klass, item)))
    assert "9 of 16 students right the first time" in page and "8 of 15 students" in page
    assert len([s for s in many if "FROM memberships" in s]) == 1  # the header's, used for the role too
    selects = [[s for s in statements if s.startswith("SELECT")] for statements in (few, many)]
    assert len(selects[0]) == len(selects[1]) <= 10


def test_only_the_class_staff_see_it(client, auth, world):
    klass, item, people, *_ = world
    for name in ("sami", "olga", "vera"):
        auth.login(people[name].email)
        assert client.get(url(klass, item)).status_code == 404, name
        auth.logout()
    auth.login(people["teacher"].email)
    other = services.create_class(klass.organisation, people["teacher"], "BTS 1", "2026-2027", "")
    db.session.commit()
    assert client.get(f"/classes/{other.id}/assignments/{item.id}/questions").status_code == 404
    assert client.get(f"/classes/{klass.id}/assignments/999999/questions").status_code == 404
    assert client.get(url(klass, item)).status_code == 200


def test_a_students_attempts_in_several_courses_name_their_course(client, auth, world, course):
    klass, item, people, module, (q1, *rest) = world
    # The fixture imported "La voix et l'IA" too (it returns the first course: the pools one).
    course = db.session.scalar(select(Course).where(Course.slug == "voix-et-ia"))
    other = db.session.scalar(select(Module).where(Module.course_id == course.id, Module.has_quiz.is_(True)))
    services.assign(klass, course, None, None, people["teacher"])
    answered(people["sami"], module, (q1, True))
    auth.login(people["teacher"].email)
    student = f"/classes/{klass.id}/students/{people['sami'].id}"
    assert f"Hygiène numérique de base — {module.title}" not in read(client.get(student))  # one course
    answered(people["sami"], other)
    page = read(client.get(student))
    assert f"Hygiène numérique de base — {module.title}" in page and f"{course.title} — {other.title}" in page

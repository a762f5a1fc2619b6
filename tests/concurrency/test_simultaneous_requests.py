"""A class signing up, joining and answering at the same instant: no 500, every attempt kept once.

Against a real threaded server, on a SQLite file (what ``make run`` serves) and on PostgreSQL.
"""

import re

from sqlalchemy import func, select

from app.accounts import confirmation
from app.accounts.models import User
from app.catalog.models import Question
from app.certificates.models import Certificate
from app.extensions import db
from app.learning.forms import _choice_value
from app.learning.models import QuizAttempt
from app.orgs import services as orgs
from app.schools import services as schools
from app.schools.models import Enrolment
from tests.concurrency.conftest import Visitor, all_at_once

COURSE = "/courses/pools-fixture"
CLASS_SIZE = 30  # a class signing up in a room, as the issue asks
QUIZZES = [f"{COURSE}/mots-de-passe/quiz", f"{COURSE}/sauvegardes/quiz"]
FINAL = f"{COURSE}/final/quiz"
PASSWORD = "Velours bruyère kayak lampadaire"
ATTEMPT = re.compile(r"/attempts/(\d+)$")


def signup_form(visitor: Visitor, number: int) -> dict:
    """The registration form filled in, with the CSRF token of the visitor's session."""
    return visitor.form_of("/account/register") | {
        "full_name": f"Élève {number}",
        "email": f"eleve{number}@example.org",
        "password": PASSWORD,
        "confirm": PASSWORD,
    }


def quiz_form(visitor: Visitor, url: str, app, rightly: bool) -> dict:
    """The learner's open draw answered: every right option, or the first option shown."""
    page = visitor.request(url)
    assert page.status == 200, (url, page.status)
    form = dict(re.findall(r'name="(csrf_token|draw|version)" type="hidden" value="([^"]*)"', page.text))
    shown = {}
    for name, value in re.findall(r'<input[^>]*name="(q\d+)"[^>]*value="([^"]*)"', page.text):
        shown.setdefault(name, value)
    if rightly:
        with app.app_context():
            for name in shown:
                question = db.session.get(Question, int(name[1:]))
                shown[name] = [
                    _choice_value(form["draw"], question, i)
                    for i, choice in enumerate(question.choices)
                    if choice["correct"]
                ]
    assert shown, "no question on the quiz page"
    return form | shown


def post_all(visitors, paths, forms):
    """Each visitor posts its form at the same instant; the answers in the same order."""
    return all_at_once(
        (lambda v=v, p=p, f=f: v.request(p, f)) for v, p, f in zip(visitors, paths, forms, strict=True)
    )


def open_class(app) -> str:
    """A school's class, as its teacher makes it; returns the code the class is given."""
    with app.app_context():
        teacher = User(full_name="Théo Prof", email="prof@example.org")
        teacher.set_password(PASSWORD)
        db.session.add(teacher)
        school = orgs.create_organisation("ecole", "École", "school")
        orgs.set_role(school, teacher, "teacher")
        code = schools.create_class(school, teacher, "BTS 1", "2026-2027", "").join_code
        db.session.commit()
        return code


def acknowledged(answers) -> list[int]:
    """The attempt ids the learner was shown (a redirect to the attempt's page)."""
    return [int(m.group(1)) for a in answers if (m := ATTEMPT.search(a.location))]


def recorded(app) -> list[int]:
    """The ids of the attempts kept in the database."""
    with app.app_context():
        return list(db.session.scalars(select(QuizAttempt.id).order_by(QuizAttempt.id)))


def test_a_class_signs_up_joins_and_submits_a_quiz_at_the_same_instant(served):
    base, app = served
    visitors = [Visitor(base) for _ in range(CLASS_SIZE)]

    forms = [signup_form(v, n) for n, v in enumerate(visitors)]
    signups = post_all(visitors, ["/account/register"] * CLASS_SIZE, forms)
    assert [a.status for a in signups] == [302] * CLASS_SIZE  # no 500, and no form refused
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == CLASS_SIZE

    code = open_class(app)
    forms = [v.form_of("/join") | {"code": code} for v in visitors]
    joins = post_all(visitors, ["/join"] * CLASS_SIZE, forms)
    assert [a.status for a in joins] == [302] * CLASS_SIZE
    with app.app_context():
        assert db.session.scalar(select(func.count(Enrolment.id))) == CLASS_SIZE

    forms = [quiz_form(v, QUIZZES[0], app, rightly=False) for v in visitors]
    submissions = post_all(visitors, [QUIZZES[0]] * CLASS_SIZE, forms)
    assert [a.status for a in submissions] == [302] * CLASS_SIZE
    ids = acknowledged(submissions)
    assert len(ids) == CLASS_SIZE  # each learner was shown their graded attempt
    assert recorded(app) == sorted(ids)  # and each one is kept, once


def test_one_learner_submitting_the_same_quizzes_many_times_at_once(served):
    """Double clicks and tabs: one attempt per open draw, never a 500, one certificate."""
    base, app = served
    learner = Visitor(base)
    assert learner.request("/account/register", signup_form(learner, 1)).status == 302
    with app.app_context():  # the address confirmed, as from the mailed link: certificates need it
        confirming = f"/account/confirm/{confirmation.make_token(db.session.scalar(select(User)))}"
    assert learner.request(confirming, learner.form_of(confirming)).status == 302

    forms = {url: quiz_form(learner, url, app, rightly=True) for url in QUIZZES}
    paths = QUIZZES * 10
    both = post_all([learner] * 20, paths, [forms[path] for path in paths])
    assert [a.status for a in both] == [302] * 20
    assert len(acknowledged(both)) == 2  # one per quiz; the others were told it was already sent
    assert recorded(app) == sorted(acknowledged(both))

    final = quiz_form(learner, FINAL, app, rightly=True)
    finals = post_all([learner] * 20, [FINAL] * 20, [final] * 20)
    assert [a.status for a in finals] == [302] * 20
    assert len(acknowledged(finals)) == 1
    assert recorded(app) == sorted(acknowledged(both) + acknowledged(finals))
    with app.app_context():
        assert db.session.scalar(select(func.count(Certificate.id))) == 1

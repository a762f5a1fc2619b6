"""One learner's submissions queue behind each other; a deadlock victim is graded on a second try."""

import re
import threading

import pytest
from psycopg.errors import DeadlockDetected, UniqueViolation
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from app.accounts.models import User
from app.catalog.importer import import_course
from app.catalog.models import Module
from app.content.checker import check_root
from app.extensions import db
from app.learning import services
from app.learning.models import ModuleProgress, QuizAttempt
from tests.conftest import FIXTURES

QUIZ = "/courses/pools-fixture/mots-de-passe/quiz"


@pytest.fixture
def pools(app):
    for doc in check_root(FIXTURES / "content" / "pools").courses:
        import_course(doc)
    db.session.commit()


def test_simultaneous_submissions_of_one_learner_all_count(app, make_user, pools):
    """Each thread is a request of its own (own session, own connection), released together."""
    user_id = make_user().id
    module_id = db.session.scalar(select(Module.id).where(Module.slug == "mots-de-passe"))
    db.session.close()  # this thread holds no transaction while the others write
    gun = threading.Barrier(10, timeout=60)
    errors = []

    def submit():
        gun.wait()
        with app.app_context():
            try:
                user, module = db.session.get(User, user_id), db.session.get(Module, module_id)
                services.submit_quiz(user, module, {})
                db.session.commit()
            except Exception as error:  # reported below, with its kind
                errors.append(error)

    threads = [threading.Thread(target=submit) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []  # on PostgreSQL the attempt used to be inserted before the lock: deadlocks
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 10
    assert db.session.scalar(select(ModuleProgress.attempts)) == 10


def _open_draw_answered(client) -> dict:
    """The learner's open draw, each question answered with the first option shown."""
    page = client.get(QUIZ).get_data(as_text=True)
    form = dict(re.findall(r'name="(draw|version)" type="hidden" value="([^"]*)"', page))
    for name, value in re.findall(r'<input[^>]*name="(q\d+)"[^>]*value="([^"]*)"', page):
        form.setdefault(name, value)
    return form


def _failing_once(monkeypatch, error):
    """Make the first submission fail with *error* once its attempt is written; count the calls."""
    real, calls = services.submit_quiz, []

    def submit_quiz(*args, **kwargs):
        calls.append(args)
        result = real(*args, **kwargs)
        if len(calls) == 1:
            db.session.flush()
            raise error
        return result

    monkeypatch.setattr(services, "submit_quiz", submit_quiz)
    return calls


def test_a_submission_chosen_as_deadlock_victim_is_graded_on_a_second_try(
    client, auth, make_user, pools, monkeypatch
):
    auth.login(make_user().email)
    form = _open_draw_answered(client)
    calls = _failing_once(monkeypatch, OperationalError("SELECT", {}, DeadlockDetected("deadlock detected")))
    response = client.post(QUIZ, data=form)
    assert response.status_code == 302 and "/attempts/" in response.location
    assert len(calls) == 2
    # The rolled-back try left nothing behind: one attempt, counted once.
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 1
    assert db.session.scalar(select(ModuleProgress.attempts)) == 1


def test_other_database_errors_are_not_retried(client, auth, make_user, pools, monkeypatch):
    auth.login(make_user().email)
    form = _open_draw_answered(client)
    calls = _failing_once(monkeypatch, IntegrityError("INSERT", {}, UniqueViolation("duplicate key")))
    with pytest.raises(IntegrityError):
        client.post(QUIZ, data=form)
    assert len(calls) == 1

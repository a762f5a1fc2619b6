"""On SQLite a quiz page takes the write lock only on the visit that draws its questions
(app.extensions.start_writing, app.learning.draws.open_draw): a learner coming back to the same
questions waits for no one, even while another request holds the lock."""

import sqlite3
import time

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.learning.models import QuizDraw
from tests.conftest import counted_statements
from tests.learning import test_learning
from tests.learning.test_learning import QUIZ

learner = test_learning.learner  # a fixture


@pytest.fixture
def on_sqlite(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    return app


def begins(statements: list[str]) -> list[str]:
    return [s for s in statements if s.startswith("BEGIN")]


def test_only_the_visit_that_draws_takes_the_write_lock(client, course, learner, on_sqlite):
    db.session.commit()  # each request starts afresh, as on a server
    with counted_statements() as first:
        page = client.get(QUIZ)
    assert page.status_code == 200
    # The reading transaction ended when the draw had to be made; the draw is written under the lock.
    assert begins(first)[:1] == ["BEGIN"] and "BEGIN IMMEDIATE" in begins(first)
    assert db.session.scalar(select(func.count(QuizDraw.id))) == 1
    db.session.commit()
    with counted_statements() as again:
        assert client.get(QUIZ).get_data() == page.get_data()  # the same questions, in the same order
    assert begins(again) == ["BEGIN"]


def test_coming_back_to_a_quiz_waits_for_no_writer(client, course, learner, on_sqlite):
    assert client.get(QUIZ).status_code == 200  # the draw is made
    db.session.commit()
    writer = sqlite3.connect(db.engine.url.database, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another request writing (a submission, a sign-up)
    try:
        started = time.monotonic()
        assert client.get(QUIZ).status_code == 200
        assert time.monotonic() - started < 2  # not the 30 s busy timeout
    finally:
        writer.execute("ROLLBACK")
        writer.close()

"""The catalogue page states how much there is to learn."""

from app.extensions import db
from tests.conftest import text_of


def test_the_catalogue_states_its_total_duration(client, course):
    course.duration = 95
    db.session.commit()
    summary = "1 course, 1\u00a0h\u00a035\u00a0min of reading and quizzes in all."
    assert summary in text_of(client.get("/courses"))


def test_the_total_is_translated(client, course):
    text = text_of(client.get("/courses", headers={"Accept-Language": "fr"}))
    assert "1 formation, " in text and "de lecture et de quiz en tout." in text

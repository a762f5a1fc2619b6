"""The learning record written by the services, in their transaction, and the time-spent caps."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.catalog.models import Module
from app.extensions import db
from app.learning import services as learning
from app.models_base import utcnow
from app.record import statements, time
from app.record.models import LearningEvent
from tests.conftest import counted_statements
from tests.learning.test_learning import COURSE, QUIZ, answers, learner  # noqa: F401

READ = f"{COURSE}/consentement/read"
TIME = f"{COURSE}/consentement/time"


def module(slug: str) -> Module:
    return db.session.scalar(select(Module).where(Module.slug == slug))


def events(user=None) -> list[LearningEvent]:
    query = select(LearningEvent).order_by(LearningEvent.id)
    if user is not None:
        query = query.where(LearningEvent.user_id == user.id)
    return list(db.session.scalars(query))


def complete(client, course):
    client.post(QUIZ, data=answers(client, course, "1", ["0", "1"]))
    client.post(READ)
    client.post(f"{COURSE}/bonnes-pratiques/read")


def test_a_whole_course_leaves_the_expected_statements(client, course, learner):  # noqa: F811
    complete(client, course)
    found = events(learner)
    assert [e.verb for e in found] == [
        "registered",
        "answered",
        "answered",
        "passed",
        "read",
        "read",
        "completed",
        "earned",
    ]
    registration = statements.registration("https://cadre.example", learner.id, course.id)
    assert {e.statement["context"]["registration"] for e in found} == {registration}
    assert all(e.course_id == course.id and e.organisation_id is None for e in found)
    assert {e.statement_id for e in found} == {e.statement["id"] for e in found}
    quiz = found[3]
    assert quiz.module_id == module("cadre-legal").id
    assert quiz.statement["result"]["score"] == {"scaled": 1.0, "raw": 2, "min": 0, "max": 2}
    assert quiz.statement["object"]["id"] == "https://cadre.example/courses/voix-et-ia/cadre-legal/quiz"
    assert found[4].statement["object"]["id"] == "https://cadre.example/courses/voix-et-ia/consentement"
    assert found[7].statement["object"]["id"].startswith("https://cadre.example/certificates/")


def test_marking_read_twice_records_once_and_a_failed_quiz_is_failed(client, course, learner):  # noqa: F811
    client.post(READ)
    client.post(READ)
    client.post(QUIZ, data=answers(client, course, "0", ["2"]))
    assert [e.verb for e in events(learner)] == ["registered", "read", "answered", "answered", "failed"]
    assert events(learner)[-1].statement["result"]["success"] is False


def test_a_rolled_back_change_leaves_no_event(app, course, make_user):
    user = make_user()
    with app.test_request_context():
        learning.mark_read(user, module("consentement"))
        assert db.session.scalar(select(func.count(LearningEvent.id))) == 2  # registered, read
        db.session.rollback()
    assert db.session.scalar(select(func.count(LearningEvent.id))) == 0


def test_a_quiz_submission_inserts_its_events_in_one_statement(client, course, learner):  # noqa: F811
    data = answers(client, course, "1", ["0", "1"])
    with counted_statements() as statements:
        client.post(QUIZ, data=data)
    inserts = [s for s in statements if s.startswith("INSERT INTO learning_events")]
    assert len(events(learner)) == 4 and len(inserts) == 1


# Time spent --------------------------------------------------------------------------------------


def test_time_reports_are_recorded_and_the_module_read_carries_their_sum(client, course, learner):  # noqa: F811
    assert client.post(TIME, data={"seconds": "120"}).status_code == 204
    [spent] = [e for e in events(learner) if e.verb == "experienced"]
    assert spent.duration_seconds == 120
    assert spent.statement["result"]["duration"] == "PT2M"
    client.post(READ)
    read = events(learner)[-1]
    assert read.verb == "read" and read.duration_seconds == 120
    assert read.statement["result"]["duration"] == "PT2M"


def test_a_report_is_capped_by_the_time_since_the_previous_one(client, course, learner):  # noqa: F811
    client.post(TIME, data={"seconds": "60"})
    client.post(TIME, data={"seconds": "300"})  # a second report at once: only the slack is believed
    spent = [e.duration_seconds for e in events(learner) if e.verb == "experienced"]
    assert spent[0] == 60 and spent[1] <= time.SLACK + 1


def test_a_report_is_capped_per_report_and_per_module_and_day(app, course, make_user):
    user = make_user()
    reading = module("consentement")  # 15 minutes: 60 minutes a day at most
    now = utcnow().replace(hour=8, minute=0)
    with app.test_request_context():
        assert time.accept(user, reading, 10_000, now) == time.REPORT_MAX
        credited = [time.accept(user, reading, 300, now + timedelta(minutes=10 * i)) for i in range(1, 20)]
    assert sum(credited) + time.REPORT_MAX == time.daily_cap(reading) == 60 * 60
    assert credited[-1] == 0
    with app.test_request_context():  # the next day starts afresh
        assert time.accept(user, reading, 200, now + timedelta(days=1)) == 200


def test_the_slack_does_not_add_up_over_many_small_reports(app, course, make_user):
    """A report every 15 s claiming 30 s (the time since the previous one plus the slack) would
    credit twice the time that passed: over any ten minutes, no more than ten minutes (and slack)."""
    user = make_user()
    modules = [module("consentement"), module("cadre-legal")]  # spread over modules: no daily cap
    start = utcnow().replace(hour=8, minute=0)
    with app.test_request_context():
        credited = [
            time.accept(user, modules[i % 2], 30, start + timedelta(seconds=15 * i)) for i in range(1, 81)
        ]
    elapsed = 15 * 80  # twenty minutes of reports
    assert sum(credited) <= elapsed + time.SLACK * 2, (sum(credited), elapsed)


def test_time_reports_of_anonymous_visitors_are_ignored(client, course):
    assert client.post(TIME, data={"seconds": "60"}).status_code == 204
    assert events() == []


@pytest.mark.parametrize("seconds", ["", "0", "-5", "abc", "999999"])
def test_a_malformed_report_is_refused(client, course, learner, seconds):  # noqa: F811
    assert client.post(TIME, data={"seconds": seconds}).status_code == 400
    assert events(learner) == []


def test_the_module_page_loads_the_script_for_signed_in_learners_only(client, course, make_user, auth):
    page = client.get(f"{COURSE}/consentement").get_data(as_text=True)
    assert "js/time.js" not in page
    auth.login(make_user().email)
    page = client.get(f"{COURSE}/consentement").get_data(as_text=True)
    assert "js/time.js" in page and f'data-url="{TIME}"' in page and "data-token=" in page


def test_time_reports_need_the_csrf_token_in_the_form_or_a_header(database_url):
    from app.catalog.importer import import_course
    from app.content.checker import check_root
    from tests.conftest import VALID_CONTENT, csrf_token_from, signed_in_with_csrf

    with signed_in_with_csrf(database_url) as (_app, client, user):
        for doc in check_root(VALID_CONTENT).courses:
            import_course(doc)
        db.session.commit()
        token = csrf_token_from(
            client.get(f"{COURSE}/consentement")
            .get_data(as_text=True)
            .replace('data-token="', 'name="csrf_token" value="')
        )
        assert client.post(TIME, data={"seconds": "30"}).status_code == 400
        assert client.post(TIME, data={"seconds": "30", "csrf_token": token}).status_code == 204  # beacon
        assert client.post(TIME, data={"seconds": "5"}, headers={"X-CSRFToken": token}).status_code == 204
        assert [e.verb for e in events(user)] == ["registered", "experienced", "experienced"]

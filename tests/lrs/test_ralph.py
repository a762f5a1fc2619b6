"""Statements sent to a real Learning Record Store (Ralph) come back identical, validate against
the xAPI LMS profile, and survive the store being down: nothing lost, nothing twice."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.catalog.models import Module
from app.extensions import db
from app.learning.services import mark_read, submit_quiz
from app.lrs import forwarding
from app.lrs.models import RecordStore
from app.models_base import utcnow
from app.record.models import LearningEvent
from app.record.statements import registration
from tests.conftest import PASSWORD, VALID_CONTENT, fresh_schema, make_app, text_of
from tests.lrs import ralph as ralph_lrs


def learn_everything(user: User, course) -> None:
    """The learner reads every module and passes every quiz, a commit each, as the pages do."""
    for module in db.session.scalars(select(Module).where(Module.course_id == course.id).order_by(Module.id)):
        if module.has_quiz:
            answers = {
                q.key: [i for i, choice in enumerate(q.choices) if choice["correct"]]
                for q in module.questions
            }
            submit_quiz(user, module, answers)
        else:
            mark_read(user, module)
        db.session.commit()


def cadre_statements(user: User | None = None) -> list[dict]:
    query = select(LearningEvent.statement).order_by(LearningEvent.id)
    if user is not None:
        query = query.where(LearningEvent.user_id == user.id)
    return list(db.session.scalars(query))


def as_sent(stored: dict, sent: dict) -> dict:
    """The store's copy, with only the fields Cadre sent (it adds stored, authority, version)."""
    return {key: stored[key] for key in sent if key in stored}


def send_behind() -> tuple[int, int]:
    """What the clock does, from a process whose session holds no transaction (as the tick's)."""
    db.session.commit()  # SQLite: this session's open transaction would lock the sender out
    return forwarding.send_behind()


def operator_store() -> RecordStore:
    db.session.expire_all()
    return db.session.scalar(select(RecordStore).where(RecordStore.operator.is_(True)))


@pytest.fixture
def operator_app(tmp_path, ralph):
    """An app whose operator sends every statement to the running Ralph (cron sends: no Redis)."""
    app = make_app(
        f"sqlite:///{tmp_path / 'test.sqlite'}",
        LRS_ENDPOINT=ralph.endpoint,
        LRS_USERNAME=ralph_lrs.USERNAME,
        LRS_PASSWORD=ralph_lrs.PASSWORD,
        LRS_BATCH_SIZE=4,  # several batches, so order and the cursor between them are exercised
        LRS_TIMEOUT_SECONDS=5,
    )
    with fresh_schema(app):
        yield app


def imported_course():
    from app.catalog.importer import import_course
    from app.catalog.models import Course
    from app.content.checker import check_root

    for doc in check_root(VALID_CONTENT).courses:
        import_course(doc)
    db.session.commit()
    return db.session.scalars(select(Course).order_by(Course.id)).first()


def new_learner(email: str) -> User:
    user = User(full_name="Léa Apprenante", email=email)
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.commit()
    return user


def test_statements_reach_the_store_identical_and_survive_an_outage(operator_app, ralph):
    course, learner = imported_course(), new_learner("lea@example.org")
    learn_everything(learner, course)
    sent = cadre_statements(learner)
    assert len(sent) >= 4 and {s["verb"]["id"].rsplit("/", 1)[-1] for s in sent} >= {
        "registered",
        "completed",
    }

    # The clock sends, in batches of 4, and the store gives back what Cadre sent.
    assert send_behind() == (len(sent), 0)
    stored = ralph.statements(registration=registration("https://cadre.example", learner.id, course.id))
    by_id = {s["id"]: s for s in stored}
    assert len(stored) == len(by_id) == len(sent)
    for statement in sent:
        assert as_sent(by_id[statement["id"]], statement) == statement
    store = operator_store()
    assert store.last_event_id == db.session.scalar(select(func.max(LearningEvent.id)))
    assert store.last_error is None and store.delivered_at is not None

    # The registration follows the xAPI LMS profile, as Ralph's own validator checks it.
    registered = [s for s in sent if s["verb"]["id"].endswith("/registered")]
    total, invalid, log = ralph.validate(registered)
    assert (total, invalid) == (1, 0), log

    # The store goes down: a second learner's statements wait, the error is kept, nothing moves.
    ralph.stop()
    other = new_learner("noe@example.org")
    learn_everything(other, course)
    cursor = store.last_event_id
    assert send_behind() == (0, 1)
    store = operator_store()
    assert store.last_event_id == cursor
    assert store.failures == 1 and store.last_error and store.next_try_at > utcnow()
    assert send_behind() == (0, 1)  # pausing: not even tried again
    assert operator_store().failures == 1

    # Back up; once the pause is over, the tick (cron) delivers the rest.
    ralph.start()
    store.next_try_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    result = operator_app.test_cli_runner().invoke(args=["notifications", "tick"])
    assert result.exit_code == 0, result.output
    assert f"{len(cadre_statements(other))} statements sent to learning record stores" in result.output
    everything = ralph.statements()
    ids = [s["id"] for s in everything]
    assert len(ids) == len(set(ids)) == len(cadre_statements())  # nothing lost, nothing twice
    by_id = {s["id"]: s for s in everything}
    for statement in cadre_statements():
        assert as_sent(by_id[statement["id"]], statement) == statement
    store = operator_store()
    assert store.last_event_id == db.session.scalar(select(func.max(LearningEvent.id)))
    assert store.failures == 0 and store.last_error is None


def test_with_sending_on_commit_statements_are_in_the_store_once_committed(tmp_path, ralph):
    """What a queue does (here run at once, as in tests): the commit that records, sends."""
    app = make_app(
        f"sqlite:///{tmp_path / 'test.sqlite'}",
        LRS_ENDPOINT=ralph.endpoint + "/",  # a trailing slash is fine
        LRS_USERNAME=ralph_lrs.USERNAME,
        LRS_PASSWORD=ralph_lrs.PASSWORD,
        LRS_SEND_ON_COMMIT=True,
    )
    with fresh_schema(app):
        imported_course()
        learner = new_learner("lea@example.org")
        module = db.session.scalars(select(Module).where(Module.has_quiz.is_(False))).first()
        mark_read(learner, module)
        db.session.commit()
        assert sorted(s["id"] for s in ralph.statements()) == sorted(s["id"] for s in cadre_statements())
        assert operator_store().last_event_id == db.session.scalar(select(func.max(LearningEvent.id)))


def test_a_publisher_admin_sets_and_tests_its_store_and_gets_only_its_courses(client, auth, publisher, ralph):
    org, people = publisher
    page = "/workspace/syndicat/settings/record-store"
    auth.login(people["admin"].email)
    client.post(page, data={"endpoint": ralph.endpoint, "username": ralph_lrs.USERNAME, "password": "wrong"})
    tested = text_of(client.post(f"{page}/test", follow_redirects=True))
    assert "refused the connection: HTTP 401" in tested
    client.post(
        page,
        data={"endpoint": ralph.endpoint, "username": ralph_lrs.USERNAME, "password": ralph_lrs.PASSWORD},
    )
    tested = text_of(client.post(f"{page}/test", follow_redirects=True))
    assert "The store answered and accepted the user name and password." in tested

    course = imported_course()
    bundled_learner, learner = new_learner("noe@example.org"), new_learner("lea@example.org")
    learn_everything(bundled_learner, course)  # while the course is Cadre's own: not theirs
    course.organisation_id = org.id  # now the publisher's
    db.session.commit()
    learn_everything(learner, course)
    theirs = cadre_statements(learner)
    assert send_behind() == (len(theirs), 0)
    assert sorted(s["id"] for s in ralph.statements()) == sorted(s["id"] for s in theirs)
    shown = text_of(client.get(page))
    assert "0 statements" in shown and "Last error" not in shown

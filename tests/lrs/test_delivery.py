"""Sending, against a store faked in a thread: headers, batches in order, the cursor moving only on
success, errors kept with a pause, one sender at a time, and when jobs are queued."""

import base64
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import jobs
from app.extensions import db
from app.learning.services import mark_read
from app.lrs import delivery, forwarding, services
from app.lrs.models import RecordStore
from app.models_base import utcnow
from app.record.models import LearningEvent


class FakeStore:
    """An LRS that answers each POST with the next status given (200 once they run out)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                fake.requests.append(
                    {
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": json.loads(body),
                    }
                )
                status = fake.statuses.pop(0) if fake.statuses else 200
                self.send_response(status)
                if status == 302:
                    self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                payload = b"[]" if status == 200 else b'{"detail": "down for maintenance"}'
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_port}/xAPI"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def sent_ids(self) -> list[str]:
        return [s["id"] for request in self.requests for s in request["body"]]


@pytest.fixture
def fake_store():
    store = FakeStore()
    yield store
    store.server.shutdown()
    store.server.server_close()


@pytest.fixture
def events(app, course, make_user, publisher):
    """Five learners read a module of the publisher's course: ten events (registered, read)."""
    org, _ = publisher
    course.organisation_id = org.id
    module = next(m for m in course.modules if not m.has_quiz)
    for n in range(5):
        mark_read(make_user(email=f"learner{n}@example.org"), module)
    db.session.commit()
    return list(db.session.scalars(select(LearningEvent).order_by(LearningEvent.id)))


def send() -> delivery.Outcome:
    store_id = db.session.scalar(select(RecordStore.id))
    db.session.commit()  # SQLite: no transaction of this session may hold the lock meanwhile
    outcome = delivery.deliver(store_id)
    db.session.expire_all()
    return outcome


def test_batches_go_in_order_with_the_xapi_headers_and_move_the_cursor(app, events, publisher, fake_store):
    org, _ = publisher
    app.config["LRS_BATCH_SIZE"] = 4
    services.save_store(org, fake_store.endpoint, "cadre", "pa:ss")
    outcome = send()
    assert outcome.sent == len(events) and outcome.error is None
    assert [len(r["body"]) for r in fake_store.requests] == [4, 4, 2]
    assert fake_store.sent_ids() == [e.statement_id for e in events]
    headers = fake_store.requests[0]["headers"]
    assert fake_store.requests[0]["path"] == "/xAPI/statements"
    assert headers["x-experience-api-version"] == "1.0.3" and headers["content-type"] == "application/json"
    assert base64.b64decode(headers["authorization"].removeprefix("Basic ")) == b"cadre:pa:ss"
    store = services.store_of(org)
    assert store.last_event_id == events[-1].id and store.delivered_at is not None
    assert send().sent == 0 and len(fake_store.requests) == 3  # nothing new: nothing sent


@pytest.mark.parametrize(("status", "said"), [(503, 'HTTP 503: {"detail": "down'), (302, "HTTP 302")])
def test_an_error_leaves_the_cursor_and_pauses_the_store(app, events, publisher, fake_store, status, said):
    org, _ = publisher
    app.config["LRS_BATCH_SIZE"] = 4
    services.save_store(org, fake_store.endpoint, "cadre", "pw")
    fake_store.statuses = [200, status]
    outcome = send()
    assert outcome.sent == 4 and outcome.error.startswith(said)
    store = services.store_of(org)
    assert store.last_event_id == events[3].id  # the first batch only
    assert store.failures == 1 and store.last_error.startswith(said)
    assert timedelta(seconds=55) < store.next_try_at - utcnow() <= timedelta(seconds=60)
    assert send().sent == 0 and len(fake_store.requests) == 2  # pausing: not tried
    store_id = store.id
    db.session.commit()
    assert delivery.deliver(store_id, force=True).sent == len(events) - 4  # (a new setting forces)
    db.session.expire_all()
    assert fake_store.sent_ids() == [e.statement_id for e in events[:8]] + [
        e.statement_id for e in events[4:]
    ]
    store = services.store_of(org)
    assert store.failures == 0 and store.last_error is None and store.last_event_id == events[-1].id


def test_an_address_http_client_cannot_send_is_kept_as_the_store_error(app, events, publisher):
    """Not an exception out of the tick, which would stop it before the other stores."""
    org, _ = publisher
    services.save_store(org, "http://127.0.0.1:9/xAPI/é", "cadre", "pw")
    outcome = send()
    assert outcome.sent == 0 and outcome.error.startswith("invalid address")
    store = services.store_of(org)
    assert store.failures == 1 and store.last_error.startswith("invalid address")
    assert store.next_try_at is not None and store.last_event_id == 0


def test_the_pause_doubles_up_to_an_hour():
    assert [delivery.pause_after(n).total_seconds() for n in (1, 2, 3, 7, 8, 50)] == [
        60, 120, 240, 3600, 3600, 3600
    ]  # fmt: skip


def test_a_store_another_sender_holds_is_left_to_it(app, events, publisher, fake_store):
    org, _ = publisher
    store = services.save_store(org, fake_store.endpoint, "cadre", "pw")
    store.claim_token, store.claimed_until = "someone-else", utcnow() + timedelta(seconds=60)
    assert send().sent == 0 and fake_store.requests == []
    store = services.store_of(org)
    store.claimed_until = utcnow() - timedelta(seconds=1)  # that sender died: its claim expired
    assert send().sent == len(events)


def test_the_operator_store_gets_every_statement_from_the_environment(app, course, make_user, fake_store):
    app.config.update(LRS_ENDPOINT=fake_store.endpoint, LRS_USERNAME="operator", LRS_PASSWORD=1234)
    mark_read(make_user(), next(m for m in course.modules if not m.has_quiz))  # a bundled course
    db.session.commit()
    assert forwarding.send_behind() == (2, 0)
    auth = fake_store.requests[0]["headers"]["authorization"].removeprefix("Basic ")
    assert base64.b64decode(auth) == b"operator:1234"  # CADRE_LRS_PASSWORD=1234 arrives as a number
    # Another store at another address starts from the first statement again.
    other = FakeStore()
    try:
        app.config["LRS_ENDPOINT"] = other.endpoint
        assert forwarding.send_behind() == (2, 0) and len(other.sent_ids()) == 2
    finally:
        other.server.shutdown()
        other.server.server_close()
    assert db.session.scalar(select(db.func.count()).select_from(RecordStore)) == 1


@pytest.fixture
def queued(monkeypatch) -> list:
    calls = []
    monkeypatch.setattr(jobs, "enqueue", lambda func, *args: calls.append((func.__name__, args)))
    return calls


def test_a_commit_of_events_queues_a_send_only_with_a_queue_and_a_store(
    app, course, make_user, publisher, queued
):
    org, _ = publisher
    course.organisation_id = org.id
    module = next(m for m in course.modules if not m.has_quiz)
    learner = make_user()
    mark_read(learner, module)
    db.session.commit()
    assert queued == []  # no store anywhere
    services.save_store(org, "http://127.0.0.1:9/xAPI", "cadre", "pw")
    db.session.commit()
    learner = make_user()
    mark_read(learner, module)
    db.session.commit()
    assert queued == []  # no Redis: the web process would wait for the store; cron sends
    app.config["REDIS_URL"] = "redis://127.0.0.1:9/0"  # (enqueue is replaced: never reached)
    mark_read(make_user(), module)
    db.session.rollback()
    assert queued == []  # rolled back: nothing to send
    mark_read(make_user(), module)
    db.session.commit()
    assert queued == [("forward_new_events", (org.id,))]


def test_the_tick_says_nothing_of_stores_when_there_is_none(cli):
    result = cli("notifications", "tick")
    assert result.exit_code == 0 and "record stores" not in result.output


def test_a_gap_before_recent_events_waits_for_the_transaction_that_may_fill_it(app, publisher, make_user):
    """PostgreSQL gives ids at insert time: id 3 may commit after 4. Until 4 is old enough for
    the gap to be a rollback, nothing from the gap on is sent, or 3 would be skipped for ever."""
    org, _ = publisher
    learner, now = make_user(), utcnow()

    def add(event_id: int, age: int) -> None:
        statement = {"id": f"00000000-0000-4000-8000-{event_id:012d}", "actor": {}, "verb": {}, "object": {}}
        db.session.add(
            LearningEvent(
                id=event_id,
                statement_id=statement["id"],
                user_id=learner.id,
                organisation_id=org.id,
                verb="read",
                occurred_at=now - timedelta(seconds=age),
                statement=statement,
            )
        )
        db.session.commit()

    add(1, 600)
    add(2, 5)
    add(4, 1)  # 3: another transaction, still running
    with Session(db.engine) as session:
        assert delivery.settled_until(session, utcnow()) == 2
    add(3, 2)
    with Session(db.engine) as session:
        assert delivery.settled_until(session, utcnow()) is None
        assert delivery.settled_until(session, now + timedelta(seconds=3600)) is None  # nothing recent
    db.session.delete(db.session.get(LearningEvent, 3))  # it rolled back after all: a hole for good
    db.session.commit()
    with Session(db.engine) as session:
        assert delivery.settled_until(session, utcnow()) == 2
        assert delivery.settled_until(session, now + timedelta(seconds=61)) is None


def test_the_commands_send_and_list_the_stores(cli, cli_app, fake_store, monkeypatch):
    monkeypatch.setenv("CADRE_LRS_PASSWORD", "1e5")  # read as written, not as JSON's 100000.0
    cli_app.config.update(LRS_ENDPOINT=fake_store.endpoint, LRS_USERNAME="operator", LRS_PASSWORD=100000.0)
    result = cli("lrs", "send")
    assert result.exit_code == 0 and "0 statements sent to learning record stores." in result.output
    result = cli("lrs", "status")
    assert f"operator  {fake_store.endpoint}  cursor=0  waiting=0  delivered=-" in result.output
    assert delivery.operator_target().password == "1e5"

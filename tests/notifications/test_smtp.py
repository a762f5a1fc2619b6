"""Notification e-mails reach a real SMTP server started here, through the job queue; a server
that refuses, or none at all, leaves the notification pending until a retry delivers it."""

import os
import secrets
import socket
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
import redis
from aiosmtpd.controller import Controller
from sqlalchemy import update

from app import jobs
from app.accounts.models import User
from app.catalog.importer import import_course
from app.catalog.models import Course
from app.content.checker import check_root
from app.extensions import db
from app.models_base import utcnow
from app.notifications.models import MAIL_PENDING, MAIL_SENT, Notification
from app.orgs import services as orgs
from app.schools import services as schools
from tests.conftest import PASSWORD, VALID_CONTENT, make_app
from tests.notifications.conftest import notifications_of
from tests.test_jobs import run_worker

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


class Inbox:
    """An SMTP handler keeping what it receives; it can answer 451 (try later) a number of times."""

    def __init__(self):
        self.messages = []
        self.raw = []
        self.refusals_left = 0

    async def handle_DATA(self, server, session, envelope):
        if self.refusals_left:
            self.refusals_left -= 1
            return "451 4.3.0 Mailbox busy, try again later"
        self.raw.append(envelope.content)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


def mail_config(port: int) -> dict:
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_USE_TLS": False}


def test_the_new_assignment_mail_reaches_the_smtp_server(app, smtp, school, course):
    inbox, port = smtp
    app.config.update(mail_config(port))
    klass, people = school
    schools.assign(klass, course, None, None, people["teacher"])
    db.session.commit()
    assert sorted(m["To"] for m in inbox.messages) == [people["classmate"].email, people["student"].email]
    mail = next(m for m in inbox.messages if m["To"] == people["student"].email)
    assert mail["Subject"] == f"New in BTS 2: {course.title}"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # On the wire the link is whole, as RFC 2369 has it: not folded into encoded words.
    assert b"\r\nList-Unsubscribe: <https://cadre.example/notifications/unsubscribe/" in inbox.raw[0]
    assert "https://cadre.example/courses/voix-et-ia" in mail.get_content()
    assert all(n.mail_state == MAIL_SENT for n in notifications_of(people["student"]))


def test_without_a_queue_an_smtp_failure_leaves_the_mail_pending_for_the_tick(
    app, smtp, school, course, runner
):
    inbox, port = smtp
    app.config.update(mail_config(free_port()))  # nothing listens there
    klass, people = school
    schools.assign(klass, course, None, None, people["teacher"])
    db.session.commit()
    assert inbox.messages == []
    [notice] = notifications_of(people["student"])
    assert notice.mail_state == MAIL_PENDING and notice.on_site  # not lost: in the list, mail to come
    # An hour later the server is back; cron's tick queues the mail again.
    app.config.update(mail_config(port))
    hour_ago = notice.created_at - timedelta(seconds=app.config["NOTIFICATIONS_MAIL_RETRY_AFTER"] + 1)
    db.session.execute(update(Notification).values(created_at=hour_ago))
    db.session.commit()
    result = runner.invoke(args=["notifications", "tick"])
    assert "2 e-mails queued again" in result.output, result.output
    assert sorted(m["To"] for m in inbox.messages) == [people["classmate"].email, people["student"].email]
    assert runner.invoke(args=["notifications", "tick"]).output.count("0 e-mails queued again") == 1


@pytest.fixture
def queued_school(tmp_path, smtp):
    """An app on Redis with a queue of its own and the SMTP server above, and a class."""
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        connection.ping()
    except redis.RedisError:
        if os.environ.get("CADRE_REQUIRE_REDIS"):
            pytest.fail("no Redis at TEST_REDIS_URL")
        pytest.skip("no Redis at TEST_REDIS_URL (default redis://127.0.0.1:6379/0)")
    inbox, port = smtp
    app = make_app(
        f"sqlite:///{tmp_path / 'test.sqlite'}",
        REDIS_URL=REDIS_URL,
        JOBS_QUEUE=f"cadre-test-{secrets.token_hex(6)}",
        JOBS_RETRY_INTERVALS=(0, 0),
        **mail_config(port),
    )
    with app.app_context():
        db.create_all()
        yield app, inbox
        queue = jobs.queue()
        for registry in (queue.failed_job_registry, queue.finished_job_registry):
            for job_id in registry.get_job_ids():
                registry.remove(job_id, delete_job=True)
        queue.delete(delete_jobs=True)
        db.session.remove()
        db.drop_all()
    connection.close()


def test_through_the_queue_a_refused_mail_is_retried_and_delivered_once(queued_school):
    app, inbox = queued_school
    for doc in check_root(VALID_CONTENT).courses:
        import_course(doc)
    org = orgs.create_organisation("ecole-image", "École de l’image", "school")
    teacher, student = (
        User(full_name="Théo", email="teacher@example.org", email_confirmed_at=utcnow()),
        User(full_name="Sami", email="student@example.org", email_confirmed_at=utcnow()),
    )
    for person in (teacher, student):
        person.set_password(PASSWORD)
        db.session.add(person)
    db.session.commit()
    orgs.set_role(org, teacher, "teacher")
    klass = schools.create_class(org, teacher, "BTS 2", "2026-2027", "")
    db.session.commit()
    schools.join_class(student, klass.join_code)
    db.session.commit()
    course = db.session.scalar(db.select(Course))

    inbox.refusals_left = 1  # the first try gets "451 try again later"
    schools.assign(klass, course, None, None, teacher)
    db.session.commit()
    assert inbox.messages == [] and jobs.queue().count == 1  # queued after the commit, not sent
    queue = jobs.queue()
    run_worker(app)
    assert [m["To"] for m in inbox.messages] == ["student@example.org"]
    assert inbox.refusals_left == 0 and len(queue.failed_job_registry) == 0
    [notice] = notifications_of(student)
    db.session.refresh(notice)
    assert notice.mail_state == MAIL_SENT

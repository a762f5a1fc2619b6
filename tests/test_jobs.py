"""Background jobs: on Redis a worker runs them, retries them with backoff and keeps the failures;
without Redis they still run, in the web process."""

import os
import secrets
import threading
import time

import pytest
import redis
from flask import current_app
from sqlalchemy import select
from werkzeug.test import EnvironBuilder

from app import jobs
from app.accounts.models import User
from app.admin.models import AuditEvent
from app.extensions import db
from tests.conftest import PASSWORD, make_app, text_of

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def remember(value: str) -> None:
    """A job: note a value where the test can see it."""
    current_app.extensions.setdefault("test_jobs", []).append(value)


def fail(reason: str) -> None:
    """A job that always fails, counting its attempts."""
    current_app.extensions.setdefault("test_attempts", []).append(reason)
    raise RuntimeError(reason)


def push_to_redis(key: str, value: str) -> None:
    """A job whose effect survives a forked worker child."""
    redis.Redis.from_url(current_app.config["REDIS_URL"]).rpush(key, value)


@pytest.fixture
def queued_app(tmp_path):
    """An app on the machine's Redis, with a queue of its own, emptied afterwards."""
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        connection.ping()
    except redis.RedisError:
        if os.environ.get("CADRE_REQUIRE_REDIS"):
            pytest.fail("no Redis at TEST_REDIS_URL")
        pytest.skip("no Redis at TEST_REDIS_URL (default redis://127.0.0.1:6379/0)")
    name = f"cadre-test-{secrets.token_hex(6)}"
    app = make_app(
        f"sqlite:///{tmp_path / 'test.sqlite'}",
        REDIS_URL=REDIS_URL,
        JOBS_QUEUE=name,
        JOBS_RETRY_INTERVALS=(0, 0),  # two retries, at once: the test need not wait for backoff
    )
    with app.app_context():
        yield app
        queue = jobs.queue()
        for registry in (queue.failed_job_registry, queue.finished_job_registry):
            for job_id in registry.get_job_ids():
                registry.remove(job_id, delete_job=True)
        queue.delete(delete_jobs=True)
    connection.close()


def run_worker(app) -> None:
    """Run the app's queue until it is empty, in this process."""
    queue = jobs.queue()
    jobs.worker_class(simple=True)([queue], connection=queue.connection).work(burst=True)


def test_a_queued_job_waits_for_the_worker(queued_app):
    jobs.enqueue(remember, "hello")
    assert "test_jobs" not in queued_app.extensions  # not run by the request or the caller
    assert jobs.queue().count == 1
    run_worker(queued_app)
    assert queued_app.extensions["test_jobs"] == ["hello"]
    assert jobs.queue().count == 0


def test_a_failing_job_is_retried_then_listed_as_failed(queued_app):
    jobs.enqueue(fail, "SMTP server said no")
    run_worker(queued_app)
    assert queued_app.extensions["test_attempts"] == ["SMTP server said no"] * 3  # 1 try + 2 retries
    queue = jobs.queue()
    assert len(queue.failed_job_registry) == 1
    job = queue.fetch_job(queue.failed_job_registry.get_job_ids()[0])
    assert job.retries_left == 0

    result = queued_app.test_cli_runner().invoke(args=["jobs", "failed"])
    assert result.exit_code == 0, result.output
    assert "tests.test_jobs:fail" in result.output
    assert "RuntimeError: SMTP server said no" in result.output
    assert "1 failed job in queue" in result.output


def test_the_retry_waits_longer_each_time(queued_app):
    queued_app.config["JOBS_RETRY_INTERVALS"] = (30, 120, 600)
    jobs.enqueue(remember, "later")
    job = jobs.queue().jobs[0]
    assert (job.retries_left, job.retry_intervals) == (3, [30, 120, 600])


def test_the_worker_command_runs_the_queue(queued_app):
    key = f"{queued_app.config['JOBS_QUEUE']}-result"
    jobs.enqueue(push_to_redis, key, "done")
    result = queued_app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code == 0, result.output
    connection = jobs.connection()
    assert connection.lrange(key, 0, -1) == [b"done"]
    connection.delete(key)


def test_without_redis_the_job_runs_in_the_process(app):
    assert not app.config["REDIS_URL"]
    jobs.enqueue(remember, "inline")
    assert app.extensions["test_jobs"] == ["inline"]


def page_that_queues(app) -> dict:
    """A page that queues a job, run as `make run` does (after the response); its WSGI environ."""
    app.config["JOBS_INLINE"] = "after-response"
    app.add_url_rule("/queue-a-job", "queue_a_job", lambda: (jobs.enqueue(remember, "sent"), "done")[1])
    return EnvironBuilder("/queue-a-job").get_environ()


def test_without_redis_the_job_runs_once_the_server_has_the_page(app):
    body = app(page_that_queues(app), lambda status, headers: None)
    assert "test_jobs" not in app.extensions  # the page first
    assert b"".join(body) == b"done"
    # Run once the server has taken the whole body, whether or not it closes it: Werkzeug's
    # server does not when the browser drops the connection on leaving.
    assert app.extensions["test_jobs"] == ["sent"]
    body.close()
    assert app.extensions["test_jobs"] == ["sent"]  # once


def test_without_redis_the_job_runs_when_the_page_is_closed_unread(app):
    body = app(page_that_queues(app), lambda status, headers: None)
    body.close()  # a server that gives up on sending it
    assert app.extensions["test_jobs"] == ["sent"]


def test_without_redis_an_empty_page_is_sent_before_the_job_runs(app):
    environ = page_that_queues(app)
    environ["REQUEST_METHOD"] = "HEAD"  # no body: the server sends the headers on a first write
    chunks = iter(app(environ, lambda status, headers: None))
    assert next(chunks) == b"" and "test_jobs" not in app.extensions
    assert list(chunks) == [] and app.extensions["test_jobs"] == ["sent"]


def test_without_redis_a_failing_job_is_logged_not_raised(app, caplog):
    jobs.enqueue(fail, "boom")
    assert app.extensions["test_attempts"] == ["boom"]
    assert "Background job tests.test_jobs:fail failed" in caplog.text


def test_job_commands_explain_that_redis_is_needed(app):
    result = app.test_cli_runner().invoke(args=["jobs", "failed"])
    assert result.exit_code == 1
    assert "REDIS_URL is not set" in result.output


def test_an_unreachable_redis_still_runs_the_job(app, caplog):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    jobs.enqueue(remember, "anyway")
    assert app.extensions["test_jobs"] == ["anyway"]
    assert "Redis unreachable" in caplog.text


def test_the_console_lists_failed_jobs_and_puts_one_back(queued_app):
    db.create_all()
    operator = User(full_name="Olga", email="olga@example.org", is_admin=True)
    operator.set_password(PASSWORD)
    db.session.add(operator)
    db.session.commit()
    client = queued_app.test_client()
    client.post("/account/login", data={"email": "olga@example.org", "password": PASSWORD})
    jobs.enqueue(fail, "SMTP server said no")
    run_worker(queued_app)
    [job_id] = jobs.queue().failed_job_registry.get_job_ids()

    assert ">1</a>" in text_of(client.get("/admin/"))  # the overview counts it
    page = text_of(client.get("/admin/jobs"))
    assert "tests.test_jobs:fail" in page and "RuntimeError: SMTP server said no" in page
    response = client.post(f"/admin/jobs/{job_id}/requeue", follow_redirects=True)
    assert "The job is back in the queue." in text_of(response)
    assert (jobs.queue().count, len(jobs.queue().failed_job_registry)) == (1, 0)
    assert db.session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "job.requeued")).all() == [
        job_id
    ]
    assert "No failed job." in text_of(client.get("/admin/jobs"))

    again = client.post(f"/admin/jobs/{job_id}/requeue", follow_redirects=True)
    assert "This job is no longer among the failed ones." in text_of(again)
    result = queued_app.test_cli_runner().invoke(args=["jobs", "requeue", job_id])
    assert result.exit_code == 1 and f"no failed job '{job_id}'" in result.output


def test_a_worker_ends_without_waiting_for_its_command_listener(queued_app):
    """rq's listener thread, having read the reply to its unsubscription before being told to stop,
    waits 60 s for a subscription; with redis-py 8.2, rq's own worker waited with it. Here the
    unsubscription returns only once the listener has read that reply, as in the race."""
    worker = jobs.worker_class(simple=True)([jobs.queue()], connection=jobs.queue().connection)
    worker.subscribe()
    send = worker.pubsub.unsubscribe

    def unsubscribe_and_let_the_listener_read_the_reply(*args):
        send(*args)
        deadline = time.monotonic() + 5
        while worker.pubsub.subscribed and time.monotonic() < deadline:
            time.sleep(0.01)

    worker.pubsub.unsubscribe = unsubscribe_and_let_the_listener_read_the_reply
    ended = threading.Event()
    started = time.monotonic()
    threading.Thread(target=lambda: (worker.unsubscribe(), ended.set()), daemon=True).start()
    assert ended.wait(5)
    assert time.monotonic() - started < 1 and not worker.pubsub_thread.is_alive()

"""L2: "forgot password" must do the same work whether the account exists or not.

With SMTP configured, the answer took 59 ms for an account and 9 ms for an unknown address: the
mail was sent inside the request. Now the view only queues one job, the same for both; looking the
account up and talking to SMTP happen in that job, after the answer.
"""

import logging

import pytest
from flask_babel import force_locale

from app import jobs, mail
from app.accounts import services
from app.extensions import db
from tests.limits.conftest import redis_url  # noqa: F401 - the machine's Redis or a skip
from tests.test_jobs import run_worker


class FakeSMTP:
    """Records what would have been sent; counts connections."""

    sent: list = []

    def __init__(self, host, port, timeout):
        FakeSMTP.sent.append(("connect", host))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        pass

    def send_message(self, message):
        FakeSMTP.sent.append(("send", message["To"]))


@pytest.fixture
def smtp(app, monkeypatch):
    app.config["MAIL_SERVER"] = "smtp.example"
    FakeSMTP.sent = []
    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    return FakeSMTP


@pytest.fixture
def lookups(monkeypatch):
    """Every account lookup by e-mail, wherever it happens."""
    seen = []
    real = services.find_user_by_email

    def spy(email):
        seen.append(email)
        return real(email)

    monkeypatch.setattr(services, "find_user_by_email", spy)
    return seen


def test_the_view_does_the_same_work_for_known_and_unknown_addresses(
    app, client, make_user, smtp, lookups, monkeypatch
):
    make_user(email="zoe@example.org")
    queued = []
    monkeypatch.setattr(jobs, "enqueue", lambda func, *args: queued.append((func, args)))

    known = client.post("/account/forgot", data={"email": "zoe@example.org"})
    unknown = client.post("/account/forgot", data={"email": "nobody@example.org"})

    assert known.status_code == unknown.status_code == 302
    assert known.location == unknown.location
    # One job each, the same function with the typed address: nothing else differs.
    assert [(func, args[0]) for func, args in queued] == [
        (services.send_password_reset, "zoe@example.org"),
        (services.send_password_reset, "nobody@example.org"),
    ]
    assert queued[0][1][1:] == queued[1][1][1:]  # same locale and site address
    assert lookups == [] and smtp.sent == []  # no lookup, no SMTP inside the requests

    for func, args in queued:  # what the worker does later
        func(*args)
    assert smtp.sent == [("connect", "smtp.example"), ("send", "zoe@example.org")]


def test_without_redis_the_mail_leaves_after_the_answer(app, client, make_user, smtp):
    make_user(email="zoe@example.org")
    db.session.commit()  # end the test's transaction: the job has a session of its own
    app.config["JOBS_INLINE"] = "after-response"  # what `make run` does (tests default to "now")

    response = client.post("/account/forgot", data={"email": "zoe@example.org"})
    assert response.status_code == 302
    assert smtp.sent == []  # the answer is complete, the mail not yet sent
    response.close()  # the server closes the response once the visitor has it
    assert smtp.sent == [("connect", "smtp.example"), ("send", "zoe@example.org")]


def test_with_redis_the_worker_sends_the_reset_mail(app, client, make_user, smtp, redis_url):  # noqa: F811
    make_user(email="zoe@example.org")
    app.config.update(REDIS_URL=redis_url, JOBS_QUEUE=f"cadre-test-forgot-{id(app)}")
    queue = jobs.queue()
    try:
        for address in ("zoe@example.org", "nobody@example.org"):
            assert client.post("/account/forgot", data={"email": address}).status_code == 302
        assert smtp.sent == [] and queue.count == 2
        run_worker(app)
        assert smtp.sent == [("connect", "smtp.example"), ("send", "zoe@example.org")]
        assert queue.count == 0 and len(queue.failed_job_registry) == 0
    finally:
        for job_id in queue.finished_job_registry.get_job_ids():
            queue.finished_job_registry.remove(job_id, delete_job=True)
        queue.delete(delete_jobs=True)


def test_the_logged_mail_shows_a_link_that_opens(app, client, make_user, caplog):
    """Without SMTP (development) the mail goes to the log: decoded, not quoted-printable."""
    make_user(full_name="Zoé Lefèvre", email="zoe@example.org")
    with caplog.at_level(logging.WARNING, logger="app.mail"):
        client.post("/account/forgot", data={"email": "zoe@example.org"}, headers={"Accept-Language": "fr"})
    message = app.extensions["cadre_outbox"][-1]
    link = next(line for line in message.get_content().splitlines() if "/account/reset/" in line)
    assert len(link) > 76  # long enough that quoted-printable would have cut it
    assert link in caplog.text
    assert "Zoé" in caplog.text and "=C3=A9" not in caplog.text
    with force_locale("fr"):
        assert message["Subject"] == services._("Reset your Cadre password")

"""A class signing up, joining and finishing a course at once, served as in production.

gunicorn with four sync workers on PostgreSQL: four processes, each with its own connections, so
only the database keeps a learner's simultaneous requests apart. No 500, every acknowledged attempt
kept once, one certificate per learner. Runs when TEST_DATABASE_URL names a PostgreSQL server.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.accounts import confirmation
from app.accounts.models import User
from app.certificates.models import Certificate
from app.extensions import db
from app.learning.models import ModuleProgress, QuizAttempt
from app.schools.models import Enrolment
from tests.concurrency.conftest import Visitor, seed_pools
from tests.concurrency.test_simultaneous_requests import (
    FINAL,
    QUIZZES,
    acknowledged,
    open_class,
    post_all,
    quiz_form,
    recorded,
    signup_form,
)
from tests.conftest import make_app

ROOT = Path(__file__).resolve().parents[2]  # where wsgi.py is
LEARNERS = 30
CLICKS = 10  # one learner's submissions of the same answers: a double click, then some
BOOT_SECONDS = 60  # four workers each import the app; a busy two-core machine is slow to boot them
# Shared by the server and the test's app: the right answers' values are keyed with it.
SECRET_KEY = "gunicorn-test-secret-key-of-more-than-32-characters"


@pytest.fixture
def prepared(postgres_url):
    """Fresh tables in this run's own PostgreSQL schema, the pools course and a class; (app, code).

    The app is the test's view of the database; the server gunicorn runs is another.
    """
    app = make_app(postgres_url, SECRET_KEY=SECRET_KEY)
    seed_pools(app)
    code = open_class(app)
    try:
        yield app, code
    finally:
        with app.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


def free_port() -> int:
    """A port nobody listens on now (gunicorn takes it a moment later)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers(base: str) -> bool:
    """True once the server behind *base* serves a page."""
    try:
        return Visitor(base).request("/").status == 200
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture
def gunicorn(prepared, postgres_url, tmp_path):
    """``gunicorn -w 4 -k sync wsgi:app`` on a free port, on the prepared schema; (base URL, log).

    Development mode: production marks the session cookie Secure, which no client sends back over
    the plain http of a test. Throttling is off: this is about simultaneous requests, not how many.
    The whole process group is stopped at the end, whatever happened.
    """
    port, log = free_port(), tmp_path / "gunicorn.log"
    environment = {
        key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "RATELIMIT_STORAGE_URI")
    }
    environment |= {
        "DATABASE_URL": postgres_url,
        "SECRET_KEY": SECRET_KEY,
        "CADRE_ENV": "development",
        "CADRE_RATELIMIT_ENABLED": "false",  # read as JSON by from_prefixed_env
        # gunicorn 25.1+ opens a control socket there, else in ~/.gunicorn/, shared by every run.
        "XDG_RUNTIME_DIR": str(tmp_path),
    }
    command = [sys.executable, "-m", "gunicorn", "-w", "4", "-k", "sync", "-b", f"127.0.0.1:{port}"]
    command += ["--chdir", str(ROOT), "--error-logfile", str(log), "wsgi:app"]
    server = subprocess.Popen(command, env=environment, cwd=ROOT, start_new_session=True)  # noqa: S603 - fixed argv
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + BOOT_SECONDS
        while not answers(base):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not answer (exit code {server.poll()}):\n{log.read_text()}")
            time.sleep(0.2)
        yield base, log
    finally:
        # The master stops its workers on SIGTERM; SIGKILL then takes whatever is left of the group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def test_a_class_finishes_a_course_at_once_on_gunicorn_workers_and_postgresql(prepared, gunicorn):
    (app, code), (base, log) = prepared, gunicorn
    learners = [Visitor(base) for _ in range(LEARNERS)]
    statuses = []

    def volley(visitors, paths, forms):
        """Everyone posts at the same instant; every status is kept, the server's log shown on a 500."""
        answered = post_all(visitors, paths, forms)
        statuses.extend(a.status for a in answered)
        assert 500 not in statuses, log.read_text()
        return answered

    forms = [signup_form(v, n) for n, v in enumerate(learners)]
    signups = volley(learners, ["/account/register"] * LEARNERS, forms)
    assert [a.status for a in signups] == [302] * LEARNERS  # no form refused

    forms = [v.form_of("/join") | {"code": code} for v in learners]
    joins = volley(learners, ["/join"] * LEARNERS, forms)
    assert [a.status for a in joins] == [302] * LEARNERS

    # Everyone confirms their address at once, from the link mailed at sign-up: certificates need it.
    with app.app_context():
        accounts = db.session.scalars(select(User).where(User.email.like("eleve%"))).all()
        links = {user.email: f"/account/confirm/{confirmation.make_token(user)}" for user in accounts}
    paths = [links[f"eleve{n}@example.org"] for n in range(LEARNERS)]
    forms = [v.form_of(path) for v, path in zip(learners, paths, strict=True)]
    confirmed = volley(learners, paths, forms)
    assert [a.status for a in confirmed] == [302] * LEARNERS

    shown = []  # the attempt ids the learners were shown, all quizzes together
    for url in [*QUIZZES, FINAL]:
        # Every learner passes this quiz once, while the first one submits the same answers again.
        forms = [quiz_form(v, url, app, rightly=True) for v in learners]
        extra = CLICKS - 1
        submitted = volley(
            learners + [learners[0]] * extra, [url] * (LEARNERS + extra), forms + [forms[0]] * extra
        )
        assert [a.status for a in submitted] == [302] * (LEARNERS + extra)
        assert all(len(acknowledged([a])) == 1 for a in submitted[1:LEARNERS]), url
        assert len(acknowledged([submitted[0], *submitted[LEARNERS:]])) == 1, url  # graded once
        shown += acknowledged(submitted)

    assert set(statuses) == {302}
    assert len(shown) == LEARNERS * 3
    assert recorded(app) == sorted(shown)  # every acknowledged attempt kept, once, and no other
    with app.app_context():
        emails = db.session.scalars(select(User.email)).all()
        assert len(emails) == len(set(emails)) == LEARNERS + 1  # the learners and their teacher
        assert db.session.scalar(select(func.count(func.distinct(Enrolment.user_id)))) == LEARNERS
        assert db.session.scalar(select(func.count(Enrolment.id))) == LEARNERS
        per_learner_and_quiz = select(QuizAttempt.user_id, QuizAttempt.module_id, func.count(QuizAttempt.id))
        attempts = {
            (user_id, module_id): count
            for user_id, module_id, count in db.session.execute(
                per_learner_and_quiz.group_by(QuizAttempt.user_id, QuizAttempt.module_id)
            )
        }
        counters = {
            (row.user_id, row.module_id): row.attempts for row in db.session.scalars(select(ModuleProgress))
        }
        assert counters == attempts  # each learner's attempt counter says how many rows there are
        assert set(attempts.values()) == {1}
        learner_ids = set(db.session.scalars(select(User.id).where(User.email.like("eleve%"))))
        assert len(learner_ids) == LEARNERS
        certificates = dict(
            db.session.execute(
                select(Certificate.user_id, func.count(Certificate.id)).group_by(Certificate.user_id)
            ).all()
        )
        assert certificates == dict.fromkeys(learner_ids, 1)  # one certificate per learner, none twice

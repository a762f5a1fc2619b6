"""Background jobs: every piece of work that should not hold a request goes through ``enqueue``.

With ``REDIS_URL`` set, jobs go to an RQ queue on that Redis and a worker runs them
(``flask --app wsgi jobs worker``), retrying with backoff; failed jobs are listed by
``flask --app wsgi jobs failed``. Without Redis (development, ``make run``), the job runs in this
process once the response has been sent (or at once outside a request), so the visitor never waits
for it and nothing but Python is needed. Tests run such jobs at once, so they can see the result.

A job is a plain module-level function taking plain arguments (strings, numbers): it runs in an
app context of its own, in the worker or here, and must not count on the request that asked for it.
"""

import functools
import importlib
import logging
from dataclasses import dataclass
from datetime import datetime

import click
from flask import current_app, has_app_context, has_request_context, request
from flask.cli import AppGroup

from app.cli_language import localised
from app.extensions import in_job
from app.i18n import gettext, ngettext

log = logging.getLogger(__name__)


def enqueue(func, *args) -> None:
    """Run ``func(*args)`` in the background: on the queue, or here once the response is sent."""
    name = f"{func.__module__}:{func.__qualname__}"
    config = current_app.config
    if config.get("REDIS_URL"):
        from redis import RedisError
        from rq import Retry

        intervals = list(config["JOBS_RETRY_INTERVALS"])
        try:
            queue().enqueue(
                perform,
                name,
                *args,
                retry=Retry(max=len(intervals), interval=intervals) if intervals else None,
                job_timeout=config["JOBS_TIMEOUT"],
                description=name,  # not the arguments: no e-mail address in the worker's log
            )
            return
        except RedisError:
            # Better a mail sent from here than a 500 or a mail lost; the log says Redis is down.
            log.exception("Redis unreachable: job %s runs in the web process", name)
    app = current_app._get_current_object()
    inline = config.get("JOBS_INLINE") or ("now" if app.testing else "after-response")
    if inline == "after-response" and has_request_context():
        request.environ.setdefault(AFTER_RESPONSE, []).append(lambda: _run_inline(app, name, args))
        return
    # At once, in the caller's app context and database session, as RQ's synchronous mode does:
    # a second session could not get SQLite's lock while the caller's transaction is open.
    _call_logged(name, args)


AFTER_RESPONSE = "cadre.after_response"  # the WSGI environ's list of jobs a request left to run


class RunAfterResponse:
    """WSGI middleware: run the jobs a request queued without Redis once its body is sent.

    They run when the server has taken the body's last chunk, or when it closes the body,
    whichever comes first, and only once. Not only at ``close()``: Werkzeug's server (``make
    run``) never calls it when the browser drops the connection as it leaves (seen after a 303),
    and the job would be lost. By then Flask has torn the request down: its session is closed.
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        body = self.wsgi_app(environ, start_response)
        waiting = environ.get(AFTER_RESPONSE)
        return _BodyThenJobs(body, waiting) if waiting else body


class _BodyThenJobs:
    def __init__(self, body, waiting: list):
        self.body, self.waiting = body, waiting

    def __iter__(self):
        empty = True
        for chunk in self.body:
            empty = empty and not chunk
            yield chunk
        if empty:
            yield b""  # an empty body (a HEAD, a 204): the server sends the headers before the jobs run
        self._run()

    def close(self) -> None:
        try:
            if hasattr(self.body, "close"):
                self.body.close()
        finally:
            self._run()

    def _run(self) -> None:
        waiting, self.waiting = self.waiting, []
        for job in waiting:
            job()  # logs its own failure (_call_logged): never raised to the server


def _run_inline(app, name: str, args: tuple) -> None:
    """Run a job in this process, in an app context of its own; nothing is raised to the server,
    which has sent the page already (not even an error closing the job's database session)."""
    try:
        with app.app_context():
            _call_logged(name, args)
    except Exception:
        log.exception("Background job %s: its app context failed", name)


def _call_logged(name: str, args: tuple) -> None:
    """Run a job without a queue behind it: a failure is logged, never raised to the caller."""
    try:
        _call(name, args)
    except Exception:
        log.exception("Background job %s failed (no REDIS_URL: not retried)", name)


def _call(name: str, args: tuple):
    """Import the job function named "module:qualname" and call it."""
    module, _, qualname = name.partition(":")
    func = importlib.import_module(module)
    for part in qualname.split("."):
        func = getattr(func, part)
    running = in_job.set(True)  # its transactions may write, whatever request it runs after
    try:
        return func(*args)
    finally:
        in_job.reset(running)


def perform(name: str, *args):
    """What the worker runs: the job, inside an app context of its own."""
    if has_app_context():
        with current_app.app_context():  # a fresh context: its own database session
            return _call(name, args)
    from app import create_app  # an `rq worker` started outside Flask's command line

    with create_app().app_context():
        return _call(name, args)


def connection():
    """The Redis connection for the queue (REDIS_URL)."""
    from redis import Redis

    return Redis.from_url(current_app.config["REDIS_URL"], socket_connect_timeout=2)


def queue():
    """The app's RQ queue (JOBS_QUEUE, "cadre" by default)."""
    from rq import Queue

    return Queue(current_app.config["JOBS_QUEUE"], connection=connection())


# The commands speak the language of --lang or of the terminal (app.cli_language); the list of
# failed jobs is one job a line, in the same form whatever the language.
jobs = AppGroup("jobs", help="Run and inspect background jobs (needs REDIS_URL).")


def _queue_or_fail():
    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException(
            gettext("REDIS_URL is not set: jobs run inside the web process, no worker needed.")
        )
    return queue()


@jobs.command("worker")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty.")
@localised
def worker_command(burst: bool) -> None:
    """Run jobs from the queue until stopped (retries are scheduled by this worker too)."""
    from app.extensions import db

    work_queue = _queue_or_fail()
    # Each job runs in a forked child: it must not share the parent's database connections.
    db.engine.dispose()
    worker_class()([work_queue], connection=work_queue.connection).work(burst=burst, with_scheduler=True)


class _CommandsHeardNoLonger:
    """rq's worker, whose end does not wait a minute for the thread that hears its commands.

    rq 2 hears commands (shut down, stop a job) in a thread that waits up to 60 s for each message.
    It unsubscribes, then stops that thread; since redis-py 8.2 the stop waits for the thread to
    end. A thread that read the reply to the unsubscription before it was told to stop went on to
    wait 60 s for a subscription, and the worker with it (a run of the tests found it in 3 runs out
    of 4, at the end of a burst). Here the thread is told to stop first, so that reply ends it, and
    it is waited for a second at most: it is a daemon, and ends on its own."""

    def unsubscribe(self) -> None:
        if self.pubsub_thread:
            self.log.info("Worker %s: unsubscribing from channel %s", self.name, self.pubsub_channel_name)
            self.pubsub_thread.stop(timeout=0)  # its loop ends at the next reply
            self.pubsub.unsubscribe()
            self.pubsub_thread.join(timeout=1)
            if not self.pubsub_thread.is_alive():  # else it still reads the socket, and closes it itself
                self.pubsub.close()


@functools.cache
def worker_class(simple: bool = False):
    """rq's ``Worker`` (each job in a forked child), or its ``SimpleWorker`` (jobs in this process,
    as the tests run them), made to end at once (``_CommandsHeardNoLonger``)."""
    import rq

    base = rq.SimpleWorker if simple else rq.Worker
    return type(base.__name__, (_CommandsHeardNoLonger, base), {"__module__": __name__})


@dataclass(frozen=True)
class FailedJob:
    id: str
    ended_at: datetime | None
    description: str  # the job's function; its arguments (e-mail addresses…) are not shown
    reason: str  # the last line of the exception


def failed_jobs() -> list[FailedJob]:
    """The jobs that failed after their last retry, newest last; none without Redis."""
    if not current_app.config.get("REDIS_URL"):
        return []
    from redis import RedisError
    from rq.job import Job

    work_queue = queue()
    try:
        ids = work_queue.failed_job_registry.get_job_ids()
        found = Job.fetch_many(ids, connection=work_queue.connection)
    except RedisError:
        log.exception("Redis unreachable: failed jobs cannot be listed")
        return []
    listed = []
    for job in found:
        if job is None:
            continue  # expired between the two calls
        result = job.latest_result()
        reason = ((result.exc_string if result else None) or "").strip().splitlines()[-1:] or ["?"]
        listed.append(FailedJob(job.id, job.ended_at, job.description or "", reason[0]))
    return listed


def failed_count() -> int | None:
    """How many jobs failed for good; None without Redis (nothing is queued then)."""
    if not current_app.config.get("REDIS_URL"):
        return None
    from redis import RedisError

    try:
        return queue().failed_job_registry.count
    except RedisError:
        return None


def requeue_failed(job_id: str) -> bool:
    """Put a failed job back in the queue, audited; False if it is no longer among the failed ones."""
    from rq.exceptions import InvalidJobOperation, InvalidJobOperationError, NoSuchJobError

    from app.admin.audit import record

    try:
        queue().failed_job_registry.requeue(job_id)
    except (InvalidJobOperation, InvalidJobOperationError, NoSuchJobError):
        return False
    record("job.requeued", detail=job_id[:100])  # the caller commits
    return True


@jobs.command("failed")
@localised
def failed_command() -> None:
    """List the jobs that failed after their last retry, newest last."""
    work_queue = _queue_or_fail()
    listed = failed_jobs()
    for job in listed:  # for scripts too: the same in every language
        ended = job.ended_at.isoformat(timespec="seconds") if job.ended_at else "?"
        click.echo(f"{job.id}  {ended}  {job.description}  {job.reason}")
    click.echo(
        ngettext(
            "%(num)d failed job in queue %(queue)s.",
            "%(num)d failed jobs in queue %(queue)s.",
            len(listed),
            queue=work_queue.name,
        )
    )


@jobs.command("requeue")
@click.argument("job_id")
@localised
def requeue_command(job_id: str) -> None:
    """Put the failed job JOB_ID back in the queue (once the cause of its failure is fixed)."""
    _queue_or_fail()
    if not requeue_failed(job_id):
        raise click.ClickException(gettext("no failed job '%(id)s'", id=job_id))
    from app.extensions import db

    db.session.commit()
    click.echo(gettext("%(id)s: back in the queue", id=job_id))

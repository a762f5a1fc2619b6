"""Checking untrusted content under a time limit, a few at a time.

Python-Markdown is quadratic on some input (unclosed '<' or '[' followed by long text, long
runs of setext underlines), so a text of a few dozen kilobytes can hold a web worker for
minutes. Publishers' uploads, drafts and previews are therefore parsed in a child process that
is killed when it runs out of time. Files from the repository are trusted and parsed in-process.

The time limit alone is not enough: a handful of editors sending slow previews at once would
still hold every web worker for that long. ``Slots`` caps how many such jobs run at once on the
host, whatever process asked: one lock file per slot, held with ``flock`` for the job's length.
The kernel drops a lock when its holder closes the file or dies, so a slot can never leak.

Starting a process per job cost most of a preview's time (a fresh interpreter importing the
content code), so ``Pool`` keeps a few workers alive between jobs; one that overruns is killed
and replaced, exactly as a process per job would have been.
"""

from __future__ import annotations

import fcntl
import importlib
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# "spawn": a fresh interpreter, safe to start from a threaded web worker (fork is not).
_CONTEXT = multiprocessing.get_context("spawn")


class TooSlow(RuntimeError):
    """The work did not finish in time (or its process died), and was stopped."""


class Busy(RuntimeError):
    """Every slot for untrusted work stayed taken for as long as we could wait: nothing was run."""


@dataclass(frozen=True)
class Slots:
    """At most ``count`` jobs at once across every process that uses ``directory`` (one host)."""

    directory: str
    count: int
    wait: float  # seconds to wait for a free slot before giving up with Busy
    poll: float = 0.05

    def path(self, number: int) -> str:
        return os.path.join(self.directory, f"slot-{number}.lock")

    def acquire(self) -> int:
        """An open descriptor on a slot's lock file, locked; ``release`` it. Busy if none frees."""
        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        deadline = time.monotonic() + self.wait
        while True:
            for number in range(max(1, self.count)):
                # A descriptor of our own per attempt: flock conflicts between two open files even
                # in one process, so threads of one worker count against each other too.
                fd = os.open(self.path(number), os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(fd)
                    continue
                except BaseException:
                    os.close(fd)
                    raise
                return fd
            if time.monotonic() >= deadline:
                raise Busy(self.directory)
            time.sleep(self.poll)

    @staticmethod
    def release(fd: int) -> None:
        os.close(fd)  # closing the file drops its lock


def _serve(connection, imports: tuple[str, ...]) -> None:
    """A worker's life: import what its jobs need, then run (function, args) jobs until told to stop.

    It also stops when the web process that owns it goes away (the pipe closes) or is killed.
    """
    for name in imports:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001, S112 - a job needing it fails alike, and says why
            continue
    try:
        while True:
            job = connection.recv()
            if job is None:
                return
            function, args = job
            try:
                outcome = (True, function(*args))
            except BaseException as exc:  # noqa: BLE001 - handed back to the parent, which re-raises it
                outcome = (False, exc)
            try:
                connection.send(outcome)
            except Exception as exc:  # noqa: BLE001 - e.g. a result or exception that cannot be pickled
                connection.send((False, RuntimeError(f"{type(exc).__name__}: {exc}")))
    except (EOFError, OSError, KeyboardInterrupt):
        return
    finally:
        connection.close()


class _Gone(Exception):
    """The worker was dead before it could take the job."""


class _Worker:
    """One long-lived child process and our end of its pipe."""

    def __init__(self, imports: tuple[str, ...]) -> None:
        self.connection, theirs = _CONTEXT.Pipe(duplex=True)
        self.process = _CONTEXT.Process(target=_serve, args=(theirs, imports), daemon=True)
        self.process.start()
        theirs.close()
        self.jobs = 0

    def run(self, function: Callable[..., Any], args: tuple, seconds: float) -> tuple[bool, Any]:
        """Send one job and wait for its outcome; TooSlow (the worker must then be killed)."""
        self.jobs += 1
        try:
            self.connection.send((function, args))
        except OSError:  # it died while idle: the job never started, another worker may take it
            raise _Gone from None
        try:
            if not self.connection.poll(seconds):
                raise TooSlow(function.__name__)
            return self.connection.recv()
        except (EOFError, OSError, BrokenPipeError):  # it died (out of memory, killed…)
            raise TooSlow(function.__name__) from None

    def stop(self) -> None:
        """Ask it to leave (it finishes no job: it is idle); kill it if it does not."""
        try:
            self.connection.send(None)
        except OSError:
            pass
        self.process.join(1)
        self.kill()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.connection.close()


class Pool:
    """Long-lived worker processes of one web process, each running one job at a time.

    Starting a Python process and importing the content code costs far more than checking a
    module, so workers are kept between jobs. A job that overruns its time gets its worker
    killed (a runaway parse cannot be interrupted any other way) and a new one started in its
    place. How many jobs run at once on the host is still bounded by ``Slots``: a worker waits
    idle without holding a slot. At most ``keep`` idle workers are kept; a worker is replaced
    after ``max_jobs`` jobs, so that no memory it grew stays for ever.
    """

    def __init__(self, imports: tuple[str, ...] = (), keep: int = 2, max_jobs: int = 200) -> None:
        self.imports = imports
        self.keep = keep
        self.max_jobs = max_jobs
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self.started = 0  # workers started so far (for tests and measurements)

    def _own(self) -> None:
        """After a fork (gunicorn's workers), the parent's workers are not ours: start afresh."""
        if self._pid != os.getpid():
            self._idle, self._lock, self._pid = [], threading.Lock(), os.getpid()

    def _take(self) -> _Worker:
        with self._lock:
            self._own()
            while self._idle:
                worker = self._idle.pop()
                if worker.process.is_alive():
                    return worker
                worker.kill()
            self.started += 1
        return _Worker(self.imports)

    def _give_back(self, worker: _Worker) -> None:
        with self._lock:
            self._own()
            if worker.jobs < self.max_jobs and len(self._idle) < self.keep:
                self._idle.append(worker)
                return
        worker.stop()

    def warm(self) -> None:
        """Start a worker now if none is idle, so that the next job does not wait for one to start."""
        with self._lock:
            self._own()
            if self._idle:
                return
            self.started += 1
        worker = _Worker(self.imports)
        with self._lock:
            self._idle.append(worker)

    def run(self, function: Callable[..., Any], args: tuple, seconds: float) -> Any:
        """``function(*args)`` in a worker; TooSlow (the worker killed and replaced) after ``seconds``."""
        worker = self._take()
        try:
            try:
                ok, value = worker.run(function, args, seconds)
            except _Gone:
                worker.kill()
                worker = self._take()
                ok, value = worker.run(function, args, seconds)
        except BaseException as exc:
            worker.kill()  # overran, died or we were interrupted: it may be mid-job, never reuse it
            if self.keep:
                self.warm()  # its replacement starts now, while nobody waits for it
            if isinstance(exc, _Gone):  # a new worker died at once too
                raise TooSlow(function.__name__) from None
            raise
        self._give_back(worker)
        if not ok:
            raise value
        return value

    def close(self) -> None:
        """Stop every idle worker (tests; at exit, daemon processes are stopped anyway)."""
        with self._lock:
            self._own()
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.stop()


def run_bounded(
    function: Callable[..., Any],
    *args: Any,
    seconds: float,
    slots: Slots | None = None,
    pool: Pool | None = None,
) -> Any:
    """``function(*args)`` in a child process; TooSlow if it takes more than ``seconds``.

    With ``slots``, the job first takes one (Busy if none frees in time) and gives it back once
    its process is done with it, however it ended. With ``pool``, the child is one of its
    long-lived workers, else a process started for this job alone. ``function`` must be
    importable at module level and its arguments and result picklable.
    """
    slot = slots.acquire() if slots is not None else None
    try:
        if pool is not None:
            return pool.run(function, args, seconds)
        return _run_in_child(function, args, seconds)
    finally:
        if slot is not None:
            slots.release(slot)


def _child(connection, function: Callable[..., Any], args: tuple) -> None:
    try:
        connection.send((True, function(*args)))
    except BaseException as exc:  # noqa: BLE001 - handed back to the parent, which re-raises it
        connection.send((False, exc))
    finally:
        connection.close()


def _run_in_child(function: Callable[..., Any], args: tuple, seconds: float) -> Any:
    receiver, sender = _CONTEXT.Pipe(duplex=False)
    process = _CONTEXT.Process(target=_child, args=(sender, function, args), daemon=True)
    process.start()
    sender.close()
    try:
        if not receiver.poll(seconds):
            raise TooSlow(function.__name__)
        ok, value = receiver.recv()
    except EOFError:
        raise TooSlow(function.__name__) from None
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        receiver.close()
    if not ok:
        raise value
    return value

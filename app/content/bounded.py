"""Checking untrusted content under a time limit, a few at a time.

Python-Markdown is quadratic on some input (unclosed '<' or '[' followed by long text, long
runs of setext underlines), so a text of a few dozen kilobytes can hold a web worker for
minutes. Publishers' uploads, drafts and previews are therefore parsed in a child process that
is killed when it runs out of time. Files from the repository are trusted and parsed in-process.

The time limit alone is not enough: a handful of editors sending slow previews at once would
still hold every web worker for that long. ``Slots`` caps how many such jobs run at once on the
host, whatever process asked: one lock file per slot, held with ``flock`` for the job's length.
The kernel drops a lock when its holder closes the file or dies, so a slot can never leak.
"""

from __future__ import annotations

import fcntl
import multiprocessing
import os
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


def _child(connection, function: Callable[..., Any], args: tuple) -> None:
    try:
        connection.send((True, function(*args)))
    except BaseException as exc:  # noqa: BLE001 - handed back to the parent, which re-raises it
        connection.send((False, exc))
    finally:
        connection.close()


def run_bounded(function: Callable[..., Any], *args: Any, seconds: float, slots: Slots | None = None) -> Any:
    """``function(*args)`` in a child process; TooSlow if it takes more than ``seconds``.

    With ``slots``, the job first takes one (Busy if none frees in time) and gives it back when its
    process is gone, however it ended. ``function`` must be importable at module level and its
    arguments and result picklable.
    """
    slot = slots.acquire() if slots is not None else None
    try:
        return _run_in_child(function, args, seconds)
    finally:
        if slot is not None:
            slots.release(slot)


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

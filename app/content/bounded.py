"""Checking untrusted content under a time limit.

Python-Markdown is quadratic on some input (unclosed '<' or '[' followed by long text, long
runs of setext underlines), so a text of a few dozen kilobytes can hold a web worker for
minutes. Publishers' uploads, drafts and previews are therefore parsed in a child process that
is killed when it runs out of time. Files from the repository are trusted and parsed in-process.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from typing import Any

# "spawn": a fresh interpreter, safe to start from a threaded web worker (fork is not).
_CONTEXT = multiprocessing.get_context("spawn")


class TooSlow(RuntimeError):
    """The work did not finish in time (or its process died), and was stopped."""


def _child(connection, function: Callable[..., Any], args: tuple) -> None:
    try:
        connection.send((True, function(*args)))
    except BaseException as exc:  # noqa: BLE001 - handed back to the parent, which re-raises it
        connection.send((False, exc))
    finally:
        connection.close()


def run_bounded(function: Callable[..., Any], *args: Any, seconds: float) -> Any:
    """``function(*args)`` in a child process; TooSlow if it takes more than ``seconds``.

    ``function`` must be importable at module level and its arguments and result picklable.
    """
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

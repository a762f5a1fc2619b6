"""Untrusted work runs a few jobs at a time per host: a slot per lock file, always given back.

The jobs here are standard-library functions (``time.sleep``, ``int``), so that the child
process has nothing of ours to import and each test stays well under a few seconds.
"""

import fcntl
import os
import threading
import time
from contextlib import contextmanager

import pytest

from app.content.bounded import Busy, Slots, TooSlow, run_bounded


@contextmanager
def slots_held(directory, count: int):
    """Take every slot's lock ourselves, as other web processes would."""
    os.makedirs(directory, exist_ok=True)
    fds = [os.open(os.path.join(directory, f"slot-{i}.lock"), os.O_RDWR | os.O_CREAT) for i in range(count)]
    try:
        for fd in fds:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield
    finally:
        for fd in fds:
            os.close(fd)


def one_slot_is_free(slots: Slots) -> bool:
    try:
        fd = Slots(slots.directory, slots.count, wait=0).acquire()
    except Busy:
        return False
    Slots.release(fd)
    return True


def test_a_second_job_is_refused_while_the_only_slot_is_taken(tmp_path):
    slots = Slots(str(tmp_path), 1, wait=0.3)
    outcome = {}

    def long_job():
        try:
            run_bounded(time.sleep, 10, seconds=2, slots=Slots(str(tmp_path), 1, wait=5))
        except TooSlow:
            outcome["first"] = "stopped"

    first = threading.Thread(target=long_job)
    first.start()
    deadline = time.monotonic() + 3
    while one_slot_is_free(slots):  # until the thread's job holds the slot
        assert time.monotonic() < deadline, "the first job never took its slot"
        time.sleep(0.01)
    started = time.monotonic()
    with pytest.raises(Busy):
        run_bounded(abs, -1, seconds=5, slots=slots)
    assert 0.25 <= time.monotonic() - started < 1.5  # waited for a slot, then gave up
    first.join()
    assert outcome == {"first": "stopped"}
    assert run_bounded(abs, -1, seconds=5, slots=slots) == 1  # the slot came back


def test_the_slot_is_given_back_when_the_job_is_stopped(tmp_path):
    slots = Slots(str(tmp_path), 1, wait=0)
    with pytest.raises(TooSlow):
        run_bounded(time.sleep, 10, seconds=0.5, slots=slots)
    assert one_slot_is_free(slots)


def test_the_slot_is_given_back_when_the_job_fails(tmp_path):
    slots = Slots(str(tmp_path), 1, wait=0)
    with pytest.raises(ValueError):
        run_bounded(int, "not a number", seconds=5, slots=slots)
    assert one_slot_is_free(slots)


def test_no_free_slot_means_busy_after_the_wait_and_nothing_runs(tmp_path):
    slots = Slots(str(tmp_path), 2, wait=0.2)
    with slots_held(tmp_path, 2):
        started = time.monotonic()
        with pytest.raises(Busy):
            run_bounded(time.sleep, 10, seconds=5, slots=slots)
        assert time.monotonic() - started < 1  # refused quickly, not after the job's 10 s
    assert run_bounded(abs, -2, seconds=5, slots=slots) == 2


def test_a_free_slot_among_taken_ones_is_found(tmp_path):
    with slots_held(tmp_path, 1):  # slot 0 taken, slot 1 free
        assert run_bounded(abs, -3, seconds=5, slots=Slots(str(tmp_path), 2, wait=0)) == 3


def test_a_slot_freed_during_the_wait_is_taken(tmp_path):
    slots = Slots(str(tmp_path), 1, wait=3)
    fd = Slots(str(tmp_path), 1, wait=0).acquire()
    threading.Timer(0.3, Slots.release, args=(fd,)).start()
    started = time.monotonic()
    assert run_bounded(abs, -4, seconds=5, slots=slots) == 4
    assert time.monotonic() - started >= 0.25

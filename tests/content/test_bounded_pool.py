"""Untrusted work in long-lived workers: fast once started, a runaway job still killed, its worker
replaced, and the host's slots still bounding how many jobs run at once.

Jobs are standard-library functions (``time.sleep``, ``abs``, ``int``), so that the workers have
nothing of ours to import.
"""

import threading
import time

import pytest

from app.content.bounded import Busy, Pool, Slots, TooSlow, run_bounded
from tests.content.test_bounded_slots import one_slot_is_free, slots_held


@pytest.fixture
def pool():
    workers = Pool(keep=2)
    yield workers
    workers.close()


def test_a_worker_is_reused_so_later_jobs_are_fast(pool, tmp_path):
    slots = Slots(str(tmp_path), 2, wait=1)
    assert run_bounded(abs, -1, seconds=10, slots=slots, pool=pool) == 1  # starts the worker
    started = time.monotonic()
    for n in range(20):
        assert run_bounded(abs, -n, seconds=10, slots=slots, pool=pool) == n
    assert (time.monotonic() - started) / 20 < 0.1  # a process per job costs far more
    assert pool.started == 1


def test_a_runaway_job_is_killed_and_the_pool_recovers(pool, tmp_path):
    slots = Slots(str(tmp_path), 1, wait=0)
    assert run_bounded(abs, -1, seconds=10, slots=slots, pool=pool) == 1
    (worker,) = pool._idle
    started = time.monotonic()
    with pytest.raises(TooSlow):
        run_bounded(time.sleep, 30, seconds=0.5, slots=slots, pool=pool)
    assert time.monotonic() - started < 5
    worker.process.join(2)
    assert not worker.process.is_alive()  # killed, not left running the job
    assert one_slot_is_free(slots)  # and its slot given back
    assert run_bounded(abs, -7, seconds=10, slots=slots, pool=pool) == 7  # a new worker answers
    assert pool.started == 2


def test_a_job_that_raises_gives_its_error_and_keeps_its_worker(pool):
    with pytest.raises(ValueError):
        pool.run(int, ("not a number",), seconds=10)
    assert pool.run(abs, (-3,), seconds=10) == 3
    assert pool.started == 1


def test_a_worker_that_dies_is_replaced(pool):
    assert pool.run(abs, (-1,), seconds=10) == 1
    pool._idle[0].process.kill()
    pool._idle[0].process.join()
    assert pool.run(abs, (-2,), seconds=10) == 2
    assert pool.started == 2


def test_workers_are_recycled_after_many_jobs():
    pool = Pool(keep=1, max_jobs=3)
    try:
        for n in range(7):
            assert pool.run(abs, (-n,), seconds=10) == n
        assert pool.started == 3  # 3 + 3 + 1 jobs
    finally:
        pool.close()


def test_idle_workers_hold_no_slot_and_busy_slots_refuse_pool_jobs(pool, tmp_path):
    slots = Slots(str(tmp_path), 1, wait=0.2)
    assert run_bounded(abs, -1, seconds=10, slots=slots, pool=pool) == 1
    assert pool._idle and one_slot_is_free(slots)  # a worker waits, its slot is free
    with slots_held(tmp_path, 1), pytest.raises(Busy):
        run_bounded(abs, -1, seconds=10, slots=slots, pool=pool)


def test_the_slots_bound_jobs_running_at_once_with_a_pool(pool, tmp_path):
    slots = Slots(str(tmp_path), 1, wait=0.3)
    outcome = {}

    def long_job():
        try:
            run_bounded(time.sleep, 2, seconds=10, slots=Slots(str(tmp_path), 1, wait=5), pool=pool)
            outcome["first"] = "done"
        except TooSlow:
            outcome["first"] = "stopped"

    first = threading.Thread(target=long_job)
    first.start()
    deadline = time.monotonic() + 3
    while one_slot_is_free(slots):
        assert time.monotonic() < deadline, "the first job never took its slot"
        time.sleep(0.01)
    with pytest.raises(Busy):
        run_bounded(abs, -1, seconds=10, slots=slots, pool=pool)
    first.join()
    assert outcome == {"first": "done"}
    assert run_bounded(abs, -1, seconds=10, slots=slots, pool=pool) == 1


def test_no_worker_is_kept_when_keep_is_zero():
    pool = Pool(keep=0)
    assert pool.run(abs, (-4,), seconds=10) == 4
    assert pool._idle == []


def test_after_a_fork_the_parents_workers_are_left_alone(pool):
    """gunicorn forks its workers: each must start workers of its own, never share its parent's."""
    assert pool.run(abs, (-1,), seconds=10) == 1
    (parents,) = pool._idle
    pool._pid = -1  # as seen from a forked child, the pool belongs to another process
    assert pool.run(abs, (-2,), seconds=10) == 2
    assert pool.started == 2 and parents not in pool._idle
    assert parents.process.is_alive()  # the parent's worker is not ours to stop
    parents.stop()

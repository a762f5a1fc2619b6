"""Drawing an attempt's questions: quotas per group, avoiding the previous attempt, and the limit
of failed attempts a day."""

import random
from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from app.catalog.models import Module
from app.extensions import db
from app.learning.draws import PoolItem, draw_keys, next_attempt_at
from app.learning.models import QuizAttempt
from app.models_base import utcnow

POOL = [PoolItem(f"q{i}", "a" if i < 6 else "b") for i in range(12)]


def test_without_draw_every_question_is_asked_in_the_authors_order():
    assert draw_keys(POOL, None, [], set()) == [item.key for item in POOL]


def test_a_draw_takes_n_questions_in_the_pools_order():
    rng = random.Random(1)
    keys = draw_keys(POOL, 5, [], set(), rng)
    assert len(keys) == 5 and len(set(keys)) == 5
    order = [item.key for item in POOL]
    assert keys == sorted(keys, key=order.index)


def test_every_question_of_the_pool_gets_drawn():
    rng = random.Random(2)
    seen = Counter(k for _ in range(400) for k in draw_keys(POOL, 6, [], set(), rng))
    assert set(seen) == {item.key for item in POOL}
    assert min(seen.values()) > 120  # about 200 each: no question is left behind


def test_groups_give_exactly_their_quota():
    rng = random.Random(3)
    groups = [{"key": "a", "title": "A", "draw": 2}, {"key": "b", "title": "B", "draw": 3}]
    for _ in range(50):
        keys = draw_keys(POOL, None, groups, set(), rng)
        assert sum(k in {f"q{i}" for i in range(6)} for k in keys) == 2
        assert len(keys) == 5


def test_a_retake_avoids_the_previous_questions_as_far_as_the_pool_allows():
    rng = random.Random(4)
    first = set(draw_keys(POOL, 6, [], set(), rng))
    for _ in range(50):
        assert set(draw_keys(POOL, 6, [], first, rng)).isdisjoint(first)  # the pool is twice the draw
    # A pool smaller than twice the draw repeats only what it must.
    bigger = set(draw_keys(POOL, 8, [], set(), rng))
    again = set(draw_keys(POOL, 8, [], bigger, rng))
    assert len(again & bigger) == 4 and len(again) == 8


def test_failed_attempts_a_day_are_limited(app, course, make_user):
    user = make_user()
    module = db.session.scalar(select(Module).where(Module.slug == "cadre-legal"))
    now = utcnow()

    def fail(ago: timedelta, passed: bool = False) -> None:
        db.session.add(
            QuizAttempt(
                user_id=user.id,
                module_id=module.id,
                score=100 if passed else 0,
                passed=passed,
                course_version=1,
                results=[],
                created_at=now - ago,
            )
        )
        db.session.flush()

    fail(timedelta(hours=30))  # older than 24 hours: does not count
    fail(timedelta(hours=20))
    fail(timedelta(hours=2), passed=True)  # only failures count
    fail(timedelta(hours=3))
    assert next_attempt_at(user, module, now) is None
    fail(timedelta(hours=1))
    # The third failure in 24 hours closes the quiz until the oldest of them is 24 hours old.
    assert next_attempt_at(user, module, now) == now - timedelta(hours=20) + timedelta(hours=24)
    module.attempts_per_day = 4
    assert next_attempt_at(user, module, now) is None

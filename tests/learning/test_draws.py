"""Drawing an attempt's questions: quotas per group, avoiding the previous attempt, and the limit
of failed attempts a day."""

import random
from collections import Counter
from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import select

from app.catalog.models import Module
from app.extensions import db
from app.learning import grading
from app.learning.draws import PoolItem, draw_keys, next_attempt_at
from app.learning.models import QuizAttempt
from app.models_base import utcnow

POOL = [PoolItem(f"q{i}", "a" if i < 6 else "b") for i in range(12)]


def test_without_draw_every_question_is_asked_in_the_authors_order():
    assert draw_keys(POOL, None, [], set()) == [item.key for item in POOL]


def test_a_draw_takes_n_questions_in_the_pools_order():
    rng = random.Random(1)
    keys = draw_keys(POOL, 5, [], set(), rng=rng)
    assert len(keys) == 5 and len(set(keys)) == 5
    order = [item.key for item in POOL]
    assert keys == sorted(keys, key=order.index)


def test_every_question_of_the_pool_gets_drawn():
    rng = random.Random(2)
    seen = Counter(k for _ in range(400) for k in draw_keys(POOL, 6, [], set(), rng=rng))
    assert set(seen) == {item.key for item in POOL}
    assert min(seen.values()) > 120  # about 200 each: no question is left behind


def test_groups_give_exactly_their_quota():
    rng = random.Random(3)
    groups = [{"key": "a", "title": "A", "draw": 2}, {"key": "b", "title": "B", "draw": 3}]
    for _ in range(50):
        keys = draw_keys(POOL, None, groups, set(), rng=rng)
        assert sum(k in {f"q{i}" for i in range(6)} for k in keys) == 2
        assert len(keys) == 5


def test_a_retake_avoids_the_previous_questions_as_far_as_the_pool_allows():
    rng = random.Random(4)
    first = set(draw_keys(POOL, 6, [], set(), rng=rng))
    for _ in range(50):
        assert set(draw_keys(POOL, 6, [], first, rng=rng)).isdisjoint(first)  # the pool is twice the draw
    # A pool smaller than twice the draw repeats only what it must.
    bigger = set(draw_keys(POOL, 8, [], set(), rng=rng))
    again = set(draw_keys(POOL, 8, [], bigger, rng=rng))
    assert len(again & bigger) == 4 and len(again) == 8


def test_a_larger_pool_brings_back_the_questions_asked_least():
    """Avoiding only the last attempt, a third attempt drew again among questions the first had
    asked, while others had never been asked."""
    rng = random.Random(5)
    pool = [PoolItem(f"q{i}", "") for i in range(15)]  # 2.5 times the draw
    first = draw_keys(pool, 6, [], set(), rng=rng)
    second = draw_keys(pool, 6, [], set(first), Counter(first), rng)
    never = {item.key for item in pool} - set(first) - set(second)
    for _ in range(50):
        third = set(draw_keys(pool, 6, [], set(second), Counter(first + second), rng))
        assert never <= third and len(third & set(first)) == 3 and not third & set(second)


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


def _question(correct: list[bool], order=None) -> dict:
    choices = [
        {"html": f"<p>{i}</p>", "correct": c, "chosen": False, "feedback_html": ""}
        for i, c in enumerate(correct)
    ]
    question = {"key": "k", "kind": "multiple", "prompt_html": "", "choices": choices, "explanation_html": ""}
    return {**question, "correct": False, **({"order": order} if order is not None else {})}


def test_an_attempt_lists_its_options_as_shown_and_older_ones_in_an_order_that_tells_nothing():
    listed = grading.as_shown([_question([True, True, False, False], [2, 0, 3, 1])], show_key=False)
    assert [c["html"] for c in listed[0]["choices"]] == ["<p>2</p>", "<p>0</p>", "<p>3</p>", "<p>1</p>"]
    keyed = grading.as_shown([_question([True, True, False, False], [2, 0, 3, 1])], show_key=True)
    assert [c["correct"] for c in keyed[0]["choices"]] == [False, True, False, True]
    # Graded before the order was kept: with the key, the author's order; before it, one that is
    # the same whichever options are right.
    older = [_question(correct) for correct in ([True, True, False, False], [False, False, True, True])]
    shown = [[c["html"] for c in q["choices"]] for q in grading.as_shown(older, show_key=False)]
    assert shown[0] == shown[1] and shown[0] != ["<p>0</p>", "<p>1</p>", "<p>2</p>", "<p>3</p>"]
    assert grading.as_shown(older, show_key=True)[0]["choices"] == older[0]["choices"]


def test_a_question_keeps_the_language_it_was_shown_in():
    """Second reading: the data page guessed a question's language from the course's, wrong for
    a learner who took an English edition of a French course."""
    question = SimpleNamespace(
        key="k", kind="single", prompt_html="<p>Q</p>", explanation_html="", content_language="en",
        choices=[{"html": "<p>a</p>", "correct": True}, {"html": "<p>b</p>", "correct": False}],
    )  # fmt: skip
    snapshot = grading.grade_question(question, [1], [1, 0]).snapshot
    assert snapshot["language"] == "en" and snapshot["order"] == [1, 0]
    assert [q["language"] for q in grading.as_shown([snapshot], show_key=False)] == ["en"]
    assert "order" not in grading.as_shown([snapshot], show_key=True)[0]

"""An attempt's questions: drawn from the quiz's pool on the server, kept until submitted.

The draw is stored (QuizDraw), never sent as data the form could change: the page shows the
drawn questions, and the submission is graded against the stored draw only.
"""

import random
import secrets
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, bindparam, delete, func, select
from sqlalchemy.exc import IntegrityError

from app.catalog.models import Module, Question
from app.extensions import db, start_writing
from app.learning.models import AttemptAnswer, QuizAttempt, QuizDraw
from app.models_base import utcnow

WINDOW = timedelta(hours=24)
# Built once, with bound parameters (as catalog.services' statements): every quiz page runs them.
_OPEN_DRAW = select(QuizDraw).where(
    QuizDraw.user_id == bindparam("user_id"), QuizDraw.module_id == bindparam("module_id")
)
_RECENT_FAILURES = (
    select(QuizAttempt.created_at)
    .where(
        QuizAttempt.user_id == bindparam("user_id"),
        QuizAttempt.module_id == bindparam("module_id"),
        QuizAttempt.passed.is_(False),
        QuizAttempt.created_at > bindparam("since"),
    )
    .order_by(QuizAttempt.created_at.desc())
    .limit(bindparam("limit", type_=Integer))
)
# Per question key: the attempts that asked it, and the latest of them (AttemptAnswer has a row
# per question of an attempt, read through its index on attempt_id).
_ASKED = (
    select(Question.key, func.count(), func.max(AttemptAnswer.attempt_id))
    .select_from(AttemptAnswer)
    .join(Question, Question.id == AttemptAnswer.question_id)
    .join(QuizAttempt, QuizAttempt.id == AttemptAnswer.attempt_id)
    .where(QuizAttempt.user_id == bindparam("user_id"), QuizAttempt.module_id == bindparam("module_id"))
    .group_by(Question.key)
)
_system_random = secrets.SystemRandom()  # a draw must not be predictable


@dataclass(frozen=True)
class PoolItem:
    """What drawing needs to know of a question."""

    key: str
    group: str  # "" when the quiz has no groups


def draw_keys(
    pool: Sequence[PoolItem],
    draw: int | None,
    groups: Sequence[dict],
    previous: Set[str] = frozenset(),
    asked: Mapping[str, int] | None = None,
    rng: random.Random = _system_random,
) -> list[str]:
    """The keys of one attempt's questions, in the pool's order.

    Each group gives exactly its ``draw`` (the whole pool is one group without groups):
    questions not in *previous* (the last attempt's, whose page showed which answers were wrong)
    first, then those *asked* fewest times over the learner's attempts, at random among equals.
    A pool twice the draw gives each attempt the questions the one before did not ask; a larger
    one brings back the questions asked longest ago only once the others were asked too.
    """
    asked = asked or {}
    quotas = {g["key"]: g["draw"] for g in groups} if groups else {"": draw or len(pool)}
    chosen: set[str] = set()
    for group, quota in quotas.items():
        members = [item.key for item in pool if (item.group if groups else "") == group]
        rng.shuffle(members)
        members.sort(key=lambda key: (key in previous, asked.get(key, 0)))  # stable: random among equals
        chosen.update(members[:quota])
    return [item.key for item in pool if item.key in chosen]


def shown_order(count: int, shuffle: bool, rng: random.Random = _system_random) -> list[int]:
    """The order choices are shown in: the author's, or shuffled."""
    order = list(range(count))
    if shuffle:
        rng.shuffle(order)
    return order


def _history(user, module: Module) -> tuple[set[str], dict[str, int]]:
    """The keys the learner's last attempt at this quiz asked, and how many attempts asked each
    (whatever the course's version: a question keeps its key across versions)."""
    rows = db.session.execute(_ASKED, {"user_id": user.id, "module_id": module.id}).all()
    last = max((latest for _key, _times, latest in rows), default=None)
    return {key for key, _times, latest in rows if latest == last}, {key: times for key, times, _ in rows}


def _new_draw(user, module: Module, questions: Sequence[Question]) -> QuizDraw:
    pool = [PoolItem(q.key, q.group_key) for q in questions]
    previous, asked = _history(user, module)
    keys = set(draw_keys(pool, module.draw, module.groups or [], previous, asked))
    items = [[q.id, shown_order(len(q.choices), module.shuffle)] for q in questions if q.key in keys]
    return QuizDraw(
        user_id=user.id,
        module_id=module.id,
        course_version=module.course.version,
        token=secrets.token_urlsafe(24),
        items=items,
    )


def find_open_draw(user, module: Module) -> QuizDraw | None:
    """The learner's open draw of this quiz, if any (without making one)."""
    return db.session.scalar(_OPEN_DRAW, {"user_id": user.id, "module_id": module.id})


def open_draw(user, module: Module) -> tuple[QuizDraw, list[tuple[Question, list[int]]]]:
    """The learner's open draw for this quiz, made now if there is none (or the quiz changed).

    Returns the draw and its (question, choice order) pairs in the order shown. Two tabs opening
    the quiz at once get the same draw: the unique constraint lets one insert win.
    """
    questions = module.questions
    by_id = {q.id: q for q in questions}
    draw = find_open_draw(user, module)
    if _still_valid(draw, module, by_id):
        return draw, _shown(draw, by_id)
    if start_writing():  # a GET's reading transaction ended: read again under the write lock
        questions = module.questions
        by_id = {q.id: q for q in questions}
        draw = find_open_draw(user, module)
        if _still_valid(draw, module, by_id):  # another tab drew meanwhile
            return draw, _shown(draw, by_id)
    if draw is not None:
        db.session.delete(draw)  # the quiz changed since: draw again
        db.session.flush()
        draw = None
    if draw is None:
        try:
            with db.session.begin_nested():
                draw = _new_draw(user, module, questions)
                db.session.add(draw)
        except IntegrityError:
            draw = find_open_draw(user, module)
    return draw, _shown(draw, by_id)


def _shown(draw: QuizDraw, by_id: dict) -> list[tuple[Question, list[int]]]:
    """The draw's (question, choice order) pairs, in the order shown."""
    return [(by_id[qid], order) for qid, order in draw.items]


def _still_valid(draw: QuizDraw | None, module: Module, by_id: dict) -> bool:
    """The draw exists and was made from the quiz as it is now (same version, same questions)."""
    return draw is not None and (
        draw.course_version == module.course.version
        and all(qid in by_id and len(order) == len(by_id[qid].choices) for qid, order in draw.items)
    )


def close_draw(user, module: Module) -> None:
    """A submission ends the open draw: the next visit draws again."""
    db.session.execute(delete(QuizDraw).where(QuizDraw.user_id == user.id, QuizDraw.module_id == module.id))


@dataclass(frozen=True)
class Allowance:
    """What is left of a quiz's failed attempts in the last 24 hours."""

    left: int | None  # failed attempts still allowed (None: no limit)
    reopens: datetime | None  # when the quiz opens again, if none is left


def attempt_allowance(user, module: Module, now: datetime | None = None) -> Allowance:
    """At most ``attempts_per_day`` failed attempts in any 24 hours: once reached, the quiz
    opens again 24 hours after the oldest of them. One query (none without a limit)."""
    now = now or utcnow()
    limit = module.attempts_per_day or 0
    if limit <= 0:
        return Allowance(None, None)
    params = {"user_id": user.id, "module_id": module.id, "since": now - WINDOW, "limit": limit}
    failures = list(db.session.scalars(_RECENT_FAILURES, params))
    if len(failures) < limit:
        return Allowance(limit - len(failures), None)
    return Allowance(0, failures[-1] + WINDOW)


def next_attempt_at(user, module: Module, now: datetime | None = None) -> datetime | None:
    """When the learner may try again, if they used up today's failed attempts; else None."""
    return attempt_allowance(user, module, now).reopens

"""Writing the learning record: called by the services that make each change, in their transaction.

Nothing here commits: the caller does, so a rolled-back change leaves no event behind. Each
function writes its rows with one bulk INSERT (an executemany, batched into one statement on
PostgreSQL): a graded quiz of twenty questions costs one round trip, not twenty-two.
"""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import Select, delete, func, insert, select

from app.catalog.models import Course, Module
from app.extensions import db
from app.models_base import utcnow
from app.record.models import LearningEvent
from app.record.statements import Builder
from app.urls import path_for_job, site_url

RETENTION_DAYS = 3 * 365  # default of RECORD_RETENTION_DAYS: see the README, "Learning record"


def _site() -> str:
    return site_url().rstrip("/")


def _url(endpoint: str, **values) -> str:
    return _site() + path_for_job(endpoint, **values)


def module_url(module: Module) -> str:
    return _url("catalog.module", slug=module.course.slug, module_slug=module.slug)


def _builder(user, course: Course) -> Builder:
    return Builder(_site(), user.id, course, _url("catalog.course", slug=course.slug))


def _event(user_id: int, course: Course, verb: str, statement: dict, module=None, seconds=None) -> dict:
    """One row of ``learning_events``, its columns taken from the statement."""
    return dict(
        statement_id=statement["id"],
        user_id=user_id,
        organisation_id=course.organisation_id,
        course_id=course.id,
        module_id=module.id if module is not None else None,
        verb=verb,
        occurred_at=datetime.fromisoformat(statement["timestamp"].replace("Z", "+00:00")),
        duration_seconds=seconds,
        statement=statement,
    )


def _insert(rows: list[dict]) -> None:
    """Write the events in the order given (their ids, the order stores receive them in)."""
    db.session.execute(insert(LearningEvent.__table__), rows)  # Core: one batch whatever is None


def _registration(user, course: Course, builder: Builder, now: datetime) -> list[dict]:
    """The ``registered`` event, the first time the learner does anything in the course."""
    known = db.session.scalar(
        select(LearningEvent.id)
        .where(
            LearningEvent.user_id == user.id,
            LearningEvent.course_id == course.id,
            LearningEvent.verb == "registered",
        )
        .limit(1)
    )
    return [] if known is not None else [_event(user.id, course, "registered", builder.registered(now))]


def register(user_ids: Iterable[int], courses: Iterable[Course], now: datetime | None = None) -> None:
    """Register learners in courses they are not yet registered in (a class joined, a course
    assigned to a class: the xAPI LMS profile's "cohort registration"), in three queries at most."""
    user_ids, courses = sorted(set(user_ids)), {c.id: c for c in courses}
    if not user_ids or not courses:
        return
    known = set(
        db.session.execute(
            select(LearningEvent.user_id, LearningEvent.course_id).where(
                LearningEvent.user_id.in_(user_ids),
                LearningEvent.course_id.in_(list(courses)),
                LearningEvent.verb == "registered",
            )
        ).all()
    )
    now = now or utcnow()
    rows = []
    for course in courses.values():
        course_url = _url("catalog.course", slug=course.slug)
        for user_id in user_ids:
            if (user_id, course.id) not in known:
                statement = Builder(_site(), user_id, course, course_url).registered(now)
                rows.append(_event(user_id, course, "registered", statement))
    if rows:
        _insert(rows)


def time_on(user, module_ids, since: datetime | None = None) -> int:
    """Active seconds the learner spent on these modules' pages (since a moment, if given).

    ``module_ids``: a list, or a SELECT of ids (a whole course's modules).
    """
    if not isinstance(module_ids, Select):
        module_ids = list(module_ids)
    query = select(func.coalesce(func.sum(LearningEvent.duration_seconds), 0)).where(
        LearningEvent.user_id == user.id,
        LearningEvent.verb == "experienced",
        LearningEvent.module_id.in_(module_ids),
    )
    if since is not None:
        query = query.where(LearningEvent.occurred_at >= since)
    return int(db.session.scalar(query))


def module_read(user, module: Module, now: datetime | None = None) -> None:
    """A module marked as read, with the active time measured on its page until now."""
    now = now or utcnow()
    course = module.course
    builder = _builder(user, course)
    seconds = time_on(user, [module.id])
    statement = builder.module_read(module, module_url(module), now, seconds)
    events = _registration(user, course, builder, now)
    events.append(_event(user.id, course, "read", statement, module, seconds or None))
    _insert(events)


def quiz_graded(user, module: Module, attempt, questions, graded, answers) -> None:
    """A graded attempt: one ``answered`` per question, then ``passed`` or ``failed``."""
    now = attempt.created_at or utcnow()
    course = module.course
    builder = _builder(user, course)
    title = course.title if module.is_final else module.title
    quiz = builder.quiz_activity(_url("learning.quiz", slug=course.slug, module_slug=module.quiz_slug), title)
    parent = None if module.is_final else builder.module_activity(module, module_url(module))
    events = _registration(user, course, builder, now)
    for question, result in zip(questions, graded, strict=True):
        chosen = sorted({i for i in answers.get(question.key, ()) if 0 <= i < len(question.choices)})
        statement = builder.answered(question, quiz, now, chosen, result.correct)
        events.append(_event(user.id, course, "answered", statement, module))
    right = sum(result.correct for result in graded)
    statement = builder.graded(quiz, parent, now, right, len(graded), attempt)
    events.append(_event(user.id, course, "passed" if attempt.passed else "failed", statement, module))
    _insert(events)


def certificate_issued(user, course: Course, certificate) -> None:
    """The course completed and its certificate issued: two events, one moment."""
    now = certificate.issued_at or utcnow()
    builder = _builder(user, course)
    module_ids = select(Module.id).where(Module.course_id == course.id)
    seconds = time_on(user, module_ids)
    url = _url("certificates.verify", code=certificate.code)
    events = _registration(user, course, builder, now)
    events.append(
        _event(user.id, course, "completed", builder.course_completed(now, seconds), None, seconds or None)
    )
    events.append(_event(user.id, course, "earned", builder.certificate_earned(url, now)))
    _insert(events)


def time_spent(user, module: Module, seconds: int, now: datetime) -> None:
    """Record active time already checked against the caps (see app/record/time.py)."""
    course = module.course
    builder = _builder(user, course)
    event = _event(
        user.id,
        course,
        "experienced",
        builder.time_spent(module, module_url(module), now, seconds),
        module,
        seconds,
    )
    _insert([*_registration(user, course, builder, now), event])


def retention_days() -> int:
    configured = current_app.config.get("RECORD_RETENTION_DAYS")
    return RETENTION_DAYS if configured is None else int(configured)


def purge(now: datetime | None = None) -> int:
    """Delete the events older than the retention period; how many. The caller commits."""
    cutoff = (now or utcnow()) - timedelta(days=retention_days())
    result = db.session.execute(delete(LearningEvent).where(LearningEvent.occurred_at < cutoff))
    return result.rowcount or 0


def start_of_day(moment: datetime) -> datetime:
    """Midnight UTC of the moment's day: the day the per-module cap counts in."""
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)

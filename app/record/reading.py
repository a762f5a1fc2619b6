"""Reading the record back: a learner's courses with their totals, and the events of one course."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from app.admin.paging import one_page
from app.catalog.models import Course
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.record.models import LearningEvent

# What each event is, as the learner reads it.
LABELS = {
    "registered": _l("Enrolled in the course"),
    "read": _l("Marked the module as read"),
    "experienced": _l("Read the module"),
    "answered": _l("Answered a question"),
    "passed": _l("Passed the quiz"),
    "failed": _l("Did not pass the quiz"),
    "completed": _l("Completed the course"),
    "earned": _l("Earned the certificate"),
}


@dataclass(frozen=True)
class CourseRecord:
    """One course in a learner's record: first and last events, time spent, what was done."""

    course: Course
    first: datetime
    last: datetime
    seconds: int
    modules_read: int
    quizzes_passed: int
    certified: bool


def courses_of(user) -> list[CourseRecord]:
    """The learner's courses with their totals, most recent first, in two queries."""
    rows = db.session.execute(
        select(
            LearningEvent.course_id,
            func.min(LearningEvent.occurred_at),
            func.max(LearningEvent.occurred_at),
            func.coalesce(
                func.sum(
                    case((LearningEvent.verb == "experienced", LearningEvent.duration_seconds), else_=0)
                ),
                0,
            ),
            # Each module once: a quiz passed again for practice is not another quiz passed.
            func.count(func.distinct(case((LearningEvent.verb == "read", LearningEvent.module_id)))),
            func.count(func.distinct(case((LearningEvent.verb == "passed", LearningEvent.module_id)))),
            func.count(case((LearningEvent.verb == "earned", 1))),
        )
        .where(LearningEvent.user_id == user.id, LearningEvent.course_id.is_not(None))
        .group_by(LearningEvent.course_id)
    ).all()
    courses = {c.id: c for c in db.session.scalars(select(Course).where(Course.id.in_([r[0] for r in rows])))}
    found = [
        CourseRecord(courses[cid], first, last, int(seconds), read, passed, earned > 0)
        for cid, first, last, seconds, read, passed, earned in rows
        if cid in courses
    ]
    return sorted(found, key=lambda record: record.last, reverse=True)


def events_page(user, course: Course, page: int, size: int = 50) -> tuple[list[LearningEvent], bool]:
    """One page of the learner's events in a course, newest first, and whether older ones follow."""
    query = (
        select(LearningEvent)
        .options(selectinload(LearningEvent.module))
        .where(LearningEvent.user_id == user.id, LearningEvent.course_id == course.id)
        .order_by(LearningEvent.occurred_at.desc(), LearningEvent.id.desc())
    )
    return one_page(query, page, size=size)


def label(event: LearningEvent) -> str:
    return str(LABELS.get(event.verb, event.verb))


def subject(event: LearningEvent) -> str:
    """What the event is about: the question's text, the module's title, else the statement's name."""
    names = event.statement.get("object", {}).get("definition", {}).get("name", {})
    name = next(iter(names.values()), "")
    if event.verb in ("answered", "passed", "failed", "earned", "registered", "completed"):
        return name
    return event.module.title if event.module is not None else name


def score(event: LearningEvent) -> int | None:
    """The attempt's score in percent, for passed and failed."""
    found = event.statement.get("result", {}).get("score")
    return round(found["scaled"] * 100) if found else None


def success(event: LearningEvent) -> bool | None:
    return event.statement.get("result", {}).get("success") if event.verb == "answered" else None

"""Training bodies and what their attestations say: plain functions, no request needed.

Hours come from the learning record (app/record): the sum of the ``experienced`` events' durations,
the only rows that hold time as it was measured. A module's ``read`` and the course's ``completed``
statements repeat sums of those same seconds (app/record/services.py), so counting them would count
the time twice or three times.
"""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.admin.paging import one_page
from app.attestation.evidence import Evidence
from app.attestation.models import TrainingBody
from app.attestation.pdf import AttestationData
from app.catalog.models import Course, Module
from app.certificates.models import Certificate
from app.extensions import db
from app.i18n import local_zone
from app.learning.models import QuizAttempt
from app.record import export
from app.record.models import LearningEvent

TIME_VERB = "experienced"  # see the module's docstring: the one verb whose durations add up
# A learner is someone who did something in the course: being registered by a school's assignment
# is not it (a publisher must not see the names of a class that never opened its course), nor does
# it start the period the attestation covers.
SELF_MADE = LearningEvent.verb != "registered"
LEARNERS_PER_PAGE = 50


@dataclass(frozen=True)
class Activity:
    """A learner's activity in a course, from the record: measured seconds, first and last events."""

    seconds: int
    first: datetime
    last: datetime


def training_body(organisation_id: int | None) -> TrainingBody | None:
    """The organisation's training body settings; None when it is not a training body."""
    return db.session.get(TrainingBody, organisation_id) if organisation_id is not None else None


def save_training_body(organisation_id: int, **fields) -> TrainingBody:
    """Create or update the organisation's training body settings (the caller commits)."""
    body = training_body(organisation_id)
    if body is None:
        body = TrainingBody(organisation_id=organisation_id)
        db.session.add(body)
    for name, value in fields.items():
        setattr(body, name, value)
    return body


def forget_training_body(organisation_id: int) -> bool:
    """The organisation stops being a training body; whether it was one (the caller commits)."""
    body = training_body(organisation_id)
    if body is not None:
        db.session.delete(body)
    return body is not None


def _activity_columns():
    return (
        func.coalesce(func.sum(case((LearningEvent.verb == TIME_VERB, LearningEvent.duration_seconds))), 0),
        func.min(LearningEvent.occurred_at),
        func.max(LearningEvent.occurred_at),
    )


def activity(user_id: int, course_id: int) -> Activity | None:
    """The learner's activity in the course, in one query; None when nothing is recorded."""
    seconds, first, last = db.session.execute(
        select(*_activity_columns()).where(
            LearningEvent.user_id == user_id, LearningEvent.course_id == course_id, SELF_MADE
        )
    ).one()
    return None if first is None else Activity(int(seconds), first, last)


def learners_page(course_id: int, page: int) -> tuple[list[tuple[User, Activity]], bool]:
    """One page of the course's learners (anyone who did something in it), by name, with their activity."""
    query = (
        select(User, *_activity_columns())
        .join(LearningEvent, LearningEvent.user_id == User.id)
        .where(LearningEvent.course_id == course_id, SELF_MADE)
        .group_by(User.id)
        .order_by(User.full_name, User.id)
    )
    rows, more = one_page(query, page, rows=True, size=LEARNERS_PER_PAGE)
    return [(user, Activity(int(seconds), first, last)) for user, seconds, first, last in rows], more


def attempts(user_id: int, course_id: int) -> list[QuizAttempt]:
    """The learner's graded quiz attempts in the course, oldest first."""
    return list(
        db.session.scalars(
            select(QuizAttempt)
            .options(selectinload(QuizAttempt.module))
            .join(Module, Module.id == QuizAttempt.module_id)
            .where(QuizAttempt.user_id == user_id, Module.course_id == course_id)
            .order_by(QuizAttempt.created_at, QuizAttempt.id)
        )
    )


def certificate(user_id: int, course_id: int) -> Certificate | None:
    return db.session.scalar(
        select(Certificate).where(Certificate.user_id == user_id, Certificate.course_id == course_id)
    )


def attestation_data(
    body: TrainingBody, course: Course, user: User, found: Activity, today: date
) -> AttestationData:
    """What the certificate of one learner prints, dates in the reader's time zone."""
    zone = local_zone()
    return AttestationData(
        body_name=body.legal_name,
        declaration_number=body.declaration_number,
        signatory_name=body.signatory_name,
        signatory_role=body.signatory_role,
        place=body.place,
        learner_name=user.full_name,
        course_title=course.title,
        first_day=found.first.astimezone(zone).date(),
        last_day=found.last.astimezone(zone).date(),
        seconds=found.seconds,
        made_on=today,
    )


def evidence_of(data: AttestationData, course: Course, user: User, certificate_url) -> Evidence:
    """Everything the evidence pack holds besides the certificate; ``certificate_url(c)`` links one."""
    events = list(
        db.session.execute(
            export.events_query(LearningEvent.user_id == user.id, LearningEvent.course_id == course.id)
            .order_by(None)
            .order_by(LearningEvent.occurred_at, LearningEvent.id)  # the auditor reads a timeline
        )
    )
    found = certificate(user.id, course.id)
    return Evidence(
        attestation=data,
        learner_email=user.email,
        course_version=course.version,
        events=events,
        attempts=attempts(user.id, course.id),
        certificate=found,
        certificate_url=certificate_url(found) if found is not None else None,
    )

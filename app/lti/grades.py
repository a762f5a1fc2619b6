"""Results back to the platform's gradebook (LTI Assignment and Grade Services).

A learner's result on a deep-linked module (best quiz score, or read) or course (share of its
modules completed; complete with the certificate) is written to their grade link in the same
transaction as the progress that changed it. Once that commits, a job posts the score; a
failure is kept on the link with a growing pause, and the clock (``flask notifications tick``)
or ``flask lti send-grades`` tries again, so a platform that is down loses nothing.
"""

import logging
from datetime import timedelta

from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.grade import Grade
from pylti1p3.service_connector import ServiceConnector
from sqlalchemy import event, or_, select
from sqlalchemy.orm import Session, selectinload

from app import jobs
from app.certificates.models import Certificate
from app.extensions import db
from app.learning.models import ModuleProgress
from app.learning.services import courses_progress
from app.lti import tool
from app.lti.models import LtiGradeLink
from app.models_base import utcnow

log = logging.getLogger(__name__)
PENDING = "cadre_lti_grades"  # session.info key: grade links whose score changed
MAX_PAUSE = timedelta(hours=6)


class _Connector(ServiceConnector):
    """pylti1p3's connector without its process-wide token cache, keyed by issuer only: two
    registrations of one issuer must never share a token. A job asks for one token per link."""

    def _get_cached_access_token(self, scope_key):
        return None

    def _cache_access_token(self, scope_key, access_token, expires_in):
        pass


def _module_result(link: LtiGradeLink, row: ModuleProgress | None) -> tuple[float | None, bool]:
    if row is None:
        return None, False
    done = row.completed_at is not None
    if link.module.has_quiz:
        return (None if row.best_score is None else row.best_score / 100), done
    return (1.0 if done else None), done


def _course_result(link: LtiGradeLink) -> tuple[float | None, bool]:
    from app.accounts.models import User

    progress = courses_progress(db.session.get(User, link.user_id), [link.course_id])[link.course_id]
    certified = db.session.scalar(
        select(Certificate.id).where(
            Certificate.user_id == link.user_id,
            Certificate.course_id == link.course_id,
            Certificate.revoked_at.is_(None),
            Certificate.withdrawn_at.is_(None),
        )
    )
    if not progress.started and certified is None:
        return None, False
    score = 1.0 if certified else (progress.completed / progress.total if progress.total else 0.0)
    return score, certified is not None


def refresh(links: list[LtiGradeLink]) -> None:
    """Compute each link's result from the learner's progress; note the ones to send."""
    changed = []
    for link in links:
        if link.module_id is not None:
            row = db.session.scalar(
                select(ModuleProgress).where(
                    ModuleProgress.user_id == link.user_id, ModuleProgress.module_id == link.module_id
                )
            )
            score, completed = _module_result(link, row)
        else:
            score, completed = _course_result(link)
        if score is None:
            continue
        if (score, completed) != (link.score, link.completed):
            link.score, link.completed = score, completed
            link.failures, link.next_try_at = 0, None
        if (link.score, link.completed) != (link.sent_score, link.sent_completed):
            changed.append(link.id)
    if changed:
        db.session.flush()
        db.session.info.setdefault(PENDING, set()).update(changed)


def results_changed(user_id: int, course_id: int) -> None:
    """Called where progress changes: refresh the learner's links on that course, if any."""
    links = list(
        db.session.scalars(
            select(LtiGradeLink)
            .options(selectinload(LtiGradeLink.module))
            .where(LtiGradeLink.user_id == user_id, LtiGradeLink.course_id == course_id)
        )
    )
    if links:
        refresh(links)


@event.listens_for(Session, "after_commit")
def _queue_sending(session) -> None:
    if session.in_nested_transaction():
        return
    pending = session.info.pop(PENDING, None)
    if pending:
        jobs.enqueue(send_grades, *sorted(pending))


@event.listens_for(Session, "after_rollback")
def _forget(session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(PENDING, None)


def send_grades(*link_ids: int) -> None:
    """The job: post each link's score if it still differs from what the platform has."""
    for link_id in link_ids:
        send_one(link_id)


def send_one(link_id: int) -> bool:
    """Post one link's score now; True if the platform has it. Errors are kept on the link.

    In a session of its own: the job may run straight after the commit that queued it (tests,
    or Redis down), when the request's session may run no more SQL.
    """
    with Session(db.engine) as session:
        link = session.get(LtiGradeLink, link_id, options=[selectinload(LtiGradeLink.platform)])
        if link is None or link.score is None:
            return True
        if (link.score, link.completed) == (link.sent_score, link.sent_completed):
            return True
        score, completed = link.score, link.completed
        try:
            _put(link, score, completed)
        except Exception as error:  # noqa: BLE001 - whatever a platform answers, this link backs off
            link.failures += 1
            link.next_try_at = utcnow() + min(timedelta(minutes=2 ** min(link.failures, 10)), MAX_PAUSE)
            link.last_error = str(error)[:1000]
            session.commit()
            log.warning("LTI grade %s not sent (%s failures): %s", link_id, link.failures, error)
            return False
        link.sent_score, link.sent_completed, link.sent_at = score, completed, utcnow()
        link.failures, link.next_try_at, link.last_error = 0, None, ""
        session.commit()
        return True


def _put(link: LtiGradeLink, score: float, completed: bool) -> None:
    grade = (
        Grade()
        .set_score_given(round(score * 100, 2))
        .set_score_maximum(100)
        .set_activity_progress("Completed" if completed else "InProgress")
        .set_grading_progress("FullyGraded")
        .set_timestamp(utcnow().isoformat())
        .set_user_id(link.subject)
    )
    service = AssignmentsGradesService(
        _Connector(tool.registration(link.platform), tool.http_session()),
        {"scope": link.scopes, "lineitem": link.lineitem_url},
    )
    service.put_grade(grade)


def send_due() -> tuple[int, int]:
    """What the clock runs: every link whose score differs and whose pause is over.

    (sent, still failing).
    """
    now = utcnow()
    ids = list(
        db.session.scalars(
            select(LtiGradeLink.id).where(
                LtiGradeLink.score.is_not(None),
                or_(
                    LtiGradeLink.sent_score.is_(None),
                    LtiGradeLink.sent_score != LtiGradeLink.score,
                    LtiGradeLink.sent_completed != LtiGradeLink.completed,
                ),
                or_(LtiGradeLink.next_try_at.is_(None), LtiGradeLink.next_try_at <= now),
            )
        )
    )
    db.session.commit()  # each link is sent in a session of its own: end this one's transaction
    sent = sum(send_one(link_id) for link_id in ids)
    return sent, len(ids) - sent

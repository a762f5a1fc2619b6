"""Teachers write to a class: a message its students read on the class's messages page, and are
notified of (on the site, and by e-mail if they chose it)."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete as sql_delete
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.extensions import db
from app.notifications.models import CLASS_MESSAGE, Notification
from app.notifications.services import notify
from app.schools.models import ClassMessage, Enrolment, SchoolClass
from app.urls import path_for_job

MAX_MESSAGE = 2000  # characters: a note to the class, not a course
PAGE_SIZE = 20


class MessageError(ValueError):
    """A message the rules refuse; ``str()`` says why."""


def write(school_class: SchoolClass, author: User, body: str) -> tuple[ClassMessage, int]:
    """Keep the message and notify the class's current students; the caller commits.

    Returns the message and how many students were told (those who want it somewhere)."""
    body = (body or "").strip()
    if not body:
        raise MessageError(_l("Write a message first."))
    if len(body) > MAX_MESSAGE:
        raise MessageError(_l("A message may hold at most %(max)d characters.", max=MAX_MESSAGE))
    message = ClassMessage(class_id=school_class.id, author_id=author.id, body=body)
    db.session.add(message)
    db.session.flush()
    enrolled = select(Enrolment.user_id).where(Enrolment.class_id == school_class.id)
    students = db.session.scalars(select(User).where(User.id.in_(enrolled)))
    params = {"class": school_class.name, "by": author.full_name, "message": body}
    told = notify(students, CLASS_MESSAGE, params, _path(message))
    return message, len(told)


def _path(message: ClassMessage) -> str:
    return path_for_job("schools.class_messages", class_id=message.class_id) + f"#message-{message.id}"


def delete(message: ClassMessage) -> None:
    """Take the message down, and its notifications on Cadre with it (e-mails sent cannot be);
    the caller commits."""
    db.session.execute(
        sql_delete(Notification).where(
            Notification.kind == CLASS_MESSAGE, Notification.path == _path(message)
        )
    )
    db.session.delete(message)


def page_of(school_class: SchoolClass, page: int) -> tuple[list[ClassMessage], int]:
    """One page of the class's messages, newest first, with their authors; and the number of pages."""
    total = db.session.scalar(
        select(func.count(ClassMessage.id)).where(ClassMessage.class_id == school_class.id)
    )
    found = db.session.scalars(
        select(ClassMessage)
        .options(joinedload(ClassMessage.author))
        .where(ClassMessage.class_id == school_class.id)
        .order_by(ClassMessage.created_at.desc(), ClassMessage.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    return list(found), max(1, -(-total // PAGE_SIZE))

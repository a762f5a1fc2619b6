"""Teachers write to a class: a message its students read on the class's messages page, and are
notified of (on the site, and by e-mail if they chose it)."""

from datetime import timedelta
from typing import NamedTuple

from sqlalchemy import delete as sql_delete
from sqlalchemy import exists, func, or_, select, true, update
from sqlalchemy.orm import joinedload, selectinload

from app.accounts.models import User
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models_base import utcnow
from app.notifications.models import CLASS_MESSAGE, Notification
from app.notifications.services import author_params, notify
from app.schools.models import ClassMessage, ClassMessageRecipient, Enrolment, SchoolClass, archived_refusal
from app.urls import path_for_job

MAX_MESSAGE = 2000  # characters: a note to the class, not a course
PAGE_SIZE = 20
SENT_TWICE_WITHIN = timedelta(minutes=10)


class MessageError(ValueError):
    """A message the rules refuse; ``str()`` says why."""


class Unfinished(NamedTuple):
    """Some of the class: the students who have not finished an assigned item (its title)."""

    title: str
    students: list[User]


def write(
    school_class: SchoolClass, author: User, body: str, to: Unfinished | None = None
) -> tuple[ClassMessage, int | None]:
    """Keep the message and notify the class's current students, or only those *to* names; the
    caller commits.

    Returns the message and how many students were told (those who want it somewhere), or None
    when the same words by the same person reached the same students a moment ago: a form sent
    twice (a double click, a page reloaded), kept and told once."""
    if school_class.archived_at is not None:
        raise MessageError(archived_refusal(school_class))
    body = (body or "").strip()
    if not body:
        raise MessageError(_l("Write a message first."))
    if len(body) > MAX_MESSAGE:
        raise MessageError(_l("A message may hold at most %(max)d characters.", max=MAX_MESSAGE))
    if to is not None and not to.students:
        raise MessageError(_l("Every student has finished this work now: write to the whole class instead."))
    same = db.session.scalar(
        select(ClassMessage).where(
            ClassMessage.class_id == school_class.id,
            ClassMessage.author_id == author.id,
            ClassMessage.body == body,
            ClassMessage.unfinished_of.is_(None) if to is None else ClassMessage.unfinished_of == to.title,
            ClassMessage.created_at > utcnow() - SENT_TWICE_WITHIN,
        )
    )
    if same is not None:
        return same, None
    message = ClassMessage(
        class_id=school_class.id, author_id=author.id, body=body, unfinished_of=to.title if to else None
    )
    db.session.add(message)
    db.session.flush()
    if to is None:
        enrolled = select(Enrolment.user_id).where(Enrolment.class_id == school_class.id)
        students = list(db.session.scalars(select(User).where(User.id.in_(enrolled))))
    else:
        students = to.students
        db.session.add_all(ClassMessageRecipient(message_id=message.id, user_id=s.id) for s in students)
    params = {"class": school_class.name, **author_params(author), "message": body}
    if to is not None:
        params["unfinished_of"] = to.title  # the notification says so: not to the whole class
    path = path_for_job("schools.class_message", class_id=school_class.id, message_id=message.id)
    told = notify(students, CLASS_MESSAGE, params, path, dedupe_key=_key(message))
    return message, len(told)


def _key(message: ClassMessage) -> str:
    """What its notifications name it by, to be taken down with it."""
    return f"message:{message.id}"


def delete(message: ClassMessage) -> None:
    """Take the message down, and its notifications on Cadre with it (e-mails sent cannot be);
    the caller commits."""
    told = (Notification.kind == CLASS_MESSAGE, Notification.dedupe_key == _key(message))
    db.session.execute(sql_delete(Notification).where(*told))
    db.session.delete(message)


def seen_by(reader: User | None):
    """The messages *reader* sees: to the whole class, or to them among others; all for the class's
    staff (*reader* None)."""
    if reader is None:
        return true()
    to_them = exists().where(
        ClassMessageRecipient.message_id == ClassMessage.id, ClassMessageRecipient.user_id == reader.id
    )
    return or_(ClassMessage.unfinished_of.is_(None), to_them)


def written_to(message: ClassMessage, student: User) -> bool:
    """Whether the student is among those *message* was written to."""
    return (
        message.unfinished_of is None
        or db.session.get(ClassMessageRecipient, (message.id, student.id)) is not None
    )


def page_holding(message: ClassMessage, reader: User | None) -> int:
    """The page of the class's messages that shows *message* to *reader* (newer ones come first)."""
    newer = db.session.scalar(
        select(func.count(ClassMessage.id)).where(
            ClassMessage.class_id == message.class_id,
            seen_by(reader),
            (ClassMessage.created_at > message.created_at)
            | ((ClassMessage.created_at == message.created_at) & (ClassMessage.id > message.id)),
        )
    )
    return newer // PAGE_SIZE + 1


def _told(user_id: int, school_class: SchoolClass):
    """The person's notifications of this class's messages (their paths lead there)."""
    prefix = path_for_job("schools.class_messages", class_id=school_class.id) + "/"
    return (
        Notification.user_id == user_id,
        Notification.kind == CLASS_MESSAGE,
        Notification.path.startswith(prefix, autoescape=True),
    )


def _unread(reader: User, school_class: SchoolClass):
    """The reader's notifications of this class's messages not read yet."""
    return (*_told(reader.id, school_class), Notification.read_at.is_(None))


def forget(school_class: SchoolClass, user_id: int) -> None:
    """A student left the class: its messages go from their notifications, as they can no longer
    open them; the caller commits. (E-mails sent cannot be taken back.)"""
    db.session.execute(sql_delete(Notification).where(*_told(user_id, school_class)))


def has_unread(reader: User, school_class: SchoolClass) -> bool:
    found = select(Notification.id).where(*_unread(reader, school_class)).limit(1)
    return db.session.scalar(found) is not None


def mark_read(reader: User, school_class: SchoolClass) -> None:
    """The reader opened the class's messages: their notifications of them are read; the caller commits."""
    db.session.execute(update(Notification).where(*_unread(reader, school_class)).values(read_at=utcnow()))


def page_of(school_class: SchoolClass, page: int, reader: User | None) -> tuple[list[ClassMessage], int]:
    """One page of the class's messages *reader* sees (None: its staff, who see all and to whom
    each went), newest first, with their authors; and the number of pages."""
    total = db.session.scalar(
        select(func.count(ClassMessage.id)).where(ClassMessage.class_id == school_class.id, seen_by(reader))
    )
    options = [joinedload(ClassMessage.author)]
    if reader is None:
        options.append(selectinload(ClassMessage.recipients))
    found = db.session.scalars(
        select(ClassMessage)
        .options(*options)
        .where(ClassMessage.class_id == school_class.id, seen_by(reader))
        .order_by(ClassMessage.created_at.desc(), ClassMessage.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    return list(found), max(1, -(-total // PAGE_SIZE))

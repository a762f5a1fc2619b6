"""Classes, the students enrolled in them and what they were assigned."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.catalog.models import Course, Module
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models_base import UTCDateTime, utcnow
from app.orgs.models import Organisation


class SchoolClass(db.Model):
    """A class of a school; students join it with ``join_code`` while ``joining_open``."""

    __tablename__ = "school_classes"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    year: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    join_code: Mapped[str] = mapped_column(String(16), unique=True)
    joining_open: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when its staff archive it (a school year over): joining closes, its students no longer
    # see its work nor get its reminders, and lists of classes fold it away. Everything is kept.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation] = relationship()


def archived_refusal(school_class: SchoolClass):
    """What is said to whoever would give an archived class work, a due date or a message."""
    return _l("The class %(name)s is archived: restore it first.", name=school_class.name)


class Enrolment(db.Model):
    """A student in a class."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("class_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_classes.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class Assignment(db.Model):
    """A whole course (``module_id`` empty) or one module of it, set to a class, maybe due at a time."""

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("class_id", "course_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_classes.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id"), index=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course: Mapped[Course] = relationship()
    module: Mapped[Module | None] = relationship()


class ClassMessage(db.Model):
    """What a teacher wrote to a class: its students read it on the class's messages page and are
    notified (app/notifications, kind CLASS_MESSAGE). Plain text, shown escaped."""

    __tablename__ = "class_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_classes.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Written only to the students who had not finished an assigned item: its title as it read then
    # (the item may be withdrawn since). Only they, listed in ``recipients``, see it. Empty: the
    # whole class, present and future.
    unfinished_of: Mapped[str | None] = mapped_column(Text)

    author: Mapped[User] = relationship()
    recipients: Mapped[list[User]] = relationship(secondary="class_message_recipients", viewonly=True)


class ClassMessageRecipient(db.Model):
    """A student a message to some of the class was written to (``ClassMessage.unfinished_of``)."""

    __tablename__ = "class_message_recipients"

    message_id: Mapped[int] = mapped_column(
        ForeignKey("class_messages.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ClassInvitation(db.Model):
    """An e-mail a teacher sent to invite someone to a class (app/schools/invitations.py): the
    address, kept a while so that it is not mailed twice and the teacher sees who joined since.
    Whether an account uses the address is never looked up to send it."""

    __tablename__ = "class_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_classes.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    # What the limits count: the address without its « +tag » (invitations.mailbox).
    mailbox: Mapped[str] = mapped_column(String(254), index=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class InvitationRefusal(db.Model):
    """A mailbox whose reader asked Cadre for no more class invitations (the link each invitation
    e-mail carries, app/schools/invitations.py). Kept as a keyed fingerprint of the mailbox
    (``SiteKey``), not as the address, for as long as the refusal stands: the same link undoes it."""

    __tablename__ = "invitation_refusals"

    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SiteKey(db.Model):
    """A random key made once for the whole installation and never changed, kept where every host
    and process finds the same: the key of invitation refusals' fingerprints, which must outlive a
    change of ``SECRET_KEY`` (or every refusal would silently lapse)."""

    __tablename__ = "site_keys"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

"""A person's notifications, and which kinds they want where."""

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models_base import UTCDateTime, utcnow

REVIEW_REQUESTED, SENT_BACK, PUBLISHED = "review_requested", "sent_back", "published"
NEW_ASSIGNMENT, DUE_SOON, WEEKLY_DIGEST = "new_assignment", "due_soon", "weekly_digest"
CLASS_MESSAGE, COMMENT_REPLY, REVIEW_COMMENT = "class_message", "comment_reply", "review_comment"
CERTIFICATE = "certificate"  # one of the person's certificates revoked, or valid again
KINDS = (
    CERTIFICATE,
    REVIEW_REQUESTED,
    SENT_BACK,
    REVIEW_COMMENT,
    COMMENT_REPLY,
    PUBLISHED,
    NEW_ASSIGNMENT,
    DUE_SOON,
    CLASS_MESSAGE,
    WEEKLY_DIGEST,
)
# A decision about the person's own record: said on the site and by e-mail whatever the
# preferences, as a password reset is. A revoked certificate fails its holder at the next
# employer who checks it: they must learn it first, with the reason.
ALWAYS = frozenset({CERTIFICATE})
# What the preferences page and the unsubscribe page call each kind.
KIND_NAMES = {
    CERTIFICATE: _l("One of my certificates is revoked, or valid again"),
    REVIEW_REQUESTED: _l("A course is submitted for review"),
    SENT_BACK: _l("A course I submitted is sent back"),
    REVIEW_COMMENT: _l("Someone comments on a course I submitted for review or was the last to change"),
    COMMENT_REPLY: _l("Someone replies to a review comment I wrote or answered"),
    PUBLISHED: _l("A course I work on is published"),
    NEW_ASSIGNMENT: _l("Something new is assigned to one of my classes"),
    DUE_SOON: _l("Assigned work I have not finished is due in two days"),
    CLASS_MESSAGE: _l("A teacher writes to one of my classes"),
    WEEKLY_DIGEST: _l("Each week, what my classes completed"),
}
SITE, EMAIL = "site", "email"
CHANNELS = (SITE, EMAIL)
# An e-mail's state: none wanted, waiting for the job (or a retry), sent.
NO_MAIL, MAIL_PENDING, MAIL_SENT = "", "pending", "sent"


class Notification(db.Model):
    """One thing that happened, for one person; ``params`` holds what its text needs.

    The text is written when it is shown, in the reader's language, from ``kind`` and ``params``.
    ``dedupe_key`` names what a scheduled notification is about (an assignment, a week): the
    unique constraint is what makes running the schedule twice send nothing twice.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", "dedupe_key"),
        # The header's unread count is one COUNT on this index; the list walks it by user.
        Index("ix_notifications_user_unread", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(30))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    path: Mapped[str] = mapped_column(String(500), default="")  # where it leads, under the site's root
    dedupe_key: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Shown in the list; when the person turned the site off for this kind, it is born read.
    on_site: Mapped[bool] = mapped_column(Boolean, default=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mail_state: Mapped[str] = mapped_column(String(10), default=NO_MAIL)


class NotificationPreferences(db.Model):
    """What one person turned off (``"kind:channel"`` entries) and the language of their e-mails.

    No row: everything on, e-mails in the account's language (``User.locale``, else the site's).
    """

    __tablename__ = "notification_preferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    muted: Mapped[list] = mapped_column(JSON, default=list)
    locale: Mapped[str | None] = mapped_column(String(5))  # None: the account's language
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

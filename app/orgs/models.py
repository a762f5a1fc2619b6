"""Organisations, their staff and invitations to join them."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models_base import UTCDateTime, utcnow

SCHOOL, PUBLISHER = "school", "publisher"
KINDS = (SCHOOL, PUBLISHER)
ADMIN, TEACHER = "admin", "teacher"
EDITOR, REVIEWER, MEMBER = "editor", "reviewer", "member"
# The roles each kind of organisation gives its members. A school's students are not members:
# they join its classes (app.schools), and their account stays their own. A publisher's
# members read its members-only courses; editors write, reviewers publish.
ROLES = {SCHOOL: (ADMIN, TEACHER), PUBLISHER: (ADMIN, EDITOR, REVIEWER, MEMBER)}
ROLE_NAMES = {
    ADMIN: _l("administrator"),
    TEACHER: _l("teacher"),
    EDITOR: _l("editor"),
    REVIEWER: _l("reviewer"),
    MEMBER: _l("member"),
}
# A role inside a sentence ("invited … as a reviewer", "already an administrator of …"), where
# English needs its article and French takes none.
ROLE_IN_SENTENCE = {
    ADMIN: _l("an administrator"),
    TEACHER: _l("a teacher"),
    EDITOR: _l("an editor"),
    REVIEWER: _l("a reviewer"),
    MEMBER: _l("a member"),
}
KIND_NAMES = {SCHOOL: _l("School"), PUBLISHER: _l("Publisher")}


class Organisation(db.Model):
    """A school or a publisher; ``slug`` names it in URLs and on the command line."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    # A one-person team may publish what it submitted itself; otherwise a second person reviews.
    self_publish: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # A publisher's members join with this code, as students join a class; None: no joining.
    join_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Membership(db.Model):
    """A person's one role in one organisation; a person may belong to several organisations."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("organisation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    user: Mapped[User] = relationship()


NOTE_MAX = 120  # an invitation's "for whom"


class Invitation(db.Model):
    """A link that makes whoever follows it (signed in) a member with ``role``, until it expires.

    Only a hash of the token is stored: a database leak gives no usable link.
    """

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # For whom the administrator made it (« Marie, monteuse »), to find it again in the list of
    # links not used yet; only the organisation's administrators see it.
    note: Mapped[str | None] = mapped_column(String(NOTE_MAX))

    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])

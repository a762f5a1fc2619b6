"""Registered platforms, the people and course contexts they launch, and grades to send back."""

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.catalog.models import Course, Module
from app.extensions import db
from app.models_base import UTCDateTime, utcnow
from app.orgs.models import Organisation
from app.schools.models import SchoolClass


class LtiPlatform(db.Model):
    """A school's LMS as its administrator registered it: one issuer and client id."""

    __tablename__ = "lti_platforms"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    issuer: Mapped[str] = mapped_column(String(255))
    client_id: Mapped[str] = mapped_column(String(255))
    # The deployment ids the platform may launch with, one per line (Moodle: one per tool).
    deployment_ids: Mapped[str] = mapped_column(Text)
    auth_login_url: Mapped[str] = mapped_column(String(500))
    auth_token_url: Mapped[str] = mapped_column(String(500))
    key_set_url: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship()

    @property
    def deployments(self) -> list[str]:
        """The deployment ids, without blank lines."""
        return [line.strip() for line in self.deployment_ids.splitlines() if line.strip()]


class LtiAccount(db.Model):
    """The Cadre account of a platform's user (``sub``), made at their first launch."""

    __tablename__ = "lti_accounts"
    __table_args__ = (UniqueConstraint("platform_id", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id"), index=True)
    subject: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class LtiContext(db.Model):
    """A platform's course (the launch's context claim) and the Cadre class that stands for it."""

    __tablename__ = "lti_contexts"
    __table_args__ = (UniqueConstraint("platform_id", "context_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id"), index=True)
    context_id: Mapped[str] = mapped_column(String(255))
    class_id: Mapped[int] = mapped_column(ForeignKey("school_classes.id"), index=True)
    # The roster service of that course (NRPS), when the platform offers one.
    memberships_url: Mapped[str | None] = mapped_column(String(500))
    roster_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    school_class: Mapped[SchoolClass] = relationship()


class LtiLaunchValue(db.Model):
    """What pylti1p3 keeps between login and launch (nonces, state, launch data), until it expires.

    In the database rather than the Flask session: the launch is a cross-site POST, which does not
    carry Cadre's SameSite=Lax session cookie, and any of several processes may receive it.
    """

    __tablename__ = "lti_launch_values"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[dict | list | str | bool | None] = mapped_column(JSON)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class LtiGradeLink(db.Model):
    """Where a learner's result on a course or module goes: a line item of the platform's gradebook.

    ``score`` is what should be there (0..1); ``sent_score`` what the platform last accepted. The
    job sends while they differ, backing off after failures.
    """

    __tablename__ = "lti_grade_links"
    __table_args__ = (UniqueConstraint("platform_id", "lineitem_url", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    subject: Mapped[str] = mapped_column(String(255))  # the platform's id of the learner
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id"))
    lineitem_url: Mapped[str] = mapped_column(String(500))
    scopes: Mapped[list] = mapped_column(JSON, default=list)
    score: Mapped[float | None] = mapped_column(Float)
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    sent_score: Mapped[float | None] = mapped_column(Float)
    sent_completed: Mapped[bool] = mapped_column(Boolean, default=False)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")

    platform: Mapped[LtiPlatform] = relationship()
    course: Mapped[Course] = relationship()
    module: Mapped[Module | None] = relationship()

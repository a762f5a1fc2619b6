"""Certificates of completion, verifiable by their code."""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    delete,
    func,
    literal_column,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.catalog.models import Course
from app.credentials.models import StoredCredential
from app.extensions import db
from app.models_base import UTCDateTime, utcnow

# Revoked or withdrawn: what ix_certificates_not_valid holds, as the revocation list asks for it.
NOT_VALID = "revoked_at IS NOT NULL OR withdrawn_at IS NOT NULL"
HOLDER_REQUEST = "holder-request"  # the one withdrawal reason so far: the holder deleted their account


class Certificate(db.Model):
    """Issued once per learner and course; keeps the names and version it was earned on."""

    __tablename__ = "certificates"
    __table_args__ = (
        # The database itself enforces "exactly once", even under a double submit.
        UniqueConstraint("user_id", "course_id"),
        # A code typed in the wrong case, looked up by anyone (certificates.services.find_by_typed_code).
        Index("ix_certificates_code_lower", func.lower(literal_column("code"))),
        # The few revoked or withdrawn, which the public revocation list reads (credentials.services).
        Index(
            "ix_certificates_not_valid",
            "id",
            postgresql_where=literal_column(NOT_VALID),
            sqlite_where=literal_column(NOT_VALID),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    holder_name: Mapped[str] = mapped_column(String(120))
    course_title: Mapped[str] = mapped_column(String(200))
    publisher: Mapped[str] = mapped_column(String(200))
    # The version of the edition it was earned on, and that edition's language (None: issued before
    # Cadre had editions, in the course's own language).
    course_version: Mapped[int] = mapped_column(Integer)
    language: Mapped[str | None] = mapped_column(String(8))
    content_updated: Mapped[date] = mapped_column(Date)
    # What was attested: modules completed, and the final test's score when the course had one.
    # None on certificates issued before Cadre recorded it.
    modules_completed: Mapped[int | None] = mapped_column(Integer)
    final_score: Mapped[int | None] = mapped_column(Integer)
    # The course's announced length in minutes (of the edition taken); None before it was kept.
    course_duration: Mapped[int | None] = mapped_column(Integer)
    # The modules it attests, in course order, as the edition taken named them at issue: a list of
    # {"title", "language"} (a module the edition lacked is in the original's language). None on
    # certificates issued before Cadre kept them: the course's modules may have changed since.
    module_titles: Mapped[list | None] = mapped_column(JSON)
    # Set by an operator for a certificate issued in error; the public page shows the reason.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revocation_reason: Mapped[str | None] = mapped_column(String(500))
    # Set when the holder deleted their account: the page then shows no personal data.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawal_reason: Mapped[str | None] = mapped_column(String(40))

    user: Mapped[User] = relationship()
    course: Mapped[Course] = relationship()

    @property
    def taken_in(self) -> str:
        """The language the course was taken in."""
        return self.language or self.course.language

    @property
    def valid(self) -> bool:
        """A certificate stays valid unless it was revoked or withdrawn."""
        return self.revoked_at is None and self.withdrawn_at is None

    def withdraw_at_holder_request(self) -> None:
        """Withdraw it and forget the holder's name (their account is being deleted).

        Its Open Badges go too: they carry a salted hash of the holder's e-mail address. Copies
        already handed out now read as revoked on the status list (app/credentials).
        """
        self.withdrawn_at = utcnow()
        self.withdrawal_reason = HOLDER_REQUEST
        self.holder_name = ""
        db.session.execute(delete(StoredCredential).where(StoredCredential.certificate_id == self.id))


class CertificatePDF(db.Model):
    """A certificate's PDF in one language, built at first download and kept.

    Stored in the database, not on a local disk, so every web process and host serves the same file.
    """

    __tablename__ = "certificate_pdfs"
    __table_args__ = (UniqueConstraint("certificate_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"))
    locale: Mapped[str] = mapped_column(String(8))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

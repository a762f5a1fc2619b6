"""Signed Open Badges, stored once per certificate and language."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models_base import UTCDateTime, utcnow


class StoredCredential(db.Model):
    """A certificate's signed OpenBadgeCredential in one language, built on first request and kept.

    Kept rather than signed anew on each download, like the PDF: the holder's copy, the salt of the
    hashed e-mail and the proof stay the same whoever asks and whenever. Derived from the certificate:
    deleted when it is withdrawn at the holder's request.
    """

    __tablename__ = "open_badge_credentials"
    __table_args__ = (UniqueConstraint("certificate_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"))
    locale: Mapped[str] = mapped_column(String(8))
    document: Mapped[str] = mapped_column(Text)  # the signed JSON, exactly as served
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

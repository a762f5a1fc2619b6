"""The audit log: who did what to which account, organisation or certificate, and when."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.certificates.models import Certificate
from app.extensions import db
from app.models_base import UTCDateTime, utcnow
from app.orgs.models import Organisation


class AuditEvent(db.Model):
    """One security-relevant action. Rows are only ever added (and purged after the retention)."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_action_at", "action", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(40))
    # Who acted: None for the command line, an anonymous visitor or the system.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # What was acted on; each may be None.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    source: Mapped[str] = mapped_column(String(8))  # "web" or "cli"
    address: Mapped[str | None] = mapped_column(String(45))  # the visitor's IP address (web only)
    detail: Mapped[str] = mapped_column(String(500), default="")  # a role, a reason, a course version

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    organisation: Mapped[Organisation | None] = relationship()
    certificate: Mapped[Certificate | None] = relationship()

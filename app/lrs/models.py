"""A Learning Record Store that gets statements, and how far it has got."""

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models_base import UTCDateTime


class RecordStore(db.Model):
    """The operator's store (``operator`` true, every statement) or a publisher's (the statements of
    its courses). The operator's endpoint and credentials live in the environment, not here: its
    row keeps only the cursor and the state.

    ``last_event_id`` is the cursor: every LearningEvent up to it that this store gets was accepted
    by the store at ``endpoint``. It only moves forward, and only after a 200 or 204.
    """

    __tablename__ = "record_stores"
    __table_args__ = (
        # Exactly one owner: the operator (a true that is unique, so one row) or one organisation.
        CheckConstraint("(operator IS NULL) <> (organisation_id IS NULL)", name="operator_or_organisation"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    operator: Mapped[bool | None] = mapped_column(Boolean, unique=True)  # True or NULL, never False
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), unique=True)
    endpoint: Mapped[str] = mapped_column(String(500))  # the xAPI base URL, without /statements
    username: Mapped[str] = mapped_column(String(200), default="")
    password_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)  # Fernet token (app.lrs.sealing)
    last_event_id: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the last batch accepted
    attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))  # in a row
    last_error: Mapped[str | None] = mapped_column(String(500))  # cleared by the next success
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_try_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # back-off after failures
    # One sender at a time per store: whoever set claim_token first sends until claimed_until.
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

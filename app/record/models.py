"""Learning events: an append-only log of xAPI statements, one row per statement.

Rows are written by the services that make the change they record, in the same transaction, and
never updated (forwarding to a Learning Record Store keeps its own cursor, see app/lrs/).
"""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.catalog.models import Course, Module
from app.extensions import db
from app.models_base import UTCDateTime, utcnow


class LearningEvent(db.Model):
    __tablename__ = "learning_events"
    __table_args__ = (
        # A course's record in time order (exports, retention), a learner's per course (their page).
        Index("ix_learning_events_course_id_occurred_at", "course_id", "occurred_at"),
        Index("ix_learning_events_user_id_course_id", "user_id", "course_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)  # increasing: the order statements are sent in
    statement_id: Mapped[str] = mapped_column(String(36), unique=True)  # the statement's UUID
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The course's publisher (None for courses bundled with Cadre): whose record store gets it.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"), index=True)
    # The module or quiz the event is about (None for the course as a whole): the CSV's column and
    # the per-module cap on time spent, without reading the statements' JSON.
    module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id"), index=True)
    verb: Mapped[str] = mapped_column(String(40))  # a short name: registered, read, answered, ...
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)  # active time, when the event has one
    statement: Mapped[dict] = mapped_column(JSON)  # the whole xAPI statement, as sent to a store

    course: Mapped[Course | None] = relationship(viewonly=True)
    module: Mapped[Module | None] = relationship(viewonly=True)

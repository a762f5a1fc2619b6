"""A publisher that is a training body (« organisme de formation »): what its attestations print.

A publisher is a training body when it has a row here; its administrators fill it on the settings
page of the workspace. Nothing else about a publisher changes.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models_base import UTCDateTime, utcnow


class TrainingBody(db.Model):
    """The training body's identity and signatory, as the ministry's model asks for them."""

    __tablename__ = "training_bodies"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    legal_name: Mapped[str] = mapped_column(String(200))  # « raison sociale du dispensateur »
    declaration_number: Mapped[str] = mapped_column(String(11))  # « numéro de déclaration d'activité »
    signatory_name: Mapped[str] = mapped_column(String(120))  # the legal representative who signs
    signatory_role: Mapped[str] = mapped_column(String(120))  # e.g. « Président », « Directrice »
    place: Mapped[str] = mapped_column(String(120))  # « Fait à »
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

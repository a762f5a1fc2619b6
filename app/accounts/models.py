"""The learner's account."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models_base import UTCDateTime, utcnow


class User(UserMixin, db.Model):
    """A person with an account; ``full_name`` is what certificates print."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased so uniqueness holds regardless of case, on every database.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def password_fingerprint(self) -> str:
        """A short, changing part of the password hash: it changes with the password."""
        return self.password_hash[-16:]

    def get_id(self) -> str:
        """Session and remember-me cookies name the password too, so changing it logs others out."""
        return f"{self.id}:{self.password_fingerprint}"

    def set_password(self, password: str) -> None:
        """Hash with Werkzeug's current default (scrypt)."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        """True if ``password`` matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    @staticmethod
    def normalise_email(email: str) -> str:
        """The canonical form used for storage and lookup."""
        return email.strip().lower()

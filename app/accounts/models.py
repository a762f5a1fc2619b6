"""The learner's account."""

import hashlib
from datetime import datetime

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import BigInteger, Boolean, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models_base import UTCDateTime, utcnow

DELETED_DOMAIN = "deleted.invalid"  # RFC 2606: an address that can never receive mail


def password_method() -> str:
    """How new passwords are hashed: Werkzeug's default (scrypt, n = 2¹⁵), unless the app's
    configuration names another as ``PASSWORD_HASH_METHOD`` (the tests' cheaper scrypt). A hash
    names its method, so a password hashed one way is checked that way."""
    return current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"


class User(UserMixin, db.Model):
    """A person with an account; ``full_name`` is what certificates print."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased so uniqueness holds regardless of case, on every database.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Sessions are signed cookies the server does not keep: raising this number on logout and on
    # a password change is what makes every cookie issued before refused, copies included.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    # Drawn anew in the transaction that writes the person's module progress (app.learning.stamps):
    # a class table kept for their class (app.schools.kept) is kept under its students' stamps,
    # and one made before is never found again. At random, not counted: a database restored from
    # a backup never brings back a stamp a kept table was made with.
    progress_stamp: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # A site administrator runs the platform: given by ``flask --app wsgi user create --admin``
    # or ``user set-admin``, never from the web.
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Set when an operator disables the account: it cannot log in until ``user enable``.
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The interface language the person chose while signed in ("fr", "en"); None: not chosen yet.
    # It follows them to another browser, and their e-mails use it unless they chose otherwise.
    locale: Mapped[str | None] = mapped_column(String(5))
    # When the holder showed the address is theirs: the link mailed at sign-up, a password reset
    # (mailed there too) or a change of address. None: not yet, and certificates wait for it
    # (app/accounts/confirmation.py). Accounts a school platform made (LTI) have it from the start.
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Names the last password-reset link mailed (app.accounts.services.make_reset_token): mailing
    # a new one changes it, and the links mailed before stop working.
    reset_nonce: Mapped[str | None] = mapped_column(String(16))

    @property
    def is_deleted(self) -> bool:
        """Deleted by its holder: the row stays, emptied, so that others' records hold."""
        return self.email.endswith("@" + DELETED_DOMAIN)

    @property
    def password_fingerprint(self) -> str:
        """16 hex characters that change with the password, for cookies and reset links.

        A digest of the whole stored hash, salt included: the signed (readable, not encrypted)
        cookies and links show nothing of the hash one could test a guessed password against.
        """
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]

    @property
    def session_fingerprint(self) -> str:
        """What a session must name to stay valid: the password and the session generation."""
        return f"{self.password_fingerprint}.{self.session_generation or 0}"

    def get_id(self) -> str:
        """Session and remember-me cookies name the fingerprint, checked on every request."""
        return f"{self.id}:{self.session_fingerprint}"

    def end_sessions(self) -> None:
        """Log out every device: the cookies issued so far name the previous generation."""
        self.session_generation = (self.session_generation or 0) + 1

    def set_password(self, password: str) -> None:
        """Hash the way the app is set to (``password_method()``); sessions opened before end."""
        self.password_hash = generate_password_hash(password, password_method())
        self.end_sessions()

    def check_password(self, password: str) -> bool:
        """True if ``password`` matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    @staticmethod
    def normalise_email(email: str) -> str:
        """The canonical form used for storage and lookup."""
        return email.strip().lower()

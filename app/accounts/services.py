"""Accounts: registration rules, password policy, reset tokens and mail."""

import functools
import logging
import re
import smtplib
from email.message import EmailMessage

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from app.accounts.models import User
from app.extensions import db

log = logging.getLogger(__name__)
RESET_SALT = "cadre.password-reset"
PASSWORD_MAX_LENGTH = 200  # room for any passphrase or manager (ASVS asks 64 at least)
ZXCVBN_MAX_LENGTH = 72  # zxcvbn raises above this, to bound its own running time


def password_problem(password: str, *user_inputs: str) -> str | None:
    """Why a password is refused (too short, too common, too guessable), or None."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        return _("Choose a password of at least %(n)d characters.", n=minimum)
    if len(password) > PASSWORD_MAX_LENGTH:
        return _("Choose a password of at most %(n)d characters.", n=PASSWORD_MAX_LENGTH)
    # zxcvbn knows the common-password lists and patterns like "azerty123" or the user's own name.
    # It only scores the first 72 characters: a longer password is at least as hard to guess.
    words = [w for u in user_inputs for w in re.split(r"[\s@._-]+", u.lower()) if len(w) > 2]
    if zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=[*user_inputs, *words])["score"] < 3:
        return _(
            "This password is too common or too easy to guess. Try a few unrelated words, or a longer phrase."
        )
    return None


def find_user_by_email(email: str) -> User | None:
    """Look up an account by e-mail, whatever its case."""
    return db.session.scalar(select(User).where(User.email == User.normalise_email(email)))


@functools.cache
def _dummy_hash() -> str:
    """A hash to check unknown addresses against, made once per process when first needed."""
    return generate_password_hash("cadre-timing-equaliser")


def password_matches(user: User | None, password: str) -> bool:
    """Check a password, spending the same time whether the account exists or not."""
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return False
    return user.check_password(password)


def create_user(full_name: str, email: str, password: str) -> User:
    """Create an account (the caller has checked the e-mail is free and the password acceptable)."""
    user = User(full_name=full_name.strip(), email=User.normalise_email(email))
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def make_reset_token(user: User) -> str:
    """A signed token naming the user and a fingerprint of the current password hash.

    Changing the password changes the fingerprint, so a link works once at most.
    """
    return _serializer().dumps({"uid": user.id, "ph": user.password_fingerprint})


def user_from_reset_token(token: str) -> User | None:
    """The user a valid, unexpired, unused token names, or None."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict):
        return None
    uid = data.get("uid")
    user = db.session.get(User, uid) if isinstance(uid, int) else None
    if user is None or user.password_fingerprint != data.get("ph"):
        return None
    return user


def send_mail(to: str, subject: str, body: str) -> None:
    """Send a plain-text e-mail by SMTP; without SMTP settings, write it to the log."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    if not config.get("MAIL_SERVER"):
        if config["ENV_NAME"] == "production":
            # Never write a live reset link to production logs.
            log.error("No MAIL_SERVER configured: e-mail to %s (%s) not sent.", to, subject)
        else:
            log.warning("No MAIL_SERVER configured; e-mail not sent:\n%s", message)
        if current_app.testing:
            current_app.extensions.setdefault("cadre_outbox", []).append(message)
        return
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=15) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        # The visitor sees the same answer either way: a failure must not tell who has an account.
        log.exception("Could not send e-mail to %s (%s)", to, subject)

"""Accounts: registration rules, password policy, reset tokens and the reset e-mail."""

import functools
import hashlib
import hmac
import logging
import re
import secrets

from flask import current_app, request
from flask_babel import get_locale
from flask_login import login_user
from flask_login.config import COOKIE_NAME as REMEMBER_COOKIE
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from app import jobs
from app.accounts.models import User, password_method
from app.admin.audit import record
from app.certificates.pdf import unprintable_characters
from app.characters import code_points, hidden_characters
from app.extensions import db
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.limits import failed
from app.mail import deliver_template
from app.urls import link_for_job, site_url

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


def name_problem(name: str) -> str | None:
    """Why a full name cannot go on a certificate (blank, invisible or unprintable characters), or None."""
    if not name.strip():
        return _("Enter your full name.")
    hidden = hidden_characters(name)
    if hidden:
        return _(
            "Your name contains invisible characters (%(codes)s), such as text-direction marks. "
            "Please type it again without them.",
            codes=code_points(hidden),
        )
    missing = unprintable_characters(name)
    if missing:
        return _(
            "Our certificates cannot print these characters yet: %(chars)s. "
            "Please write your name with Latin, Greek or Cyrillic letters.",
            chars=" ".join(missing),
        )
    return None


def find_user_by_email(email: str) -> User | None:
    """Look up an account by e-mail, whatever its case."""
    return db.session.scalar(select(User).where(User.email == User.normalise_email(email)))


@functools.cache
def _dummy_hash(method: str) -> str:
    """A hash to check unknown addresses against, made once per process when first needed, the
    way accounts' passwords are hashed."""
    return generate_password_hash("cadre-timing-equaliser", method)


def password_matches(user: User | None, password: str) -> bool:
    """Check a password, spending the same time whether the account exists or not."""
    if user is None:
        check_password_hash(_dummy_hash(password_method()), password)
        return False
    return user.check_password(password)


def password_refused(user: User) -> None:
    """A signed-in form was sent with a wrong current password: the limiter counts it (it pauses the
    form after a few) and the security log keeps it, committed now because the page that follows
    shows the form again and writes nothing else."""
    failed()
    record("password.wrong", user=user)
    db.session.commit()


def stay_signed_in(user: User) -> None:
    """Sign this device in again after the account's cookies were ended (a new password or
    address): remembered again if it was, as its owner chose at login."""
    cookie = current_app.config.get("REMEMBER_COOKIE_NAME", REMEMBER_COOKIE)
    login_user(user, remember=cookie in request.cookies)


def create_user(full_name: str, email: str, password: str, locale: str | None = None) -> User:
    """Create an account (the caller has checked the e-mail is free and the password acceptable);
    ``locale``: the language it was made in, which its e-mails then use."""
    user = User(full_name=full_name.strip(), email=User.normalise_email(email), locale=locale)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def _address_fingerprint(user: User) -> str:
    """16 hex characters that change with the address. Keyed: the token is readable (and links
    end up in logs), and a plain digest would let anyone test guessed addresses against it."""
    key = current_app.config["SECRET_KEY"]
    key = key if isinstance(key, bytes) else key.encode()
    return hmac.new(key, b"reset-address:" + user.email.encode(), hashlib.sha256).hexdigest()[:16]


def make_reset_token(user: User) -> str:
    """A signed token naming the user, a fingerprint of the current password hash, one of the
    address it is mailed to, and the user's ``reset_nonce``.

    Changing the password changes the first fingerprint, so a link works once at most; changing
    the address, the second, so a link sent to the old address stops working; mailing a new link
    changes the nonce (send_password_reset), so only the last link mailed works.
    """
    return _serializer().dumps(
        {
            "uid": user.id,
            "ph": user.password_fingerprint,
            "ad": _address_fingerprint(user),
            "n": user.reset_nonce,
        }
    )


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
    if user is None or user.disabled_at is not None or user.is_deleted:
        return None
    if user.password_fingerprint != data.get("ph") or _address_fingerprint(user) != data.get("ad"):
        return None
    if user.reset_nonce != data.get("n"):  # a newer link was mailed since
        return None
    return user


def request_password_reset(email: str) -> None:
    """Queue the reset e-mail; the same call whether an account uses ``email`` or not.

    Looking the account up, signing the token and sending happen in the job, off the request,
    so the answer takes the same time either way (an SMTP exchange is ~50 ms).
    """
    jobs.enqueue(send_password_reset, email, str(get_locale()), site_url())


def notify_password_changed(user: User) -> None:
    """Queue the notice to the account's address that its password was changed."""
    jobs.enqueue(send_password_changed_notice, user.id, str(get_locale()), site_url())


def send_password_changed_notice(user_id: int, locale: str, base_url: str) -> None:
    """The job: tell the account's owner, who can take it back if it was not them."""
    user = db.session.get(User, user_id)
    if user is None or user.is_deleted:
        return
    deliver_template(
        user.email,
        locale,
        _l("The password of your Cadre account was changed"),
        "accounts/email/password_changed.txt",
        user=user,
        link=link_for_job(base_url, "accounts.forgot_password"),
        contact=current_app.config["OPERATOR_CONTACT"],
    )


def send_password_reset(email: str, locale: str, base_url: str) -> None:
    """The job: e-mail a reset link to the account using ``email``, if there is one."""
    user = find_user_by_email(email)
    if user is None or user.disabled_at is not None:  # a disabled account is not given a way back
        return
    user.reset_nonce = secrets.token_hex(8)  # the links mailed before stop working
    db.session.commit()
    link = link_for_job(base_url, "accounts.reset_password", token=make_reset_token(user))
    subject = _l("Reset your Cadre password")
    deliver_template(user.email, locale, subject, "accounts/email/reset.txt", user=user, link=link)

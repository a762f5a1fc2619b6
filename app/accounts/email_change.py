"""Changing an account's e-mail address: a link mailed to the new address confirms it.

Nothing changes until the link is followed by the person signed in to that account, so a
mistyped address, or someone holding only a session, cannot take the account away. The link is
signed and names the address it replaces: once the address has changed it is refused, so it
works once at most. The old address is told when a change is asked for and when it is made.
"""

from flask import current_app
from flask_babel import get_locale
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app import jobs
from app.accounts.models import User
from app.accounts.services import find_user_by_email
from app.admin.audit import record
from app.admin.models import AuditEvent
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.mail import deliver_template
from app.urls import link_for_job, site_url

EMAIL_CHANGE_SALT = "cadre.email-change"
EMAIL_CHANGE_MAX_AGE = 24 * 3600  # seconds: the pages and mails say "24 hours"

EXPIRED = _l(
    "This link has expired: links to confirm a new e-mail address work for 24 hours. Ask for a new one."
)
INVALID = _l("This link is not valid. Check that you opened it whole, or ask for a new one.")
OTHER_ACCOUNT = _l(
    "This link confirms the address of another account. "
    "Log out, log in to that account, then open the link again."
)
USED = _l(
    "This link was already used, or your e-mail address changed since it was sent. Nothing was changed."
)
TAKEN = _l("Another account now uses this e-mail address, so yours was not changed.")


class LinkRefused(Exception):
    """A confirmation link that cannot be used; ``str()`` tells the person why."""


def mask_email(address: str) -> str:
    """``z…e@example.org``: enough for the owner to recognise, not the whole address."""
    local, _at, domain = address.rpartition("@")
    shown = f"{local[0]}…{local[-1]}" if len(local) > 2 else f"{local[:1]}…"
    return f"{shown}@{domain}"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=EMAIL_CHANGE_SALT)


def _last_change(user: User) -> int:
    """The audit log's id of the account's latest change of address (0 if none).

    A link names it, so that once the address changes, every earlier link stops working, even
    if the address later comes back to the one the link replaces (A to B, then B to A).
    """
    found = db.session.scalar(
        select(func.max(AuditEvent.id)).where(
            AuditEvent.user_id == user.id, AuditEvent.action == "email.changed"
        )
    )
    return found or 0


def make_email_change_token(user: User, new_email: str) -> str:
    """A signed token naming the account, the address asked for, the address it replaces and the
    last change of address."""
    return _serializer().dumps(
        {"uid": user.id, "new": new_email, "old": user.email, "last": _last_change(user)}
    )


def new_email_from_token(token: str, user: User) -> str:
    """The address a valid, unexpired, unused link asks ``user`` to take; else ``LinkRefused``."""
    try:
        data = _serializer().loads(token, max_age=EMAIL_CHANGE_MAX_AGE)
    except SignatureExpired:
        raise LinkRefused(EXPIRED) from None
    except BadSignature:
        raise LinkRefused(INVALID) from None
    if not (isinstance(data, dict) and all(isinstance(data.get(key), str) for key in ("new", "old"))):
        raise LinkRefused(INVALID)
    if data.get("uid") != user.id:
        raise LinkRefused(OTHER_ACCOUNT)
    if data["old"] != user.email or data.get("last") != _last_change(user):
        raise LinkRefused(USED)
    if find_user_by_email(data["new"]) is not None:
        raise LinkRefused(TAKEN)
    return data["new"]


def change_email(user: User, new_email: str) -> str:
    """Give ``user`` the new address and end their sessions; the caller commits and logs back in.

    Returns the previous address. Another account may have taken the address since the link was
    checked: the unique constraint then decides, and ``LinkRefused`` says so.
    """
    old_email = user.email
    try:
        with db.session.begin_nested():  # a savepoint, as at registration
            user.email = User.normalise_email(new_email)
            user.end_sessions()  # a thief's session must not outlive the change
            record("email.changed", user=user, detail=f"{old_email} -> {user.email}")
    except IntegrityError:
        db.session.rollback()
        raise LinkRefused(TAKEN) from None
    return old_email


def request_email_change(user: User, new_email: str) -> None:
    """Queue the confirmation link to the new address and the notice to the current one."""
    locale, base_url = str(get_locale()), site_url()
    jobs.enqueue(send_email_change_link, user.id, new_email, user.email, locale, base_url)
    jobs.enqueue(send_email_change_notice, user.id, new_email, user.email, locale, base_url)


def send_email_change_link(user_id: int, new_email: str, old_email: str, locale: str, base_url: str) -> None:
    """The job: mail the confirmation link to the new address, unless the address changed since."""
    user = db.session.get(User, user_id)
    if user is None or user.email != old_email:
        return
    link = link_for_job(base_url, "me.confirm_email", token=make_email_change_token(user, new_email))
    subject = _l("Confirm your new e-mail address for Cadre")
    deliver_template(new_email, locale, subject, "accounts/email/email_change_link.txt", user=user, link=link)


def send_email_change_notice(
    user_id: int, new_email: str, old_email: str, locale: str, base_url: str
) -> None:
    """The job: tell the current address a change was asked for, and what to do if it was not them."""
    user = db.session.get(User, user_id)
    if user is None:
        return
    deliver_template(
        old_email,
        locale,
        _l("Someone asked to change the e-mail address of your Cadre account"),
        "accounts/email/email_change_requested.txt",
        user=user,
        new_email=mask_email(new_email),
        forgot_link=link_for_job(base_url, "accounts.forgot_password"),
    )


def notify_email_changed(user: User, old_email: str) -> None:
    """Queue the notice to the previous address that the change was made."""
    jobs.enqueue(send_email_changed_notice, user.id, old_email, str(get_locale()))


def send_email_changed_notice(user_id: int, old_email: str, locale: str) -> None:
    """The job: tell the previous address that the account now uses another one."""
    user = db.session.get(User, user_id)
    if user is None:
        return
    deliver_template(
        old_email,
        locale,
        _l("The e-mail address of your Cadre account was changed"),
        "accounts/email/email_changed.txt",
        user=user,
        new_email=mask_email(user.email),
        contact=current_app.config["OPERATOR_CONTACT"],
    )

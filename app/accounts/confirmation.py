"""Confirming an account's e-mail address, and what waits for it: certificates.

Anyone may type any address at sign-up. A link mailed there proves the address is the holder's;
until it is followed, the account learns as any other, but no certificate is issued: a
certificate that anyone can verify must not vouch for an address its holder never read. Following
the link issues the certificates already earned. A password reset (its link went to the address)
and a change of address (confirmed the same way) confirm it too.

The link names the account and the address it was sent to: once the address changes, earlier
links are refused. It works without being signed in (it proves the mailbox, it moves nothing),
behind a button, so that mail scanners opening links change nothing.
"""

from flask import current_app, flash
from flask_babel import get_locale
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from app import jobs
from app.accounts.models import User
from app.admin.audit import record
from app.catalog.models import Course, Module
from app.certificates.models import Certificate
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.i18n import ngettext
from app.learning.models import ModuleProgress
from app.mail import deliver_template
from app.models_base import utcnow
from app.urls import link_for_job, site_url

CONFIRM_SALT = "cadre.email-confirm"
CONFIRM_MAX_AGE = 7 * 24 * 3600  # seconds: the pages and mails say "7 days"

EXPIRED = _l("This link has expired: links to confirm an address work for 7 days. Ask for a new one.")
INVALID = _l("This link is not valid. Check that you opened it whole, or ask for a new one.")
CHANGED = _l("This link was sent to an address the account no longer uses. Nothing was changed.")


class LinkRefused(Exception):
    """A confirmation link that cannot be used; ``str()`` tells the person why."""


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=CONFIRM_SALT)


def make_token(user: User) -> str:
    """A signed token naming the account and the address it is sent to."""
    return _serializer().dumps({"uid": user.id, "email": user.email})


def user_from_token(token: str) -> User:
    """The account a valid, unexpired link names, still at that address; else ``LinkRefused``."""
    try:
        data = _serializer().loads(token, max_age=CONFIRM_MAX_AGE)
    except SignatureExpired:
        raise LinkRefused(EXPIRED) from None
    except BadSignature:
        raise LinkRefused(INVALID) from None
    if not isinstance(data, dict) or not isinstance(data.get("uid"), int):
        raise LinkRefused(INVALID)
    user = db.session.get(User, data["uid"])
    if user is None or user.is_deleted or user.disabled_at is not None:
        raise LinkRefused(INVALID)
    if user.email != data.get("email"):
        raise LinkRefused(CHANGED)
    return user


def confirm(user: User) -> list[Certificate]:
    """Mark the address confirmed (once) and issue the certificates it held back; the caller commits.

    Returns the certificates issued now. Called by the link, a password reset and a change of
    address; a second call does nothing.
    """
    from app.learning.services import lock_learner

    lock_learner(user)  # as a quiz submission does: a course finished meanwhile is not missed
    if user.email_confirmed_at is not None:
        return []
    user.email_confirmed_at = utcnow()
    record("email.confirmed", user=user)
    db.session.flush()
    return issue_waiting_certificates(user)


def issue_waiting_certificates(user: User) -> list[Certificate]:
    """The certificates of every course the person completed while their address waited."""
    from app.certificates.services import issue_certificate_if_complete

    # Only courses with a completed module and no certificate yet: a handful, whatever the catalogue.
    courses = db.session.scalars(
        select(Course)
        .where(
            Course.id.in_(
                select(Module.course_id)
                .join(ModuleProgress, ModuleProgress.module_id == Module.id)
                .where(ModuleProgress.user_id == user.id, ModuleProgress.completed_at.is_not(None))
            ),
            Course.id.not_in(select(Certificate.course_id).where(Certificate.user_id == user.id)),
        )
        .order_by(Course.id)
    ).all()
    from app.lti import grades

    issued = [issue_certificate_if_complete(user, course) for course in courses]
    for certificate in issued:
        if certificate is not None:
            grades.results_changed(user.id, certificate.course_id)  # "completed" on a school's platform
    return [certificate for certificate in issued if certificate is not None]


def announce(issued: list[Certificate]) -> None:
    """Tell the person, on the next page, of the certificates their confirmation issued."""
    if issued:
        message = ngettext(
            "Your certificate was issued: find it under “My certificates”.",
            "Your %(num)d certificates were issued: find them under “My certificates”.",
            len(issued),
        )
        flash(message, "success")


def send_link(user: User) -> None:
    """Queue the confirmation link to the account's address."""
    jobs.enqueue(send_confirmation_link, user.id, user.email, str(get_locale()), site_url())


def send_confirmation_link(user_id: int, email: str, locale: str, base_url: str) -> None:
    """The job: mail the link, unless the account was confirmed or changed address since."""
    user = db.session.get(User, user_id)
    if user is None or user.email != email or user.email_confirmed_at is not None:
        return
    link = link_for_job(base_url, "accounts.confirm_address", token=make_token(user))
    subject = _l("Confirm your e-mail address for Cadre")
    deliver_template(email, locale, subject, "accounts/email/confirm_address.txt", user=user, link=link)

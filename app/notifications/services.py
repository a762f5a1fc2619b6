"""Create notifications in the caller's transaction; mail them once it is committed.

A notification is a row added to the session of the change that causes it, so both are
committed, or rolled back, together. Its e-mail is queued only after the commit (a session event
below): a job queued earlier could run, and mail, before a rollback. The job reads the row by id
and does nothing if it is gone or already sent, so a retry or a second queueing sends one mail.
"""

from collections.abc import Iterable
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, bindparam, delete, event, func, or_, select, update
from sqlalchemy.orm import Session

from app import jobs
from app.accounts.models import DELETED_DOMAIN, User
from app.admin.paging import one_page
from app.extensions import db
from app.models_base import utcnow
from app.notifications.models import (
    ALWAYS,
    CERTIFICATE,
    CHANNELS,
    CLASS_MESSAGE,
    COMMENT_REPLY,
    DUE_SOON,
    EMAIL,
    KINDS,
    MAIL_PENDING,
    NEW_ASSIGNMENT,
    NO_MAIL,
    PUBLISHED,
    REVIEW_COMMENT,
    REVIEW_REQUESTED,
    SENT_BACK,
    SITE,
    WEEKLY_DIGEST,
    Notification,
    NotificationPreferences,
)
from app.orgs.models import ADMIN, EDITOR, PUBLISHER, REVIEWER, SCHOOL, Membership
from app.urls import site_url

PAGE_SIZE = 20
PENDING_MAILS = "cadre_notification_mails"  # session.info key: ids to mail after the commit
ASSIGNMENT_NOTICES = "cadre_assignment_notices"  # session.info key: this transaction's new assignments


def preferences_of(user_ids: Iterable[int]) -> dict[int, NotificationPreferences]:
    """The preferences rows of these people, in one query (absent: everything on)."""
    user_ids = list(user_ids)
    if not user_ids:
        return {}
    rows = db.session.scalars(
        select(NotificationPreferences).where(NotificationPreferences.user_id.in_(user_ids))
    )
    return {row.user_id: row for row in rows}


def wants(preferences: NotificationPreferences | None, kind: str, channel: str) -> bool:
    return kind in ALWAYS or preferences is None or f"{kind}:{channel}" not in preferences.muted


def mail_locale(preferences: NotificationPreferences | None, user: User) -> str:
    """The e-mails' language: the one chosen for them, else the account's, else the default."""
    if preferences is not None and preferences.locale in current_app.config["LANGUAGES"]:
        return preferences.locale
    return account_locale(user)


def account_locale(user: User) -> str:
    languages = current_app.config["LANGUAGES"]
    return user.locale if user.locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def author_params(by: User) -> dict:
    """Who did it, as a notification's params keep it: the name its text shows, and the id by which
    the name is taken off when that person deletes their account (texts.author_name)."""
    return {"by": by.full_name, "by_id": by.id}


def notify(
    users: Iterable[User], kind: str, params: dict, path: str, dedupe_key: str | None = None
) -> list[Notification]:
    """Add a notification of ``kind`` for each person who wants it somewhere; the caller commits.

    Disabled and deleted accounts are skipped, and so is anyone named twice.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    people = {user.id: user for user in users if user.disabled_at is None}
    preferences = preferences_of(people)
    now, added = utcnow(), []
    for user_id in people:
        mine = preferences.get(user_id)
        on_site, by_mail = wants(mine, kind, SITE), wants(mine, kind, EMAIL)
        # No mail to an address its holder has not confirmed: it may be someone else's.
        by_mail = by_mail and people[user_id].email_confirmed_at is not None
        if not (on_site or by_mail):
            continue
        notification = Notification(
            user_id=user_id,
            kind=kind,
            params=params,
            path=path,
            dedupe_key=dedupe_key,
            created_at=now,
            on_site=on_site,
            read_at=None if on_site else now,  # not in the list: never counted as unread
            mail_state=MAIL_PENDING if by_mail else NO_MAIL,
        )
        db.session.add(notification)
        added.append(notification)
    return added


# Mails wait for the commit --------------------------------------------------------------------


@event.listens_for(Session, "after_flush")
def _remember_mails(session, flush_context) -> None:
    """Note the ids of the notifications just written that want an e-mail."""
    for obj in session.new:
        if isinstance(obj, Notification) and obj.mail_state == MAIL_PENDING:
            session.info.setdefault(PENDING_MAILS, set()).add(obj.id)


@event.listens_for(Session, "after_commit")
def _queue_mails(session) -> None:
    """Queue the e-mails of the notifications this commit made durable."""
    if session.in_nested_transaction():
        return  # a savepoint released: nothing is durable before the outer commit
    session.info.pop(ASSIGNMENT_NOTICES, None)
    ids = session.info.pop(PENDING_MAILS, None)
    if not ids:
        return
    from app.notifications.mailing import send_notification_mail

    base_url = site_url()
    for notification_id in sorted(ids):
        jobs.enqueue(send_notification_mail, notification_id, base_url)


@event.listens_for(Session, "after_rollback")
def _forget_mails(session) -> None:
    """A rolled-back change mails nothing (and the ids it used may be given again)."""
    if session.in_nested_transaction():
        return  # a savepoint: the outer transaction's notifications still stand
    session.info.pop(PENDING_MAILS, None)
    session.info.pop(ASSIGNMENT_NOTICES, None)


# The list ---------------------------------------------------------------------------------------


_UNREAD = (  # built once: every signed-in page's header runs it
    select(func.count())
    .select_from(Notification)
    .where(Notification.user_id == bindparam("user_id"), Notification.read_at.is_(None))
)


def unread_count(user: User) -> int:
    """Unread notifications: one COUNT on (user_id, read_at)."""
    return db.session.scalar(_UNREAD, {"user_id": user.id})


def page_of(user: User, page: int) -> tuple[list[Notification], bool]:
    """Page ``page`` (from 1) of the person's notifications, newest first, and whether more follow."""
    statement = (
        select(Notification)
        .where(Notification.user_id == user.id, Notification.on_site.is_(True))
        .order_by(Notification.id.desc())
    )
    return one_page(statement, page, size=PAGE_SIZE)


def mark_all_read(user: User) -> int:
    """Mark every unread notification of the person read; how many were."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return result.rowcount


# Preferences ------------------------------------------------------------------------------------


def preferences_row(user: User) -> NotificationPreferences:
    """The person's preferences row, added (everything on) if they have none yet."""
    row = db.session.scalar(select(NotificationPreferences).where(NotificationPreferences.user_id == user.id))
    if row is None:
        row = NotificationPreferences(user_id=user.id, muted=[], locale=None)
        db.session.add(row)
    return row


def kinds_for(memberships: Iterable[Membership]) -> tuple[str, ...]:
    """The kinds of notification that can reach the person with these memberships, in KINDS's
    order: a certificate's state, a class's assignments and messages for anyone (anyone may earn
    one, or join a class), a publisher's
    reviews for its admins, editors and reviewers, the weekly digest for a school's staff."""
    roles = {(m.organisation.kind, m.role) for m in memberships}
    kinds = {CERTIFICATE, NEW_ASSIGNMENT, DUE_SOON, CLASS_MESSAGE}
    if roles & {(PUBLISHER, ADMIN), (PUBLISHER, EDITOR), (PUBLISHER, REVIEWER)}:
        kinds |= {REVIEW_REQUESTED, SENT_BACK, REVIEW_COMMENT, COMMENT_REPLY, PUBLISHED}
    if any(kind == SCHOOL for kind, _role in roles):
        kinds.add(WEEKLY_DIGEST)
    return tuple(kind for kind in KINDS if kind in kinds)


def save_preferences(
    user: User, wanted: set[tuple[str, str]], locale: str | None, kinds: Iterable[str] = KINDS
) -> None:
    """Of the ``kinds`` asked about, keep on exactly the (kind, channel) pairs in ``wanted`` (the
    others keep what they were), and the e-mails' language (None: the account's, whatever it
    becomes); the caller commits."""
    row = preferences_row(user)
    kinds = set(kinds)
    row.muted = sorted(
        {entry for entry in row.muted if entry.partition(":")[0] not in kinds}
        | {f"{kind}:{channel}" for kind in kinds for channel in CHANNELS if (kind, channel) not in wanted}
    )
    row.locale = locale or None


def mute_email(user: User, kind: str) -> None:
    """Stop e-mails of this one kind (the unsubscribe link); the caller commits."""
    if kind in ALWAYS:
        return  # the link of an e-mail sent before they could not be stopped
    row = preferences_row(user)
    entry = f"{kind}:{EMAIL}"
    if entry not in row.muted:
        row.muted = sorted([*row.muted, entry])  # a new list: JSON columns see reassignment only


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="cadre-notifications-unsubscribe")


def unsubscribe_token(user_id: int, kind: str) -> str:
    """A link's token naming one person and one kind: it is all the unsubscribe page needs."""
    return _serializer().dumps([user_id, kind])


def read_unsubscribe_token(token: str) -> tuple[User, str] | None:
    """The person and kind a token names, or None if it is forged, damaged or stale."""
    try:
        user_id, kind = _serializer().loads(token)
    except (BadSignature, TypeError, ValueError):
        return None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or user.is_deleted or kind not in KINDS:
        return None
    return user, kind


def prune(older_than_days: int) -> int:
    """Delete read notifications older than this many days, and everything kept for deleted
    accounts (account deletion leaves the row of the person, emptied); how many notifications went."""
    cutoff = utcnow() - timedelta(days=older_than_days)
    deleted_accounts = select(User.id).where(User.email.endswith("@" + DELETED_DOMAIN))
    db.session.execute(
        delete(NotificationPreferences).where(NotificationPreferences.user_id.in_(deleted_accounts))
    )
    result = db.session.execute(
        delete(Notification).where(
            or_(
                and_(Notification.read_at.is_not(None), Notification.created_at < cutoff),
                Notification.user_id.in_(deleted_accounts),
            )
        )
    )
    return result.rowcount

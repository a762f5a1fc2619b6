"""The job that e-mails one notification, and the sweep that queues again the ones left unsent."""

from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.extensions import db
from app.mail import deliver_template
from app.notifications import texts
from app.notifications.models import (
    ALWAYS,
    EMAIL,
    KIND_NAMES,
    MAIL_PENDING,
    MAIL_SENT,
    NO_MAIL,
    Notification,
    NotificationPreferences,
)
from app.notifications.services import PENDING_MAILS, mail_locale, unsubscribe_token, wants
from app.notifications.texts import subject
from app.urls import link_for_job


def send_notification_mail(notification_id: int, base_url: str) -> None:
    """The job: e-mail the notification if it still exists and waits; SMTP errors are raised, so
    the queue tries again, and the notification stays pending until a try succeeds.

    It uses a session of its own, in short transactions: it may run right after the caller's
    commit, inside that session's commit, and must not hold the database while SMTP answers.
    """
    with Session(db.engine) as session:
        notification = session.get(Notification, notification_id)
        if notification is None or notification.mail_state != MAIL_PENDING:
            return  # rolled back, or sent already by an earlier try
        user = session.get(User, notification.user_id)
        preferences = session.scalar(
            select(NotificationPreferences).where(NotificationPreferences.user_id == notification.user_id)
        )
        if user is None or user.disabled_at is not None or not wants(preferences, notification.kind, EMAIL):
            notification.mail_state = NO_MAIL  # closed, or turned off since: never send
            session.commit()
            return
        locale, to = mail_locale(preferences, user), user.email
        session.expunge(notification)
        session.expunge(user)
        session.commit()  # release the database before talking to SMTP
    unsubscribe, headers = None, {}
    if notification.kind not in ALWAYS:
        token = unsubscribe_token(user.id, notification.kind)
        unsubscribe = link_for_job(base_url, "notifications.unsubscribe", token=token)
        headers = {
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    deliver_template(
        to,
        locale,
        subject(notification),
        f"notifications/email/{notification.kind}.txt",
        headers=headers,
        user=user,
        notification=notification,
        texts=texts,
        params=notification.params,
        link=base_url.rstrip("/") + notification.path,
        kind_name=KIND_NAMES[notification.kind],
        unsubscribe_link=unsubscribe,
        preferences_link=link_for_job(base_url, "notifications.preferences"),
    )
    with Session(db.engine) as session, session.begin():
        session.execute(
            update(Notification)
            .where(Notification.id == notification_id, Notification.mail_state == MAIL_PENDING)
            .values(mail_state=MAIL_SENT)
        )


def queue_unsent(now) -> int:
    """Queue again, at the caller's commit, the e-mails still pending after every retry the queue
    gives (or whose web process died before its job ran); how many. Older ones are left alone:
    news a week late is noise."""
    config = current_app.config
    found = set(
        db.session.scalars(
            select(Notification.id).where(
                Notification.mail_state == MAIL_PENDING,
                Notification.created_at < now - timedelta(seconds=config["NOTIFICATIONS_MAIL_RETRY_AFTER"]),
                Notification.created_at > now - timedelta(days=config["NOTIFICATIONS_MAIL_GIVE_UP_DAYS"]),
            )
        )
    )
    db.session.info.setdefault(PENDING_MAILS, set()).update(found)
    return len(found)

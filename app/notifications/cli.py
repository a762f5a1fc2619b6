"""``flask --app wsgi notifications tick``: what cron runs (hourly is right) for the scheduled
notifications, the e-mails left unsent and the old notifications."""

import click
from flask import current_app
from flask.cli import AppGroup

from app.extensions import db
from app.models_base import utcnow
from app.notifications import mailing, schedule, services

notifications = AppGroup("notifications", help="Send the scheduled notifications (run by cron).")


@notifications.command("send-due")
def send_due_command() -> None:
    """Remind students of unfinished work due in two days (once per student and assignment)."""
    made = schedule.send_due_reminders(utcnow())
    db.session.commit()  # the e-mails are queued once this commit succeeds
    click.echo(f"{made} due-date reminder(s).")


@notifications.command("send-digests")
def send_digests_command() -> None:
    """Send teachers last week's digest of their classes (once per teacher and week)."""
    made = schedule.send_digests(utcnow())
    db.session.commit()
    click.echo(f"{made} weekly digest(s).")


@notifications.command("tick")
def tick_command() -> None:
    """Everything above, then queue again e-mails still unsent and delete old read notifications.

    Safe to run as often as you like, and from several hosts: nothing is sent twice.
    """
    now = utcnow()
    due = schedule.send_due_reminders(now)
    db.session.commit()
    digests = schedule.send_digests(now)
    db.session.commit()
    again = mailing.queue_unsent(now)
    pruned = services.prune(current_app.config["NOTIFICATIONS_KEEP_DAYS"])
    db.session.commit()
    sent = f"{due} due-date reminder(s), {digests} weekly digest(s)"
    click.echo(f"{sent}, {again} e-mail(s) queued again, {pruned} old notification(s) deleted.")

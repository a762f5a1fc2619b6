"""``flask --app wsgi notifications tick``: what cron runs (hourly is right) for the scheduled
notifications, the e-mails left unsent and the old notifications.

The counts are told in the language of --lang or of the terminal (app.cli_language).
"""

import click
from flask import current_app
from flask.cli import AppGroup

from app.cli_language import localised
from app.extensions import db
from app.i18n import ngettext
from app.models_base import utcnow
from app.notifications import mailing, schedule, services
from app.schools import invitations

notifications = AppGroup("notifications", help="Send the scheduled notifications (run by cron).")


@notifications.command("send-due")
@localised
def send_due_command() -> None:
    """Remind students of unfinished work due in two days (once per student and assignment)."""
    made = schedule.send_due_reminders(utcnow())
    db.session.commit()  # the e-mails are queued once this commit succeeds
    click.echo(f"{_reminders(made)}.")


@notifications.command("send-digests")
@localised
def send_digests_command() -> None:
    """Send teachers last week's digest of their classes (once per teacher and week)."""
    made = schedule.send_digests(utcnow())
    db.session.commit()
    click.echo(f"{_digests(made)}.")


@notifications.command("tick")
@localised
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
    invitations_gone = invitations.prune(now)  # the addresses students were invited at, after 30 days
    db.session.commit()
    done = [
        _reminders(due),
        _digests(digests),
        ngettext("%(num)d e-mail queued again", "%(num)d e-mails queued again", again),
        ngettext("%(num)d old notification deleted", "%(num)d old notifications deleted", pruned),
        ngettext(
            "%(num)d old class invitation deleted", "%(num)d old class invitations deleted", invitations_gone
        ),
    ]
    from app.lrs import forwarding as record_stores  # app/lrs: send the learning record stores what

    done += record_stores.tick()  # they have not got yet (nothing is said if there is none)
    from app.lti import cli as lti  # app/lti: scores a school's platform has not got yet

    done += lti.tick()
    click.echo(", ".join(done) + ".")  # the same list punctuation in French and English


def _reminders(count: int) -> str:
    return ngettext("%(num)d due-date reminder", "%(num)d due-date reminders", count)


def _digests(count: int) -> str:
    return ngettext("%(num)d weekly digest", "%(num)d weekly digests", count)

"""``flask --app wsgi record purge``: delete learning events older than the retention period.

Run by cron daily (see the README); the count is told in the language of --lang or of the
terminal (app.cli_language).
"""

import click
from flask.cli import AppGroup

from app.cli_language import localised
from app.extensions import db
from app.i18n import ngettext
from app.record import services

record = AppGroup("record", help="The learning record (xAPI statements).")


@record.command("purge")
@localised
def purge_command() -> None:
    """Delete the learning events older than RECORD_RETENTION_DAYS (3 years by default)."""
    deleted = services.purge()
    db.session.commit()
    days = services.retention_days()
    click.echo(
        ngettext(
            "%(num)d learning event older than %(days)d days deleted.",
            "%(num)d learning events older than %(days)d days deleted.",
            deleted,
            days=days,
        )
    )

"""``flask --app wsgi lti …``: the tool's key for production, and grades still to send."""

import click
from flask.cli import AppGroup

from app.cli_language import localised
from app.extensions import db
from app.i18n import ngettext
from app.lti import grades, keys, tool

lti = AppGroup("lti", help="LTI 1.3: Cadre inside schools' platforms.")


@lti.command("new-key")
@localised
def new_key_command() -> None:
    """Print a new RSA private key (PEM) for CADRE_LTI_PRIVATE_KEY."""
    click.echo(keys.new_private_key(), nl=False)


@lti.command("send-grades")
@localised
def send_grades_command() -> None:
    """Send the platforms the scores they have not got yet, now."""
    sent, failing = grades.send_due()
    click.echo(summary(sent, failing))
    if failing:
        raise SystemExit(1)


def summary(sent: int, failing: int) -> str:
    return ", ".join(
        (
            ngettext("%(num)d score sent to a platform", "%(num)d scores sent to platforms", sent),
            ngettext("%(num)d still failing", "%(num)d still failing", failing),
        )
    )


def tick() -> list[str]:
    """What the clock runs: forget expired launch data; send due grades (said only if any)."""
    tool.purge_expired()
    db.session.commit()
    sent, failing = grades.send_due()
    return [summary(sent, failing)] if sent or failing else []

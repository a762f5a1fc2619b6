"""``flask --app wsgi certificate revoke|reinstate`` and ``audit export|purge``: the console's
certificate and log actions, for operators at a terminal.

Messages are in the language of --lang or of the terminal (app.cli_language); the CSV export is
the same in every language.
"""

import sys
from datetime import date

import click
from flask import current_app
from flask.cli import AppGroup

from app.admin import audit, services
from app.cli_language import localised
from app.extensions import db
from app.i18n import gettext, ngettext

certificate = AppGroup("certificate", help="Revoke or reinstate a certificate.")
audit_log = AppGroup("audit", help="Export the audit log; purge it after the retention period.")


def _certificate(code: str):
    found = services.find_certificate(code)
    if found is None:
        raise click.ClickException(gettext("no certificate with the code '%(code)s'", code=code))
    return found


def _refused(exc: services.AdminError) -> click.ClickException:
    db.session.rollback()
    return click.ClickException(str(exc))  # a lazy message: told in the command's language


@certificate.command("revoke")
@click.argument("code")
@click.option("--reason", required=True, help="Why: shown on the certificate's public page.")
@localised
def revoke_command(code: str, reason: str) -> None:
    """Revoke the certificate CODE (issued in error); its public page shows the reason.

    Put -- before CODE: a code may begin with a hyphen.
    """
    found = _certificate(code)
    try:
        services.revoke(found, reason)
    except services.AdminError as exc:
        raise _refused(exc) from None
    db.session.commit()
    click.echo(gettext("%(code)s: revoked (%(reason)s)", code=found.code, reason=found.revocation_reason))


@certificate.command("reinstate")
@click.argument("code")
@localised
def reinstate_command(code: str) -> None:
    """Make the revoked certificate CODE valid again (put -- before CODE)."""
    found = _certificate(code)
    try:
        services.reinstate(found)
    except services.AdminError as exc:
        raise _refused(exc) from None
    db.session.commit()
    click.echo(gettext("%(code)s: valid again", code=found.code))


def _day(_context, _parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(gettext("'%(value)s' is not a date like 2026-12-01", value=value)) from None


@audit_log.command("export")
@click.option("--action", type=click.Choice(sorted(audit.ACTIONS)), help="Only this action.")
@click.option("--person", default="", help="Only events by or about an account whose e-mail contains this.")
@click.option("--since", callback=_day, help="From this day (YYYY-MM-DD, UTC).")
@click.option("--until", callback=_day, help="To this day included (YYYY-MM-DD, UTC).")
@localised
def export_command(action: str | None, person: str, since: date | None, until: date | None) -> None:
    """Write the matching events as CSV on standard output, oldest first."""
    filters = audit.Filters(action=action or "", person=person, since=since, until=until)
    for chunk in audit.export_csv(filters):
        sys.stdout.write(chunk)


@audit_log.command("purge")
@click.option("--days", type=click.IntRange(min=1), help="Keep this many days (default: RETENTION_LOG_DAYS).")
@localised
def purge_command(days: int | None) -> None:
    """Delete the events older than the retention period the privacy notice states."""
    keep = days or current_app.config["RETENTION_LOG_DAYS"]
    removed = audit.purge(keep)
    db.session.commit()
    older = ngettext("%(num)d day", "%(num)d days", keep)
    click.echo(
        ngettext(
            "%(num)d event older than %(days)s deleted",
            "%(num)d events older than %(days)s deleted",
            removed,
            days=older,
        )
    )

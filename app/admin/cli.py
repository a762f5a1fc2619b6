"""``flask --app wsgi certificate revoke|reinstate`` and ``audit export|purge``: the console's
certificate and log actions, for operators at a terminal."""

import sys
from datetime import date

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from app.admin import audit, services
from app.extensions import db

certificate = AppGroup("certificate", help="Revoke or reinstate a certificate.")
audit_log = AppGroup("audit", help="Export the audit log; purge it after the retention period.")


def _certificate(code: str):
    found = services.find_certificate(code)
    if found is None:
        raise click.ClickException(f"no certificate with the code '{code}'")
    return found


def _refused(exc: services.AdminError) -> click.ClickException:
    db.session.rollback()
    with force_locale("en"):  # outside a request a lazy message needs a locale
        return click.ClickException(str(exc))


@certificate.command("revoke")
@click.argument("code")
@click.option("--reason", required=True, help="Why: shown on the certificate's public page.")
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
    click.echo(f"{found.code}: revoked ({found.revocation_reason})")


@certificate.command("reinstate")
@click.argument("code")
def reinstate_command(code: str) -> None:
    """Make the revoked certificate CODE valid again (put -- before CODE)."""
    found = _certificate(code)
    try:
        services.reinstate(found)
    except services.AdminError as exc:
        raise _refused(exc) from None
    db.session.commit()
    click.echo(f"{found.code}: valid again")


def _day(_context, _parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date like 2026-12-01") from None


@audit_log.command("export")
@click.option("--action", type=click.Choice(sorted(audit.ACTIONS)), help="Only this action.")
@click.option("--person", default="", help="Only events by or about an account whose e-mail contains this.")
@click.option("--since", callback=_day, help="From this day (YYYY-MM-DD, UTC).")
@click.option("--until", callback=_day, help="To this day included (YYYY-MM-DD, UTC).")
def export_command(action: str | None, person: str, since: date | None, until: date | None) -> None:
    """Write the matching events as CSV on standard output, oldest first."""
    filters = audit.Filters(action=action or "", person=person, since=since, until=until)
    for chunk in audit.export_csv(filters):
        sys.stdout.write(chunk)


@audit_log.command("purge")
@click.option("--days", type=click.IntRange(min=1), help="Keep this many days (default: RETENTION_LOG_DAYS).")
def purge_command(days: int | None) -> None:
    """Delete the events older than the retention period the privacy notice states."""
    keep = days or current_app.config["RETENTION_LOG_DAYS"]
    removed = audit.purge(keep)
    db.session.commit()
    click.echo(f"{removed} event(s) older than {keep} days deleted")

"""``flask --app wsgi org create|add-member``: what only the platform's operators may do."""

import click
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlalchemy import select

from app.admin import services as operator
from app.admin.audit import record
from app.extensions import db
from app.orgs.models import KINDS, ROLES, Organisation
from app.orgs.services import OrgError, create_organisation, find_user_by_email

org = AppGroup("org", help="Create organisations and name their administrators and staff.")


def _english(message) -> str:
    """A message of the organisation rules, in English like the rest of the command line.

    The locale is forced because, outside a request, the locale selector has no session or
    browser to read: turning a lazy translation into text would end in a traceback.
    """
    with force_locale("en"):
        return str(message)


@org.command("create")
@click.argument("slug")
@click.argument("name")
@click.option("--type", "kind", type=click.Choice(KINDS), default=KINDS[0], show_default=True)
def create_command(slug: str, name: str, kind: str) -> None:
    """Create the organisation SLUG (its short name in URLs) called NAME."""
    try:
        created = create_organisation(slug, name, kind)
        record("org.created", organisation=created, detail=f"{created.kind} {created.slug}")
        db.session.commit()
    except OrgError as exc:
        db.session.rollback()
        raise click.ClickException(_english(exc)) from None
    click.echo(f"{created.slug}: created ({created.kind}, {created.name})")


@org.command("add-member")
@click.argument("slug")
@click.argument("email")
@click.option(
    "--role",
    default="admin",
    show_default=True,
    help="school: admin, teacher; publisher: admin, editor, reviewer, member",
)
def add_member_command(slug: str, email: str, role: str) -> None:
    """Give the existing account EMAIL the ROLE in the organisation SLUG (or change its role)."""
    found = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if found is None:
        raise click.ClickException(f"no organisation '{slug}'")
    if role not in ROLES[found.kind]:
        raise click.ClickException(f"role must be one of: {', '.join(ROLES[found.kind])}")
    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"no account with the e-mail '{email}': the person must register first")
    operator.set_role(found, user, role)
    db.session.commit()
    click.echo(f"{user.email} is {role} of {found.slug}")

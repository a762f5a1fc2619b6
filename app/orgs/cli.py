"""``flask --app wsgi org create|add-member``: what only the platform's operators may do.

Messages, the organisation rules' own included, are in the language of --lang or of the terminal
(app.cli_language); kinds and roles are named as the options spell them (school, admin…).
"""

import click
from flask.cli import AppGroup

from app.admin import services as operator
from app.admin.audit import record
from app.cli_language import localised
from app.extensions import db
from app.i18n import gettext
from app.orgs.models import KINDS, ROLE_IN_SENTENCE, ROLES
from app.orgs.services import OrgError, create_organisation, find_user_by_email, organisation_by_slug

org = AppGroup("org", help="Create organisations and name their administrators and staff.")


@org.command("create")
@click.argument("slug")
@click.argument("name")
@click.option("--type", "kind", type=click.Choice(KINDS), default=KINDS[0], show_default=True)
@localised
def create_command(slug: str, name: str, kind: str) -> None:
    """Create the organisation SLUG (its short name in URLs) called NAME."""
    try:
        created = create_organisation(slug, name, kind)
        record("org.created", organisation=created, detail=f"{created.kind} {created.slug}")
        db.session.commit()
    except OrgError as exc:
        db.session.rollback()
        # In the command's language (a lazy message turns into text here, under its locale).
        raise click.ClickException(str(exc)) from None
    click.echo(
        gettext(
            "%(slug)s: created (%(kind)s, %(name)s)", slug=created.slug, kind=created.kind, name=created.name
        )
    )


@org.command("add-member")
@click.argument("slug")
@click.argument("email")
@click.option(
    "--role",
    default="admin",
    show_default=True,
    help="school: admin, teacher; publisher: admin, editor, reviewer, member",
)
@localised
def add_member_command(slug: str, email: str, role: str) -> None:
    """Give the existing account EMAIL the ROLE in the organisation SLUG (or change its role)."""
    found = organisation_by_slug(slug)
    if found is None:
        raise click.ClickException(gettext("no organisation '%(slug)s'", slug=slug))
    if role not in ROLES[found.kind]:
        raise click.ClickException(
            gettext("role must be one of: %(roles)s", roles=", ".join(ROLES[found.kind]))
        )
    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(
            gettext("no account with the e-mail '%(email)s': the person must register first", email=email)
        )
    operator.set_role(found, user, role)
    db.session.commit()
    named = ROLE_IN_SENTENCE[role]
    click.echo(gettext("%(email)s is %(role)s of %(org)s", email=user.email, role=named, org=found.slug))

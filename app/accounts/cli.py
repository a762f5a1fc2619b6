"""``flask --app wsgi user …``: create accounts, name site administrators, disable accounts.

Every message, the account rules' own included, is in the language of --lang or of the terminal
(app.cli_language); ``user list`` prints its accounts in fixed English words, for scripts.
"""

import sys

import click
from email_validator import EmailNotValidError, validate_email
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.accounts.services import create_user, find_user_by_email, password_problem
from app.admin import services as operator
from app.admin.audit import record
from app.certificates.pdf import unprintable_characters
from app.characters import code_points, hidden_characters
from app.cli_language import localised
from app.extensions import db
from app.i18n import gettext, ngettext
from app.models_base import utcnow

user = AppGroup("user", help="Create accounts, name site administrators, disable and enable accounts.")

NAME_MAX_LENGTH = 120  # the column's size, as on the registration form
EMAIL_MAX_LENGTH = 254


def _account(email: str) -> User:
    """The account EMAIL names, or a clean error."""
    found = find_user_by_email(email)
    if found is None:
        raise click.ClickException(gettext("no account with the e-mail '%(email)s'", email=email))
    return found


def _checked_email(email: str) -> str:
    """The e-mail in its stored form, if it is a valid address nobody uses yet."""
    try:
        validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        # The reason is email-validator's, in English.
        raise click.ClickException(
            gettext("'%(email)s' is not a valid e-mail address: %(reason)s", email=email, reason=exc)
        ) from None
    if len(email.strip()) > EMAIL_MAX_LENGTH:
        raise click.ClickException(
            gettext("the e-mail address must be at most %(max)d characters", max=EMAIL_MAX_LENGTH)
        )
    if find_user_by_email(email) is not None:
        raise click.ClickException(_already_used(User.normalise_email(email)))
    return User.normalise_email(email)


def _checked_name(full_name: str) -> str:
    """The name as certificates will print it: not empty, not too long, printable."""
    name = full_name.strip()
    if not name or len(name) > NAME_MAX_LENGTH:
        raise click.ClickException(
            gettext("the full name must be between 1 and %(max)d characters", max=NAME_MAX_LENGTH)
        )
    hidden = hidden_characters(name)
    if hidden:
        raise click.ClickException(
            gettext(
                "the full name holds invisible characters: %(codes)s",
                codes=code_points(hidden),
            )
        )
    missing = unprintable_characters(name)
    if missing:
        raise click.ClickException(
            gettext(
                "certificates cannot print these characters of the name: %(characters)s",
                characters=" ".join(missing),
            )
        )
    return name


def _already_used(address: str) -> str:
    return gettext("an account already uses the e-mail '%(email)s'", email=address)


def _read_password(from_stdin: bool) -> str:
    """The first line of standard input, or a password typed twice without echo."""
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise click.ClickException(gettext("--password-stdin: nothing to read on standard input"))
        return line.rstrip("\r\n")
    # click.prompt's confirmation_prompt would say that they differ in English only; the colon is
    # in the message, for French puts a space before it.
    while True:
        password = click.prompt(gettext("Password:"), hide_input=True, prompt_suffix=" ")
        if password == click.prompt(gettext("Repeat the password:"), hide_input=True, prompt_suffix=" "):
            return password
        click.echo(gettext("Error: the two passwords do not match."), err=True)


@user.command("create")
@click.argument("email")
@click.option("--name", "full_name", required=True, help="Full name, as certificates will print it.")
@click.option("--admin", is_flag=True, help="Make the account a site administrator.")
@click.option(
    "--confirmed",
    is_flag=True,
    help="The address is known to be the person's: it needs no confirmation link.",
)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input instead of asking for it.",
)
@localised
def create_command(email: str, full_name: str, admin: bool, confirmed: bool, password_stdin: bool) -> None:
    """Create an account for EMAIL, with the same password rules as the registration form."""
    address, name = _checked_email(email), _checked_name(full_name)
    password = _read_password(password_stdin)
    problem = password_problem(password, name, address)
    if problem:
        raise click.ClickException(problem)
    try:
        # Someone may register the address while the password is being typed: the unique
        # constraint decides, and the answer is the same message as the check above.
        with db.session.begin_nested():
            created = create_user(name, address, password)
            if confirmed:  # otherwise every page offers the person a link to confirm it
                created.email_confirmed_at = utcnow()
            record("user.created", user=created)
            if admin:
                operator.set_admin(created, True)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise click.ClickException(_already_used(address)) from None
    if admin:
        done = gettext(
            "%(email)s: account created for %(name)s (site administrator)",
            email=created.email,
            name=created.full_name,
        )
    else:
        done = gettext("%(email)s: account created for %(name)s", email=created.email, name=created.full_name)
    click.echo(done)


def _set_admin(email: str, admin: bool) -> None:
    """Give (or take away) the site administrator role; saying so if nothing changes."""
    found = _account(email)
    if not operator.set_admin(found, admin):
        if admin:
            click.echo(gettext("%(email)s is already a site administrator", email=found.email))
        else:
            click.echo(gettext("%(email)s is not a site administrator", email=found.email))
        return
    db.session.commit()
    if admin:
        click.echo(gettext("%(email)s is now a site administrator", email=found.email))
    else:
        click.echo(gettext("%(email)s is no longer a site administrator", email=found.email))


@user.command("set-admin")
@click.argument("email")
@localised
def set_admin_command(email: str) -> None:
    """Make the account EMAIL a site administrator."""
    _set_admin(email, True)


@user.command("unset-admin")
@click.argument("email")
@localised
def unset_admin_command(email: str) -> None:
    """Take the site administrator role away from the account EMAIL."""
    _set_admin(email, False)


@user.command("disable")
@click.argument("email")
@click.option(
    "--reason", required=True, help="Why, kept in the audit log for whoever looks at the account next."
)
@localised
def disable_command(email: str, reason: str) -> None:
    """Disable the account EMAIL: it cannot log in and its open sessions end."""
    found = _account(email)
    try:
        changed = operator.disable(found, reason)
    except operator.AdminError as exc:
        raise click.ClickException(str(exc)) from None
    if not changed:
        since = f"{found.disabled_at:%Y-%m-%d %H:%M}"
        click.echo(gettext("%(email)s has been disabled since %(date)s UTC", email=found.email, date=since))
        return
    db.session.commit()
    click.echo(
        gettext("%(email)s is disabled: it cannot log in and its sessions have ended", email=found.email)
    )


@user.command("enable")
@click.argument("email")
@localised
def enable_command(email: str) -> None:
    """Let the disabled account EMAIL log in again."""
    found = _account(email)
    if not operator.enable(found):
        click.echo(gettext("%(email)s is not disabled", email=found.email))
        return
    db.session.commit()
    click.echo(gettext("%(email)s is enabled: it can log in again", email=found.email))


@user.command("list")
@click.option("--admins", is_flag=True, help="Only the site administrators.")
@localised
def list_command(admins: bool) -> None:
    """List the accounts, one a line: e-mail, full name, role, state (tab-separated)."""
    query = select(User).order_by(User.email)
    if admins:
        query = query.where(User.is_admin.is_(True))
    accounts = db.session.scalars(query).all()
    for account in accounts:  # fixed words, whatever the language: scripts read these lines
        role = "admin" if account.is_admin else "-"
        state = "active" if account.disabled_at is None else f"disabled {account.disabled_at:%Y-%m-%d}"
        click.echo(f"{account.email}\t{account.full_name}\t{role}\t{state}")
    # The count goes to standard error so that scripts can read standard output as it is.
    click.echo(ngettext("%(num)d account", "%(num)d accounts", len(accounts)), err=True)

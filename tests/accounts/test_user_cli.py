"""``flask --app wsgi user …``: accounts and site administrators from the command line.

Like tests/test_cli_errors.py, these tests build their own app rather than use the ``app``
fixture, whose request context would hide faults that only happen in a real command-line run.
"""

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.extensions import db
from tests.conftest import PASSWORD, assert_clean_error


@pytest.fixture
def account(cli):
    """An account made by the command itself, to act on."""
    result = cli(
        "user", "create", "zoe@example.org", "--name", "Zoé Lefèvre", "--password-stdin", input=PASSWORD
    )
    assert result.exit_code == 0, result.output
    return find("zoe@example.org")


def find(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def count_users() -> int:
    return db.session.scalar(select(func.count(User.id)))


def test_create_asks_for_the_password_twice_without_echo(cli):
    result = cli(
        "user", "create", "Zoe@Example.org", "--name", "  Zoé Lefèvre ", input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert "Password: \nRepeat the password: \n" in result.output
    assert PASSWORD not in result.output
    assert "zoe@example.org: account created for Zoé Lefèvre" in result.output
    created = find("zoe@example.org")
    assert created.full_name == "Zoé Lefèvre" and created.check_password(PASSWORD)
    assert created.is_admin is False and created.disabled_at is None
    assert created.email_confirmed_at is None  # the person confirms it from any page


def test_create_asks_again_when_the_two_passwords_differ(cli):
    typed = f"{PASSWORD}\nsomething else entirely\n{PASSWORD}\n{PASSWORD}\n"
    result = cli("user", "create", "zoe@example.org", "--name", "Zoé Lefèvre", input=typed)
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    assert find("zoe@example.org").check_password(PASSWORD)


def test_create_admin_with_the_password_on_standard_input(cli):
    args = ("user", "create", "ops@example.org", "--name", "Ops Team", "--admin", "--password-stdin")
    result = cli(*args, input=f"{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Password" not in result.output and "(site administrator)" in result.output
    created = find("ops@example.org")
    assert created.is_admin is True and created.check_password(PASSWORD)


def test_create_an_account_whose_address_is_known(cli):
    args = ("user", "create", "ops@example.org", "--name", "Ops Team", "--confirmed", "--password-stdin")
    assert cli(*args, input=f"{PASSWORD}\n").exit_code == 0
    assert find("ops@example.org").email_confirmed_at is not None


def test_create_refuses_an_existing_email_before_asking_for_a_password(cli, account):
    result = cli(
        "user", "create", "ZOE@example.org", "--name", "Another Zoé", input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert_clean_error(result, "an account already uses the e-mail 'zoe@example.org'")
    assert "Password" not in result.output
    assert count_users() == 1 and find("zoe@example.org").full_name == "Zoé Lefèvre"


@pytest.mark.parametrize(
    ("email", "name", "password", "message"),
    [
        ("not-an-address", "Zoé Lefèvre", PASSWORD, "'not-an-address' is not a valid e-mail address"),
        ("zoe@", "Zoé Lefèvre", PASSWORD, "is not a valid e-mail address"),
        ("zoe@example.org", "   ", PASSWORD, "the full name must be between 1 and 120 characters"),
        ("zoe@example.org", "Z" * 121, PASSWORD, "the full name must be between 1 and 120 characters"),
        ("zoe@example.org", "Zoé 李", PASSWORD, "certificates cannot print these characters of the name: 李"),
        (
            "zoe@example.org",
            "Zoé\u202e Lefèvre",
            PASSWORD,
            "the full name holds invisible characters: U+202E",
        ),
        ("zoe@example.org", "Zoé Lefèvre", "short", "Choose a password of at least 10 characters."),
        ("zoe@example.org", "Zoé Lefèvre", "x" * 201, "Choose a password of at most 200 characters."),
        (
            "zoe@example.org",
            "Zoé Lefèvre",
            "azerty12345",
            "This password is too common or too easy to guess.",
        ),
        ("zoe@example.org", "Zoé Lefèvre", "lefèvrezoé", "This password is too common"),  # her own name
        ("zoe@example.org", "Zoé Lefèvre", "", "Choose a password of at least 10 characters."),
    ],
)
def test_create_refuses_bad_input_and_creates_nothing(cli, email, name, password, message):
    result = cli("user", "create", email, "--name", name, "--password-stdin", input=f"{password}\n")
    assert_clean_error(result, message)
    assert count_users() == 0


def test_create_with_password_stdin_and_nothing_to_read(cli):
    result = cli("user", "create", "zoe@example.org", "--name", "Zoé Lefèvre", "--password-stdin", input="")
    assert_clean_error(result, "nothing to read on standard input")
    assert count_users() == 0


def test_create_needs_a_name(cli):
    result = cli("user", "create", "zoe@example.org", "--password-stdin", input=PASSWORD)
    assert result.exit_code == 2 and "Missing option '--name'" in result.output
    assert count_users() == 0


def test_set_admin_and_unset_admin(cli, account):
    result = cli("user", "set-admin", "ZOE@example.org")
    assert result.exit_code == 0 and "zoe@example.org is now a site administrator" in result.output
    assert find("zoe@example.org").is_admin is True
    result = cli("user", "set-admin", "zoe@example.org")
    assert result.exit_code == 0 and "already a site administrator" in result.output

    result = cli("user", "unset-admin", "zoe@example.org")
    assert result.exit_code == 0 and "zoe@example.org is no longer a site administrator" in result.output
    assert find("zoe@example.org").is_admin is False
    result = cli("user", "unset-admin", "zoe@example.org")
    assert result.exit_code == 0 and "is not a site administrator" in result.output


@pytest.mark.parametrize("command", ["set-admin", "unset-admin", "disable", "enable"])
def test_commands_refuse_an_unknown_email(cli, account, command):
    reason = ("--reason", "test") if command == "disable" else ()
    assert_clean_error(
        cli("user", command, "nobody@example.org", *reason), "no account with the e-mail 'nobody@example.org'"
    )
    assert find("zoe@example.org").is_admin is False and find("zoe@example.org").disabled_at is None


def test_disable_ends_the_sessions_and_enable_lets_the_account_back_in(cli, account):
    generation = account.session_generation
    missing = cli("user", "disable", "zoe@example.org")  # why, for the log: click's own usage error
    assert missing.exit_code == 2 and "Missing option '--reason'" in missing.output
    assert find("zoe@example.org").disabled_at is None
    assert_clean_error(cli("user", "disable", "zoe@example.org", "--reason", " "), "Say why")
    result = cli("user", "disable", "zoe@example.org", "--reason", "test")
    assert result.exit_code == 0 and "zoe@example.org is disabled" in result.output
    disabled = find("zoe@example.org")
    assert disabled.disabled_at is not None and disabled.session_generation == generation + 1
    result = cli("user", "disable", "zoe@example.org", "--reason", "test")
    assert result.exit_code == 0 and "has been disabled since" in result.output
    assert find("zoe@example.org").session_generation == generation + 1  # nothing more to end

    result = cli("user", "enable", "zoe@example.org")
    assert result.exit_code == 0 and "zoe@example.org is enabled" in result.output
    assert find("zoe@example.org").disabled_at is None
    result = cli("user", "enable", "zoe@example.org")
    assert result.exit_code == 0 and "zoe@example.org is not disabled" in result.output


def test_list_shows_every_account_or_only_the_administrators(cli, account):
    cli(
        "user",
        "create",
        "ops@example.org",
        "--name",
        "Ops Team",
        "--admin",
        "--password-stdin",
        input=PASSWORD,
    )
    cli("user", "disable", "zoe@example.org", "--reason", "test")

    result = cli("user", "list")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "ops@example.org\tOps Team\tadmin\tactive"
    assert lines[1].startswith("zoe@example.org\tZoé Lefèvre\t-\tdisabled 20")
    assert len(lines) == 2 and "2 accounts" in result.stderr

    result = cli("user", "list", "--admins")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["ops@example.org\tOps Team\tadmin\tactive"]
    assert "1 account\n" in result.stderr

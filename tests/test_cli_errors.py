"""The command line answers bad input with a message and exit code 1, never a traceback (probe L5).

These tests build their own app instead of using the ``app`` fixture: pytest-flask pushes a
request context around tests that use it, which hides faults that only happen outside a request,
as in a real ``flask --app wsgi …`` run.
"""

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.orgs.models import Organisation
from tests.conftest import VALID_CONTENT, assert_clean_error


def test_org_create_refuses_an_existing_short_name(cli):
    assert cli("org", "create", "ecole-a", "École A").exit_code == 0
    result = cli("org", "create", "ecole-a", "Encore")
    assert_clean_error(result, "An organisation with this short name already exists.")
    assert db.session.scalar(select(Organisation.name)) == "École A"


@pytest.mark.parametrize(
    ("slug", "name", "message"),
    [
        ("Bad Slug", "X", "The short name must be lower-case letters, digits and hyphens"),
        ("x" * 81, "X", "The short name must be lower-case letters"),
        ("ecole-b", "N" * 201, "The name must be between 1 and 200 characters."),
        ("ecole-b", "   ", "The name must be between 1 and 200 characters."),
    ],
)
def test_org_create_refuses_invalid_input(cli, slug, name, message):
    assert_clean_error(cli("org", "create", slug, name), message)
    assert db.session.scalar(select(func.count(Organisation.id))) == 0


def test_org_create_speaks_english_whatever_the_default_language(cli, cli_app):
    cli_app.config["BABEL_DEFAULT_LOCALE"] = "fr"
    cli("org", "create", "ecole-a", "École A")
    assert_clean_error(cli("org", "create", "ecole-a", "Encore"), "already exists")


def test_content_stats_cannot_write_its_csv_says_so(cli, tmp_path):
    assert cli("content", "import", str(VALID_CONTENT)).exit_code == 0
    target = tmp_path / "missing-folder" / "stats.csv"
    result = cli("content", "stats", "voix-et-ia", "--csv", str(target))
    assert_clean_error(result, f"cannot write {target}")
    assert not target.exists()

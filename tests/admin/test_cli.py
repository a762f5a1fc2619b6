"""What the console does, the command line does too, and both write the audit log."""

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.admin.models import AuditEvent
from app.certificates.models import Certificate
from app.extensions import db
from app.models_base import utcnow
from tests.certificates.test_certificate_pages import complete
from tests.conftest import PASSWORD, assert_clean_error


@pytest.fixture
def certificate(cli_app):
    from app.catalog.importer import import_course
    from app.catalog.models import Course
    from app.content.checker import check_root
    from tests.conftest import VALID_CONTENT

    for doc in check_root(VALID_CONTENT).courses:
        import_course(doc)
    user = User(full_name="Zoé Lefèvre", email="zoe@example.org", email_confirmed_at=utcnow())
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.commit()
    return complete(user, db.session.scalars(select(Course).order_by(Course.id)).first())


def actions() -> list[tuple[str, str]]:
    return [(e.action, e.source) for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_revoke_and_reinstate_from_the_command_line(cli, certificate):
    result = cli("certificate", "revoke", "--reason", "Issued in error", "--", certificate.code)
    assert result.exit_code == 0, result.output
    found = db.session.get(Certificate, certificate.id)
    assert found.revoked_at is not None and found.revocation_reason == "Issued in error"
    assert_clean_error(
        cli("certificate", "revoke", "--reason", "again", "--", certificate.code), "already revoked"
    )
    assert cli("certificate", "reinstate", "--", certificate.code).exit_code == 0
    assert db.session.get(Certificate, certificate.id).revoked_at is None
    assert_clean_error(cli("certificate", "reinstate", "--", certificate.code), "is not revoked")
    assert_clean_error(
        cli("certificate", "revoke", "--reason", "x", "--", "nope"), "no certificate with the code"
    )
    assert_clean_error(cli("certificate", "revoke", "--reason", " ", "--", certificate.code), "Say why")
    assert actions() == [("certificate.revoked", "cli"), ("certificate.reinstated", "cli")]


def test_account_and_organisation_commands_are_audited(cli):
    assert (
        cli(
            "user",
            "create",
            "olga@example.org",
            "--name",
            "Olga",
            "--admin",
            "--password-stdin",
            input=PASSWORD + "\n",
        ).exit_code
        == 0
    )
    assert cli("org", "create", "lycee-lumiere", "Lycée Lumière", "--type", "school").exit_code == 0
    assert cli("org", "add-member", "lycee-lumiere", "olga@example.org", "--role", "admin").exit_code == 0
    assert cli("user", "unset-admin", "olga@example.org").exit_code == 0
    assert cli("user", "unset-admin", "olga@example.org").exit_code == 0  # unchanged: not recorded
    assert cli("user", "disable", "olga@example.org", "--reason", "compte de test").exit_code == 0
    disabled = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.disabled"))
    assert disabled.detail == "compte de test"
    assert cli("user", "enable", "olga@example.org").exit_code == 0
    assert [action for action, source in actions() if source == "cli"] == [
        "user.created",
        "admin.granted",
        "org.created",
        "org.role",
        "admin.removed",
        "user.disabled",
        "user.enabled",
    ]


def test_export_and_purge_the_log(cli, cli_app):
    old = AuditEvent(action="login.failed", source="web", detail="=1+1", at=utcnow() - timedelta(days=400))
    new = AuditEvent(action="user.disabled", source="cli", detail="")
    db.session.add_all([old, new])
    db.session.commit()

    result = cli("audit", "export")
    rows = list(csv.reader(io.StringIO(result.output)))
    assert [row[1] for row in rows[1:]] == ["login.failed", "user.disabled"]
    assert rows[1][-1] == "'=1+1"
    only = list(csv.reader(io.StringIO(cli("audit", "export", "--action", "user.disabled").output)))
    assert len(only) == 2
    assert cli("audit", "export", "--since", "yesterday").exit_code == 2

    result = cli("audit", "purge")
    assert result.exit_code == 0 and "1 event older than 365 days deleted" in result.output
    assert [e.action for e in db.session.scalars(select(AuditEvent))] == ["user.disabled"]

"""A publisher with its staff, and a real Learning Record Store (Ralph) when it can be had."""

import os

import pytest

from app.extensions import db
from app.orgs import services as orgs
from tests.lrs import ralph as ralph_lrs

REQUIRE = "CADRE_REQUIRE_LRS"


@pytest.fixture
def publisher(app, make_user):
    org = orgs.create_organisation("syndicat", "Syndicat des scénaristes", "publisher")
    other = orgs.create_organisation("autre-editeur", "Autre éditeur", "publisher")
    db.session.commit()
    people = {}
    for role in ("admin", "editor", "reviewer", "member"):
        people[role] = make_user(f"{role.title()} Syndicat", f"{role}@syndicat.example")
        orgs.set_role(org, people[role], role)
    people["outsider"] = make_user("Olga Dehors", "outsider@example.org")
    people["other_admin"] = make_user("Ulysse Ailleurs", "admin@autre.example")
    orgs.set_role(other, people["other_admin"], "admin")
    db.session.commit()
    return org, people


@pytest.fixture(scope="session")
def ralph_environment():
    """Ralph's virtual environment (built once, cached); skipped if it cannot be built here,
    unless CADRE_REQUIRE_LRS=1 (CI), where that is a failure."""
    try:
        return ralph_lrs.environment()
    except ralph_lrs.Unavailable as exc:
        if os.environ.get(REQUIRE) == "1":
            pytest.fail(str(exc))
        pytest.skip(f"{exc} (set {REQUIRE}=1 to make this a failure)")


@pytest.fixture
def ralph(ralph_environment, tmp_path):
    """A running Ralph LRS with an empty store of this test's own, stopped afterwards."""
    server = ralph_lrs.RalphLRS(ralph_environment, tmp_path / "ralph")
    server.start()
    yield server
    server.stop()

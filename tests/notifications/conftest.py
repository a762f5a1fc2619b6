"""A publisher with its staff, a school with a class of two students, and the outbox."""

import pytest
from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.notifications.models import Notification
from app.orgs import services as orgs
from app.schools import services as schools


@pytest.fixture
def publisher(app, make_user):
    org = orgs.create_organisation("syndicat", "Syndicat des scénaristes", "publisher")
    db.session.commit()
    people = {}
    for role in ("admin", "editor", "reviewer", "member"):
        people[role] = make_user(f"{role.title()} Syndicat", f"{role}@syndicat.example")
        orgs.set_role(org, people[role], role)
    db.session.commit()
    return org, people


@pytest.fixture
def school(app, make_user, course):
    org = orgs.create_organisation("ecole-image", "École de l’image", "school")
    db.session.commit()
    people = {
        "admin": make_user("Adèle Admin", "admin@example.org"),
        "teacher": make_user("Théo Prof", "teacher@example.org"),
        "student": make_user("Sami Élève", "student@example.org"),
        "classmate": make_user("Clara Camarade", "classmate@example.org"),
    }
    orgs.set_role(org, people["admin"], "admin")
    orgs.set_role(org, people["teacher"], "teacher")
    db.session.commit()
    klass = schools.create_class(org, people["teacher"], "BTS 2", "2026-2027", "")
    db.session.commit()
    for name in ("student", "classmate"):
        schools.join_class(people[name], klass.join_code)
    db.session.commit()
    return klass, people


def outbox() -> list:
    """The e-mails "sent" without SMTP (deliver_mail keeps them when testing)."""
    return current_app.extensions.setdefault("cadre_outbox", [])


def notifications_of(user, kind: str | None = None) -> list[Notification]:
    statement = select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    if kind:
        statement = statement.where(Notification.kind == kind)
    return list(db.session.scalars(statement))

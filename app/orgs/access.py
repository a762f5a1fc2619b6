"""Who may open an organisation's pages: one rule for schools and publishers."""

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from app.extensions import db
from app.orgs.models import Organisation
from app.orgs.services import role_in


def organisation_or_404(slug: str, kind: str, roles: tuple[str, ...]) -> tuple[Organisation, str]:
    """The organisation and the current user's role in it.

    404 to anyone who is not a member (nobody learns which organisations exist), 403 to a member
    whose role is not among ``roles``.
    """
    org = db.session.scalar(select(Organisation).where(Organisation.slug == slug, Organisation.kind == kind))
    role = role_in(current_user, org.id) if org else None
    if role is None:
        abort(404)
    if role not in roles:
        abort(403)
    return org, role

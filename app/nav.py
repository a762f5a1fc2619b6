"""A person's tools: the header's links to Teaching and to their workspaces, and the courses
waiting for their review.

The organisations a person belongs to are read once per request (one query, cached on ``g``)
and only when something asks for them: the header of a page, or the dashboard, which shares
that same query. Anonymous visitors cost nothing.
"""

from dataclasses import dataclass
from functools import cache

from flask import g, request
from flask_login import current_user
from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import contains_eager

from app.extensions import db
from app.orgs.models import ADMIN, EDITOR, PUBLISHER, REVIEWER, SCHOOL, TEACHER, Membership, Organisation
from app.publishing.models import IN_REVIEW, CourseDraft

# Who sees which tool: a school's administrators and teachers teach; a publisher's plain members
# only read its members-only courses, so they get no workspace.
TEACHING_ROLES = (ADMIN, TEACHER)
WORKSPACE_ROLES = (ADMIN, EDITOR, REVIEWER)
REVIEW_ROLES = (ADMIN, REVIEWER)
WORKSPACE_BLUEPRINTS = ("publishing", "publishing_statistics")


@cache
def _memberships_statement():
    """Built once, at the first page (the mappers are all known by then): every page's header runs it."""
    return (
        select(Membership)
        .join(Membership.organisation)
        .options(contains_eager(Membership.organisation))
        .where(Membership.user_id == bindparam("user_id"))
        .order_by(Organisation.name, Organisation.id)
    )


def memberships() -> list[Membership]:
    """The current user's memberships with their organisations, by organisation name (one query
    per request, none for an anonymous visitor)."""
    if not current_user.is_authenticated:
        return []
    if "_memberships" not in g:
        g._memberships = list(db.session.scalars(_memberships_statement(), {"user_id": current_user.id}))
    return g._memberships


def organisation_ids() -> list[int]:
    """The ids of the current user's organisations, from the same query: what catalog.listing's
    visibility rule binds as ``orgs``."""
    return [m.organisation_id for m in memberships()]


@dataclass(frozen=True)
class HeaderTools:
    """What the header links to, and the ``aria-current`` value of each link (None: not current)."""

    teaching: bool
    workspaces: tuple[Organisation, ...]
    teaching_current: str | None
    workspace_current: str | None


def header_tools() -> HeaderTools:
    """The Teaching link (one page lists every school) and the workspaces of the current user."""
    found = memberships()
    teaching = any(m.organisation.kind == SCHOOL and m.role in TEACHING_ROLES for m in found)
    workspaces = tuple(
        m.organisation for m in found if m.organisation.kind == PUBLISHER and m.role in WORKSPACE_ROLES
    )
    return HeaderTools(
        teaching, workspaces, _teaching_current() if teaching else None, _workspace_current(workspaces)
    )


def _teaching_current() -> str | None:
    """``page`` on the Teaching page, ``true`` on a school's or a class's pages (those under it)."""
    if request.endpoint == "schools.teaching":
        return "page"
    # A school's pages take its slug, a class's pages its id; joining pages take a code or a token.
    if request.blueprint == "schools" and {"slug", "class_id"} & set(request.view_args or {}):
        return "true"
    return None


def _workspace_current(workspaces: tuple[Organisation, ...]) -> str | None:
    """``page`` on the one workspace's own page, ``true`` on its drafts' pages; with several
    workspaces the link goes to the dashboard's list, so it is only ever ``true``."""
    if request.blueprint not in WORKSPACE_BLUEPRINTS:
        return None
    slug = (request.view_args or {}).get("org_slug")
    if slug not in {org.slug for org in workspaces}:
        return None
    return "page" if len(workspaces) == 1 and request.endpoint == "publishing.workspace" else "true"


def awaiting_review(user, found: list[Membership]) -> list[tuple[Organisation, int]]:
    """(publisher, number of courses in review that ``user`` may publish) for each publisher where
    the number is not zero: one aggregate query, none for someone who reviews nowhere.

    "May publish" is publishing.services.may_publish in SQL: someone else wrote and submitted the
    course, unless the publisher allows self-publishing.
    """
    reviewing = [m.organisation for m in found if m.organisation.kind == PUBLISHER and m.role in REVIEW_ROLES]
    if not reviewing:
        return []
    someone_else = and_(
        CourseDraft.updated_by_id != user.id,
        or_(CourseDraft.submitted_by_id.is_(None), CourseDraft.submitted_by_id != user.id),
    )
    counts = dict(
        db.session.execute(
            select(CourseDraft.organisation_id, func.count(CourseDraft.id))
            .join(Organisation, Organisation.id == CourseDraft.organisation_id)
            .where(
                CourseDraft.organisation_id.in_([org.id for org in reviewing]),
                CourseDraft.state == IN_REVIEW,
                or_(Organisation.self_publish, someone_else),
            )
            .group_by(CourseDraft.organisation_id)
        ).all()
    )
    return [(org, counts[org.id]) for org in reviewing if counts.get(org.id)]


def _forget_previous_request() -> None:
    # A server starts each request with an empty ``g``, but an app context shared by several
    # requests (the tests', a shell's) would otherwise show the previous request's links.
    g.pop("_memberships", None)


def init_app(app) -> None:
    """Give templates ``header_tools()``; called lazily, so pages without a header pay nothing."""
    app.before_request(_forget_previous_request)
    app.context_processor(lambda: {"header_tools": header_tools})

"""Loading courses and modules for pages: a bounded number of queries each."""

from flask import abort, make_response, render_template
from flask_login import current_user
from sqlalchemy import bindparam, or_, select

from app.catalog.models import PUBLIC, Course, Module
from app.catalog.search import sort_key
from app.extensions import db

# The statements every course and module page runs, built once: a statement reused with new
# parameters skips its construction and its cache key, a third of what a short query costs.
_COURSE_BY_SLUG = select(Course).where(Course.slug == bindparam("slug"))
_LIVE_MODULE_BY_SLUG = select(Module).where(
    Module.course_id == bindparam("course_id"),
    Module.slug == bindparam("slug"),
    Module.retired.is_(False),
    Module.is_final.is_(False),
)


def title_key(course: Course) -> tuple[str, str]:
    """Alphabetical as a reader expects it: « Écrire » among the E, not after Z as bytes sort it."""
    return sort_key(course.title), course.slug


def member_of(user) -> list[int]:
    """Ids of the organisations ``user`` belongs to (any role): the header's query for the current
    user, one of its own for anyone else."""
    from app import nav  # nav sits above the catalogue
    from app.orgs.models import Membership

    if user is None or not user.is_authenticated:
        return []
    if user == current_user:
        return nav.organisation_ids()
    return list(db.session.scalars(select(Membership.organisation_id).where(Membership.user_id == user.id)))


def list_courses(user=None, archived: bool = False) -> list[Course]:
    """The courses ``user`` (the current user by default) may see, in alphabetical order of title
    (catalog.listing's rule, whole: for scripts and tests, never a page).

    Archived courses are left out unless ``archived`` (the dashboard keeps those a learner started).
    """
    from app.catalog.listing import READABLE, VISIBLE

    user = current_user if user is None else user
    query = select(Course).where(*(READABLE if archived else VISIBLE))
    return sorted(db.session.scalars(query, {"orgs": member_of(user)}), key=title_key)


def _started_or_assigned(user, course: Course) -> bool:
    """Whether the learner started the course, or one of their classes (not archived) set it as
    work: an archived course stays open to both (a class's work must not become a 404)."""
    from app.learning.models import ModuleProgress  # learning and schools sit above the catalogue
    from app.schools.models import Assignment, Enrolment, SchoolClass

    if user is None or not user.is_authenticated:
        return False
    started = (
        select(ModuleProgress.id)
        .join(Module, Module.id == ModuleProgress.module_id)
        .where(ModuleProgress.user_id == user.id, Module.course_id == course.id)
    )
    assigned = (
        select(Assignment.id)
        .join(Enrolment, Enrolment.class_id == Assignment.class_id)
        .join(SchoolClass, SchoolClass.id == Assignment.class_id)
        .where(
            Assignment.course_id == course.id,
            Enrolment.user_id == user.id,
            SchoolClass.archived_at.is_(None),
        )
    )
    return bool(db.session.scalar(select(or_(started.exists(), assigned.exists()))))


def _members_only(course: Course) -> None:
    """Stop here with a page that says who the course is for and how to join (403).

    Anonymous visitors are asked to log in; a signed-in non-member learns the publisher's name and
    where to type its join code. The course's title stays with its members.
    """
    from app.orgs.models import Organisation

    publisher = db.session.get(Organisation, course.organisation_id) if course.organisation_id else None
    page = render_template("catalog/members_only.html", publisher=publisher)
    abort(make_response(page, 403))


def get_course_or_404(slug: str) -> Course:
    """The course with this slug, or a 404: also for a members-only course to anyone else, and
    for an archived course to anyone but its publisher's members, the learners who started it and
    those whose class assigned it."""
    course = db.session.scalar(_COURSE_BY_SLUG, {"slug": slug})
    if course is None:
        abort(404)
    if course.visibility != PUBLIC or course.archived_at is not None:
        member = course.organisation_id is not None and course.organisation_id in member_of(current_user)
        if course.visibility != PUBLIC and not member:
            _members_only(course)
        if course.archived_at is not None and not member and not _started_or_assigned(current_user, course):
            abort(404)
    return course


def get_module_or_404(course: Course, module_slug: str) -> Module:
    """A live module of the course, or a 404 (retired modules are no longer served)."""
    module = db.session.scalar(_LIVE_MODULE_BY_SLUG, {"course_id": course.id, "slug": module_slug})
    if module is None:
        abort(404)
    return module


def neighbours(course: Course, module: Module) -> tuple[Module | None, Module | None]:
    """The previous and next live modules, for page navigation."""
    modules = course.modules
    index = next(i for i, m in enumerate(modules) if m.id == module.id)
    previous = modules[index - 1] if index > 0 else None
    following = modules[index + 1] if index + 1 < len(modules) else None
    return previous, following

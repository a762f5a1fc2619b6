"""Loading courses and modules for pages: a bounded number of queries each."""

import unicodedata

from flask import abort
from sqlalchemy import select

from app.catalog.models import Course, Module
from app.extensions import db


def title_key(course: Course) -> tuple[str, str]:
    """Alphabetical as a reader expects it: « Écrire » among the E, not after Z as bytes sort it."""
    folded = unicodedata.normalize("NFKD", course.title).encode("ascii", "ignore").decode("ascii")
    return folded.casefold(), course.slug


def list_courses() -> list[Course]:
    """Every course of the catalogue, in alphabetical order of title."""
    return sorted(db.session.scalars(select(Course)), key=title_key)


def get_course_or_404(slug: str) -> Course:
    """The course with this slug, or a 404."""
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        abort(404)
    return course


def get_module_or_404(course: Course, module_slug: str) -> Module:
    """A live module of the course, or a 404 (retired modules are no longer served)."""
    module = db.session.scalar(
        select(Module).where(
            Module.course_id == course.id, Module.slug == module_slug, Module.retired.is_(False)
        )
    )
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

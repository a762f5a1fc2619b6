"""Loading courses and modules for pages: a bounded number of queries each."""

from flask import abort
from sqlalchemy import select

from app.catalog.models import Course, Module
from app.extensions import db


def list_courses() -> list[Course]:
    """Every course of the catalogue, in a stable order."""
    return list(db.session.scalars(select(Course).order_by(Course.title)))


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

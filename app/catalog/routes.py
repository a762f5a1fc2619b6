"""The public catalogue: home, course list, course and module pages."""

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.catalog.services import get_course_or_404, get_module_or_404, list_courses, neighbours
from app.certificates.services import find_certificate
from app.content.licences import deed_url, short_name
from app.content.model_document import model_document
from app.learning.services import (
    courses_progress,
    final_test,
    module_state,
    modules_progress,
    next_module,
)

bp = Blueprint("catalog", __name__)
# A heading and a note per language of the courses, whole sentences for the translators.
COURSES_IN = {"fr": _l("Courses in French"), "en": _l("Courses in English")}
WRITTEN_IN = {
    "fr": _l("These courses are written in French; the pages around them stay in your language."),
    "en": _l("These courses are written in English; the pages around them stay in your language."),
}


def _catalogue() -> dict:
    """Every course, with the signed-in learner's progress on each (three queries in all)."""
    courses = list_courses()
    progress = (
        courses_progress(current_user, [c.id for c in courses]) if current_user.is_authenticated else {}
    )
    return {"courses": courses, "progress": progress}


@bp.get("/")
def home():
    """Landing page: what Cadre is, and the courses."""
    return render_template("catalog/home.html", **_catalogue())


@bp.get("/courses")
def index():
    """The catalogue, with the learner's progress on each course, by language: the interface's
    first, then the others, each under a heading that says which; ``?language=`` keeps one."""
    catalogue = _catalogue()
    chosen = request.args.get("language", "")
    chosen = chosen if chosen in current_app.config["LANGUAGES"] else ""  # anything else: all
    mine = get_locale().language
    order = sorted({c.language for c in catalogue["courses"]}, key=lambda code: (code != mine, code))
    groups = [
        (code, [c for c in catalogue["courses"] if c.language == code])
        for code in order
        if not chosen or code == chosen
    ]
    return render_template(
        "catalog/index.html",
        **catalogue,
        groups=groups,
        chosen=chosen,
        mine=mine,
        courses_in=COURSES_IN,
        written_in=WRITTEN_IN,
    )


@bp.get("/courses/<slug>")
def course(slug: str):
    """A course: introduction, modules in order with their state, and its final test if any."""
    course = get_course_or_404(slug)
    modules = course.modules
    final = final_test(course)
    ids = [m.id for m in modules] + ([final.id] if final else [])
    progress = modules_progress(current_user, ids)
    states = {m.id: module_state(m, progress.get(m.id)) for m in modules}
    certificate = find_certificate(current_user.id, course.id) if current_user.is_authenticated else None
    following = next_module(modules, progress) if current_user.is_authenticated else None
    return render_template(
        "catalog/course.html",
        course=course,
        modules=modules,
        states=states,
        progress=progress,
        next_module=following,
        final=final,
        final_state=module_state(final, progress.get(final.id)) if final else None,
        final_open=current_user.is_authenticated and bool(modules) and following is None,
        certificate=certificate,
        licence_name=short_name(course.licence),
        licence_url=deed_url(course.licence, str(get_locale())),
    )


@bp.get("/courses/<slug>/<module_slug>")
def module(slug: str, module_slug: str):
    """A module, readable by anyone; its quiz or "mark as read" need an account."""
    course = get_course_or_404(slug)
    module = get_module_or_404(course, module_slug)
    previous, following = neighbours(course, module)
    row = modules_progress(current_user, [module.id]).get(module.id)
    return render_template(
        "catalog/module.html",
        course=course,
        module=module,
        previous=previous,
        following=following,
        state=module_state(module, row),
        progress=row,
        document=model_document(module.body_html),
    )


@bp.get("/courses/<slug>/<module_slug>/model")
def document(slug: str, module_slug: str):
    """A module's model document alone, to read and print (404 when the module has none)."""
    course = get_course_or_404(slug)
    module = get_module_or_404(course, module_slug)
    found = model_document(module.body_html)
    if found is None:
        abort(404)
    return render_template("catalog/document.html", course=course, module=module, document=found)

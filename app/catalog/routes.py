"""The public catalogue: home, course list, course and module pages."""

from babel import Locale
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.accounts.forms import PostForm
from app.catalog import editions
from app.catalog.services import get_course_or_404, get_module_or_404, list_courses, neighbours
from app.certificates.services import find_certificate
from app.content.licences import deed_url, short_name
from app.content.model_document import model_document
from app.extensions import db
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


def _catalogue(language: str | None = None) -> dict:
    """Every course in the language its reader gets (or ``language``, where the course has it),
    with the signed-in learner's progress on each (five queries in all)."""
    courses = editions.present_many(list_courses(), language=language)
    progress = (
        courses_progress(current_user, [c.id for c in courses]) if current_user.is_authenticated else {}
    )
    return {"courses": courses, "progress": progress}


def native_name(code: str) -> str:
    """A language's name in that language (« English », « Français »), for a switch between them."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


@bp.get("/")
def home():
    """Landing page: what Cadre is, and the courses."""
    return render_template("catalog/home.html", **_catalogue())


@bp.get("/courses")
def index():
    """The catalogue, with the learner's progress on each course, by language: the interface's
    first, then the others, each under a heading that says which; ``?language=`` keeps one."""
    chosen = request.args.get("language", "")
    chosen = chosen if chosen in current_app.config["LANGUAGES"] else ""  # anything else: all
    # Each course is listed once, in the language its reader gets; with a language chosen, in that
    # language wherever the course has an edition in it.
    catalogue = _catalogue(chosen or None)
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
    course = editions.present(get_course_or_404(slug))
    modules = course.modules
    final = final_test(course.row)
    final = course.module(final) if final else None
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
        switch=_language_switch(course),
    )


def _language_switch(course) -> list[tuple[str, str]]:
    """The other languages the course is in, as (code, name in that language)."""
    return [(code, native_name(code)) for code in course.languages if code != course.language]


@bp.post("/courses/<slug>/language")
def language(slug: str):
    """Read the course in another of its languages from now on; progress, attempts and
    certificate are the course's, whatever the language."""
    course = get_course_or_404(slug)
    view = editions.present(course)
    chosen = request.form.get("language", "")
    if not PostForm().validate_on_submit() or chosen not in view.languages:
        abort(400)
    editions.choose(current_user, course, chosen)
    db.session.commit()
    name = Locale.parse(chosen).get_display_name(get_locale()) or chosen  # « anglais », « English »
    flash(_("You are now reading this course in %(language)s.", language=name), "success")
    back = request.form.get("next", "")
    if not (back == f"/courses/{slug}" or back.startswith(f"/courses/{slug}/")) or "//" in back:
        back = url_for("catalog.course", slug=slug)
    return redirect(back)


@bp.get("/courses/<slug>/<module_slug>")
def module(slug: str, module_slug: str):
    """A module, readable by anyone; its quiz or "mark as read" need an account."""
    original = get_course_or_404(slug)
    course = editions.present(original)
    module = course.module(get_module_or_404(original, module_slug))
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
        switch=_language_switch(course),
    )


@bp.get("/courses/<slug>/<module_slug>/model")
def document(slug: str, module_slug: str):
    """A module's model document alone, to read and print (404 when the module has none)."""
    original = get_course_or_404(slug)
    course = editions.present(original)
    module = course.module(get_module_or_404(original, module_slug))
    found = model_document(module.body_html)
    if found is None:
        abort(404)
    return render_template("catalog/document.html", course=course, module=module, document=found)

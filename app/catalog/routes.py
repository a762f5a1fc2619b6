"""The public catalogue: home, course list, course and module pages."""

from babel import Locale
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from app import nav, page_cache
from app.accounts.forms import PostForm
from app.catalog import editions, listing
from app.catalog.services import get_course_or_404, get_module_or_404, neighbours
from app.certificates.services import find_certificate, waits_for_address
from app.content.licences import deed_url, short_name
from app.content.model_document import model_document
from app.extensions import db
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.learning.draws import next_attempt_at
from app.learning.services import (
    ATTEMPTED,
    courses_progress,
    final_test,
    module_state,
    modules_progress,
    next_module,
)
from app.schools.services import assigned_in_course
from app.templating import LEVELS

bp = Blueprint("catalog", __name__)
HOME_COURSES = 9  # the first of the catalogue on the home page, three rows of three
# A heading and a note per language of the courses, whole sentences for the translators.
COURSES_IN = {"fr": _l("Courses in French"), "en": _l("Courses in English")}
# The length filter's choices, keyed as listing.LENGTHS.
LENGTH_NAMES = {"short": _l("Up to 1 hour"), "medium": _l("1 to 2 hours"), "long": _l("More than 2 hours")}
WRITTEN_IN = {
    "fr": _l("These courses are written in French; the pages around them stay in your language."),
    "en": _l("These courses are written in English; the pages around them stay in your language."),
}


def _progress(courses) -> dict:
    """The signed-in learner's progress on these courses (none for a visitor)."""
    if not current_user.is_authenticated:
        return {}
    return courses_progress(current_user, [c.id for c in courses])


def native_name(code: str) -> str:
    """A language's name in that language (« English », « Français »), for a switch between them."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


@bp.get("/")
@page_cache.for_visitors
def home():
    """Landing page: what Cadre is, and the courses whose facts were checked most recently."""
    mine = get_locale().language
    orgs = nav.organisation_ids()  # the header's query, shared
    found = listing.browse(listing.Filters(), orgs, mine, per_page=HOME_COURSES, newest=True)
    courses = editions.present_many(found.courses)
    return render_template(
        "catalog/home.html", courses=courses, progress=_progress(courses), total=found.total
    )


@bp.get("/courses")
@page_cache.for_visitors
def index():
    """The catalogue, a page at a time, searched by words of the title, summary, trades or
    publisher and filtered by language, level and publisher; with the learner's progress on each
    course. Courses are grouped by language, the interface's first, each under a heading."""
    filters = listing.Filters.from_args(request.args, current_app.config["LANGUAGES"], LEVELS)
    mine = get_locale().language
    orgs = nav.organisation_ids()  # the header's query, shared
    found = listing.browse(filters, orgs, mine)
    # Each course is listed once, in the language its reader gets; with a language chosen, in that
    # language wherever the course has an edition in it.
    courses = editions.present_many(found.courses, language=filters.language or None)
    return render_template(
        "catalog/index.html",
        listing=found,
        publishers=listing.publishers(orgs),
        filters=found.filters,
        groups=listing.group_page(found, courses),
        courses=courses,
        progress=_progress(courses),
        levels=LEVELS,
        lengths=LENGTH_NAMES,
        mine=mine,
        courses_in=COURSES_IN,
        written_in=WRITTEN_IN,
    )


@bp.get("/courses/<slug>")
@page_cache.for_visitors
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
    waiting = certificate is None and waits_for_address(current_user, course.row)
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
        waiting=waiting,
        assigned=_assigned(course, modules),
        licence_name=short_name(course.licence),
        licence_url=deed_url(course.licence, str(get_locale())),
        switch=_language_switch(course),
    )


def _assigned(course, modules) -> list[tuple]:
    """What the reader's classes assigned of the course, each with the module as the page shows
    it (None: the whole course); a module no longer live is left out."""
    shown = {m.id: m for m in modules}
    return [
        (a, shown.get(a.module_id))
        for a in assigned_in_course(current_user, course.id)
        if a.module_id is None or a.module_id in shown
    ]


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
    # One of the course's live modules, which the page reads anyway for its neighbours: found
    # among them rather than by a query of its own (as get_module_or_404 finds it).
    found = next((m for m in original.modules if m.slug == module_slug), None)
    if found is None:
        abort(404)
    module = course.module(found)
    previous, following = neighbours(course, module)
    row = modules_progress(current_user, [module.id]).get(module.id)
    state = module_state(module, row)
    # A learner who may have used up today's attempts is told when the quiz opens again, rather
    # than offered a button to a closed quiz; others cost no query for it.
    reopens = None
    if state == ATTEMPTED and row.attempts >= (found.attempts_per_day or 0) > 0:
        reopens = next_attempt_at(current_user, found)
    return render_template(
        "catalog/module.html",
        course=course,
        module=module,
        previous=previous,
        following=following,
        state=state,
        progress=row,
        reopens=reopens,
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

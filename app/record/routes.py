"""The learning record's pages: my record, the time-spent reports, and the exports.

Exports follow the rest of the site: a class's record only to its school's staff, a course's only
to its publisher's administrators; 404 to outsiders, 403 to the organisation's other members.
"""

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from app import nav
from app.attestation import services as attestation
from app.catalog.models import Course
from app.catalog.services import get_course_or_404, get_module_or_404
from app.extensions import db
from app.forms import Form
from app.learning.services import lock_learner
from app.limits import throttled
from app.models_base import ID, utcnow
from app.orgs.access import organisation_or_404
from app.orgs.models import ADMIN, PUBLISHER, ROLES, SCHOOL
from app.orgs.services import role_in
from app.record import export, reading, services, time
from app.record.models import LearningEvent
from app.schools.models import Assignment, Enrolment, SchoolClass

bp = Blueprint("record", __name__)
NO_STORE = {"Cache-Control": "no-store"}  # personal data: not kept by a shared computer's browser


class TimeForm(Form):
    """A time-spent report: active seconds counted by the module page's script."""

    seconds = IntegerField(validators=[InputRequired(), NumberRange(min=1, max=24 * 3600)])


def _page() -> int:
    page = request.args.get("page", "1")
    return min(int(page), 10_000) if page.isascii() and page.isdigit() and int(page) > 0 else 1


@bp.get("/account/me/record")
@login_required
def mine():
    """My learning record: each course I did something in, with dates and time spent."""
    return render_template("record/mine.html", records=reading.courses_of(current_user)), 200, NO_STORE


@bp.get("/account/me/record/<slug>")
@login_required
def mine_course(slug: str):
    """What I did in one course, newest first, a page at a time."""
    course = db.session.scalar(select(Course).where(Course.slug == slug)) or abort(404)
    page = _page()
    events, more = reading.events_page(current_user, course, page)
    if not events and page == 1:
        abort(404)  # nothing recorded: as for a course the person never saw
    # For a training body's course: the time its funder's certificate will state, said before it
    # is downloaded (a learner who never kept a module page open would hand over « 0 h 00 »).
    for_funder = attestation.training_body(course.organisation_id) is not None
    measured = attestation.activity(current_user.id, course.id) if for_funder else None
    page_html = render_template(
        "record/course.html",
        course=course,
        events=events,
        page=page,
        more=more,
        reading=reading,
        measured=measured,
    )
    return page_html, 200, NO_STORE


@bp.post("/courses/<slug>/<module_slug>/time")
@throttled("time")
def report_time(slug: str, module_slug: str):
    """Take a module page's report of active time (anonymous visitors' are ignored)."""
    if not current_user.is_authenticated:
        return "", 204
    course = get_course_or_404(slug)  # only time on a page the learner may read counts
    module = get_module_or_404(course, module_slug)
    form = TimeForm()
    if not form.validate_on_submit():
        abort(400)
    lock_learner(current_user)  # two tabs' reports are checked one after the other
    time.accept(current_user, module, form.seconds.data, utcnow())
    db.session.commit()
    return "", 204


@bp.get(f"/classes/<{ID}:class_id>/record.<any(json, csv):kind>")
@login_required
def class_export(class_id: int, kind: str):
    """The record of a class's students on the courses assigned to the class."""
    school_class = db.session.get(SchoolClass, class_id)
    if school_class is None or role_in(current_user, school_class.organisation_id) not in ROLES[SCHOOL]:
        abort(404)
    students = select(Enrolment.user_id).where(Enrolment.class_id == class_id)
    courses = select(Assignment.course_id).where(Assignment.class_id == class_id)
    query = export.events_query(LearningEvent.user_id.in_(students), LearningEvent.course_id.in_(courses))
    return export.response(query, school_class.name, kind, request.args.get("format", "fr"))


@bp.get("/workspace/<org_slug>/<slug>/record.<any(json, csv):kind>")
@login_required
def course_export(org_slug: str, slug: str, kind: str):
    """The record of every learner of a publisher's course, for the publisher's administrators."""
    from app.publishing import services as publishing  # publishing's routes import much: load late

    org = organisation_or_404(org_slug, PUBLISHER, (ADMIN,))[0]
    draft = publishing.find_draft(org, slug)
    course = publishing.published_course(draft) if draft is not None else None
    if course is None or course.organisation_id != org.id:
        abort(404)
    # Learners who did something in the course: a class registered by its school's assignment,
    # that never opened it, stays the school's business (names and e-mails are in the CSV).
    active = select(LearningEvent.user_id).where(
        LearningEvent.course_id == course.id, LearningEvent.verb != "registered"
    )
    query = export.events_query(LearningEvent.course_id == course.id, LearningEvent.user_id.in_(active))
    return export.response(query, course.slug, kind, request.args.get("format", "fr"))


bp.add_app_template_global(services.retention_days, "retention_days")


@bp.app_template_global()
def can_export_record(org) -> bool:
    """Whether the current user may export the record of this publisher's courses (its admins).

    Read from the header's memberships (app/nav.py), loaded once per request: no query more.
    """
    return any(m.organisation_id == org.id and m.role == ADMIN for m in nav.memberships())


@bp.app_template_global()
def time_spent(seconds: int) -> str:
    """Seconds as the learner reads them: "45 s", "12 min", "1 h 05"."""
    if seconds < 60:
        return f"{seconds}\u00a0s"
    minutes = seconds // 60
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{minutes}\u00a0min"
    return f"{hours}\u00a0h\u00a0{rest:02d}"

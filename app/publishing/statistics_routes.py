"""Item statistics of a publisher's published course, for its editors and reviewers.

Same rule as the rest of the workspace: outsiders get 404, plain members 403.
"""

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import format_decimal, format_percent
from flask_login import login_required
from wtforms import Form, SelectField

from app.catalog.models import Course
from app.i18n import gettext as _
from app.learning import statistics, statistics_csv
from app.models_base import utcnow
from app.orgs.access import organisation_or_404
from app.orgs.models import ADMIN, EDITOR, PUBLISHER, REVIEWER, Organisation
from app.publishing import editor, services
from app.publishing.models import CourseDraft

bp = Blueprint("publishing_statistics", __name__, url_prefix="/workspace")
STAFF = (ADMIN, EDITOR, REVIEWER)  # who may open the draft page: plain members may not


class VersionForm(Form):
    """The version picker: a GET form, so no CSRF token; choices are the versions with data."""

    version = SelectField(coerce=int)


def _published_or_404(org_slug: str, slug: str) -> tuple[Organisation, CourseDraft, Course]:
    org = organisation_or_404(org_slug, PUBLISHER, STAFF)[0]
    draft = services.find_draft(org, slug)
    course = services.published_course(draft) if draft is not None else None
    if course is None:
        abort(404)
    return org, draft, course


def _chosen_version(course: Course) -> tuple[VersionForm, int]:
    """The version asked for in the query string (default: the current one); 404 if unknown."""
    numbers = sorted({course.version, *statistics.versions_with_answers(course)}, reverse=True)
    form = VersionForm(request.args, version=course.version)
    form.version.choices = [
        (
            n,
            _("Version %(version)d (current)", version=n)
            if n == course.version
            else _("Version %(version)d", version=n),
        )
        for n in numbers
    ]
    if "version" in request.args and not form.validate():
        abort(404)
    return form, form.version.data


@bp.context_processor
def number_formats():
    """Numbers in the reader's language: "75%" / "75 %", "0.45" / "0,45"."""
    return {
        "percent": format_percent,  # the locale's own pattern: « 65 % » in French
        "decimal2": lambda value: format_decimal(value, "0.00"),
    }


@bp.get("/<org_slug>/<slug>/statistics")
@login_required
def item_statistics(org_slug: str, slug: str):
    org, draft, course = _published_or_404(org_slug, slug)
    form, version = _chosen_version(course)
    quizzes = statistics.item_statistics(course, version)
    return render_template(
        "publishing/statistics.html",
        org=org,
        draft=draft,
        course=course,
        form=form,
        version=version,
        quizzes=quizzes,
        answered=any(quiz.shown for quiz in quizzes),
        min_shown=statistics.MIN_SHOWN,
        **editor.course_name(draft.files, draft.slug),
    )


@bp.get("/<org_slug>/<slug>/statistics.csv")
@login_required
def item_statistics_csv(org_slug: str, slug: str):
    """The same figures as CSV, for a French (default) or an English spreadsheet."""
    _org, draft, course = _published_or_404(org_slug, slug)
    _form, version = _chosen_version(course)
    style = statistics_csv.STYLES.get(request.args.get("format", "fr"), statistics_csv.FRENCH)
    body = statistics_csv.csv_bytes(statistics.item_statistics(course, version), style)
    name = f"{draft.slug}-v{version}-statistics-{utcnow():%Y%m%d}-{style.locale}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )

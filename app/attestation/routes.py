"""Training bodies' pages: the settings of the workspace, the learners' certificates and packs.

Like the rest of the workspace: outsiders get 404, the organisation's other members 403. A publisher
that is not a training body shows no certificate anywhere, and their addresses answer 404. A learner
downloads their own, from their record, when the course's publisher is a training body.
"""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from app.accounts.forms import PostForm
from app.accounts.models import User
from app.attestation import evidence, services
from app.attestation.forms import TrainingBodyForm
from app.attestation.pdf import hours_and_minutes, render_attestation_pdf
from app.catalog.models import Course
from app.content.render import slugify
from app.extensions import db
from app.i18n import gettext as _
from app.i18n import local_zone
from app.models_base import ID, utcnow
from app.orgs.access import organisation_or_404
from app.orgs.models import ADMIN, PUBLISHER
from app.urls import external_url

bp = Blueprint("attestation", __name__)
SETTINGS = "/workspace/<org_slug>/settings/training-body"
KINDS = {"pdf": "application/pdf", "zip": "application/zip"}


def _admin_org_or_404(org_slug: str):
    return organisation_or_404(org_slug, PUBLISHER, (ADMIN,))[0]


def _training_course_or_404(org, slug: str):
    """The organisation's published course and its training body; 404 if either is missing."""
    from app.publishing import services as publishing  # publishing's routes import much: load late

    draft = publishing.find_draft(org, slug)
    course = publishing.published_course(draft) if draft is not None else None
    body = services.training_body(org.id)
    if course is None or course.organisation_id != org.id or body is None:
        abort(404)
    return course, body


@bp.route(SETTINGS, methods=["GET", "POST"])
@login_required
def settings(org_slug: str):
    """Say the publisher is a training body, and what its certificates print."""
    org = _admin_org_or_404(org_slug)
    body = services.training_body(org.id)
    form = TrainingBodyForm(obj=body)
    if form.validate_on_submit():
        services.save_training_body(org.id, **form.values())
        db.session.commit()
        flash(_("Saved. Your courses’ learners now have a certificate of completion for funders."), "success")
        return redirect(url_for("attestation.settings", org_slug=org.slug))
    page = render_template(
        "attestation/training_body.html", org=org, body=body, form=form, post_form=PostForm()
    )
    return page, 400 if form.errors else 200


@bp.post(SETTINGS + "/remove")
@login_required
def remove(org_slug: str):
    """The publisher is no longer a training body: its certificates disappear with the settings."""
    org = _admin_org_or_404(org_slug)
    if PostForm().validate_on_submit() and services.forget_training_body(org.id):
        db.session.commit()
        flash(_("Your organisation is no longer a training body on Cadre."), "success")
    return redirect(url_for("attestation.settings", org_slug=org.slug))


@bp.get("/workspace/<org_slug>/<slug>/attestations")
@login_required
def learners(org_slug: str, slug: str):
    """The course's learners, each with their certificate and evidence pack."""
    org = _admin_org_or_404(org_slug)
    course, _body = _training_course_or_404(org, slug)
    page = request.args.get("page", "1")
    page = min(int(page), 10_000) if page.isascii() and page.isdigit() and int(page) > 0 else 1
    rows, more = services.learners_page(course.id, page)
    return render_template(
        "attestation/learners.html", org=org, slug=slug, course=course, rows=rows, page=page, more=more
    )


@bp.get(f"/workspace/<org_slug>/<slug>/attestations/<{ID}:user_id>.<any(pdf, zip):kind>")
@login_required
def for_learner(org_slug: str, slug: str, user_id: int, kind: str):
    """One learner's certificate (PDF) or evidence pack (zip), for the publisher's administrators."""
    org = _admin_org_or_404(org_slug)
    course, body = _training_course_or_404(org, slug)
    return _download(body, course, db.session.get(User, user_id) or abort(404), kind)


@bp.get("/account/me/record/<slug>/attestation.<any(pdf, zip):kind>")
@login_required
def mine(slug: str, kind: str):
    """My own certificate or evidence pack, when the course's publisher is a training body."""
    course = db.session.scalar(select(Course).where(Course.slug == slug)) or abort(404)
    body = services.training_body(course.organisation_id) or abort(404)
    return _download(body, course, current_user, kind)


def _download(body, course: Course, user: User, kind: str) -> Response:
    """Build the document from the record as it is now (not stored: the record grows)."""
    found = services.activity(user.id, course.id) or abort(404)  # not a learner of the course
    data = services.attestation_data(body, course, user, found, utcnow().astimezone(local_zone()).date())
    document = render_attestation_pdf(data)
    stem = f"certificat-de-realisation-{course.slug}-{slugify(user.full_name) or user.id}"
    if kind == "zip":
        stem = stem.replace("certificat-de-realisation", "dossier-de-preuve", 1)
        proof = services.evidence_of(data, course, user, _verify_url)
        document = evidence.pack(document, proof)
    headers = {"Content-Disposition": f'attachment; filename="{stem}.{kind}"', "Cache-Control": "no-store"}
    return Response(document, mimetype=KINDS[kind], headers=headers)


def _verify_url(certificate) -> str:
    return external_url(url_for("certificates.verify", code=certificate.code))


@bp.app_template_global()
def is_training_body(organisation_id: int | None) -> bool:
    """Whether the organisation's courses have certificates of completion for funders."""
    return services.training_body(organisation_id) is not None


bp.add_app_template_global(hours_and_minutes, "hours_and_minutes")

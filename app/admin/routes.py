"""The operator's console, for site administrators only (``User.is_admin``)."""

from datetime import timedelta
from functools import wraps

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import func, select

from app import jobs as background
from app.accounts.forms import PostForm
from app.accounts.models import User
from app.admin import audit, services
from app.admin.forms import AdministratorForm, AuditFilterForm, DisableForm, OrganisationForm, RevokeForm
from app.admin.models import AuditEvent
from app.certificates.models import Certificate
from app.extensions import db
from app.i18n import gettext as _
from app.i18n import local_zone
from app.models_base import ID, MAX_ID, utcnow
from app.orgs import notices, web
from app.orgs import services as orgs
from app.orgs.models import ADMIN, KIND_NAMES, ROLE_IN_SENTENCE, ROLE_NAMES, Organisation
from app.orgs.services import OrgError

bp = Blueprint("admin", __name__, url_prefix="/admin")


def admin_required(view):
    """Signed in (else the login page), and a site administrator (else 403)."""

    @login_required
    @wraps(view)
    def guarded(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return guarded


def _page() -> int:
    page = request.args.get("page", "1")
    return min(int(page), 10_000) if page.isascii() and page.isdigit() and int(page) > 0 else 1


def _user_or_404(user_id: int) -> User:
    found = db.session.get(User, user_id) if user_id <= MAX_ID else None
    if found is None:
        abort(404)
    return found


def _certificate_or_404(code: str) -> Certificate:
    found = services.find_certificate(code)
    if found is None:
        abort(404)
    return found


def _post_or_400() -> None:
    if not PostForm().validate_on_submit():
        abort(400)


@bp.get("/")
@admin_required
def index():
    day_ago = utcnow() - timedelta(hours=24)
    counts = {
        "users": db.session.scalar(select(func.count(User.id))),
        "disabled": db.session.scalar(select(func.count(User.id)).where(User.disabled_at.is_not(None))),
        "certificates": db.session.scalar(select(func.count(Certificate.id))),
        "revoked": db.session.scalar(
            select(func.count(Certificate.id)).where(Certificate.revoked_at.is_not(None))
        ),
        "failed_logins": db.session.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.action == "login.failed", AuditEvent.at >= day_ago
            )
        ),
    }
    return render_template("admin/index.html", counts=counts, failed_jobs=background.failed_count())


# Accounts ---------------------------------------------------------------------------------------


@bp.get("/users")
@admin_required
def users():
    query = request.args.get("q", "")[:254]
    page = _page()
    found, more = services.search_users(query, page)
    return render_template("admin/users.html", users=found, query=query, page=page, more=more)


def _back_to_users():
    return redirect(url_for("admin.users", q=request.form.get("q", "")[:254] or None))


@bp.route("/users/<int(max=2147483647):user_id>/disable", methods=["GET", "POST"])
@admin_required
def disable(user_id: int):
    """Asks why first: the log keeps the reason for whoever looks at the account next."""
    found = _user_or_404(user_id)
    query = request.args.get("q", "")[:254]
    form = DisableForm()
    if form.validate_on_submit():
        try:
            changed = services.disable(found, form.reason.data, by=current_user)
        except services.AdminError as exc:
            form.reason.errors.append(str(exc))
        else:
            if not changed:  # by another operator meanwhile: their reason stands, said on the page
                flash(_("%(email)s was already disabled; nothing was changed.", email=found.email), "error")
                return redirect(url_for("admin.disable", user_id=found.id, q=query or None))
            db.session.commit()
            said = _(
                "%(email)s is disabled: it cannot log in and its sessions have ended.", email=found.email
            )
            flash(said, "success")
            return redirect(url_for("admin.users", q=query or None))
    status = 400 if form.errors else 200
    reason = services.disable_reason(found) if found.disabled_at and not found.is_deleted else None
    page = render_template("admin/disable.html", account=found, form=form, query=query, reason=reason)
    return page, status


@bp.post("/users/<int(max=2147483647):user_id>/enable")
@admin_required
def enable(user_id: int):
    _post_or_400()
    found = _user_or_404(user_id)
    try:
        changed = services.enable(found)
    except services.AdminError as exc:
        flash(str(exc), "error")
        return _back_to_users()
    if changed:
        db.session.commit()
        flash(_("%(email)s can log in again.", email=found.email), "success")
    return _back_to_users()


# Organisations ----------------------------------------------------------------------------------


def _organisations_page(form: OrganisationForm, created=None, status: int = 200):
    page = _page()
    found, more = services.organisations(page)
    link = web.invitation_url(created.invitation) if created and created.invitation else None
    return (
        render_template(
            "admin/organisations.html",
            organisations=found,
            page=page,
            more=more,
            form=form,
            created=created,
            link=link,
            kind_names=KIND_NAMES,
        ),
        status,
    )


@bp.get("/organisations")
@admin_required
def organisations():
    return _organisations_page(OrganisationForm())


@bp.post("/organisations")
@admin_required
def create_organisation():
    form = OrganisationForm()
    if not form.validate_on_submit():
        return _organisations_page(form, status=400)
    try:
        created = services.create_organisation(
            form.slug.data, form.name.data, form.kind.data, form.admin_email.data or "", by=current_user
        )
    except OrgError as exc:  # a name or short name taken between the form's checks and now
        db.session.rollback()
        getattr(form, exc.field or "slug").errors.append(str(exc))
        return _organisations_page(form, status=400)
    except services.AdminError as exc:  # nothing is created: the address is the thing to change
        db.session.rollback()
        form.admin_email.errors.append(str(exc))
        return _organisations_page(form, status=400)
    db.session.commit()
    if created.admin:
        notices.tell_new_role(created.admin, created.organisation, ADMIN, current_user)
    if created.invitation:
        orgs.mail_invitation(created.invitation, User.normalise_email(form.admin_email.data), current_user)
    # Rendered, not redirected: an invitation link is shown on this response only, never stored.
    return _organisations_page(OrganisationForm(formdata=None), created=created)


@bp.route("/organisations/<slug>", methods=["GET", "POST"])
@admin_required
def organisation(slug: str):
    """One organisation as the operator sees it, without being one of its members: its staff, its
    links not used yet, and a way to name an administrator (its only one gone, a link lost)."""
    org = _organisation_or_404(slug)
    form = AdministratorForm()
    named = pupil = None
    if form.validate_on_submit():
        confirmed = request.form.get("confirm") == "yes"
        try:
            named = services.name_administrator(org, form.email.data, current_user, pupil_confirmed=confirmed)
        except services.PupilOfTheSchool as exc:
            pupil = exc
        except services.AdminError as exc:
            form.email.errors.append(str(exc))
        else:
            db.session.commit()
            if named.admin and not named.already:
                notices.tell_new_role(named.admin, org, ADMIN, current_user)
            if named.invitation:
                orgs.mail_invitation(named.invitation, User.normalise_email(form.email.data), current_user)
            form = AdministratorForm(formdata=None)
    link = web.invitation_url(named.invitation) if named and named.invitation else None
    return render_template(
        "admin/organisation.html",
        org=org,
        staff=orgs.team(org),
        members=orgs.count_members(org),
        invitations=orgs.pending_invitations(org),
        form=form,
        named=named,
        pupil=pupil,
        post_form=PostForm(),
        link=link,
        kind_names=KIND_NAMES,
        role_names=ROLE_NAMES,
    ), 400 if form.errors else 200


@bp.post(f"/organisations/<slug>/staff/<{ID}:user_id>/remove")
@admin_required
def remove_staff(slug: str, user_id: int):
    """Take someone off the staff, an administrator included (its own administrators cannot)."""
    _post_or_400()
    org = _organisation_or_404(slug)
    try:
        removed = services.remove_from_organisation(org, user_id)
    except services.AdminError as exc:
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(
            _(
                "%(email)s is no longer %(role)s of %(org)s.",
                email=removed.user.email,
                role=ROLE_IN_SENTENCE[removed.role],
                org=org.name,
            ),
            "success",
        )
    return redirect(url_for("admin.organisation", slug=org.slug))


@bp.post(f"/organisations/<slug>/invitations/<{ID}:invitation_id>/revoke")
@admin_required
def revoke_invitation(slug: str, invitation_id: int):
    """End one of its links not used yet (a link sent to the wrong address, say)."""
    org = _organisation_or_404(slug)
    web.revoke_invitation(org, invitation_id)
    return redirect(url_for("admin.organisation", slug=org.slug))


def _organisation_or_404(slug: str) -> Organisation:
    return orgs.organisation_by_slug(slug) or abort(404)


# Certificates -----------------------------------------------------------------------------------


@bp.get("/certificates")
@admin_required
def certificates():
    query = request.args.get("q", "")[:254]
    return render_template(
        "admin/certificates.html",
        query=query,
        certificates=services.find_certificates(query),
        form=RevokeForm(),
    )


@bp.route("/certificates/<code>/revoke", methods=["GET", "POST"])
@admin_required
def revoke(code: str):
    certificate = _certificate_or_404(code)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            services.revoke(certificate, form.reason.data)
        except services.AdminError as exc:
            form.reason.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("The certificate is revoked; its public page gives the reason."), "success")
            return redirect(url_for("certificates.verify", code=certificate.code))
    status = 400 if form.errors else 200
    return render_template("admin/revoke.html", certificate=certificate, form=form), status


@bp.post("/certificates/<code>/reinstate")
@admin_required
def reinstate(code: str):
    _post_or_400()
    certificate = _certificate_or_404(code)
    try:
        services.reinstate(certificate)
    except services.AdminError as exc:
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("The certificate is valid again."), "success")
    return redirect(url_for("admin.certificates", q=certificate.code))


# Audit log --------------------------------------------------------------------------------------


def _filters() -> tuple[AuditFilterForm, audit.Filters]:
    form = AuditFilterForm(request.args)
    if not form.validate():
        for field in (form.since, form.until):
            if field.errors:
                field.errors[:] = [_("Type a date like 2026-12-01.")]
        if form.action.errors:
            form.action.errors[:] = [_("Choose an action from the list.")]
    filters = audit.Filters(
        action=form.action.data or "",
        person=form.person.data or "",
        since=form.since.data,
        until=form.until.data,
        zone=local_zone(),  # the days the page shows its times in
    )
    return form, filters


@bp.get("/audit")
@admin_required
def audit_log():
    form, filters = _filters()
    if form.errors:
        return render_template(
            "admin/audit.html", form=form, events=[], page=1, more=False, actions=audit.ACTIONS
        ), 400
    page = _page()
    events, more = audit.events(filters, page)
    return render_template(
        "admin/audit.html",
        form=form,
        events=events,
        page=page,
        more=more,
        actions=audit.ACTIONS,
        detail_in_words=audit.detail_in_words,
    )


@bp.get("/audit.csv")
@admin_required
def audit_csv():
    form, filters = _filters()
    if form.errors:  # the log's page shows the same filters with what is wrong with them
        return redirect(f"{url_for('admin.audit_log')}?{request.query_string.decode('ascii', 'replace')}")
    name = f"cadre-audit-{utcnow():%Y%m%d-%H%M}.csv"
    return Response(
        stream_with_context(audit.export_csv(filters)),  # the rows are read while streaming
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


# Background jobs --------------------------------------------------------------------------------


@bp.get("/jobs")
@admin_required
def jobs():
    return render_template(
        "admin/jobs.html", jobs=background.failed_jobs(), queued=bool(current_app.config.get("REDIS_URL"))
    )


@bp.post("/jobs/<job_id>/requeue")
@admin_required
def requeue(job_id: str):
    _post_or_400()
    if not current_app.config.get("REDIS_URL"):
        abort(404)
    if background.requeue_failed(job_id):
        db.session.commit()  # the audit log's entry
        flash(_("The job is back in the queue."), "success")
    else:
        flash(_("This job is no longer among the failed ones."), "info")
    return redirect(url_for("admin.jobs"))

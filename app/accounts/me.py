"""« My account »: change my name, download my data, delete my account.

A deleted account keeps its row, emptied of personal data and unable to log in: the classes,
drafts and invitations it created and the attempts the item statistics count all name it by
id, and a tombstone keeps those foreign keys sound without rewriting other people's history.
"""

import json
import secrets

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import delete, select
from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, ValidationError

from app.accounts.forms import PostForm
from app.accounts.models import User
from app.catalog.models import Module
from app.certificates.models import Certificate, CertificatePDF
from app.certificates.pdf import unprintable_characters
from app.extensions import db
from app.learning.models import ModuleProgress, QuizAttempt, QuizDraw
from app.limits import failed, throttled
from app.models_base import utcnow
from app.orgs.models import ADMIN, Membership, Organisation
from app.schools.models import Enrolment, SchoolClass
from app.urls import external_url

bp = Blueprint("me", __name__, url_prefix="/account/me")
DELETED_DOMAIN = "deleted.invalid"  # RFC 2606: an address that can never receive mail
NO_STORE = {"Cache-Control": "no-store"}


class NameForm(FlaskForm):
    """The full name certificates print."""

    full_name = StringField(
        _l("Full name, as it will appear on your certificates"),
        validators=[InputRequired(_l("Enter your full name.")), Length(max=120)],
        render_kw={"autocomplete": "name"},
    )
    submit = SubmitField(_l("Save my name"))

    def validate_full_name(self, field):
        field.data = field.data.strip()
        if not field.data:
            raise ValidationError(_("Enter your full name."))
        missing = unprintable_characters(field.data)
        if missing:
            raise ValidationError(
                _(
                    "Our certificates cannot print these characters yet: %(chars)s. "
                    "Please write your name with Latin, Greek or Cyrillic letters.",
                    chars=" ".join(missing),
                )
            )


class DeleteForm(FlaskForm):
    """Delete the account: the person proves it is them and says they understood."""

    # Named ``email`` so the login policy counts failures against this account, as at login.
    email = EmailField(
        _l("Your e-mail address"),
        validators=[InputRequired(_l("Enter your e-mail address."))],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Your password"),
        validators=[InputRequired(_l("Enter your password."))],
        render_kw={"autocomplete": "current-password"},
    )
    understood = BooleanField(
        _l("I understand that my account and my data will be deleted, and that this cannot be undone."),
        validators=[InputRequired(_l("Tick the box to confirm."))],
    )
    submit = SubmitField(_l("Delete my account"))


def export_data(user: User) -> dict:
    """Everything Cadre keeps about ``user``, as plain JSON-ready data."""

    def module_ref(module_id: int) -> dict:
        module = db.session.get(Module, module_id)  # the identity map makes repeats free
        return {
            "course": module.course.slug,
            "course_title": module.course.title,
            "module": module.slug,
            "module_title": module.title,
        }

    def when(value) -> str | None:
        return value.isoformat() if value else None

    progress = db.session.scalars(
        select(ModuleProgress).where(ModuleProgress.user_id == user.id).order_by(ModuleProgress.id)
    )
    draws = db.session.scalars(select(QuizDraw).where(QuizDraw.user_id == user.id).order_by(QuizDraw.id))
    attempts = db.session.scalars(
        select(QuizAttempt).where(QuizAttempt.user_id == user.id).order_by(QuizAttempt.id)
    )
    certificates = db.session.scalars(
        select(Certificate).where(Certificate.user_id == user.id).order_by(Certificate.id)
    )
    memberships = db.session.scalars(
        select(Membership).where(Membership.user_id == user.id).order_by(Membership.id)
    )
    classes = db.session.execute(
        select(Enrolment, SchoolClass)
        .join(SchoolClass)
        .where(Enrolment.user_id == user.id)
        .order_by(Enrolment.id)
    )
    return {
        "profile": {
            "full_name": user.full_name,
            "email": user.email,
            "created_at": when(user.created_at),
            "site_administrator": bool(user.is_admin),
        },
        "progress": [
            {
                **module_ref(p.module_id),
                "read_at": when(p.read_at),
                "best_score": p.best_score,
                "attempts": p.attempts,
                "completed_at": when(p.completed_at),
                "last_activity_at": when(p.last_activity_at),
            }
            for p in progress
        ],
        "open_quizzes": [
            {**module_ref(d.module_id), "course_version": d.course_version, "opened_at": when(d.created_at)}
            for d in draws
        ],
        "attempts": [
            {
                **module_ref(a.module_id),
                "submitted_at": when(a.created_at),
                "score": a.score,
                "passed": a.passed,
                "course_version": a.course_version,
                "answers": a.results,
            }
            for a in attempts
        ],
        "certificates": [
            {
                "code": c.code,
                "holder_name": c.holder_name,
                "course_title": c.course_title,
                "publisher": c.publisher,
                "course_version": c.course_version,
                "issued_at": when(c.issued_at),
                "valid": c.valid,
                "url": external_url(url_for("certificates.verify", code=c.code)),
            }
            for c in certificates
        ],
        "memberships": [
            {
                "organisation": m.organisation.name,
                "kind": m.organisation.kind,
                "role": m.role,
                "since": when(m.created_at),
            }
            for m in memberships
        ],
        "classes": [
            {"class": k.name, "year": k.year, "school": k.organisation.name, "joined_at": when(e.joined_at)}
            for e, k in classes
        ],
    }


def organisations_left_without_admin(user: User) -> list[str]:
    """Names of the organisations whose only administrator is ``user``: deleting would orphan them."""
    mine = select(Membership.organisation_id).where(Membership.user_id == user.id, Membership.role == ADMIN)
    others = select(Membership.organisation_id).where(Membership.user_id != user.id, Membership.role == ADMIN)
    query = select(Organisation.name).where(Organisation.id.in_(mine), Organisation.id.not_in(others))
    return list(db.session.scalars(query.order_by(Organisation.name)))


def certificates_with_another_name(user: User) -> list[Certificate]:
    """The valid certificates that print a name other than the account's current one."""
    query = select(Certificate).where(
        Certificate.user_id == user.id,
        Certificate.holder_name != user.full_name,
        Certificate.revoked_at.is_(None),
        Certificate.withdrawn_at.is_(None),
    )
    return list(db.session.scalars(query.order_by(Certificate.id)))


def reissue(certificate: Certificate, full_name: str) -> None:
    """Print ``full_name`` on the certificate from now on; its PDFs are built again."""
    certificate.holder_name = full_name
    db.session.execute(delete(CertificatePDF).where(CertificatePDF.certificate_id == certificate.id))


def delete_account(user: User) -> None:
    """Withdraw the certificates, anonymise the attempts, remove the rest; the caller commits."""
    for certificate in db.session.scalars(select(Certificate).where(Certificate.user_id == user.id)):
        certificate.withdraw_at_holder_request()
        db.session.execute(delete(CertificatePDF).where(CertificatePDF.certificate_id == certificate.id))
    for model in (ModuleProgress, QuizDraw, Membership, Enrolment):
        db.session.execute(delete(model).where(model.user_id == user.id))
    # Attempts stay for the item statistics, tied to a row that no longer says who answered.
    user.full_name = ""
    user.email = f"deleted-{user.id}@{DELETED_DOMAIN}"
    user.set_password(secrets.token_urlsafe(32))  # nobody knows it; ends every session too
    user.is_admin = False
    user.disabled_at = utcnow()


@bp.get("/")
@login_required
def account():
    """The account page: name, data, password, deletion."""
    return _account_page(NameForm(obj=current_user))


def _account_page(form: NameForm):
    reissuable = certificates_with_another_name(current_user)
    page = render_template("accounts/me.html", form=form, reissuable=reissuable)
    return page, 200, NO_STORE


@bp.post("/name")
@login_required
def change_name():
    """Change the name printed on future certificates."""
    form = NameForm()
    if not form.validate_on_submit():
        return _account_page(form)
    current_user.full_name = form.full_name.data
    db.session.commit()
    flash(
        _("Your name is saved. Certificates already issued keep the name they were issued with."), "success"
    )
    return redirect(url_for("me.account"))


@bp.post("/certificates/<code>/reissue")
@login_required
def reissue_certificate(code: str):
    """Print my current name on one of my certificates."""
    certificate = db.session.scalar(select(Certificate).where(Certificate.code == code))
    if certificate is None or certificate.user_id != current_user.id:
        abort(404)
    if PostForm().validate_on_submit() and certificate in certificates_with_another_name(current_user):
        reissue(certificate, current_user.full_name)
        db.session.commit()
        flash(_("The certificate now carries the name %(name)s.", name=current_user.full_name), "success")
    return redirect(url_for("me.account"))


@bp.get("/data.json")
@login_required
def data_json():
    """All my data as a JSON file."""
    body = json.dumps(export_data(current_user), ensure_ascii=False, indent=2)
    headers = {**NO_STORE, "Content-Disposition": 'attachment; filename="cadre-my-data.json"'}
    return Response(body, mimetype="application/json", headers=headers)


@bp.get("/data.html")
@login_required
def data_html():
    """All my data as a page to read, print or save."""
    return render_template("accounts/my_data.html", data=export_data(current_user)), 200, NO_STORE


@bp.route("/delete", methods=["GET", "POST"])
@login_required
@throttled("login")  # a wrong password here counts against the account as at login
def delete_account_view():
    """Delete my account, after typing my e-mail address and password again."""
    form = DeleteForm()
    orphaned = organisations_left_without_admin(current_user)
    if orphaned:
        page = render_template("accounts/delete.html", form=None, orphaned=orphaned)
        return page, 200, NO_STORE
    if form.validate_on_submit():
        same = User.normalise_email(form.email.data) == current_user.email
        if not (same and current_user.check_password(form.password.data)):
            failed()
            form.password.errors.append(_("This e-mail address and password are not those of your account."))
        else:
            delete_account(current_user._get_current_object())
            db.session.commit()
            logout_user()
            flash(_("Your account is deleted. Thank you for learning with Cadre."), "info")
            return redirect(url_for("catalog.index"))
    return render_template("accounts/delete.html", form=form), 200, NO_STORE

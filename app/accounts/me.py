"""« My account »: change my name or e-mail address, download my data, delete my account.

The rules live in ``app.accounts.personal_data`` and ``app.accounts.email_change``; here, the pages.
"""

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import force_locale, get_locale
from flask_login import current_user, login_required, logout_user
from sqlalchemy import select
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, ValidationError

from app.accounts import confirmation, email_change, personal_data
from app.accounts.forms import ChangeEmailForm, PostForm
from app.accounts.models import User
from app.accounts.services import find_user_by_email, name_problem, password_refused, stay_signed_in
from app.admin.audit import ACTIONS
from app.certificates.models import Certificate
from app.extensions import db
from app.forms import Form
from app.i18n import ENDONYMS, remember_language
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.limits import mailed, remember_device, throttled

bp = Blueprint("me", __name__, url_prefix="/account/me")
NO_STORE = {"Cache-Control": "no-store"}


class NameForm(Form):
    """The full name certificates print."""

    full_name = StringField(
        _l("Full name, as it will appear on your certificates"),
        validators=[InputRequired(_l("Enter your full name.")), Length(max=120)],
        render_kw={"autocomplete": "name"},
    )
    submit = SubmitField(_l("Save my name"))

    def validate_full_name(self, field):
        field.data = (field.data or "").strip()
        problem = name_problem(field.data)
        if problem:
            raise ValidationError(problem)


class LanguageForm(Form):
    """The interface language kept with the account."""

    locale = SelectField(
        _l("Language of the site"),
        # Each named in its own language: found by whoever landed on a page in the other one.
        choices=[SelectChoice(code, name, {"lang": code}) for code, name in ENDONYMS.items()],
        description=_l(
            "Cadre opens in this language whenever you sign in, in any browser. Your e-mails use it "
            "too, unless you chose another language for them in your notification preferences."
        ),
    )
    submit = SubmitField(_l("Save my language"))


class DeleteForm(Form):
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


@bp.get("/")
@login_required
def account():
    """The account page: name, data, password, deletion."""
    return _account_page(NameForm(obj=current_user))


def _account_page(form: NameForm, language_form: LanguageForm | None = None):
    reissuable = personal_data.certificates_with_another_name(current_user)
    if language_form is None:
        language_form = LanguageForm(locale=current_user.locale or str(get_locale()))
    if not current_user.locale:  # the menu shows the language read now, which is not yet a choice
        not_chosen = _("You have not chosen one yet: pages follow the language of this browser.")
        language_form.locale.description = f"{not_chosen} {language_form.locale.description}"
    page = render_template("accounts/me.html", form=form, language_form=language_form, reissuable=reissuable)
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


@bp.post("/language")
@login_required
def change_language():
    """Keep the interface language with the account, and use it now."""
    form = LanguageForm()
    if not form.validate_on_submit():
        return _account_page(NameForm(obj=current_user), form)
    remember_language(form.locale.data)
    with force_locale(form.locale.data):  # said in the language just chosen
        flash(_("Language saved: Cadre will use it wherever you sign in."), "success")
    return redirect(url_for("me.account"))


@bp.post("/certificates/<code>/reissue")
@login_required
def reissue_certificate(code: str):
    """Print my current name on one of my certificates."""
    certificate = db.session.scalar(select(Certificate).where(Certificate.code == code))
    if certificate is None or certificate.user_id != current_user.id:
        abort(404)
    reissuable = personal_data.certificates_with_another_name(current_user)
    if PostForm().validate_on_submit() and certificate in reissuable:
        personal_data.reissue(certificate, current_user.full_name)
        db.session.commit()
        flash(_("The certificate now carries the name %(name)s.", name=current_user.full_name), "success")
    return redirect(url_for("me.account"))


@bp.get("/data.json")
@login_required
def data_json():
    """All my data as a JSON file."""
    body = json.dumps(personal_data.export_data(current_user), ensure_ascii=False, indent=2)
    headers = {**NO_STORE, "Content-Disposition": 'attachment; filename="cadre-my-data.json"'}
    return Response(body, mimetype="application/json", headers=headers)


@bp.get("/data.html")
@login_required
def data_html():
    """All my data as a page to read, print or save."""
    data = personal_data.export_data(current_user)
    page = render_template("accounts/my_data.html", data=data, actions=ACTIONS)
    return page, 200, NO_STORE


@bp.route("/delete", methods=["GET", "POST"])
@login_required
@throttled("password")  # wrong passwords are counted per account, as at login
def delete_account_view():
    """Delete my account, after typing my e-mail address and password again."""
    form = DeleteForm()
    orphaned = personal_data.organisations_left_without_admin(current_user)
    if orphaned:
        page = render_template("accounts/delete.html", form=None, orphaned=orphaned)
        return page, 200, NO_STORE
    if form.validate_on_submit():
        same = User.normalise_email(form.email.data) == current_user.email
        if not (same and current_user.check_password(form.password.data)):
            password_refused(current_user)
            form.password.errors.append(_("This e-mail address and password are not those of your account."))
        else:
            personal_data.delete_account(current_user._get_current_object())
            db.session.commit()
            logout_user()
            flash(_("Your account is deleted. Thank you for learning with Cadre."), "info")
            return redirect(url_for("catalog.index"))
    return render_template("accounts/delete.html", form=form), 200, NO_STORE


@bp.route("/email", methods=["GET", "POST"])
@login_required
@throttled("email")  # a wrong password counts as at login; links mailed are counted too
def change_email():
    """Ask to change my e-mail address: nothing changes until I follow the link mailed to the new one."""
    form = ChangeEmailForm(user=current_user)
    if form.validate_on_submit():
        if User.normalise_email(form.email.data or "") != current_user.email:  # changed in another tab
            form.new_email.errors.append(
                _("Your e-mail address changed since this page was opened. Try again.")
            )
        elif not current_user.check_password(form.password.data):
            password_refused(current_user)
            form.password.errors.append(_("This is not your current password."))
        elif find_user_by_email(form.new_email.data) is not None:
            # Counted as a link mailed (five an hour per account, three per address): nobody learns
            # much about who has an account.
            mailed()
            form.new_email.errors.append(_("Another account already uses this e-mail address."))
        else:
            new_email = User.normalise_email(form.new_email.data)
            email_change.request_email_change(current_user, new_email)
            mailed()
            flash(
                _(
                    "A confirmation link was sent to %(new)s; your address stays %(old)s until you follow "
                    "it. The link works for 24 hours.",
                    new=new_email,
                    old=current_user.email,
                ),
                "info",
            )
            return redirect(url_for("me.account"))
    form.email.data = current_user.email
    return render_template("accounts/change_email.html", form=form), 200, NO_STORE


@bp.route("/email/confirm/<token>", methods=["GET", "POST"])
@login_required  # as the account the link names: a link alone must not move an account
def confirm_email(token: str):
    """Confirm a new address from the mailed link; a button, so mail scanners' visits change nothing."""
    form = PostForm()
    try:
        new_email = email_change.new_email_from_token(token, current_user)
        if form.validate_on_submit():
            user = current_user._get_current_object()
            old_email = email_change.change_email(user, new_email)
            issued = confirmation.confirm(user)  # the link came to the new address
            db.session.commit()
            stay_signed_in(user)  # other devices are logged out; this one stays in
            email_change.notify_email_changed(user, old_email)
            flash(_("Your e-mail address is now %(email)s.", email=user.email), "success")
            confirmation.announce(issued)
            response = redirect(url_for("me.account"))
            remember_device(response, user.email)  # known by its new address too
            return response
    except email_change.LinkRefused as refused:
        page = render_template("accounts/confirm_email.html", problem=str(refused), form=None)
        return page, 400, NO_STORE
    page = render_template("accounts/confirm_email.html", form=form, new_email=new_email)
    return page, 200, NO_STORE

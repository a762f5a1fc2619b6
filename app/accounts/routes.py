"""Register, log in and out, change or reset a password."""

import hmac

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_login import (
    current_user,
    login_required,
    login_user,
    logout_user,
    user_loaded_from_cookie,
    user_logged_in,
    user_logged_out,
)
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from app.accounts import confirmation, services
from app.accounts.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    PostForm,
    RegisterForm,
    ResetPasswordForm,
)
from app.accounts.models import User
from app.admin.audit import record
from app.extensions import db, login_manager
from app.i18n import gettext as _
from app.i18n import restore_language
from app.limits import failed, remember_device, throttled
from app.lti.cookies import forget_launch
from app.models_base import MAX_ID
from app.orgs import services as orgs
from app.orgs.models import ROLE_IN_SENTENCE
from app.urls import safe_next

bp = Blueprint("accounts", __name__, url_prefix="/account")

login_manager.login_view = "accounts.login"
login_manager.login_message = None  # the login page says it plainly already
# Every signed-in request runs it: built once, it costs a quarter less than Session.get (which
# could answer from the identity map without SQL, but a request's session starts empty).
_USER_BY_ID = select(User).where(User.id == bindparam("id"))


NO_STORE = {"Cache-Control": "no-store"}  # the page holds a signed link's form
CSRF_OWNER = "csrf_for"  # the session's: whose account its form token was made in


@user_logged_in.connect
def signed_in(_app, user, **_details) -> None:
    """Whoever signs in (a login, a new account, a platform's launch) gets a form token of their
    own on the next page: one read or planted in the browser before (a shared computer, a cookie
    set from a neighbouring site) does not carry over into the account. And the pages follow their
    account's language (``restore_language``).

    The same person signing in again (a password changed, another launch from their platform)
    keeps both, so that their other tabs and frames still send their forms and the page they are
    on does not change language."""
    if session.get(CSRF_OWNER) == user.id:
        return
    restore_language(user)
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    session.pop(field, None)  # Flask-WTF's raw token…
    g.pop(field, None)  # …and the one it signed for this request
    session[CSRF_OWNER] = user.id


@user_loaded_from_cookie.connect
def back_from_cookie(_app, user, **_details) -> None:
    """Signed in again by the "remember me" cookie (a browser reopened): the account's language
    from the next page on."""
    restore_language(user)


@user_logged_out.connect
def forget_form_token_owner(_app, **_details) -> None:
    """Signed out, the browser is a visitor's again (whose session the page cache may serve)."""
    session.pop(CSRF_OWNER, None)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Flask-Login's loader: a session is valid until a logout or a password change."""
    user_id, _, fingerprint = session_id.partition(":")
    if not user_id.isdigit() or int(user_id) > MAX_ID:
        return None
    user = db.session.scalar(_USER_BY_ID, {"id": int(user_id)})
    if user is None or not hmac.compare_digest(user.session_fingerprint, fingerprint):
        return None
    if user.disabled_at is not None:  # disabling ends the sessions too; this holds if one slips by
        return None
    return user


def typed(endpoint: str):
    """A view for an address people type (``/login``), leading to the page under ``/account``."""

    def view():
        query = request.query_string.decode("utf-8", "replace")
        return redirect(url_for(endpoint) + (f"?{query}" if query else ""), 301)

    return view


@bp.route("/register", methods=["GET", "POST"])
@throttled("register")
def register():
    """Create an account, then sign in."""
    if current_user.is_authenticated:
        return redirect(url_for("learning.dashboard"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            # A savepoint: a double click or a twin request may take the address between the
            # form's check and this insert; the database's unique constraint then decides.
            with db.session.begin_nested():
                user = services.create_user(
                    form.full_name.data, form.email.data, form.password.data, str(get_locale())
                )
        except IntegrityError:
            db.session.rollback()
            form.email.errors.append(_("An account already uses this e-mail address. Log in instead."))
            return _sign_in_page("accounts/register.html", form, request.args.get("next"))
        db.session.commit()
        login_user(user)
        confirmation.send_link(user)
        flash(
            _(
                "Welcome, %(name)s! Your account is ready. We mailed a link to %(email)s: follow it to "
                "confirm the address.",
                name=user.full_name,
                email=user.email,
            ),
            "success",
        )
        response = redirect(safe_next(request.args.get("next")) or url_for("catalog.index"))
        remember_device(response, user.email)  # signed in here: this browser is the account's
        return response
    return _sign_in_page("accounts/register.html", form, request.args.get("next"))


@bp.route("/login", methods=["GET", "POST"])
@throttled("login")
def login():
    """Log in; ``next`` only ever leads to a page of this site."""
    form = LoginForm(next=request.args.get("next"))
    if form.validate_on_submit():
        user = services.find_user_by_email(form.email.data)
        if services.password_matches(user, form.password.data):
            if user.disabled_at is not None:
                # Said only to whoever knows the password, so it tells nobody else the account exists;
                # logged, as the operator who disabled it may want to know it is still in use.
                record("login.disabled", user=user)
                db.session.commit()
                form.email.errors.append(
                    _("This account is disabled. If this is a mistake, contact the site's operator.")
                )
                return _sign_in_page("accounts/login.html", form, form.next.data)
            login_user(user, remember=form.remember.data)
            forget_launch()  # signed in on Cadre itself: no platform may frame this session
            response = redirect(safe_next(form.next.data) or url_for("learning.dashboard"))
            remember_device(response, user.email)  # its failed logins are counted apart from now on
            return response
        failed()  # counted per account and per address: repeated failures pause logging in
        record("login.failed", user=user)
        db.session.commit()
        form.password.errors.append(_("This e-mail address and password do not match an account."))
    return _sign_in_page("accounts/login.html", form, form.next.data)


def _sign_in_page(template: str, form, next_page: str | None) -> str:
    """The login or sign-up page; sent by an invitation link, it names who invites and as what.

    The link's token is its secret: whoever holds it may read what it offers before signing in.
    """
    invitation = None
    path = (next_page or "").partition("?")[0]
    if path.startswith(_INVITATIONS) and len(path) < 200:
        invitation = orgs.find_invitation(path.removeprefix(_INVITATIONS))
    return render_template(template, form=form, invitation=invitation, roles=ROLE_IN_SENTENCE)


_INVITATIONS = "/invitations/"


@bp.post("/logout")
def logout():
    """Log out (POST with a CSRF token, so another site cannot log you out)."""
    if PostForm().validate_on_submit():
        if current_user.is_authenticated:
            current_user.end_sessions()  # copies of this session's cookies stop working too
            db.session.commit()
        logout_user()
        forget_launch()
        flash(_("You are logged out."), "info")
    return redirect(url_for("catalog.index"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
@throttled("password")  # wrong current passwords are counted, as at login
def change_password():
    """Change the password, knowing the current one."""
    form = ChangePasswordForm(user=current_user)
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            services.password_refused(current_user)
            form.current.errors.append(_("This is not your current password."))
        else:
            current_user.set_password(form.password.data)
            record("password.changed", user=current_user)
            db.session.commit()
            # Other devices are logged out (their cookies name the old password); this one stays in.
            services.stay_signed_in(current_user._get_current_object())
            services.notify_password_changed(current_user)
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("learning.dashboard"))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/forgot", methods=["GET", "POST"])
@throttled("reset")
def forgot_password():
    """Send a reset link; the answer is the same whether the account exists or not."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)  # the lookup happens off the request
        flash(
            _(
                "If an account uses this address, a link to choose a new password is on its way. "
                "It works for one hour."
            ),
            "info",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password from a signed, expiring, single-use link."""
    user = services.user_from_reset_token(token)
    if user is None:
        flash(_("This link has expired or was already used. Ask for a new one."), "error")
        return redirect(url_for("accounts.forgot_password"))
    form = ResetPasswordForm(user=user)
    if form.validate_on_submit():
        user.set_password(form.password.data)
        record("password.reset", user=user)
        issued = confirmation.confirm(user)  # the link came to the address: it is theirs
        db.session.commit()
        services.notify_password_changed(user)
        flash(_("Your new password is saved. You can log in."), "success")
        confirmation.announce(issued)
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form), 200, NO_STORE


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm_address(token: str):
    """Confirm the address from the mailed link, signed in or not; a button, so that mail
    scanners' visits change nothing."""
    form = PostForm()
    try:
        user = confirmation.user_from_token(token)
    except confirmation.LinkRefused as refused:
        page = render_template("accounts/confirm_address.html", problem=str(refused), form=None)
        return page, 400, NO_STORE
    if user.email_confirmed_at is not None:
        flash(_("Your e-mail address %(email)s is confirmed.", email=user.email), "success")
        return redirect(url_for("learning.dashboard" if current_user.is_authenticated else "accounts.login"))
    if form.validate_on_submit():
        issued = confirmation.confirm(user)
        db.session.commit()
        flash(_("Your e-mail address %(email)s is confirmed.", email=user.email), "success")
        confirmation.announce(issued)
        mine = current_user.is_authenticated and current_user.id == user.id
        return redirect(url_for("learning.dashboard" if mine else "accounts.login"))
    page = render_template("accounts/confirm_address.html", form=form, email=user.email, account=user)
    return page, 200, NO_STORE


@bp.route("/confirm", methods=["POST"])
@login_required
@throttled("confirm")
def send_confirmation():
    """Mail the confirmation link again (the first may be lost, or expired)."""
    form = PostForm()
    if form.validate_on_submit() and current_user.email_confirmed_at is None:
        confirmation.send_link(current_user)
        flash(_("We sent a new link to %(email)s. It works for 7 days.", email=current_user.email), "success")
    return redirect(safe_next(request.form.get("next")) or url_for("learning.dashboard"))

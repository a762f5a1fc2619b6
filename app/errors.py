"""Error pages that keep the layout and never leak a traceback."""

from flask import current_app, g, jsonify, make_response, redirect, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError
from werkzeug.routing import RoutingException

from app import limits
from app.extensions import db
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.i18n import ngettext

MESSAGES = {
    400: _l("This request could not be understood. Please go back and try again."),
    403: _l("You do not have access to this page."),
    404: _l("This page does not exist or has been removed."),
    405: _l("This action is not available here."),
    413: _l("This file is too large to be sent. Make it smaller and try again."),
    500: _l("Something went wrong on our side. Please try again in a moment."),
}
TOO_MANY_REQUESTS = _l("Too many requests in a short time.")
CSRF_MESSAGE = _l(
    "The form expired or was sent from another site. Please go back, reload the page and try again."
)


def render_error(error):
    """The error page for an HTTP error, in the site's layout."""
    code = getattr(error, "code", None) or 500
    if code == 500:
        # A failed transaction must not poison the next request served by this worker.
        db.session.rollback()
    if code == 405 and request.method == "GET" and (page := _page_above(request.path)):
        return redirect(request.script_root + page, 303)
    message = CSRF_MESSAGE if isinstance(error, CSRFError) else MESSAGES[code]
    if isinstance(error, SecurityError):
        # A Host that TRUSTED_HOSTS does not name: no address can be built under it, so no layout.
        return make_response((str(message), code, {"Content-Type": "text/plain; charset=utf-8"}))
    g.pop("cadre_forms", None)  # its title says "Error" already (app.forms.forms_have_errors)
    return render_template("errors/error.html", code=code, message=message), code


def _page_above(path: str) -> str | None:
    """The page above a form's address opened as a page (a reload, a phone restoring its tab after
    a form that answered with a page: « invitation link made »): where that form lives, if it is a
    page. Else None, and the 405 page."""
    above = path.rstrip("/").rpartition("/")[0]
    if not above:
        return None
    try:
        current_app.url_map.bind("localhost").match(above, method="GET")
    except (HTTPException, RoutingException):  # no such page, or the map's own redirect (a slash)
        return None
    return above


def retry_text(seconds: int | None) -> str:
    """When to try again, in words: seconds under a minute, else whole minutes rounded up."""
    if seconds is None:
        return _("Please wait a moment before trying again.")
    if seconds < 60:
        return ngettext("Try again in %(num)d second.", "Try again in %(num)d seconds.", seconds)
    minutes = -(-seconds // 60)
    return ngettext("Try again in %(num)d minute.", "Try again in %(num)d minutes.", minutes)


def render_too_many_requests(error):
    """A request over a limit: say which, and when to try again (also as ``Retry-After``)."""
    seconds = limits.retry_after()
    if seconds is None and isinstance(getattr(error, "retry_after", None), int):
        seconds = error.retry_after  # abort(429, retry_after=…) elsewhere, e.g. a busy preview pool
    description = getattr(error, "description", None)
    limited = getattr(error, "limit", None) is not None  # from the limiter, with its own message
    message = description if limited and description else TOO_MANY_REQUESTS
    retry = retry_text(seconds)
    if any(scope.startswith(("login:", "login-device:", "password:")) for scope in limits.breached()):
        _record_login_paused()
    if request.is_json:  # the editor's live preview
        response = jsonify(error=str(message), retry=retry, retry_after=seconds)
    else:
        response = make_response(render_template("errors/429.html", message=message, retry=retry))
    response.status_code = 429
    if seconds is not None:
        response.headers["Retry-After"] = str(seconds)
    return response


def _record_login_paused() -> None:
    """Put a paused login in the audit log; the 429 page is shown whatever happens here."""
    from app.accounts.services import find_user_by_email
    from app.admin.audit import record_login_paused

    try:
        # The account is named only when its own limit broke; a pause per address names none. On
        # the signed-in forms that ask for the password again, the account is the one signed in.
        breached = limits.breached()
        if "password:RATELIMIT_LOGIN_ACCOUNT" in breached and current_user.is_authenticated:
            user = current_user._get_current_object()
        elif {"login:RATELIMIT_LOGIN_ACCOUNT", "login-device:RATELIMIT_LOGIN_ACCOUNT"} & breached:
            user = find_user_by_email(request.form.get("email", "")[:254])
        else:
            user = None
        record_login_paused(user)
        db.session.commit()
    except Exception:  # noqa: BLE001 - a log that cannot be written must not turn a 429 into a 500
        db.session.rollback()
        current_app.logger.exception("Could not record a paused login in the audit log")


def init_app(app) -> None:
    """Register the page for every error a visitor can meet."""
    for code in MESSAGES:
        app.register_error_handler(code, render_error)
    app.register_error_handler(429, render_too_many_requests)

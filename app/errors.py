"""Error pages that keep the layout and never leak a traceback."""

from flask import render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

from app.extensions import db

MESSAGES = {
    400: _l("This request could not be understood. Please go back and try again."),
    403: _l("You do not have access to this page."),
    404: _l("This page does not exist, or no longer does."),
    405: _l("This action is not available here."),
    413: _l("This file is too large to be sent. Make it smaller and try again."),
    500: _l("Something went wrong on our side. Please try again in a moment."),
}
CSRF_MESSAGE = _l(
    "The form expired or was sent from another site. Please go back, reload the page and try again."
)


def render_error(error):
    """The error page for an HTTP error, in the site's layout."""
    code = getattr(error, "code", None) or 500
    if code == 500:
        # A failed transaction must not poison the next request served by this worker.
        db.session.rollback()
    message = CSRF_MESSAGE if isinstance(error, CSRFError) else MESSAGES[code]
    return render_template("errors/error.html", code=code, message=message), code


def init_app(app) -> None:
    """Register the page for every error a visitor can meet."""
    for code in MESSAGES:
        app.register_error_handler(code, render_error)

"""Error pages that keep the layout and never leak a traceback, and the headers of every answer."""

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from app.extensions import db


def init_app(app) -> None:
    """Register handlers for the errors a visitor can meet."""

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        message = _(
            "The form expired or was sent from another site. Please go back, reload the page and try again."
        )
        return render_template("errors/error.html", code=400, message=message), 400

    @app.errorhandler(400)
    def bad_request(error):
        message = _("This request could not be understood. Please go back and try again.")
        return render_template("errors/error.html", code=400, message=message), 400

    @app.before_request
    def refuse_nul_bytes():
        # A NUL byte is never legitimate here, and PostgreSQL refuses it with an error.
        values = [request.path, *request.args.values()]
        if request.method == "POST":
            values += request.form.values()
        if any("\x00" in value for value in values):
            abort(400)

    @app.after_request
    def security_headers(response):
        # Everything is served from this site: no inline script, no framing by other sites.
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
            "form-action 'self'; frame-ancestors 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.errorhandler(403)
    def forbidden(error):
        message = _("You do not have access to this page.")
        return render_template("errors/error.html", code=403, message=message), 403

    @app.errorhandler(404)
    def not_found(error):
        message = _("This page does not exist, or no longer does.")
        return render_template("errors/error.html", code=404, message=message), 404

    @app.errorhandler(405)
    def method_not_allowed(error):
        message = _("This action is not available here.")
        return render_template("errors/error.html", code=405, message=message), 405

    @app.errorhandler(500)
    def server_error(error):
        # A failed transaction must not poison the next request served by this worker.
        db.session.rollback()
        message = _("Something went wrong on our side. Please try again in a moment.")
        return render_template("errors/error.html", code=500, message=message), 500

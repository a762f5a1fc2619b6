"""Request guards and response headers that apply to every page."""

from flask import abort, current_app, g, request, session
from flask_login import current_user

# Cadre uses none of these; denying them means injected or framed content cannot ask for them either.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
HSTS = "max-age=31536000; includeSubDomains"  # a year, the usual minimum for browsers' preload lists


def refuse_nul_bytes():
    """A NUL byte is never legitimate here, and PostgreSQL refuses it with an error: answer 400."""
    values = [request.path, *request.args.values()]
    if request.method == "POST":
        values += request.form.values()
    if any("\x00" in value for value in values):
        abort(400)


def security_headers(response):
    """Everything is served from this site: no inline script, no framing by other sites.

    Browsers are told to use https only (in production, or when the request came over it), are
    denied the camera, the microphone and the like, and keep no copy of a signed-in person's pages.
    """
    response.headers.setdefault("Content-Security-Policy", content_security_policy())
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    # Not over plain http in development: a browser would then refuse the local server's http.
    if request.is_secure or current_app.config["ENV_NAME"] == "production":
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if request.endpoint != "static" and current_user.is_authenticated:
        # Class tables, student pages, dashboards: nothing for a shared school computer's
        # history or back button to show the next person. A view may still choose otherwise.
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def content_security_policy() -> str:
    """Framing stays refused, except by the school platforms an LTI launch came from (app.lti):
    the launch's response names them in ``g.frame_ancestors``, and the session it opened keeps them
    for the pages that follow. A deep-linking answer may post its form back to the platform."""
    ancestors = getattr(g, "frame_ancestors", None)
    if ancestors is None and request.endpoint != "static":
        ancestors = session.get("lti_frame")
    form_action = " ".join(["'self'", *getattr(g, "form_action", ())])
    frame_ancestors = " ".join(ancestors) if ancestors else "'none'"
    return (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
        f"form-action {form_action}; frame-ancestors {frame_ancestors}"
    )


def init_app(app) -> None:
    """Install the guard and the headers."""
    app.before_request(refuse_nul_bytes)
    app.after_request(security_headers)

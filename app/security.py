"""Request guards and response headers that apply to every page."""

from flask import abort, request


def refuse_nul_bytes():
    """A NUL byte is never legitimate here, and PostgreSQL refuses it with an error: answer 400."""
    values = [request.path, *request.args.values()]
    if request.method == "POST":
        values += request.form.values()
    if any("\x00" in value for value in values):
        abort(400)


def security_headers(response):
    """Everything is served from this site: no inline script, no framing by other sites."""
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def init_app(app) -> None:
    """Install the guard and the headers."""
    app.before_request(refuse_nul_bytes)
    app.after_request(security_headers)

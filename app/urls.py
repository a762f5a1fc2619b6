"""Small URL helpers shared by several blueprints."""

from urllib.parse import urlsplit

from flask import current_app, has_request_context, request

# Where links point from the command line when SERVER_BASE_URL is unset (development only:
# production sets it).
DEVELOPMENT_SITE = "http://127.0.0.1:5000/"


def safe_next(target: str | None) -> str | None:
    """Return ``target`` if it stays on this site (a path), else None."""
    if not target:
        return None
    # Browsers treat backslashes like slashes: "/\\evil.com" would leave the site.
    target = target.strip()
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def external_url(path: str) -> str:
    """Absolute URL for a path, from SERVER_BASE_URL when set (mail, PDF), else this request."""
    base = current_app.config.get("SERVER_BASE_URL")
    if not base:
        base = request.host_url
    return base.rstrip("/") + path


def site_url() -> str:
    """Where the app is served (with any path prefix): SERVER_BASE_URL, else this request's, else
    (the command line in development) the address ``make run`` serves.

    What a queued job needs to build links with ``link_for_job`` once the request is gone.
    """
    configured = current_app.config.get("SERVER_BASE_URL")
    if configured:
        return configured
    return request.url_root if has_request_context() else DEVELOPMENT_SITE


def link_for_job(base_url: str, endpoint: str, **values) -> str:
    """An absolute link built without a request (a job may run in a worker), under ``base_url``:
    the site address the request that queued the job was given (``site_url()``)."""
    return base_url.rstrip("/") + path_for_job(endpoint, **values)


def path_for_job(endpoint: str, **values) -> str:
    """A page's path under the site's root, built without a request (a job, the command line)."""
    return current_app.url_map.bind("localhost").build(endpoint, values)

"""Small URL helpers shared by several blueprints."""

from urllib.parse import urlsplit

from flask import current_app, request


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

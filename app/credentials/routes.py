"""The issuer's public documents: its controller document (keys) and its revocation list."""

import json

from flask import Blueprint, request

from app.credentials import services

bp = Blueprint("credentials", __name__, url_prefix="/issuers/cadre")

# application/json: every browser, wallet file import and JSON-LD loader reads it, and the
# credential-specific media types changed between drafts of the VC data model.
JSON = "application/json"


@bp.get("")
def issuer():
    """The controller document: the public keys that sign Cadre's Open Badges."""
    body = json.dumps(services.controller_document(), indent=2)
    # Short-lived in caches: after a key rotation, new badges name a key verifiers must find here.
    return (
        body,
        200,
        {"Content-Type": JSON, "Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"},
    )


@bp.get("/status/revocation")
def revocation_list():
    """The signed revocation list; verifiers ask for it each time they check a badge."""
    body, revision = services.revocation_list()
    # Weak: each web process signs its own copy (its own proof and date) of the same list.
    etag = f'W/"{revision}"'
    headers = {
        "Content-Type": JSON,
        "ETag": etag,
        "Cache-Control": "public, max-age=300",
        "Access-Control-Allow-Origin": "*",
    }
    if etag in request.headers.get("If-None-Match", ""):
        return "", 304, headers
    return body, 200, headers

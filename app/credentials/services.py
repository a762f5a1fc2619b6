"""Issuing a certificate's Open Badge once, the issuer's controller document, the revocation list."""

import hashlib
import json
import secrets
import threading

from flask import current_app, url_for
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from app.certificates.models import Certificate
from app.credentials import linked_data, status_list
from app.credentials.badge import ISSUER_NAME, BadgeAddresses, build_credential, hashed_email, timestamp
from app.credentials.keys import issuer_keys
from app.credentials.models import StoredCredential
from app.extensions import db
from app.models_base import utcnow
from app.urls import external_url


def issuer_id() -> str:
    """The issuer's stable URL: its controller document, which lists its keys."""
    return external_url(url_for("credentials.issuer"))


def status_list_url() -> str:
    return external_url(url_for("credentials.revocation_list"))


def verification_method(multibase: str) -> str:
    """A key's id names the key: the issuer's URL, then ``#`` and its multibase."""
    return f"{issuer_id()}#{multibase}"


def _sign(document: dict) -> dict:
    keys = issuer_keys(current_app.config)
    return linked_data.sign(
        document, keys.signing_key, verification_method(keys.current_multibase), timestamp(utcnow())
    )


def credential_url(certificate: Certificate, locale: str) -> str:
    return external_url(url_for("certificates.credential", code=certificate.code, lang=locale))


class AddressNotConfirmed(Exception):
    """The holder's address is not confirmed: no badge is signed naming it."""


def stored_credential(certificate: Certificate, locale: str) -> str:
    """The certificate's signed credential in ``locale`` (JSON text), built and stored on first request.

    Built again only if the holder has changed their e-mail address since: the badge names them by
    it. The caller commits. Certificates issued before Open Badges existed get theirs the same way.

    Cadre signs only an address its holder proved they read: while theirs waits for its link (an
    account made by an LTI launch that gave itself an address, say), the badge already built is
    served as it is, and none is built (AddressNotConfirmed).
    """
    stored = db.session.scalar(
        select(StoredCredential).where(
            StoredCredential.certificate_id == certificate.id, StoredCredential.locale == locale
        )
    )
    if stored is not None and _names_holder(stored.document, certificate.user.email):
        return stored.document
    if certificate.user.email_confirmed_at is None:
        if stored is not None:
            return stored.document
        raise AddressNotConfirmed(certificate.code)
    urls = BadgeAddresses(
        site=external_url("/"),
        issuer=issuer_id(),
        credential=credential_url(certificate, locale),
        course=external_url(url_for("catalog.course", slug=certificate.course.slug)),
        status_list=status_list_url(),
    )
    salt = secrets.token_hex(16)
    unsigned = build_credential(certificate, certificate.user.email, salt, locale, urls)
    document = json.dumps(_sign(unsigned), ensure_ascii=False, indent=2)
    if stored is not None:
        stored.document = document
        stored.created_at = utcnow()
        return document
    try:
        with db.session.begin_nested():
            db.session.add(StoredCredential(certificate_id=certificate.id, locale=locale, document=document))
    except IntegrityError:
        # Another request stored one first: serve that one, so every copy is the same.
        return db.session.scalar(
            select(StoredCredential.document).where(
                StoredCredential.certificate_id == certificate.id, StoredCredential.locale == locale
            )
        )
    return document


def _names_holder(document: str, email: str) -> bool:
    """Whether a stored credential's hashed e-mail is this address."""
    identity = json.loads(document)["credentialSubject"]["identifier"][0]
    return identity["identityHash"] == hashed_email(email, identity["salt"])


def controller_document() -> dict:
    """The issuer's Open Badges profile and controller document: its keys, current first, then old ones.

    Digital Bazaar's verifier frames it in JSON-LD safe mode, which refuses a term no context
    defines: ``assertionMethod`` and ``verificationMethod`` need security/v2 (Multikey's context
    alone does not do), the profile's ``name`` and ``url`` the VC and OB contexts.
    """
    issuer = issuer_id()
    keys = issuer_keys(current_app.config)
    methods = [
        {
            "id": verification_method(multibase),
            "type": "Multikey",
            "controller": issuer,
            "publicKeyMultibase": multibase,
        }
        for multibase in keys.all_multibase
    ]
    return {
        "@context": [
            linked_data.CREDENTIALS_V2,
            linked_data.OB_V3,
            linked_data.SECURITY_V2,
            linked_data.MULTIKEY_V1,
        ],
        "id": issuer,
        "type": ["Profile"],
        "name": ISSUER_NAME,
        "url": external_url("/"),
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }


# The signed list, per web process, for the revision it was built for: signing costs a few
# milliseconds of canonicalisation, the one query below much less.
_revocation_cache: dict[str, tuple[str, str]] = {}
_revocation_lock = threading.Lock()


def revocation_list() -> tuple[str, str]:
    """(JSON text, revision) of the signed BitstringStatusListCredential for revocation.

    A certificate's bit (its id) is set while it is revoked or withdrawn. The revision digests
    exactly what the list says, so the cache can never serve a stale list, whatever changed it.
    """
    not_valid = or_(Certificate.revoked_at.is_not(None), Certificate.withdrawn_at.is_not(None))
    invalid = db.session.scalars(select(Certificate.id).where(not_valid)).all()
    highest = db.session.scalar(select(func.max(Certificate.id))) or 0
    length = status_list.list_length(highest)
    url = status_list_url()
    keys = issuer_keys(current_app.config)
    revision = hashlib.sha256(
        json.dumps([url, keys.current_multibase, length, sorted(invalid)]).encode()
    ).hexdigest()[:32]
    with _revocation_lock:
        cached = _revocation_cache.get(url)
    if cached is not None and cached[1] == revision:
        return cached
    unsigned = {
        "@context": [linked_data.CREDENTIALS_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": {"id": issuer_id(), "name": ISSUER_NAME},
        "validFrom": timestamp(utcnow()),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": status_list.encode(invalid, length),
        },
    }
    built = (json.dumps(_sign(unsigned), ensure_ascii=False, indent=2), revision)
    with _revocation_lock:
        _revocation_cache[url] = built
    return built


def is_revoked(certificate_id: int) -> bool:
    """Read back from the served list: whether this certificate's bit is set."""
    document = json.loads(revocation_list()[0])
    return status_list.is_set(document["credentialSubject"]["encodedList"], certificate_id)

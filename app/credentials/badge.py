"""The OpenBadgeCredential of a certificate, before signing: data in, JSON-LD out.

Texts are in the language asked for (``force_locale``), named by ``inLanguage``. The holder is
named by a salted hash of their e-mail address, never by name: the credential travels, and whoever
holds it can only confirm an address they already know.
"""

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime

from flask_babel import force_locale

from app.certificates.models import Certificate
from app.certificates.pdf import attestation, format_long_date
from app.credentials.linked_data import CREDENTIALS_V2, OB_V3
from app.i18n import gettext as _

ISSUER_NAME = "Cadre"


@dataclass(frozen=True)
class BadgeAddresses:
    """Where things live on this site, absolute (the credential is read far from it)."""

    site: str  # the home page
    issuer: str  # the controller document and issuer profile
    credential: str  # this credential, in this language
    course: str  # the course page
    status_list: str  # the revocation list credential


def timestamp(moment: datetime) -> str:
    """``2026-12-03T04:00:00Z``: XML Schema dateTime in UTC, to the second."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def hashed_email(email: str, salt: str) -> str:
    """Open Badges' ``identityHash``: ``sha256$`` and the hex digest of the address plus the salt."""
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()


def publisher_id(site: str, publisher: str) -> str:
    """A stable IRI for a publisher, which has no page of its own: a name-based UUID."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{site.rstrip('/')}/publishers/{publisher}").urn


def build_credential(
    certificate: Certificate, email: str, salt: str, locale: str, urls: BadgeAddresses
) -> dict:
    """The unsigned OpenBadgeCredential for ``certificate`` in ``locale``."""
    with force_locale(locale):
        version = certificate.course_version
        checked = format_long_date(certificate.content_updated, locale)
        criteria = _("Completed every module of version %(version)d of the course on Cadre.", version=version)
        attested = attestation(
            certificate.modules_completed, certificate.final_score, certificate.course_duration
        )
        if attested:
            criteria += " " + _("Attested: %(what)s.", what=attested)
        # An edition has versions of its own: its language is part of what was achieved.
        language = certificate.taken_in
        edition = "" if language == certificate.course.language else f"-{language}"
        achievement = {
            "id": f"{urls.course}#version-{version}{edition}",
            "type": ["Achievement"],
            "achievementType": "CertificateOfCompletion",
            "name": certificate.course_title,
            "description": _(
                "Certificate of completion of the course “%(course)s”, version %(version)d (facts "
                "checked on %(date)s), published by %(publisher)s.",
                course=certificate.course_title,
                version=version,
                date=checked,
                publisher=certificate.publisher,
            ),
            "criteria": {"narrative": criteria},
            "creator": {
                "id": publisher_id(urls.site, certificate.publisher),
                "type": ["Profile"],
                "name": certificate.publisher,
            },
            "version": str(version),
            "inLanguage": locale,
        }
        name = _("%(course)s: certificate of completion", course=certificate.course_title)
    return {
        "@context": [CREDENTIALS_V2, OB_V3],
        "id": urls.credential,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": urls.issuer, "type": ["Profile"], "name": ISSUER_NAME, "url": urls.site},
        "validFrom": timestamp(certificate.issued_at),
        "name": name,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "emailAddress",
                    "hashed": True,
                    "identityHash": hashed_email(email, salt),
                    "salt": salt,
                }
            ],
            "achievement": achievement,
        },
        "credentialStatus": {
            "id": f"{urls.status_list}#{certificate.id}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(certificate.id),
            "statusListCredential": urls.status_list,
        },
    }

"""Issuing certificates exactly once, and building their PDF once (by a job when issued)."""

import re
import secrets
from urllib.parse import urlencode

from flask_babel import to_user_timezone
from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError

from app.catalog import editions
from app.certificates import documents
from app.certificates.models import Certificate, CertificatePDF
from app.certificates.pdf import CertificateData, render_certificate_pdf
from app.extensions import db
from app.record import services as learning_record


def new_code() -> str:
    """An unguessable code: 128 bits of randomness, URL-safe."""
    return secrets.token_urlsafe(16)


CODE_LENGTH = len(new_code())  # 22: 16 random bytes, URL-safe base64
CODE_MAX_LENGTH = 64  # anything much longer is not a code


def find_by_typed_code(typed: str) -> Certificate | None:
    """The certificate a person typed the code of: spaces forgiven, a pasted page address or a full
    stop after it too (typed_code), and case when only one matches.

    Codes are case-sensitive, but a code read off paper is often typed in the wrong case; with 128
    random bits, two codes that differ only in case will practically never exist, and if they did,
    nothing is guessed.
    """
    code = typed_code(typed)
    if not code:
        return None
    exact = db.session.scalar(select(Certificate).where(Certificate.code == code))
    if exact is not None or len(code) != CODE_LENGTH:
        return exact  # only something shaped like a code is worth the search that ignores case
    found = db.session.scalars(
        select(Certificate).where(func.lower(Certificate.code) == code.lower()).limit(2)
    ).all()
    return found[0] if len(found) == 1 else None


def typed_code(typed: str) -> str:
    """A code as a person types or pastes it: no spaces, no full stop after it, and of a pasted
    verification address (…/certificates/<code>), its code (UX walk: each was « no certificate »)."""
    text = typed.strip()
    if "/certificates/" in text:
        text = re.split(r"[/?#]", text.split("/certificates/", 1)[1], maxsplit=1)[0]
    return "".join(text.split()).rstrip(".")[:CODE_MAX_LENGTH]


_CERTIFICATE = select(Certificate).where(  # built once: course and result pages run it
    Certificate.user_id == bindparam("user_id"), Certificate.course_id == bindparam("course_id")
)


def find_certificate(user_id: int, course_id: int) -> Certificate | None:
    """The learner's certificate for this course, if any."""
    return db.session.scalar(_CERTIFICATE, {"user_id": user_id, "course_id": course_id})


def earned(user, course):
    """What a certificate would attest, once every module is completed and the final test (if
    any) passed: (course progress, final score or None); None while it is not earned."""
    # learning imports this module, so it is imported here.
    from app.learning.services import courses_progress, final_test, modules_progress

    progress = courses_progress(user, [course.id])[course.id]
    if not progress.complete:
        return None
    final = final_test(course)
    if final is None:
        return progress, None
    row = modules_progress(user, [final.id]).get(final.id)
    if row is None or row.completed_at is None:
        return None  # a final test added or changed since courses_progress counted
    return progress, row.best_score


def waits_for_address(user, course) -> bool:
    """Earned, but held back until the learner confirms their address (pages say so; they ask
    only when they found no certificate). No query for anyone whose address is confirmed."""
    return user.is_authenticated and user.email_confirmed_at is None and earned(user, course) is not None


def issue_certificate_if_complete(user, course) -> Certificate | None:
    """Issue the certificate when every module is completed; return it only if this call issued it.

    Not before the learner's address is confirmed: confirming issues those it held back.
    Never twice: should two requests both see the course complete, the unique constraint lets
    one insert win and the other returns None, as when the certificate already existed.
    """
    if user.email_confirmed_at is None:
        return None  # issued when the address is confirmed (app/accounts/confirmation.py)
    if find_certificate(user.id, course.id) is not None:
        return None
    found = earned(user, course)
    if found is None:
        return None
    progress, final_score = found
    # Named, dated and versioned as the edition the learner read (app.catalog.editions).
    edition = editions.present(course, user=user)
    certificate = Certificate(
        code=new_code(),
        user_id=user.id,
        course_id=course.id,
        holder_name=user.full_name,
        course_title=edition.title,
        publisher=edition.publisher,
        course_version=edition.version,
        content_updated=edition.content_updated,
        language=edition.language,
        modules_completed=progress.completed,
        final_score=final_score,
        course_duration=edition.duration,
        module_titles=[{"title": m.title, "language": m.content_language} for m in edition.modules],
    )
    try:
        with db.session.begin_nested():
            db.session.add(certificate)
    except IntegrityError:
        return None
    learning_record.certificate_issued(user, course, certificate)  # the learning record (app/record)
    documents.build_when_committed(certificate, documents.document_locale(edition))
    return certificate


def certificate_pdf(certificate: Certificate, locale: str, verify_url: str) -> bytes:
    """The stored PDF in ``locale`` (the language the course was taken in, see routes), built and
    stored on first request."""
    stored = db.session.scalar(
        select(CertificatePDF.data).where(
            CertificatePDF.certificate_id == certificate.id, CertificatePDF.locale == locale
        )
    )
    if stored is not None:
        return stored
    data = render_certificate_pdf(
        CertificateData(
            holder_name=certificate.holder_name,
            course_title=certificate.course_title,
            publisher=certificate.publisher,
            issued_on=to_user_timezone(certificate.issued_at).date(),
            course_version=certificate.course_version,
            content_updated=certificate.content_updated,
            language=certificate.taken_in,
            modules_completed=certificate.modules_completed,
            final_score=certificate.final_score,
            course_duration=certificate.course_duration,
            code=certificate.code,
            verify_url=verify_url,
        ),
        locale=locale,
    )
    try:
        with db.session.begin_nested():
            db.session.add(CertificatePDF(certificate_id=certificate.id, locale=locale, data=data))
    except IntegrityError:
        pass  # another request stored the same PDF first; ours is identical in content
    return data


def linkedin_url(certificate: Certificate, verify_url: str) -> str:
    """LinkedIn's « add a certification to my profile » form, filled in.

    The parameters (startTask=CERTIFICATION_NAME, name, organizationName, issueYear, issueMonth
    1-12, certUrl, certId) are those of LinkedIn's Add to Profile for Certifications. The
    organisation is the publisher, whose course it is; the URL is the public verification page.
    """
    issued = to_user_timezone(certificate.issued_at)
    query = {
        "startTask": "CERTIFICATION_NAME",
        "name": certificate.course_title,
        "organizationName": certificate.publisher,
        "issueYear": issued.year,
        "issueMonth": issued.month,
        "certUrl": verify_url,
        "certId": certificate.code,
    }
    return "https://www.linkedin.com/profile/add?" + urlencode(query)

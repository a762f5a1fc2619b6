"""A new certificate's PDF and Open Badge, built by the job queue as soon as it is issued.

Building them takes a few hundred milliseconds (a PDF with its QR code, an Ed25519 signature):
the request that issues the certificate (a final quiz passed) does not wait for it, nor does the
holder's first download. Issuing notes the certificate on the session; once the transaction is
committed, a job builds both documents in the language the holder will download them in and stores
them (app.certificates.services.certificate_pdf, app.credentials.services.stored_credential), where
the downloads find them. A download that comes first, or a job that failed, builds them as before.
"""

from flask import current_app, has_request_context
from flask_babel import force_locale, get_locale
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app import jobs
from app.extensions import db
from app.urls import site_url

PENDING = "certificate_documents"  # session.info: {certificate code: language of its documents}


def document_locale(edition) -> str:
    """The language a certificate's documents are first built in: the one the course was taken in
    when the course is in several (as app.certificates.routes.document_language decides), else the
    interface's of the learner whose request issued it (their own course), else the course's."""
    if len(edition.languages) > 1 and edition.language in current_app.config["LANGUAGES"]:
        return edition.language
    return str(get_locale()) if has_request_context() else edition.language


def build_when_committed(certificate, locale: str) -> None:
    """Have the certificate's documents built once the current transaction commits.

    Noted by code, which no other certificate will ever have: should the savepoint that issued it
    roll back, the job finds nothing, even if another certificate took the same id meanwhile.
    """
    db.session.info.setdefault(PENDING, {})[certificate.code] = locale


@event.listens_for(Session, "after_commit")
def _queue(session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: nothing is durable before the outer commit
    pending = session.info.pop(PENDING, None)
    if pending:
        base_url = site_url()
        for code, locale in sorted(pending.items()):
            jobs.enqueue(build_documents, code, locale, base_url)


@event.listens_for(Session, "after_rollback")
def _forget(session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(PENDING, None)


def build_documents(code: str, locale: str, base_url: str) -> None:
    """The job: build and store the certificate's PDF and Open Badge in ``locale``.

    Links in them (the verification page, the badge's addresses) are made under ``base_url``, the
    site address of the request that issued the certificate.
    """
    from app.certificates.models import Certificate
    from app.certificates.routes import verify_url  # the routes import this module's callers
    from app.certificates.services import certificate_pdf
    from app.credentials.services import AddressNotConfirmed, stored_credential

    # An app context of its own, so a session of its own: run at once (tests, or no queue), the job
    # is called from the issuing session's commit, which can run no more SQL. A request context
    # under ``base_url`` lets the pages' addresses be built as the downloads build them.
    app = current_app._get_current_object()
    with app.app_context(), app.test_request_context(base_url=base_url), force_locale(locale):
        certificate = db.session.scalar(select(Certificate).where(Certificate.code == code))
        if certificate is None or not certificate.valid:
            return  # withdrawn or revoked meanwhile: nothing to hand out
        certificate_pdf(certificate, locale, verify_url(certificate))
        try:
            stored_credential(certificate, locale)
        except AddressNotConfirmed:
            pass  # built when downloaded, once the holder has confirmed their new address
        db.session.commit()

"""Public verification page and the holder's PDF download."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, get_locale
from flask_login import current_user, login_required
from sqlalchemy import select

from app.catalog import editions
from app.catalog.models import Course
from app.certificates.models import Certificate
from app.certificates.pdf import attestation
from app.certificates.services import (
    CODE_MAX_LENGTH,
    certificate_pdf,
    find_by_typed_code,
    linkedin_url,
)
from app.credentials.services import AddressNotConfirmed, stored_credential
from app.extensions import db, writes_on_get
from app.i18n import gettext as _
from app.urls import external_url

bp = Blueprint("certificates", __name__, url_prefix="/certificates")


def get_certificate_or_404(code: str) -> Certificate:
    """The certificate with this code, or 404."""
    certificate = db.session.scalar(select(Certificate).where(Certificate.code == code))
    if certificate is None:
        abort(404)
    return certificate


def verify_url(certificate: Certificate) -> str:
    """The absolute public URL that proves the certificate."""
    return external_url(url_for("certificates.verify", code=certificate.code))


@bp.get("/")
def lookup():
    """A form to type a verification code, e.g. read off a PDF."""
    typed = request.args.get("code", "")[: CODE_MAX_LENGTH * 2]
    if typed.strip():
        found = find_by_typed_code(typed)
        if found is not None:
            return redirect(url_for("certificates.verify", code=found.code))
        return render_template("certificates/lookup.html", typed=typed, unknown=True), 404
    return render_template("certificates/lookup.html", typed="", unknown=False)


@bp.get("/<code>")
def verify(code: str):
    """Anyone, signed in or not, can check a certificate here."""
    certificate = db.session.scalar(select(Certificate).where(Certificate.code == code))
    if certificate is None:
        # Not a dead end: an employer learns that no certificate has this code, and can retype it.
        found = find_by_typed_code(code)
        if found is not None:
            return redirect(url_for("certificates.verify", code=found.code))
        return render_template("certificates/lookup.html", typed=code[:CODE_MAX_LENGTH], unknown=True), 404
    languages = languages_of(certificate)
    return render_template(
        "certificates/verify.html",
        certificate=certificate,
        current_version=current_version(certificate, languages),
        document_language=document_language(certificate, languages),
        verify_url=verify_url(certificate),
        attestation=attestation,
        linkedin_url=linkedin_url(certificate, verify_url(certificate)),
    )


def languages_of(certificate: Certificate) -> dict[str, Course]:
    """The certificate's course in each language it is live in, the original included (one query)."""
    return editions.editions_by_course([certificate.course])[certificate.course_id]


def document_language(certificate: Certificate, languages: dict[str, Course]) -> str:
    """The language of a certificate's PDF and badge: the one the course was taken in when the
    course is in several and the learner chose, else the reader's."""
    if len(languages) > 1 and certificate.taken_in in current_app.config["LANGUAGES"]:
        return certificate.taken_in
    return str(get_locale())


def current_version(certificate: Certificate, languages: dict[str, Course]) -> int:
    """The version now live of the edition the certificate was earned on."""
    edition = languages.get(certificate.taken_in, certificate.course)
    return edition.version


@bp.get("/<code>/pdf")
@writes_on_get  # built and kept if the job that builds it at issue has not yet
@login_required
def pdf(code: str):
    """The holder downloads their certificate as a PDF, built once per language and kept."""
    certificate = get_certificate_or_404(code)
    if certificate.user_id != current_user.id:
        abort(403)
    if not certificate.valid:  # a copy handed out would read as a valid certificate
        flash(_("This certificate is no longer valid: it has no PDF to download any more."), "error")
        return redirect(url_for("certificates.verify", code=certificate.code))
    locale = document_language(certificate, languages_of(certificate))
    data = certificate_pdf(certificate, locale, verify_url(certificate))
    db.session.commit()
    with force_locale(locale):  # named in the document's language
        # TRANSLATORS: the certificate PDF's file name: no spaces or accents.
        filename = _("cadre-certificate-%(course)s.pdf", course=certificate.course.slug)
    return (
        data,
        200,
        {
            "Content-Type": "application/pdf",
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, max-age=3600",
        },
    )


@bp.get("/<code>/credential.json", defaults={"lang": None})
@bp.get("/<code>/credential-<lang>.json")
@writes_on_get  # built and kept if the job that builds it at issue has not yet
@login_required
def credential(code: str, lang: str | None):
    """The holder downloads their signed Open Badge 3.0, built once per language and kept.

    Holder only, like the PDF: it carries a salted hash of their e-mail address, which anyone
    holding the file could test a guessed address against. Gone (404, "no longer exists") once the
    certificate is revoked or withdrawn: its page says why, and copies handed out read as revoked.
    """
    certificate = get_certificate_or_404(code)
    if certificate.user_id != current_user.id:
        abort(403)
    if lang is None:
        lang = document_language(certificate, languages_of(certificate))
    if lang not in current_app.config["LANGUAGES"]:
        abort(404)
    if not certificate.valid:
        abort(404)
    try:
        document = stored_credential(certificate, lang)
    except AddressNotConfirmed:
        flash(_("Confirm your e-mail address first: the digital badge names you by it."), "error")
        return redirect(url_for("certificates.verify", code=certificate.code))
    db.session.commit()
    filename = f"cadre-badge-{certificate.course.slug}-{lang}.json"
    return (
        document,
        200,
        {
            # application/json: what browsers, wallets' file import and JSON-LD tools all read;
            # the credential media types changed between drafts of the VC data model.
            "Content-Type": "application/json",
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, max-age=3600",
        },
    )

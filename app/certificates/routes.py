"""Public verification page and the holder's PDF download."""

from flask import Blueprint, abort, render_template, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required
from sqlalchemy import select

from app.certificates.models import Certificate
from app.certificates.pdf import attestation
from app.certificates.services import certificate_pdf
from app.extensions import db
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


@bp.get("/<code>")
def verify(code: str):
    """Anyone, signed in or not, can check a certificate here."""
    certificate = get_certificate_or_404(code)
    return render_template(
        "certificates/verify.html",
        certificate=certificate,
        verify_url=verify_url(certificate),
        attestation=attestation,
    )


@bp.get("/<code>/pdf")
@login_required
def pdf(code: str):
    """The holder downloads their certificate as a PDF, built once per language and kept."""
    certificate = get_certificate_or_404(code)
    if certificate.user_id != current_user.id:
        abort(403)
    locale = str(get_locale())
    data = certificate_pdf(certificate, locale, verify_url(certificate))
    db.session.commit()
    filename = f"cadre-certificate-{certificate.course.slug}.pdf"
    return (
        data,
        200,
        {
            "Content-Type": "application/pdf",
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, max-age=3600",
        },
    )

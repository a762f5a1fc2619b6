"""Certificates: exactly once (even when two requests race), public page, the holder's PDF."""

from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from app.catalog.models import Module
from app.certificates import services as certificate_services
from app.certificates.models import Certificate, CertificatePDF
from app.extensions import db
from app.learning.services import mark_read, submit_quiz
from app.models_base import utcnow
from tests.conftest import text_of


def complete(user, course):
    """Complete every module of the fixture course through the services."""
    certificate = None
    for module in course.modules:
        if module.has_quiz:
            right = {q.key: [i for i, c in enumerate(q.choices) if c["correct"]] for q in module.questions}
            _, certificate = submit_quiz(user, module, right)
        else:
            certificate = mark_read(user, module)
    db.session.commit()
    return certificate


@pytest.fixture
def holder(make_user):
    return make_user(full_name="Zoé Lefèvre-Œuvray", email="zoe@example.org")


def test_certificate_code_is_unguessable(app, course, holder):
    certificate = complete(holder, course)
    assert len(certificate.code) >= 22
    assert certificate.code != certificate_services.new_code()


def test_race_between_two_requests_issues_one_certificate(app, course, holder, monkeypatch):
    """A second request that saw no certificate loses the insert: it issues nothing more."""
    winner = complete(holder, course)
    assert winner is not None
    # Already issued: asking again issues nothing.
    assert certificate_services.issue_certificate_if_complete(holder, course) is None
    # The race: this request's check ran before the winner committed, so it saw none.
    monkeypatch.setattr(certificate_services, "find_certificate", lambda *args: None)
    assert certificate_services.issue_certificate_if_complete(holder, course) is None
    db.session.commit()
    assert db.session.scalars(select(Certificate.code)).all() == [winner.code]


def test_no_certificate_before_every_module_is_done(app, course, holder):
    consent = db.session.scalar(select(Module).where(Module.slug == "consentement"))
    assert mark_read(holder, consent) is None
    db.session.commit()
    assert db.session.scalar(select(func.count(Certificate.id))) == 0


def test_public_page_needs_no_login(client, app, course, holder):
    certificate = complete(holder, course)
    page = text_of(client.get(f"/certificates/{certificate.code}"))
    assert "Valid certificate" in page
    assert "Zoé Lefèvre-Œuvray" in page
    assert f'<a href="/courses/{course.slug}" lang="fr">{course.title}</a>' in page  # what it taught
    assert course.publisher in page
    assert f"version {course.version}" in page
    assert f"https://cadre.example/certificates/{certificate.code}" in page


def test_revoked_certificate_says_so(client, app, course, holder):
    certificate = complete(holder, course)
    certificate.revoked_at = utcnow()
    db.session.commit()
    page = text_of(client.get(f"/certificates/{certificate.code}"))
    assert "revoked" in page and "Valid certificate" not in page
    # Nothing lower on the page may say otherwise (it said "the certificate is genuine").
    assert "genuine" not in page and "This certificate is no longer valid" in page
    certificate.revoked_at, certificate.withdrawn_at = None, utcnow()  # the holder deleted their account
    db.session.commit()
    page = text_of(client.get(f"/certificates/{certificate.code}"))
    assert "genuine" not in page and "This certificate is no longer valid" in page


def test_an_unknown_code_says_so_and_offers_to_type_it_again(client, app):
    response = client.get("/certificates/not-a-real-code")
    assert response.status_code == 404
    page = text_of(response)
    assert "No certificate has the code not-a-real-code." in page
    assert 'action="/certificates/"' in page and 'value="not-a-real-code"' in page
    # Said to a screen reader too (a11y walk): the title, the focus, the field's description.
    assert "<title>Error: Check a certificate · Cadre</title>" in page
    assert 'role="alert" tabindex="-1" data-focus-first' in page and '<p id="code-error">' in page
    assert 'aria-invalid="true" aria-describedby="code-error"' in page
    assert "Error:" not in text_of(client.get("/certificates/"))
    assert client.get("/certificates/?code=%3Cb%3Enope").status_code == 404
    assert "&lt;b&gt;nope" in client.get("/certificates/?code=%3Cb%3Enope").get_data(as_text=True)


def test_a_typed_code_forgives_spaces_and_case(client, app, course, holder):
    code = complete(holder, course).code
    assert "Every Cadre certificate has a verification code." in text_of(client.get("/certificates/"))
    typed = " ".join([code[:8], code[8:16], code[16:]]).swapcase()
    response = client.get("/certificates/", query_string={"code": f"  {typed} "})
    assert response.status_code == 302 and response.location == f"/certificates/{code}"
    wrong_case = client.get(f"/certificates/{code.swapcase()}")
    assert wrong_case.status_code == 302 and wrong_case.location == f"/certificates/{code}"
    assert 'href="/certificates/"' in text_of(client.get("/courses"))  # linked from every footer
    # A pasted verification address, a full stop typed after the code (UX walk).
    for pasted in (f"https://cadre.example/certificates/{code}?utm=x", f"{code}.", f"/certificates/{code}/"):
        response = client.get("/certificates/", query_string={"code": pasted})
        assert response.status_code == 302 and response.location == f"/certificates/{code}", pasted


def test_pdf_for_the_holder_only(client, app, course, holder, auth, make_user):
    certificate = complete(holder, course)
    url = f"/certificates/{certificate.code}/pdf"
    assert client.get(url).status_code == 302  # anonymous: log in first
    other = make_user()
    auth.login(other.email)
    assert client.get(url).status_code == 403
    auth.logout()
    auth.login(holder.email)
    response = client.get(url, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = PdfReader(BytesIO(response.data)).pages[0].extract_text()
    flat = " ".join(text.split())
    assert "Zoé Lefèvre-Œuvray" in flat
    assert course.title.replace("'", "’") in flat or course.title in flat
    assert f"https://cadre.example/certificates/{certificate.code}" in flat.replace(" ", "")
    disposition = response.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="cadre-certificate-{course.slug}.pdf"'
    # Built once, then served from storage.
    again = client.get(url, headers={"Accept-Language": "en"})
    assert again.data == response.data
    assert db.session.scalar(select(func.count(CertificatePDF.id))) == 1
    french = client.get(url, headers={"Accept-Language": "fr"}).headers["Content-Disposition"]
    assert french == f'attachment; filename="cadre-certificat-{course.slug}.pdf"'  # named in its language


def test_a_holder_is_told_the_course_was_updated_since(client, app, course, holder, auth):
    """The UX walk of session 40: only the certificate's page said so."""
    certificate = complete(holder, course)
    auth.login(holder.email)
    assert "updated since" not in text_of(client.get("/dashboard")).lower()
    assert "Updated since your certificate" not in text_of(client.get(f"/courses/{course.slug}"))
    course.version = certificate.course_version + 1  # a new version published
    db.session.commit()
    dashboard = text_of(client.get("/dashboard"))
    assert (
        f'<a href="/courses/{course.slug}">The course has been updated since (now version 2).</a>'
        in dashboard
    )
    page = text_of(client.get(f"/courses/{course.slug}"))
    assert (
        "Updated since your certificate: you earned it on version 1, the course is now at version 2" in page
    )

"""A certificate's PDF and Open Badge are built by a job when it is issued, not at the download."""

from sqlalchemy import func, select

from app import jobs
from app.certificates import documents
from app.certificates.models import Certificate, CertificatePDF
from app.credentials.models import StoredCredential
from app.extensions import db
from tests.learning.test_learning import complete_course, learner  # noqa: F401 (a fixture)


def test_issuing_builds_the_documents_in_the_holders_language(client, course, learner):  # noqa: F811
    complete_course(client, course)
    certificate = db.session.scalar(select(Certificate))
    # The request's language (tests: English), the course being in one language only.
    pdfs = db.session.execute(select(CertificatePDF.locale, func.length(CertificatePDF.data))).all()
    assert [locale for locale, _ in pdfs] == ["en"] and pdfs[0][1] > 1000
    badge = db.session.scalar(
        select(StoredCredential).where(StoredCredential.certificate_id == certificate.id)
    )
    assert badge.locale == "en" and f"/certificates/{certificate.code}" in badge.document


def test_the_download_serves_what_the_job_built(client, course, learner, monkeypatch):  # noqa: F811
    complete_course(client, course)
    certificate = db.session.scalar(select(Certificate))
    stored = db.session.scalar(select(CertificatePDF.data))

    def built_again(*args, **kwargs):
        raise AssertionError("the PDF was built again")

    monkeypatch.setattr("app.certificates.services.render_certificate_pdf", built_again)
    response = client.get(f"/certificates/{certificate.code}/pdf")
    assert response.status_code == 200 and response.data == stored


def test_a_transaction_rolled_back_queues_nothing(app, course, monkeypatch):
    queued = []
    monkeypatch.setattr(jobs, "enqueue", lambda *args: queued.append(args))
    documents.build_when_committed(Certificate(code="never-issued"), "fr")
    db.session.rollback()
    db.session.commit()
    assert queued == []


def test_a_certificate_gone_meanwhile_builds_nothing(app, course):
    db.session.commit()  # the job's own session waits for no open transaction of ours
    documents.build_documents("never-issued", "fr", "http://localhost/")
    assert db.session.scalar(select(func.count(CertificatePDF.id))) == 0

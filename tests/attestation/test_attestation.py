"""Training bodies: the settings page, the « certificat de réalisation » and the evidence pack."""

import csv
import io
import re
import zipfile
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from app.accounts.models import User
from app.attestation import services
from app.attestation.models import TrainingBody
from app.attestation.pdf import hours_and_minutes
from app.catalog.models import Module
from app.certificates.models import Certificate
from app.extensions import db
from app.learning.models import QuizAttempt
from app.models_base import utcnow
from app.orgs import services as orgs
from app.orgs.models import Organisation
from app.record import services as record
from app.record.models import LearningEvent
from tests.conftest import PASSWORD, csrf_token_from, signed_in_with_csrf, text_of
from tests.publishing.test_workflow import publisher, valid_files  # noqa: F401
from tests.record.test_pages import activity, login, published  # noqa: F401

SETTINGS = "/workspace/syndicat/settings/training-body"
LEARNERS = "/workspace/syndicat/voix-et-ia/attestations"
MINE = "/account/me/record/voix-et-ia/attestation.{kind}"
STATISTICS = "/workspace/syndicat/voix-et-ia/statistics"
GOOD = {
    "legal_name": "Syndicat des scénaristes Formation",
    "declaration_number": "11 75 12345 75",
    "signatory_name": "Claire Martin",
    "signatory_role": "Présidente",
    "place": "Paris",
}


def pdf_text(data: bytes) -> str:
    """The PDF's text as a reader copies it, spaces normalised."""
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"[ \u00a0\u202f]+", " ", text)


@pytest.fixture
def body(published):  # noqa: F811
    """The publisher of the published fixture course is a training body."""
    org = db.session.scalar(select(Organisation).where(Organisation.slug == "syndicat"))
    services.save_training_body(org.id, **{**GOOD, "declaration_number": "11751234575"})
    db.session.commit()
    return published


@pytest.fixture
def learner_with_record(client, auth, body, course, make_user):
    """A learner who read, reported time, took the quiz and earned a certificate.

    Time goes in through the record's own writer (the caps of a live report would cut it to
    seconds in a test), on two modules and two days, so hours and dates show in the certificate.
    """
    learner = make_user("Zoé Lefèvre", "zoe@example.org")
    login(auth, learner)
    activity(client, course)  # 90 s reported, the module marked read (its statement repeats the 90 s)
    modules = db.session.scalars(
        select(Module).where(Module.course_id == course.id).order_by(Module.id)
    ).all()
    earlier = utcnow() - timedelta(days=3)
    record.time_spent(learner, modules[0], 3600, earlier)
    record.time_spent(learner, modules[2], 3900, earlier + timedelta(hours=2))
    certificate = Certificate(
        code="attestation-test-code",
        user_id=learner.id,
        course_id=course.id,
        holder_name=learner.full_name,
        course_title=course.title,
        publisher=course.publisher,
        course_version=course.version,
        content_updated=course.content_updated,
        modules_completed=3,
        course_duration=150,
        issued_at=utcnow(),
    )
    db.session.add(certificate)
    record.certificate_issued(learner, course, certificate)  # "completed" carries the sum again
    db.session.commit()
    return learner


def measured(user_id: int, course_id: int) -> int:
    """What the record holds as measured time: the experienced events only."""
    return db.session.scalar(
        select(func.sum(LearningEvent.duration_seconds)).where(
            LearningEvent.user_id == user_id,
            LearningEvent.course_id == course_id,
            LearningEvent.verb == "experienced",
        )
    )


# The hours --------------------------------------------------------------------------------------


def test_hours_and_minutes_never_round_up():
    assert hours_and_minutes(7530) == "2\u00a0h\u00a005\u00a0min"
    assert hours_and_minutes(59) == "0\u00a0h\u00a000\u00a0min"


def test_the_certificate_s_hours_match_the_record(client, auth, body, course, learner_with_record):
    seconds = measured(learner_with_record.id, course.id)
    assert seconds == 90 + 3600 + 3900
    everything = db.session.scalar(
        select(func.sum(LearningEvent.duration_seconds)).where(
            LearningEvent.user_id == learner_with_record.id
        )
    )
    assert everything > seconds  # read and completed repeat the same seconds: not to be added

    login(auth, body["admin"])
    response = client.get(f"{LEARNERS}/{learner_with_record.id}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    text = pdf_text(response.data)
    hours = re.search(r"pour une durée de (\d+) h (\d\d) min", text)
    assert hours, text
    assert int(hours[1]) * 3600 + int(hours[2]) * 60 == seconds // 60 * 60
    assert "CERTIFICAT DE RÉALISATION" in text
    assert "Zoé Lefèvre" in text
    assert "Syndicat des scénaristes Formation" in text
    assert "11 75 12345 75" in text
    assert "Claire Martin, Présidente" in text
    assert "Fait à : Paris" in text
    # Days as the training body reads them, in its time zone (BABEL_DEFAULT_TIMEZONE), not the
    # machine's: between 23:00 and midnight UTC, Paris is already on the next day. From the moments
    # recorded three days apart, not the clock, which may pass midnight while the test runs.
    moments = db.session.scalars(
        select(LearningEvent.occurred_at).where(
            LearningEvent.user_id == learner_with_record.id,
            LearningEvent.course_id == course.id,
            LearningEvent.verb != "registered",
        )
    ).all()
    assert max(moments) - min(moments) > timedelta(days=2, hours=23)
    paris = ZoneInfo("Europe/Paris")
    first, last = (moment.astimezone(paris).strftime("%d/%m/%Y") for moment in (min(moments), max(moments)))
    assert f"qui s’est déroulée du {first} au {last}" in text


def test_the_evidence_pack_holds_the_record_the_attempts_and_the_certificate(
    client, auth, body, course, learner_with_record
):
    login(auth, learner_with_record)
    response = client.get(MINE.format(kind="zip"))
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert archive.namelist() == [
        "1-certificat-de-realisation.pdf",
        "2-releve-d-activite.pdf",
        "3-releve-d-activite.csv",
        "4-tentatives.csv",
    ]
    seconds = measured(learner_with_record.id, course.id)
    assert hours_and_minutes(seconds).replace("\u00a0", " ") in pdf_text(
        archive.read("1-certificat-de-realisation.pdf")
    )

    statement = pdf_text(archive.read("2-releve-d-activite.pdf"))
    assert f"({seconds} secondes)" in statement
    assert "attestation-test-code" in statement
    assert "Durée annoncée du cours 2 h 30 min" in statement.replace("\u00a0", " ")
    assert "https://cadre.example/" in statement  # the certificate's verification address

    rows = list(
        csv.reader(io.StringIO(archive.read("3-releve-d-activite.csv").decode("utf-8-sig")), delimiter=";")
    )
    events = db.session.scalar(
        select(func.count(LearningEvent.id)).where(LearningEvent.user_id == learner_with_record.id)
    )
    assert len(rows) == events + 1
    assert sum(int(r[11]) for r in rows[1:] if r[13] == "experienced") == seconds
    assert {r[6] for r in rows[1:] if r[13] == "experienced"} == {"A lu le module"}  # in French

    attempts = list(
        csv.reader(io.StringIO(archive.read("4-tentatives.csv").decode("utf-8-sig")), delimiter=";")
    )
    assert len(attempts) - 1 == db.session.scalar(select(func.count(QuizAttempt.id))) == 1


def test_the_course_s_learners_are_listed_with_their_time(client, auth, body, course, learner_with_record):
    login(auth, body["admin"])
    stats = text_of(client.get(STATISTICS))
    assert LEARNERS in stats
    page = text_of(client.get(LEARNERS))
    assert "Zoé Lefèvre" in page
    assert hours_and_minutes(measured(learner_with_record.id, course.id)) in page
    assert f"{LEARNERS}/{learner_with_record.id}.zip" in page


def test_a_class_registered_by_its_school_is_not_shown_to_the_publisher(
    client, auth, body, course, learner_with_record, make_user
):
    """A school's assignment registers its students; until they do something in the course, the
    publisher sees neither their names on the attestations page nor their lines in its export."""
    student = make_user("Sami Élève", "sami@ecole.example")
    record.register([student.id], [course])
    db.session.commit()
    login(auth, body["admin"])
    page = text_of(client.get(LEARNERS))
    assert "Zoé Lefèvre" in page and "Sami Élève" not in page
    assert client.get(f"{LEARNERS}/{student.id}.pdf").status_code == 404
    export = client.get(STATISTICS.replace("/statistics", "/record.csv")).get_data(as_text=True)
    assert "Zoé Lefèvre" in export and "sami@ecole.example" not in export


# Who may download -------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", "/{id}.pdf", "/{id}.zip"])
@pytest.mark.parametrize(
    ("role", "status"),
    [("admin", 200), ("editor", 403), ("member", 403), ("outsider", 404), ("other_editor", 404)],
)
def test_who_may_download_a_learner_s_certificate(
    client, auth, body, learner_with_record, role, status, suffix
):
    login(auth, body[role])
    assert client.get(LEARNERS + suffix.format(id=learner_with_record.id)).status_code == status


def test_a_learner_downloads_only_their_own(client, auth, body, learner_with_record, make_user):
    login(auth, learner_with_record)
    page = text_of(client.get("/account/me/record/voix-et-ia"))
    assert MINE.format(kind="pdf") in page and MINE.format(kind="zip") in page
    assert client.get(MINE.format(kind="pdf")).status_code == 200
    login(auth, make_user("Paul Personne", "paul@example.org"))  # nothing recorded in the course
    assert client.get(MINE.format(kind="pdf")).status_code == 404
    login(auth, body["admin"])
    assert client.get(f"{LEARNERS}/{body['admin'].id}.pdf").status_code == 404  # not a learner of it
    auth.logout()
    assert client.get(MINE.format(kind="pdf")).status_code == 302  # to the login page


def test_the_record_says_the_time_the_funder_s_certificate_will_state(client, auth, body, course, make_user):
    """Learner walk: in English the link read « Certificate of completion », the certificate's own
    name, for a French form that then stated « 0 h 00 min » to one who never kept a page open."""
    learner = make_user("Zoé Lefèvre", "zoe@example.org")
    login(auth, learner)
    module = db.session.scalars(
        select(Module).where(Module.course_id == course.id).order_by(Module.id)
    ).first()
    record.time_spent(learner, module, 20, utcnow())
    db.session.commit()
    page = " ".join(text_of(client.get("/account/me/record/voix-et-ia")).split())
    assert "It states the time this record measured on the course's pages: 0 h 00 min." in page
    assert "Almost none yet: time counts while a module page is open in front of you." in page
    assert "Certificat de réalisation (PDF)" in page and "Certificate of completion" not in page
    record.time_spent(learner, module, 3900, utcnow())
    db.session.commit()
    french = " ".join(
        text_of(client.get("/account/me/record/voix-et-ia", headers={"Accept-Language": "fr"})).split()
    )
    assert "Il indique le temps que ce relevé a mesuré sur les pages du cours : 1 h 05 min." in french
    assert "Presque rien" not in french


def test_not_a_training_body_no_link_and_404(client, auth, published, course, make_user):  # noqa: F811
    learner = make_user()
    login(auth, learner)
    activity(client, course)
    assert "attestation" not in text_of(client.get("/account/me/record/voix-et-ia"))
    assert client.get(MINE.format(kind="pdf")).status_code == 404
    assert client.get(MINE.format(kind="zip")).status_code == 404
    login(auth, published["admin"])
    assert "attestations" not in text_of(client.get(STATISTICS))
    assert client.get(LEARNERS).status_code == 404
    assert client.get(f"{LEARNERS}/{learner.id}.pdf").status_code == 404


# The settings page ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [("admin", 200), ("editor", 403), ("member", 403), ("outsider", 404), ("other_editor", 404)],
)
def test_who_may_open_the_settings(client, auth, published, role, status):  # noqa: F811
    login(auth, published[role])
    assert client.get(SETTINGS).status_code == status
    assert client.post(SETTINGS, data=GOOD).status_code == (302 if status == 200 else status)


def test_the_settings_save_and_the_number_is_kept_as_digits(client, auth, published):  # noqa: F811
    login(auth, published["admin"])
    assert "Training body" in text_of(client.get("/workspace/syndicat"))
    response = client.post(SETTINGS, data=GOOD, follow_redirects=True)
    assert "Saved." in text_of(response)
    saved = db.session.scalar(select(TrainingBody))
    assert saved.declaration_number == "11751234575"
    assert saved.legal_name == GOOD["legal_name"] and saved.place == "Paris"
    client.post(SETTINGS + "/remove")
    assert db.session.scalar(select(TrainingBody)) is None


@pytest.mark.parametrize("number", ["1234", "117512345751", "11 75 1234A 75", ""])
def test_a_bad_declaration_number_is_refused_and_nothing_saved(client, auth, published, number):  # noqa: F811
    login(auth, published["admin"])
    response = client.post(SETTINGS, data={**GOOD, "declaration_number": number})
    assert response.status_code == 400
    page = text_of(response)
    assert "A declaration of activity number has 11 digits." in page or "Give the declaration" in page
    assert db.session.scalar(select(TrainingBody)) is None


def test_the_settings_need_the_csrf_token(database_url):
    with signed_in_with_csrf(database_url) as (app, client, user):
        org = orgs.create_organisation("syndicat", "Syndicat des scénaristes", "publisher")
        db.session.commit()
        orgs.set_role(org, db.session.get(User, user.id), "admin")
        db.session.commit()
        assert client.post(SETTINGS, data=GOOD).status_code == 400
        assert db.session.scalar(select(TrainingBody)) is None
        token = csrf_token_from(client.get(SETTINGS).get_data(as_text=True))
        assert client.post(SETTINGS, data={**GOOD, "csrf_token": token}).status_code == 302
        assert db.session.scalar(select(TrainingBody)).organisation_id == org.id
        assert PASSWORD  # the helper logged in through the real form with it

"""The learner's own record, the exports for teachers and publishers, retention and account data."""

import csv
import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from app.extensions import db
from app.models_base import utcnow
from app.publishing.models import PUBLISHED, CourseDraft
from app.record.models import LearningEvent
from app.schools.models import Assignment
from tests.conftest import counted_statements, text_of
from tests.learning.test_learning import COURSE, QUIZ, answers
from tests.publishing.test_workflow import publisher, valid_files  # noqa: F401
from tests.schools.test_schools import klass, people, school  # noqa: F401

READ = f"{COURSE}/consentement/read"


def count_events() -> int:
    return db.session.scalar(select(func.count(LearningEvent.id)))


def login(auth, user):
    auth.logout()
    auth.login(user.email)


def activity(client, course):
    client.post(f"{COURSE}/consentement/time", data={"seconds": "90"})
    client.post(READ)
    client.post(QUIZ, data=answers(client, course, "1", ["0", "1"]))


def counting(client, url: str) -> tuple[int, object]:
    with counted_statements() as statements:
        response = client.get(url)
    return len(statements), response


# The learner's page -----------------------------------------------------------------------------


def test_the_learner_sees_their_record_by_course(client, auth, course, make_user):
    learner = make_user()
    login(auth, learner)
    assert "Nothing is recorded yet" in text_of(client.get("/account/me/record"))
    activity(client, course)
    page = text_of(client.get("/account/me/record"))
    assert course.title in page and "1\u00a0min" in page  # 90 seconds of reading
    assert "How time spent is measured" in page and "1,095 days" in page
    assert client.get("/account/me/record").headers["Cache-Control"] == "no-store"
    detail = text_of(client.get("/account/me/record/voix-et-ia"))
    for expected in ("Enrolled in the course", "Marked the module as read", "Passed the quiz", "Score: 100%"):
        assert expected in detail
    assert "Recueillir le consentement" in detail and "Time: 1\u00a0min" in detail
    assert "/account/me/record" in text_of(client.get("/account/me/"))
    client.post(QUIZ, data=answers(client, course, "1", ["0", "1"]))  # passed again, for practice
    assert "<dt>Quizzes passed</dt><dd>1</dd>" in text_of(client.get("/account/me/record"))  # UX walk: 2


def test_another_learners_record_is_not_shown(client, auth, course, make_user):
    first, second = make_user(), make_user()
    login(auth, first)
    activity(client, course)
    login(auth, second)
    assert course.title not in text_of(client.get("/account/me/record"))
    assert client.get("/account/me/record/voix-et-ia").status_code == 404
    assert client.get("/account/me/record/nope").status_code == 404


def test_the_record_pages_cost_the_same_queries_for_many_events(client, auth, course, make_user):
    login(auth, make_user())
    activity(client, course)
    few = [counting(client, url)[0] for url in ("/account/me/record", "/account/me/record/voix-et-ia")]
    for _ in range(30):
        client.post(QUIZ, data=answers(client, course, "1", ["0", "1"]))
    many = [counting(client, url)[0] for url in ("/account/me/record", "/account/me/record/voix-et-ia")]
    assert many == few and max(many) <= 8


def test_the_course_record_is_paged(client, auth, course, make_user):
    login(auth, make_user())
    for _ in range(20):  # 3 events per attempt: more than a page of 50
        client.post(QUIZ, data=answers(client, course, "1", ["0", "1"]))
    first = text_of(client.get("/account/me/record/voix-et-ia"))
    assert first.count('class="card"') == 50 and "page=2" in first
    second = text_of(client.get("/account/me/record/voix-et-ia?page=2"))
    assert second.count('class="card"') == 61 - 50 and "page=3" not in second
    assert client.get("/account/me/record/voix-et-ia?page=x").status_code == 200  # read as page 1


def test_the_record_page_is_in_french_too(client, auth, course, make_user):
    login(auth, make_user())
    activity(client, course)
    client.post("/language/fr")
    # The French catalogue may not hold these strings yet: the page must render either way.
    assert client.get("/account/me/record").status_code == 200
    assert client.get("/account/me/record/voix-et-ia").status_code == 200


# Exports ------------------------------------------------------------------------------------------

CLASS_EXPORT = "/classes/{id}/record.{kind}"


@pytest.mark.parametrize("kind", ["csv", "json"])
@pytest.mark.parametrize(
    ("role", "status"),
    [("teacher", 200), ("admin", 200), ("student", 404), ("outsider", 404), ("other_teacher", 404)],
)
def test_who_may_export_a_class_record(client, auth, people, klass, role, status, kind):  # noqa: F811
    login(auth, people[role])
    assert client.get(CLASS_EXPORT.format(id=klass.id, kind=kind)).status_code == status


def test_anonymous_visitors_are_sent_to_log_in(client, klass):  # noqa: F811
    assert client.get(CLASS_EXPORT.format(id=klass.id, kind="csv")).status_code == 302
    assert client.get("/classes/99999/record.csv").status_code == 302


def test_the_class_record_holds_its_students_on_its_courses(client, auth, people, klass, course, make_user):  # noqa: F811
    login(auth, people["student"])
    activity(client, course)
    login(auth, people["outsider"])  # not in the class: left out
    client.post(READ)
    login(auth, people["teacher"])
    response = client.get(CLASS_EXPORT.format(id=klass.id, kind="csv") + "?format=en")
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][:9] == [
        "Date and time",
        "Learner",
        "E-mail",
        "Course",
        "Course version",
        "Module",
        "Event",
        "Success (1/0)",
        "Score (percent)",  # not a "%%" left unformatted
    ]
    # The classmate was registered by the assignment (the only event of hers); the outsider is left out.
    assert [row[1] for row in rows[1:3]] == ["Sami Élève", "Clara Camarade"]
    assert {row[1] for row in rows[3:]} == {"Sami Élève"}
    verbs = [row[13] for row in rows[1:]]
    assert verbs == ["registered", "registered", "experienced", "read", "answered", "answered", "passed"]
    assert [row[6] for row in rows[1:4]] == ["Enrolled in the course"] * 2 + ["Read the module"]
    experienced = rows[3]
    assert experienced[5] == "Recueillir le consentement" and experienced[11] == "90"
    passed = rows[-1]
    assert passed[7:11] == ["1", "100", "2", "2"]
    assert rows[1][0][4] == "-"  # the ISO date, yyyy-mm-dd
    french = client.get(CLASS_EXPORT.format(id=klass.id, kind="csv") + "?format=fr").get_data(as_text=True)
    header, first = french.splitlines()[:2]
    assert header.count(";") == 13 and first[2] == "/"  # ";" and dd/mm/yyyy for a French spreadsheet
    assert ";Inscription à la formation;" in first and first.endswith(";registered")

    statements = json.loads(client.get(CLASS_EXPORT.format(id=klass.id, kind="json")).get_data(as_text=True))
    assert len(statements) == 7
    assert all("@" not in json.dumps(s["actor"]) for s in statements)  # no e-mail in the statements
    assert statements[0]["verb"]["id"] == "http://adlnet.gov/expapi/verbs/registered"


def test_the_class_record_leaves_out_courses_not_assigned(client, auth, people, klass, course):  # noqa: F811
    login(auth, people["student"])
    client.post(READ)
    login(auth, people["teacher"])
    exported = client.get(CLASS_EXPORT.format(id=klass.id, kind="json")).get_json()
    assert len(exported) == 3  # both students registered, one module read
    db.session.execute(delete(Assignment).where(Assignment.class_id == klass.id))
    db.session.commit()
    assert client.get(CLASS_EXPORT.format(id=klass.id, kind="json")).get_json() == []


@pytest.fixture
def published(course, publisher):  # noqa: F811
    """The fixture course, published by "syndicat"."""
    org, _other, staff = publisher
    course.organisation_id = org.id
    db.session.add(
        CourseDraft(
            organisation_id=org.id,
            slug="voix-et-ia",
            files=valid_files(),
            state=PUBLISHED,
            course_id=course.id,
            updated_by_id=staff["editor"].id,
        )
    )
    db.session.commit()
    return staff


@pytest.mark.parametrize("kind", ["csv", "json"])
@pytest.mark.parametrize(
    ("role", "status"),
    [("admin", 200), ("editor", 403), ("member", 403), ("outsider", 404), ("other_editor", 404)],
)
def test_who_may_export_a_course_record(client, auth, published, role, status, kind):
    login(auth, published[role])
    assert client.get(f"/workspace/syndicat/voix-et-ia/record.{kind}").status_code == status


def test_a_publisher_exports_its_courses_record_with_its_organisation(client, auth, published, course):
    login(auth, published["outsider"])
    activity(client, course)
    assert {e.organisation_id for e in db.session.scalars(select(LearningEvent))} == {course.organisation_id}
    login(auth, published["admin"])
    statements = json.loads(client.get("/workspace/syndicat/voix-et-ia/record.json").get_data(as_text=True))
    assert [s["verb"]["display"]["en-US"] for s in statements][:3] == [
        "registered",
        "experienced",
        "completed",
    ]
    assert "Olga Dehors" in client.get("/workspace/syndicat/voix-et-ia/record.csv").get_data(as_text=True)
    stats = text_of(client.get("/workspace/syndicat/voix-et-ia/statistics"))
    assert "/workspace/syndicat/voix-et-ia/record.csv" in stats
    login(auth, published["editor"])
    stats = text_of(client.get("/workspace/syndicat/voix-et-ia/statistics"))
    assert "record.csv" not in stats  # administrators only


def test_the_class_page_links_to_the_record(client, auth, people, klass):  # noqa: F811
    login(auth, people["student"])
    client.post(READ)
    login(auth, people["teacher"])
    page = text_of(client.get(f"/classes/{klass.id}"))
    assert f"/classes/{klass.id}/record.csv" in page and f"/classes/{klass.id}/record.json" in page


# Retention and personal data ---------------------------------------------------------------------


def test_purge_deletes_events_older_than_the_retention_period(client, auth, course, make_user, app):
    login(auth, make_user())
    client.post(READ)
    old = db.session.scalars(select(LearningEvent)).first()
    old.occurred_at = utcnow() - timedelta(days=3 * 365 + 1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["record", "purge"])
    assert result.exit_code == 0, result.output
    assert "1 learning event older than 1,095 days deleted." in result.output
    db.session.expire_all()
    assert count_events() == 1
    app.config["RECORD_RETENTION_DAYS"] = 0
    result = app.test_cli_runner().invoke(args=["record", "purge", "--lang", "fr"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert count_events() == 0


def test_the_record_is_in_the_data_export_and_goes_with_the_account(client, auth, course, make_user):
    learner = make_user(email="zoe@example.org")
    login(auth, learner)
    activity(client, course)
    data = client.get("/account/me/data.json").get_json()
    assert len(data["learning_record"]) == count_events() == 6
    assert data["learning_record"][0]["verb"]["display"] == {"en-US": "registered"}
    assert "6 events recorded" in text_of(client.get("/account/me/data.html"))
    response = client.post(
        "/account/me/delete",
        data={"email": "zoe@example.org", "password": "correct horse battery staple", "understood": "y"},
    )
    assert response.status_code == 302
    assert count_events() == 0


def test_time_on_a_course_the_learner_may_not_read_is_refused(client, auth, published, course):
    course.visibility = "members"
    db.session.commit()
    login(auth, published["outsider"])
    assert client.post(f"{COURSE}/consentement/time", data={"seconds": "60"}).status_code in (403, 404)
    login(auth, published["member"])
    assert client.post(f"{COURSE}/consentement/time", data={"seconds": "60"}).status_code == 204
    assert [e.user_id for e in db.session.scalars(select(LearningEvent))] == [published["member"].id] * 2


def test_joining_a_class_or_an_assignment_registers_the_students_once(people, klass, course):  # noqa: F811
    from app.schools import services as schools

    registered = select(LearningEvent.user_id).where(LearningEvent.verb == "registered")
    assert sorted(db.session.scalars(registered)) == sorted([people["student"].id, people["classmate"].id])
    schools.join_class(people["outsider"], klass.join_code)  # the class has the course already
    schools.assign(klass, course, course.modules[0], None, people["teacher"])  # same course again
    db.session.commit()
    assert len(list(db.session.scalars(registered))) == 3
    statement = db.session.scalars(select(LearningEvent.statement)).first()
    assert statement["context"]["extensions"]["https://w3id.org/xapi/lms/extensions/role"] == "learner"

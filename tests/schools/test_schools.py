"""Schools: organisations from the command line, classes and join codes, assignments, the class
table computed from the learners' own progress, the CSV export, and who may see what."""

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.catalog.models import Course, Module
from app.catalog.search import name_order
from app.extensions import db
from app.learning.models import ModuleProgress
from app.learning.services import courses_progress, mark_read, submit_quiz
from app.models_base import utcnow
from app.notifications import texts
from app.orgs import services as orgs
from app.orgs.models import Invitation, Membership, Organisation
from app.schools import services
from app.schools.models import Assignment, Enrolment, SchoolClass
from tests.accounts.test_change_email import outbox
from tests.catalog.test_editions import import_edition
from tests.conftest import counted_statements, text_of
from tests.notifications.conftest import notifications_of


@pytest.fixture
def school(app):
    org = orgs.create_organisation("ecole-image", "École de l’image", "school")
    other = orgs.create_organisation("lycee-voisin", "Lycée voisin", "school")
    db.session.commit()
    return org, other


@pytest.fixture
def people(make_user, school):
    """One person per role, in the school and in the other school."""
    org, other = school
    found = {
        "admin": make_user("Adèle Admin", "admin@example.org"),
        "teacher": make_user("Théo Prof", "teacher@example.org"),
        "student": make_user("Sami Élève", "student@example.org"),
        "classmate": make_user("Clara Camarade", "classmate@example.org"),
        "outsider": make_user("Olga Dehors", "outsider@example.org"),
        "other_admin": make_user("Ulysse Ailleurs", "other-admin@example.org"),
        "other_teacher": make_user("Vera Ailleurs", "other-teacher@example.org"),
    }
    orgs.set_role(org, found["admin"], "admin")
    orgs.set_role(org, found["teacher"], "teacher")
    orgs.set_role(other, found["other_admin"], "admin")
    orgs.set_role(other, found["other_teacher"], "teacher")
    db.session.commit()
    return found


@pytest.fixture
def klass(school, people, course):
    org, _ = school
    school_class = services.create_class(org, people["teacher"], "BTS 2", "2026-2027", "Groupe B")
    db.session.commit()
    for name in ("student", "classmate"):
        services.join_class(people[name], school_class.join_code)
    services.assign(school_class, course, None, None, people["teacher"])
    db.session.commit()
    return school_class


def module(slug: str) -> Module:
    return db.session.scalar(select(Module).where(Module.slug == slug))


# Command line ----------------------------------------------------------------------------------


def test_org_create_and_add_member_from_the_command_line(runner, make_user):
    make_user("Nadia Directrice", "nadia@example.org")
    result = runner.invoke(args=["org", "create", "femis", "La Fémis"])
    assert result.exit_code == 0, result.output
    assert "femis: created (school, La Fémis)" in result.output
    result = runner.invoke(args=["org", "add-member", "femis", "NADIA@example.org"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(Membership.role)) == "admin"
    # Changing the role keeps one membership.
    runner.invoke(args=["org", "add-member", "femis", "nadia@example.org", "--role", "teacher"])
    assert db.session.scalars(select(Membership.role)).all() == ["teacher"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["org", "create", "Bad Slug", "X"], "lower-case letters"),
        (["org", "create", "femis", "X", "--type", "guild"], "Invalid value"),
        (["org", "add-member", "nowhere", "nadia@example.org"], "no organisation 'nowhere'"),
        (["org", "add-member", "femis", "ghost@example.org"], "must register first"),
        (["org", "add-member", "femis", "nadia@example.org", "--role", "student"], "role must be one of"),
    ],
)
def test_org_commands_refuse_bad_input_and_change_nothing(runner, make_user, args, message):
    make_user("Nadia Directrice", "nadia@example.org")
    runner.invoke(args=["org", "create", "femis", "La Fémis"])
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert message in result.output
    assert db.session.scalar(select(func.count(Membership.id))) == 0
    assert db.session.scalar(select(func.count(Organisation.id))) == 1


def test_org_create_refuses_a_duplicate_slug(runner):
    runner.invoke(args=["org", "create", "femis", "La Fémis"])
    result = runner.invoke(args=["org", "create", "femis", "Autre"])
    assert result.exit_code != 0 and "already exists" in result.output
    assert db.session.scalar(select(Organisation.name)) == "La Fémis"


# Join codes ------------------------------------------------------------------------------------


def test_codes_are_unambiguous_and_typed_loosely(app):
    code = services.new_join_code()
    assert len(code) == 8 and not set(code) & set("0O1IL")
    assert services.normalise_code(f" {code[:4].lower()}-{code[4:]} ") == code


def test_join_with_code_then_refusals(school, people):
    org, _ = school
    school_class = services.create_class(org, people["teacher"], "BTS 1", "2026-2027", "")
    db.session.commit()
    code = school_class.join_code
    assert services.join_class(people["student"], code.lower()) == school_class
    with pytest.raises(services.SchoolError, match="already in the class"):
        services.join_class(people["student"], code)
    with pytest.raises(services.SchoolError, match="No class or organisation has this code"):
        services.join_class(people["classmate"], "ZZZZZZZZ")
    school_class.joining_open = False
    with pytest.raises(services.SchoolError, match="closed to new students"):
        services.join_class(people["classmate"], code)
    school_class.joining_open = True
    services.regenerate_code(school_class)
    assert school_class.join_code != code
    with pytest.raises(services.SchoolError, match="No class or organisation has this code"):
        services.join_class(people["classmate"], code)


def test_join_pages(client, auth, klass, people):
    auth.login(people["outsider"].email)
    link = client.get(f"/join/{klass.join_code}")
    assert link.status_code == 200 and "BTS 2" in text_of(link)
    assert db.session.scalar(select(func.count(Enrolment.id))) == 2  # a GET enrols nobody
    response = client.post("/join", data={"code": "nope"})
    assert "No class or organisation has this code" in text_of(response)
    response = client.post("/join", data={"code": klass.join_code}, follow_redirects=True)
    assert "You joined the class BTS 2" in text_of(response)
    assert services.enrolment(klass, people["outsider"].id) is not None
    # Following the link again: told so, no form, and confirming again is not a wrong code.
    again = text_of(client.get(f"/join/{klass.join_code}"))
    assert "You are already in the class BTS 2." in again and "Join the class</button>" not in again
    response = client.post("/join", data={"code": klass.join_code}, follow_redirects=True)
    assert "You are already in the class BTS 2." in text_of(response)
    assert "No class or organisation" not in text_of(response)


def test_unknown_join_link_says_so_and_keeps_the_code_to_correct(client, auth, people, klass):
    auth.login(people["outsider"].email)
    page = text_of(client.get("/join/aaaa-bbbb"))
    assert "No class or organisation has this code" in page
    assert 'value="AAAA-BBBB"' in page  # the field keeps it, written as codes are


# Assignments -----------------------------------------------------------------------------------


def test_assignment_refusals_change_nothing(school, people, course, klass):
    other_course = Course(
        slug="autre", title="Autre", summary="", language="fr", level="beginner", duration=1, audience="",
        publisher="", content_updated=utcnow().date(), intro_html="", content_hash="x",
    )  # fmt: skip
    db.session.add(other_course)
    db.session.flush()
    before = db.session.scalar(select(func.count(Assignment.id)))
    with pytest.raises(services.SchoolError, match="not part of the course") as error:
        services.assign(klass, other_course, module("consentement"), None, people["teacher"])
    assert error.value.field == "modules"
    with pytest.raises(services.SchoolError, match="in the past"):
        services.assign(klass, course, module("consentement"), datetime(2020, 1, 1, 9, 0), people["teacher"])
    with pytest.raises(services.SchoolError, match="The class already has “La voix et l.IA” to do") as error:
        services.assign(klass, course, None, None, people["teacher"])
    assert error.value.field == "scope"  # the whole course was chosen: not a module's fault
    assert db.session.scalar(select(func.count(Assignment.id))) == before


def test_the_assign_page_s_error_links_lead_to_their_fieldsets(client, auth, people, klass, course):
    """UX walk: the summary's links pointed at #scope and #modules, which no element had."""
    auth.login(people["teacher"].email)
    url = f"/classes/{klass.id}/assign?course={course.id}"
    page = text_of(client.post(url, data={"scope": "course"}))  # the whole course is assigned already
    assert '<a href="#scope">What to assign:' in page
    assert (
        '<fieldset id="scope" tabindex="-1" class="field field-invalid" aria-describedby="scope-error">'
        in page
    )
    page = text_of(client.post(url, data={"scope": "modules"}))
    assert '<a href="#modules">Modules:' in page and '<fieldset id="modules" tabindex="-1"' in page


def test_a_teacher_renames_a_class_and_everything_else_stays(client, auth, people, klass, school):
    """UX walk: a typo in a class's name or year could not be corrected."""
    code, students_before = klass.join_code, len(services.students(klass))
    services.create_class(school[0], people["admin"], "BTS 1", "2026-2027", "")
    db.session.commit()
    auth.login(people["teacher"].email)
    url = f"/classes/{klass.id}/edit"
    assert f'href="{url}">Edit the class</a>' in text_of(client.get(f"/classes/{klass.id}"))
    form = text_of(client.get(url))
    assert 'value="BTS 2"' in form and "Save the class" in form
    # Bad input: a message, nothing changed.
    for data, message in (
        ({"name": "  ", "year": "2026-2027"}, "Give the class a name."),
        ({"name": "bts 1", "year": "2026-2027"}, "already has a class named bts 1 for 2026-2027"),
        ({"name": "X" * 121, "year": "2026-2027"}, "Name of the class:"),
    ):
        response = client.post(url, data=data)
        assert response.status_code == 200 and message in text_of(response)
        db.session.expire_all()
        assert db.session.get(SchoolClass, klass.id).name == "BTS 2"
    done = client.post(url, data={"name": "BTS 2 — groupe B", "year": "2027-2028", "description": "Le mardi"})
    assert done.status_code == 302 and done.location == f"/classes/{klass.id}"
    db.session.expire_all()
    renamed = db.session.get(SchoolClass, klass.id)
    assert (renamed.name, renamed.year, renamed.description) == ("BTS 2 — groupe B", "2027-2028", "Le mardi")
    assert renamed.join_code == code and len(services.students(renamed)) == students_before
    # The same name and year as before is no clash with itself.
    assert client.post(url, data={"name": "BTS 2 — groupe B", "year": "2027-2028"}).status_code == 302


@pytest.mark.parametrize("who", ["student", "outsider", "other_teacher", "other_admin"])
def test_only_the_class_s_staff_edit_it(client, auth, people, klass, who):
    auth.login(people[who].email)
    assert client.get(f"/classes/{klass.id}/edit").status_code == 404
    assert (
        client.post(f"/classes/{klass.id}/edit", data={"name": "Piraté", "year": "2026"}).status_code == 404
    )
    db.session.expire_all()
    assert db.session.get(SchoolClass, klass.id).name == "BTS 2"


def test_an_archived_class_leaves_its_students_pages_and_the_lists_and_comes_back(
    client, auth, people, klass, course
):
    """UX walk: a class could not be archived; last year's classes piled up in every list."""
    klass_id = klass.id
    services.change_due(_whole_course(klass), datetime(2099, 6, 30, 18, 0), people["teacher"])
    db.session.commit()
    auth.login(people["student"].email)
    assert "Class BTS 2" in text_of(client.get("/dashboard"))
    assert f"/courses/{course.slug}" in text_of(client.get("/dashboard/due-dates.ics"))
    assert "BTS 2" in text_of(client.get(f"/courses/{course.slug}"))
    auth.logout()
    auth.login(people["teacher"].email)
    page = text_of(client.get(f"/classes/{klass_id}"))
    assert "Archive the class BTS 2? Its students will no longer see its work." in page
    done = client.post(f"/classes/{klass_id}/archive", follow_redirects=True)
    assert "The class BTS 2 is archived" in text_of(done) and "Restore the class" in text_of(done)
    db.session.expire_all()
    archived = db.session.get(SchoolClass, klass_id)
    assert archived.archived_at is not None and not archived.joining_open
    for listing in ("/teaching", "/schools/ecole-image"):
        page = " ".join(text_of(client.get(listing)).split())
        assert "<summary>1 archived class</summary>" in page and "No current classes." in page
    # Joining stays closed while it is archived, even if asked.
    client.post(f"/classes/{klass_id}/joining")
    db.session.expire_all()
    assert not db.session.get(SchoolClass, klass_id).joining_open
    auth.logout()
    auth.login(people["student"].email)
    dashboard = " ".join(text_of(client.get("/dashboard")).split())
    assert "Assigned to me" not in dashboard
    assert (
        '<span class="badge">archived</span>' in dashboard and "Leave this class" in dashboard
    )  # may still leave
    assert f"/courses/{course.slug}" not in text_of(client.get("/dashboard/due-dates.ics"))
    assigned_page = text_of(client.get(f"/courses/{course.slug}"))
    assert "BTS 2" not in assigned_page  # the course page no longer says the class assigned it
    auth.logout()
    auth.login(people["teacher"].email)
    back = client.post(f"/classes/{klass_id}/restore", follow_redirects=True)
    assert "The class BTS 2 is back" in text_of(back)
    auth.logout()
    auth.login(people["student"].email)
    assert "Assigned to me" in text_of(client.get("/dashboard"))


def test_a_course_taken_out_of_the_catalogue_stays_open_to_the_classes_that_assigned_it(
    client, auth, people, klass, course
):
    """UX walk: archived by its publisher, a class's work led its students who had not started it
    to a 404, while their dashboard still listed it to do."""
    course.archived_at = utcnow()
    db.session.commit()
    auth.login(people["student"].email)  # assigned, not started
    assert client.get(f"/courses/{course.slug}").status_code == 200
    assert client.get(f"/courses/{course.slug}/consentement").status_code == 200
    auth.logout()
    auth.login(people["outsider"].email)  # neither: out of the catalogue for them
    assert client.get(f"/courses/{course.slug}").status_code == 404
    auth.logout()
    klass.archived_at = utcnow()  # the class's work is over
    db.session.commit()
    auth.login(people["student"].email)
    assert client.get(f"/courses/{course.slug}").status_code == 404


def test_an_archived_class_takes_no_new_work_messages_dates_nor_students(
    client, auth, people, klass, course, make_user
):
    """Second reading: an archived class still took new work, due dates and messages, each
    notifying its students, and its code still let students in through a race."""
    assignment = _whole_course(klass)
    services.archive_class(klass)
    db.session.commit()
    with pytest.raises(services.SchoolError, match="archived"):
        services.assign(klass, course, module("consentement"), None, people["teacher"])
    with pytest.raises(services.SchoolError, match="archived"):
        services.change_due(assignment, datetime(2099, 6, 30, 18, 0), people["teacher"])
    klass.joining_open = True  # as a toggle racing the archive could leave it
    db.session.commit()
    with pytest.raises(services.SchoolError):
        services.join_class(make_user("Noé Nouveau", "noe@example.org"), klass.join_code)
    auth.login(people["teacher"].email)
    told = len(notifications_of(people["student"]))
    response = client.post(f"/classes/{klass.id}/messages", data={"body": "Bonjour"})
    assert "The class BTS 2 is archived: restore it first." in text_of(response)
    assert len(notifications_of(people["student"])) == told
    # Its pages offer none of it, each link leading to that refusal (security probe).
    messages_page = text_of(client.get(f"/classes/{klass.id}/messages"))
    assert "The class BTS 2 is archived: restore it first." in messages_page
    assert "Write a message" not in messages_page and 'name="body"' not in messages_page
    class_page = text_of(client.get(f"/classes/{klass.id}"))
    assert "Change the due date" not in class_page and "Write to them" not in class_page
    assert "Results by question" in class_page  # its results stay
    assert "Nobody can join an archived class." in class_page  # nor a code to hand out, nor a new one
    # Its assign page, reached by its address, says so before the form is filled in (French walk).
    refused = client.get(f"/classes/{klass.id}/assign?course={course.id}", follow_redirects=True)
    assert refused.request.path == f"/classes/{klass.id}"
    assert "is archived: restore it first" in text_of(refused)
    assert "New code" not in class_page and "Reopen joining" not in class_page
    assert klass.join_code not in class_page


@pytest.mark.parametrize("who", ["student", "outsider", "other_teacher"])
def test_only_the_class_s_staff_archive_it(client, auth, people, klass, who):
    auth.login(people[who].email)
    assert client.post(f"/classes/{klass.id}/archive").status_code == 404
    db.session.expire_all()
    assert db.session.get(SchoolClass, klass.id).archived_at is None
    services.archive_class(klass)
    db.session.commit()
    assert client.post(f"/classes/{klass.id}/restore").status_code == 404
    db.session.expire_all()
    assert db.session.get(SchoolClass, klass.id).archived_at is not None


def _whole_course(klass) -> Assignment:
    return db.session.scalar(select(Assignment).where(Assignment.class_id == klass.id))


def test_a_teacher_moves_a_due_date_and_the_students_still_at_work_are_told(
    app, client, auth, people, klass, course
):
    """UX walk: a due date could not be changed; assigning again was refused as a duplicate."""
    for m in course.modules:  # the classmate has finished: not told
        db.session.add(ModuleProgress(user_id=people["classmate"].id, module_id=m.id, completed_at=utcnow()))
    db.session.commit()
    assignment = _whole_course(klass)
    auth.login(people["teacher"].email)
    class_page = text_of(client.get(f"/classes/{klass.id}"))
    url = f"/classes/{klass.id}/assignments/{assignment.id}/due"
    assert (
        f'<a href="{url}" aria-label="Change the due date: {course.title}">Change the due date</a>'
        in class_page
    )
    form = text_of(client.get(url))
    assert "no due date" in form and 'name="due"' in form
    response = client.post(url, data={"due": "2099-06-30T18:00"}, follow_redirects=True)
    assert f"{course.title} is now due 30 June 2099, 18:00 (Paris time)." in text_of(response)
    assert _whole_course(klass).due_at == datetime(2099, 6, 30, 16, 0, tzinfo=UTC)
    [notice] = notifications_of(people["student"], "new_assignment")[-1:]
    assert notice.params["due_changed"] and notice.params["due"].startswith("2099-06-30T16:00")
    assert all(not n.params.get("due_changed") for n in notifications_of(people["classmate"]))
    auth.logout()
    auth.login(people["student"].email)
    listed = text_of(client.get("/notifications/"))
    assert f"The due date of {course.title}, in the class BTS 2, has changed." in listed
    assert "Due on 30 June 2099, 18:00 (Paris time)." in listed
    auth.logout()
    auth.login(people["teacher"].email)
    assert 'value="2099-06-30T18:00"' in text_of(client.get(url))  # the form shows the current date
    # Unchanged: nobody is told again.
    told = len(notifications_of(people["student"]))
    unchanged = client.post(url, data={"due": "2099-06-30T18:00"}, follow_redirects=True)
    assert "is unchanged" in text_of(unchanged) and len(notifications_of(people["student"])) == told
    # Empty is refused (a date half typed into the browser's picker arrives empty: a11y walk).
    emptied = client.post(url, data={"due": ""})
    assert emptied.status_code == 200
    assert "Type the new due date, or choose “Remove the due date”." in text_of(emptied)
    assert _whole_course(klass).due_at is not None and len(notifications_of(people["student"])) == told
    # The button takes the date away, whatever the field holds; the students are told.
    client.post(url, data={"due": "30/06/20", "remove": "Remove the due date"})
    assert _whole_course(klass).due_at is None
    [notice] = notifications_of(people["student"])[-1:]
    assert notice.params["due"] is None and notice.params["due_changed"]
    assert str(texts.subject(notice)) == f"No due date any more in BTS 2: {course.title}"
    assert texts.headline(notice) == f"{course.title}, in the class BTS 2, no longer has a due date."


def test_due_date_changes_are_throttled_as_each_tells_the_students(client, auth, people, klass):
    """Security probe: twenty changes in a second mailed twenty notices to each student."""
    assignment = _whole_course(klass)
    auth.login(people["teacher"].email)
    url = f"/classes/{klass.id}/assignments/{assignment.id}/due"
    # The same date again tells nobody, and is not counted.
    days = [1] * 11 + [n % 2 + 1 for n in range(1, 30)]
    for day in days:
        assert client.post(url, data={"due": f"2099-06-{day:02d}T18:00"}).status_code == 302
    refused = client.post(url, data={"due": "2099-07-14T18:00"})
    assert refused.status_code == 429 and "or too many due dates changed" in text_of(refused)
    # Assigning work tells the students too, and shares the count (second reading: assign, remove,
    # assign again mailed as many).
    assign = client.post(
        f"/classes/{klass.id}/assign?course={assignment.course_id}", data={"scope": "course"}
    )
    assert assign.status_code == 429
    assert _whole_course(klass).due_at.month == 6
    told = notifications_of(people["student"], "new_assignment")
    assert len([n for n in told if n.params.get("due_changed")]) == 30


def test_assigning_work_is_counted_by_the_same_throttle(app, client, auth, people, klass, course):
    """Each assignment tells the class's students: counted, as a due-date change is."""
    app.config["RATELIMIT_CLASS_NOTICE_ACCOUNT"] = "1 per hour"  # read at each request
    auth.login(people["teacher"].email)
    url = f"/classes/{klass.id}/assign?course={course.id}"
    first, second = (m.id for m in course.modules[:2])
    assert client.post(url, data={"scope": "modules", "modules": [first]}).status_code == 302
    refused = client.post(url, data={"scope": "modules", "modules": [second]})
    assert refused.status_code == 429 and "Too much work was assigned" in text_of(refused)
    assert db.session.scalar(select(func.count(Assignment.id)).where(Assignment.module_id == second)) == 0


def test_a_due_date_in_the_past_is_refused_and_nothing_changes(client, auth, people, klass):
    assignment = _whole_course(klass)
    auth.login(people["teacher"].email)
    url = f"/classes/{klass.id}/assignments/{assignment.id}/due"
    response = client.post(url, data={"due": "2020-01-01T10:00"})
    assert response.status_code == 200
    page = text_of(response)
    assert "The due date is in the past" in page and 'value="2020-01-01T10:00"' in page
    assert client.post(url, data={"due": "not a date"}).status_code == 200
    # No due date yet: nothing to take away, so the page neither offers it nor speaks of it.
    empty = text_of(client.post(url, data={"due": ""}))
    assert "Type the due date." in empty and "Remove the due date" not in empty
    assert _whole_course(klass).due_at is None
    assert notifications_of(people["student"], "new_assignment")[-1].params.get("due_changed") is None


@pytest.mark.parametrize("who", ["student", "outsider", "other_teacher", "other_admin"])
def test_only_the_class_s_staff_change_its_due_dates(client, auth, people, klass, who):
    assignment = _whole_course(klass)
    auth.login(people[who].email)
    url = f"/classes/{klass.id}/assignments/{assignment.id}/due"
    assert client.get(url).status_code == 404
    assert client.post(url, data={"due": "2099-06-30T18:00"}).status_code == 404
    assert _whole_course(klass).due_at is None


def test_another_class_s_assignment_is_not_found_through_this_class(
    client, auth, people, klass, school, course
):
    other = services.create_class(school[0], people["teacher"], "BTS 1", "2026-2027", "")
    db.session.commit()
    auth.login(people["teacher"].email)
    assignment = _whole_course(klass)
    assert client.get(f"/classes/{other.id}/assignments/{assignment.id}/due").status_code == 404


def test_due_dates_are_paris_wall_clock_stored_in_utc(app, people, klass, course):
    due = datetime(utcnow().year + 1, 7, 1, 18, 0)  # summer time: UTC+2
    assignment = services.assign(klass, course, module("consentement"), due, people["teacher"])
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Assignment, assignment.id).due_at
    assert stored == datetime(due.year, 7, 1, 16, 0, tzinfo=UTC)


def test_assign_page_refuses_a_past_date_with_a_message(client, auth, people, klass, course):
    auth.login(people["teacher"].email)
    url = f"/classes/{klass.id}/assign?course={course.id}"
    data = {"scope": "modules", "modules": [str(module("consentement").id)], "due": "2020-01-01T10:00"}
    response = client.post(url, data=data)
    assert response.status_code == 200
    assert "The due date is in the past" in text_of(response)
    assert db.session.scalar(select(func.count(Assignment.id))) == 1
    response = client.post(url, data={**data, "due": "2099-06-30T18:00"})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(Assignment.id))) == 2


def test_assign_several_modules_at_once_or_none(client, auth, people, klass, course):
    auth.login(people["teacher"].email)
    url = f"/classes/{klass.id}/assign?course={course.id}"
    first, second = module("consentement").id, module("bonnes-pratiques").id
    assert client.post(url, data={"scope": "modules", "modules": [str(first)]}).status_code == 302
    # One of the two is already assigned: nothing is assigned, and the page says which.
    response = client.post(url, data={"scope": "modules", "modules": [str(second), str(first)]})
    assert (
        "Modules: The class already has “2. Recueillir le consentement” to do. To change its due date"
        in text_of(response)
    )
    assert db.session.scalar(select(func.count(Assignment.id))) == 2
    response = client.post(url, data={"scope": "modules"})
    assert "Tick at least one module" in text_of(response)
    # Modules ticked while "the whole course" stays chosen: asked, not guessed either way.
    response = client.post(url, data={"scope": "course", "modules": [str(second)]})
    assert response.status_code == 200
    assert "You ticked modules but chose the whole course" in text_of(response)
    response = client.post(url, data={"scope": "modules", "modules": [str(second), "99999999999"]})
    assert "not part of the course" in text_of(response)
    response = client.post(url, data={"scope": "modules", "modules": ["abc"]})
    assert response.status_code == 200
    done = client.post(url, data={"scope": "modules", "modules": [str(second)]}, follow_redirects=True)
    assert f"1 module of {course.title} is assigned to {klass.name}. No due date." in text_of(done)
    assert db.session.scalar(select(func.count(Assignment.id))) == 3


@pytest.mark.parametrize("course_param", ["", "abc", "99999999999", "0"])
def test_assign_course_chooser_with_bad_course(client, auth, people, klass, course_param):
    auth.login(people["teacher"].email)
    response = client.get(f"/classes/{klass.id}/assign?course={course_param}")
    assert response.status_code == 200
    assert "Choose a course." in text_of(response)
    assert response.status_code == 200


# The class table -------------------------------------------------------------------------------


def test_the_table_counts_what_the_dashboard_counts(app, klass, people, course):
    student = people["student"]
    services.assign(klass, course, module("consentement"), None, people["teacher"])
    mark_read(student, module("consentement"))
    db.session.commit()
    table = services.class_table(klass)
    names = [row.student.full_name for row in table.rows]
    assert names == ["Clara Camarade", "Sami Élève"]
    sami = table.rows[1]
    whole, single = sami.cells
    dashboard = courses_progress(student, [course.id])[course.id]
    assert (whole.completed, whole.total, whole.done) == (
        dashboard.completed,
        dashboard.total,
        dashboard.done,
    )
    assert single.done and single.completed_at is not None and not whole.done
    assert sami.done == 1
    assert table.done_per_item == [0, 1]
    # The learner's own "assigned to me" reads the same cells.
    mine = services.assigned_to(student, [])
    assert [(a.cell.done, a.school_class.id) for a in mine] == [(False, klass.id), (True, klass.id)]


def test_sorting(app, klass, people, course):
    mark_read(people["classmate"], module("consentement"))
    db.session.commit()
    assert [r.student.full_name for r in services.class_table(klass, "activity", True).rows][
        0
    ] == "Clara Camarade"
    assert [r.student.full_name for r in services.class_table(klass, "name", True).rows][0] == "Sami Élève"


def test_overdue_is_marked_for_the_learner(app, klass, people, course):
    assignment = services.assign(klass, course, module("consentement"), None, people["teacher"])
    assignment.due_at = utcnow() - timedelta(days=1)
    db.session.commit()
    overdue = {a.assignment.id: a.overdue for a in services.assigned_to(people["student"], [])}
    assert overdue[assignment.id] is True
    mark_read(people["student"], module("consentement"))
    db.session.commit()
    overdue = {a.assignment.id: a.overdue for a in services.assigned_to(people["student"], [])}
    assert overdue[assignment.id] is False


def test_dashboard_shows_assigned_to_me_first(client, auth, klass, people):
    auth.login(people["student"].email)
    page = text_of(client.get("/dashboard"))
    assert page.index("Assigned to me") < page.index("My courses")
    assert "Class BTS 2, École de l’image" in page


def test_a_failed_quiz_reads_as_started_with_no_module_done(client, auth, klass, people, course):
    """UX walk: « En cours · 0/3 modules » read as a contradiction after a failed quiz."""
    legal = module("cadre-legal")  # the class was given the whole course
    submit_quiz(people["student"], legal, {q.key: [] for q in legal.questions})
    db.session.commit()
    auth.login(people["student"].email)
    page = text_of(client.get("/dashboard"))
    assert "In progress</span> Modules done: 0 of 3 · Class BTS 2" in " ".join(page.split())


def test_a_teacher_s_dashboard_leads_to_the_classes_they_teach(client, auth, klass, people):
    link = '<a href="/teaching">Your school’s classes: their progress, work and messages</a>'
    auth.login(people["teacher"].email)
    page = text_of(client.get("/dashboard"))
    assert link in page
    assert "Join a class" not in page and 'id="classes-heading"' not in page  # French walk: a pupil's block
    client.post("/account/logout")
    auth.login(people["student"].email)
    page = text_of(client.get("/dashboard"))
    assert "your school’s classes" not in page and "Join a class" in page


def test_the_course_page_tells_a_student_what_was_set_and_for_when(client, auth, klass, people, course):
    """A notification of new work leads to the course page: it says what, by which class, when."""
    assignment = services.assign(klass, course, module("consentement"), None, people["teacher"])
    assignment.due_at = datetime(2027, 1, 4, 18, 0, tzinfo=UTC)
    db.session.commit()
    auth.login(people["student"].email)
    page = text_of(client.get(f"/courses/{course.slug}"))
    whole, one = page.index("The whole course"), page.index("2. Recueillir le consentement")
    assert one < whole  # the due one first
    due = "<strong>due 4 January 2027, 19:00 (Paris time)</strong>"
    assert re.search(
        r"consentement</span> <span class=\"badge[^\"]*\">[^<]+</span> · Class BTS 2, École de l’image · "
        + re.escape(due),
        page,
    )
    assert "no due date" in page[whole:]
    with counted_statements() as statements:
        client.get(f"/courses/{course.slug}")
    assert sum("assignments" in s for s in statements) == 1
    # Read in its English edition, the module is named as the page names it, in its language.
    import_edition(course)
    assert '<span lang="en">2. Obtaining consent</span>' in text_of(client.get(f"/courses/{course.slug}"))
    client.post("/account/logout")
    auth.login(people["outsider"].email)
    assert "Assigned to me" not in text_of(client.get(f"/courses/{course.slug}"))


def test_class_view_query_count_is_bounded_at_40_by_30(client, auth, app, school, people, make_user):
    org, _ = school
    courses = []
    for c in range(3):
        course = Course(
            slug=f"c{c}", title=f"Cours {c}", summary="", language="fr", level="beginner", duration=1,
            audience="", publisher="", content_updated=utcnow().date(), intro_html="", content_hash="x",
        )  # fmt: skip
        db.session.add(course)
        db.session.flush()
        for m in range(10):
            db.session.add(
                Module(course_id=course.id, slug=f"m{m}", position=m + 1, title=f"M{m}", duration=1,
                       objectives=[], body_html="", has_quiz=True, pass_mark=70)
            )  # fmt: skip
        courses.append(course)
    db.session.flush()
    school_class = services.create_class(org, people["teacher"], "Grande classe", "2026", "")
    modules = db.session.scalars(select(Module).where(Module.course_id.in_([c.id for c in courses]))).all()
    for m in modules[:29]:
        db.session.add(
            Assignment(class_id=school_class.id, course_id=m.course_id, module_id=m.id, created_by_id=1)
        )
    db.session.add(Assignment(class_id=school_class.id, course_id=courses[0].id, created_by_id=1))
    for s in range(40):
        student = make_user(f"Élève {s:02d}", f"s{s}@example.org")
        db.session.add(Enrolment(class_id=school_class.id, user_id=student.id))
        for m in modules[: s % 30]:
            db.session.add(
                ModuleProgress(user_id=student.id, module_id=m.id, attempts=2, best_score=80,
                               completed_at=utcnow(), last_activity_at=utcnow())
            )  # fmt: skip
    db.session.commit()
    auth.login(people["teacher"].email)
    with counted_statements() as statements:
        for url in (f"/classes/{school_class.id}", f"/classes/{school_class.id}/export.csv"):
            statements.clear()
            response = client.get(url)
            assert response.status_code == 200
            assert len(statements) <= 12, (url, len(statements))
    page = text_of(client.get(f"/classes/{school_class.id}"))
    assert page.count("<tr>") == 1 + 40 + 1  # header, students, totals


# CSV -------------------------------------------------------------------------------------------


def test_csv_for_a_french_spreadsheet(client, auth, klass, people, course):
    people["classmate"].full_name = '=HYPERLINK("http://evil")'
    mark_read(people["student"], module("consentement"))
    db.session.commit()
    auth.login(people["teacher"].email)
    response = client.get(f"/classes/{klass.id}/export.csv?format=fr")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:2] == ["Élève", "E-mail"]
    assert rows[0][2] == "La voix et l'IA\u00a0: terminé le"
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name['\'=HYPERLINK("http://evil")']  # a formula stays text
    sami = by_name["Sami Élève"]
    # The day of the module read, in Paris (BABEL_DEFAULT_TIMEZONE) whatever the machine's zone;
    # from the moment recorded, not the clock, which may pass midnight while the test runs.
    read_at = db.session.scalar(
        select(ModuleProgress.last_activity_at).where(
            ModuleProgress.user_id == people["student"].id,
            ModuleProgress.module_id == module("consentement").id,
        )
    )
    assert utcnow() - read_at < timedelta(minutes=5)
    assert sami[2] == "" and sami[6] == read_at.astimezone(ZoneInfo("Europe/Paris")).strftime("%d/%m/%Y")
    assert rows[0][3] == "La voix et l'IA : en retard (pas d’échéance)" and sami[3] == ""
    assert rows[0][-3:] == ["Travaux terminés", "Travaux assignés", "Dernière activité"]
    assert sami[-3:-1] == ["0", "1"]  # two numbers: "0/1" would open as a date


def test_csv_says_who_is_late(client, auth, klass, people, course):
    """Each item with a due date says, per student, whether it was finished after it or is still
    not finished once it passed; the date itself is in the column's heading."""
    services.assign(klass, course, module("consentement"), datetime(2099, 6, 30, 18, 0), people["teacher"])
    late = services.assign(
        klass, course, module("bonnes-pratiques"), datetime(2099, 6, 30, 18, 0), people["teacher"]
    )
    mark_read(people["student"], module("consentement"))  # on time, before 2099
    late.due_at = datetime(2020, 1, 31, 23, 0, tzinfo=UTC)  # passed, and not finished by anyone
    db.session.commit()
    auth.login(people["teacher"].email)
    raw = client.get(f"/classes/{klass.id}/export.csv?format=en").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw)))
    header = rows[0]
    on_time = header.index("La voix et l'IA — 2. Recueillir le consentement: late (due 2099-06-30)")
    overdue = header.index("La voix et l'IA — 3. Bonnes pratiques: late (due 2020-02-01)")  # Paris's day
    sami = next(r for r in rows[1:] if r[0] == "Sami Élève")
    assert sami[on_time - 1] != "" and sami[on_time] == "no"
    assert sami[overdue - 1] == "" and sami[overdue] == "yes"
    # A module withdrawn since: nobody can finish it, nobody is late for it.
    module("bonnes-pratiques").retired = True
    db.session.commit()
    raw = client.get(f"/classes/{klass.id}/export.csv?format=en").get_data().decode("utf-8-sig")
    sami = next(r for r in csv.reader(io.StringIO(raw)) if r[0] == "Sami Élève")
    assert sami[overdue] == ""
    module("bonnes-pratiques").retired = False
    db.session.commit()
    # Finished, but after the due date: late still.
    mark_read(people["student"], module("bonnes-pratiques"))
    db.session.commit()
    raw = client.get(f"/classes/{klass.id}/export.csv?format=en").get_data().decode("utf-8-sig")
    sami = next(r for r in csv.reader(io.StringIO(raw)) if r[0] == "Sami Élève")
    assert sami[overdue - 1] != "" and sami[overdue] == "yes"


def test_csv_for_an_english_spreadsheet(client, auth, klass, people):
    auth.login(people["teacher"].email)
    raw = client.get(f"/classes/{klass.id}/export.csv?format=en").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw)))
    assert rows[0][:3] == ["Student", "E-mail", "La voix et l'IA: completed on"]
    assert len(rows) == 3
    # Without a format (a link typed or kept): the reader's language, not French whatever it is.
    assert client.get(f"/classes/{klass.id}/export.csv").get_data().decode("utf-8-sig") == raw


def test_the_class_page_offers_one_download_in_the_reader_s_spreadsheet(client, auth, klass, people):
    """Five links looked alike: the table's CSV comes first, the other exports wait folded."""
    auth.login(people["teacher"].email)
    export = f"/classes/{klass.id}/export.csv?format="
    page = text_of(client.get(f"/classes/{klass.id}"))
    assert f'<a href="{export}en">Download this table (spreadsheet, CSV)</a>' in page
    assert f'<a href="{export}fr">This table, CSV (French spreadsheet)</a>' in page.split("Other exports")[1]
    page = text_of(client.get(f"/classes/{klass.id}", headers={"Accept-Language": "fr"}))
    assert f'<a href="{export}fr">Télécharger ce tableau (tableur, CSV)</a>' in page
    assert "?sort=name&order=desc#progress-heading" in page  # a sort keeps the table in view


# Invitations and teachers ----------------------------------------------------------------------


def test_invitation_link_works_once_and_expires(client, auth, school, people):
    org, _ = school
    link = orgs.create_invitation(org, "teacher", people["admin"])
    db.session.commit()
    auth.login(people["outsider"].email)
    assert client.get(f"/invitations/{link.token}").status_code == 200
    assert client.post(f"/invitations/{link.token}").status_code == 302
    assert orgs.role_in(people["outsider"], org.id) == "teacher"
    auth.logout()
    auth.login(people["student"].email)
    assert client.post(f"/invitations/{link.token}").status_code == 404
    expired = orgs.create_invitation(org, "teacher", people["admin"], days=0)
    db.session.commit()
    assert client.get(f"/invitations/{expired.token}").status_code == 404
    assert orgs.role_in(people["student"], org.id) is None
    assert link.token not in str(db.session.scalars(select(Invitation.token_hash)).all())


def test_an_invitation_names_its_school_and_role_before_signing_in(client, school, people):
    """Someone sent to log in by a link learns who invites them, and as what, before making an account."""
    org, _ = school
    link = orgs.create_invitation(org, "teacher", people["admin"])
    db.session.commit()
    login = client.get(f"/invitations/{link.token}").headers["Location"]
    said = f"{org.name} invites you to join its team as a teacher. To accept this invitation, log in"
    assert said in text_of(client.get(login))
    page = text_of(client.get(login, headers={"Accept-Language": "fr"}))
    assert f"{org.name} vous invite à rejoindre son équipe comme enseignant." in page
    assert said in text_of(client.get(f"/account/register?next=/invitations/{link.token}"))
    # A wrong or used link says so before anyone makes an account for it (French walk).
    dead = client.get(f"/invitations/{link.token}x")
    assert dead.status_code == 404 and "unknown, already used or expired" in text_of(dead)
    assert "To accept this invitation" not in text_of(
        client.get(f"/account/login?next=/invitations/{link.token}x")
    )
    assert client.post(f"/invitations/{link.token}").status_code == 302  # accepting still needs an account
    assert orgs.find_invitation(link.token) is not None


def test_admin_adds_a_teacher_by_email_and_bad_input_changes_nothing(app, client, auth, school, people):
    org, _ = school
    app.config["RATELIMIT_TEACHER_MAIL_ACCOUNT"] = "1 per hour"  # refusals below mail nobody
    auth.login(people["admin"].email)
    assert "No account uses this address" in text_of(
        client.post("/schools/ecole-image/teachers", data={"email": "ghost@example.org"})
    )
    assert "already a member" in text_of(
        client.post("/schools/ecole-image/teachers", data={"email": "teacher@example.org"})
    )
    assert orgs.role_in(people["outsider"], org.id) is None
    # Anyone may sign up with any address: an account that has not confirmed it gets no role.
    people["outsider"].email_confirmed_at = None
    db.session.commit()
    refused = client.post("/schools/ecole-image/teachers", data={"email": "outsider@example.org"})
    assert "has not confirmed it yet" in text_of(refused)
    assert orgs.role_in(people["outsider"], org.id) is None
    people["outsider"].email_confirmed_at = utcnow()
    db.session.commit()
    response = client.post("/schools/ecole-image/teachers", data={"email": "Outsider@example.org"})
    assert response.status_code == 302
    assert orgs.role_in(people["outsider"], org.id) == "teacher"
    # The new teacher is told, in their language: a mistyped address does not go unnoticed.
    [mail] = [m for m in outbox(app) if m["To"] == "outsider@example.org"]
    assert mail["Subject"] == "You are now a teacher of École de l’image on Cadre"
    assert "Adèle Admin made you a teacher of École de l’image on Cadre." in mail.get_content()
    assert "/teaching" in mail.get_content()
    # Adding, removing and adding again cannot mail someone without end.
    client.post(f"/schools/ecole-image/teachers/{people['outsider'].id}/remove")
    again = client.post("/schools/ecole-image/teachers", data={"email": "outsider@example.org"})
    assert again.status_code == 429 and orgs.role_in(people["outsider"], org.id) is None


def test_making_a_student_of_the_school_a_teacher_is_asked_first(app, client, auth, klass, people):
    """UX walk: one slip in the address book gave a pupil every class's names, e-mails and scores."""
    org = klass.organisation
    auth.login(people["admin"].email)
    sent = len(outbox(app))
    asked = client.post("/schools/ecole-image/teachers", data={"email": "student@example.org"})
    assert asked.status_code == 200
    page = " ".join(text_of(asked).split())
    assert "Sami Élève is a student of the class BTS 2 in École de l’image." in page
    assert '<input type="hidden" name="confirm" value="yes">' in page
    assert "Add Sami Élève as a teacher all the same" in page
    assert orgs.role_in(people["student"], org.id) is None and len(outbox(app)) == sent
    done = client.post(
        "/schools/ecole-image/teachers", data={"email": "student@example.org", "confirm": "yes"}
    )
    assert done.status_code == 302
    assert orgs.role_in(people["student"], org.id) == "teacher"


# Who may see what ------------------------------------------------------------------------------

ROLES = ("anonymous", "outsider", "student", "classmate", "teacher", "admin", "other_teacher", "other_admin")


def endpoints(klass, people):
    """(method, url, roles allowed) for every school page; the others get 403, 404 or a login."""
    c, s = klass.id, people["student"].id
    staff = {"teacher", "admin"}
    return [
        ("GET", "/teaching", staff | {"other_teacher", "other_admin"}),
        ("GET", "/schools/ecole-image", staff),
        ("POST", "/schools/ecole-image/invitations", {"admin"}),
        ("POST", f"/schools/ecole-image/teachers/{people['teacher'].id}/remove", {"admin"}),
        ("GET", "/schools/ecole-image/classes/new", staff),
        ("GET", f"/classes/{c}", staff),
        ("GET", f"/classes/{c}/assign", staff),
        ("GET", f"/classes/{c}/students/{s}", staff),
        ("GET", f"/classes/{c}/export.csv", staff),
        ("GET", f"/classes/{c}/invite", staff),
        ("GET", f"/classes/{c}/messages", staff | {"student", "classmate"}),  # its students read it
        ("POST", f"/classes/{c}/code", staff),
        ("POST", f"/classes/{c}/joining", staff),
        ("POST", f"/classes/{c}/students/{s}/remove", staff),
        ("POST", f"/classes/{c}/assignments/{klass_assignment(klass)}/delete", staff),
    ]


def klass_assignment(klass) -> int:
    return db.session.scalar(select(Assignment.id).where(Assignment.class_id == klass.id))


@pytest.mark.parametrize("role", ROLES)
def test_permission_table(client, auth, klass, people, role):
    if role != "anonymous":
        auth.login(people[role].email)
    for method, url, allowed in endpoints(klass, people):
        code = klass.join_code
        response = client.open(url, method=method)
        if role == "anonymous":
            assert response.status_code == 302 and "/account/login" in response.location, (role, url)
        elif role in allowed:
            assert response.status_code in (200, 302), (role, url, response.status_code)
        else:
            assert response.status_code in (403, 404), (role, url, response.status_code)
            # and nothing changed
            assert db.session.scalar(select(SchoolClass.join_code).where(SchoolClass.id == klass.id)) == code
        db.session.rollback()
    if role not in ("teacher", "admin"):
        assert db.session.scalar(select(func.count(Enrolment.id))) == 2
        assert db.session.scalar(select(func.count(Assignment.id))) == 1


def test_teacher_sees_only_what_the_class_was_assigned(client, auth, klass, people, course, make_user):
    auth.login(people["teacher"].email)
    page = text_of(client.get(f"/classes/{klass.id}/students/{people['student'].id}"))
    assert "La voix et l'IA" in page
    # A student of another class is not reachable through this class.
    assert client.get(f"/classes/{klass.id}/students/{people['outsider'].id}").status_code == 404


def test_a_teacher_of_another_school_cannot_see_a_class_by_guessing_its_id(client, auth, klass, people):
    auth.login(people["other_admin"].email)
    assert client.get(f"/classes/{klass.id}").status_code == 404
    assert client.get("/schools/ecole-image").status_code == 404


def test_teacher_is_refused_the_admin_actions_with_403(client, auth, klass, people):
    auth.login(people["teacher"].email)
    assert client.post("/schools/ecole-image/invitations").status_code == 403
    assert (
        client.post("/schools/ecole-image/teachers", data={"email": "outsider@example.org"}).status_code
        == 403
    )


def test_assign_page_refuses_a_module_of_another_course(client, auth, people, klass, course):
    other = Course(
        slug="autre", title="Autre cours", summary="", language="fr", level="beginner", duration=1,
        audience="", publisher="", content_updated=utcnow().date(), intro_html="", content_hash="x",
    )  # fmt: skip
    db.session.add(other)
    db.session.commit()
    auth.login(people["teacher"].email)
    data = {"scope": "modules", "modules": [str(module("consentement").id)]}
    response = client.post(f"/classes/{klass.id}/assign?course={other.id}", data=data)
    assert response.status_code == 200
    assert "This module is not part of the course Autre cours" in text_of(response)
    assert db.session.scalar(select(func.count(Assignment.id))) == 1


def test_due_dates_that_do_not_exist_in_paris_are_refused(app, people, klass, course):
    year = utcnow().year + 1
    # 2:30 on the last Sunday of March, when Paris's clocks go from 2:00 straight to 3:00.
    day = max(d for d in range(25, 32) if date(year, 3, d).weekday() == 6)
    with pytest.raises(services.SchoolError, match="clocks go forward"):
        services.assign(
            klass, course, module("consentement"), datetime(year, 3, day, 2, 30), people["teacher"]
        )
    with pytest.raises(services.SchoolError, match="out of range"):
        services.assign(klass, course, module("consentement"), datetime(1, 1, 1, 0, 0), people["teacher"])


def test_blank_class_names_are_refused(client, auth, people, school):
    auth.login(people["teacher"].email)
    response = client.post("/schools/ecole-image/classes/new", data={"name": "   ", "year": "  "})
    assert "Give the class a name." in text_of(response)
    assert db.session.scalar(select(func.count(SchoolClass.id))) == 0


@pytest.mark.parametrize("name", ["\x01\x02", "\u200b", "Terminale \u202eB"])
def test_class_names_with_invisible_characters_are_refused(client, auth, people, school, name):
    auth.login(people["teacher"].email)
    response = client.post("/schools/ecole-image/classes/new", data={"name": name, "year": "2026-2027"})
    assert response.status_code == 200 and "invisible characters" in text_of(response)
    assert db.session.scalar(select(func.count(SchoolClass.id))) == 0


def test_a_class_sent_twice_is_made_once(client, auth, people, school):
    auth.login(people["teacher"].email)
    data = {"name": "Terminale Cinéma", "year": "2026-2027"}
    assert client.post("/schools/ecole-image/classes/new", data=data).status_code == 302
    again = client.post("/schools/ecole-image/classes/new", data={**data, "name": "TERMINALE CINÉMA "})
    assert again.status_code == 200
    assert "already has a class named TERMINALE CINÉMA for 2026-2027" in text_of(again)
    assert db.session.scalar(select(func.count(SchoolClass.id))) == 1
    other_year = client.post("/schools/ecole-image/classes/new", data={**data, "year": "2027-2028"})
    assert other_year.status_code == 302


def test_descending_sorts_keep_names_in_order(app, klass, people, school, make_user):
    for name in ("Anne", "Bob"):
        services.join_class(make_user(name, f"{name}@example.org"), klass.join_code)
    db.session.commit()
    rows = services.class_table(klass, "done", True).rows
    assert [r.student.full_name for r in rows] == ["Anne", "Bob", "Clara Camarade", "Sami Élève"]


def test_a_withdrawn_module_is_never_overdue_nor_counted(app, klass, people, course):
    assignment = services.assign(klass, course, module("consentement"), None, people["teacher"])
    assignment.due_at = utcnow() - timedelta(days=1)
    module("consentement").retired = True
    db.session.commit()
    mine = {a.assignment.id: a for a in services.assigned_to(people["student"], [])}
    assert mine[assignment.id].overdue is False and mine[assignment.id].cell.total == 0
    row = services.class_table(klass).rows[0]
    assert row.live == 1


def test_join_link_says_when_the_class_is_closed_or_already_joined(client, auth, klass, people):
    auth.login(people["student"].email)
    assert "You are already in the class BTS 2" in text_of(client.get(f"/join/{klass.join_code}"))
    auth.logout()
    klass.joining_open = False
    db.session.commit()
    auth.login(people["outsider"].email)
    page = text_of(client.get(f"/join/{klass.join_code}"))
    assert "closed to new students" in page and "Join the class</" not in page


def test_school_page_query_count_does_not_grow_with_staff(client, auth, school, people, make_user):
    org, _ = school
    for i in range(20):
        orgs.set_role(org, make_user(f"Prof {i}", f"prof{i}@example.org"), "teacher")
    db.session.commit()
    auth.login(people["admin"].email)
    with counted_statements() as statements:
        assert client.get("/schools/ecole-image").status_code == 200
    # 9, not 8: the header reads the person's memberships for its Teaching link (app/nav.py).
    assert len(statements) <= 9, len(statements)


def test_a_code_collision_draws_another_code(app, school, people, klass, monkeypatch):
    org, _ = school
    codes = iter([klass.join_code, "NEWCODE2"])
    monkeypatch.setattr("app.orgs.codes.new_join_code", lambda: next(codes))
    second = services.create_class(org, people["teacher"], "BTS 3", "2026-2027", "")
    db.session.commit()
    assert second.join_code == "NEWCODE2"
    assert db.session.scalar(select(func.count(SchoolClass.id))) == 2


def test_the_assigned_list_escapes_titles_in_its_sentences(client, auth, klass, people, course):
    """The list's sentences are translated once per page and filled in with ``%`` (app.schools.routes):
    a title is escaped in the text, the confirmation and the button's label alike."""
    course.title = 'Voix <b>& "doublage"'
    module = course.modules[0]
    services.assign(klass, course, module, datetime(2040, 7, 1, 18, 0), people["teacher"])
    db.session.commit()
    auth.login(people["teacher"].email)
    html = client.get(f"/classes/{klass.id}", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    escaped = "Voix &lt;b&gt;&amp; &#34;doublage&#34;"
    assert "<b>&" not in html
    assert f'data-confirm="Retirer le travail {escaped}\u202f? Les élèves gardent leur progression."' in html
    assert f'aria-label="Retirer le travail {escaped}"' in html
    assert "à rendre le 1er juillet 2040, 18:00" in html


def test_an_administrator_sees_and_revokes_unused_invitation_links(client, auth, school, people):
    org, other = school
    auth.login(people["admin"].email)
    client.post("/schools/ecole-image/invitations")
    client.post("/schools/ecole-image/invitations")  # a reload sends the form again: a second link
    links = orgs.pending_invitations(org)
    assert len(links) == 2
    page = text_of(client.get("/schools/ecole-image"))
    assert page.count("/revoke") == 2 and people["admin"].full_name in page
    first, second = links
    assert client.post(f"/schools/ecole-image/invitations/{first.id}/revoke").status_code == 302
    assert "was revoked" in text_of(client.get("/schools/ecole-image"))
    assert [i.id for i in orgs.pending_invitations(org)] == [second.id]
    # Revoked twice, or another school's: refused, nothing changes.
    client.post(f"/schools/ecole-image/invitations/{first.id}/revoke")
    assert "already used, has expired or was revoked" in text_of(client.get("/schools/ecole-image"))
    theirs = orgs.create_invitation(other, "teacher", people["admin"])
    db.session.commit()
    client.post(f"/schools/ecole-image/invitations/{theirs.invitation.id}/revoke")
    assert "already used, has expired or was revoked" in text_of(client.get("/schools/ecole-image"))
    assert [i.id for i in orgs.pending_invitations(other)] == [theirs.invitation.id]
    auth.logout()
    auth.login(people["teacher"].email)  # not an administrator
    assert client.post(f"/schools/ecole-image/invitations/{second.id}/revoke").status_code in (403, 404)
    assert [i.id for i in orgs.pending_invitations(org)] == [second.id]


def test_an_invitation_link_says_for_whom_in_the_list_of_links_not_used_yet(client, auth, school, people):
    """UX walk: links not used yet all looked alike; which one went to whom could not be told."""
    org, _ = school
    auth.login(people["admin"].email)
    made = client.post("/schools/ecole-image/invitations", data={"note": "  Marie <b>monteuse</b> "})
    html = made.get_data(as_text=True)
    assert "<h4>Link for: Marie &lt;b&gt;monteuse&lt;/b&gt;</h4>" in html  # escaped, never markup
    # The next link is for someone else: the field starts empty.
    assert 'id="note" maxlength="120" name="note" type="text" value=""' in html
    client.post("/schools/ecole-image/invitations")  # no note: a link as before
    assert [i.note for i in orgs.pending_invitations(org)] == [None, "Marie <b>monteuse</b>"]
    page = client.get("/schools/ecole-image").get_data(as_text=True)
    assert "<strong>For Marie &lt;b&gt;monteuse&lt;/b&gt;</strong> · <strong>teacher</strong> · Made" in page
    # Reloaded, or restored by a phone, the link's page is its form's address: the school, not a 405.
    reopened = client.get("/schools/ecole-image/invitations")
    assert (reopened.status_code, reopened.location) == (303, "/schools/ecole-image")
    assert client.get("/account/logout").status_code == 405  # nothing above it to go to
    refused = client.post("/schools/ecole-image/invitations", data={"note": "x" * 121})
    assert refused.status_code == 400 and "For whom (optional): Field cannot be longer" in text_of(refused)
    assert len(orgs.pending_invitations(org)) == 2


def test_an_invitation_link_may_be_mailed_and_the_mailed_link_works_once(app, client, auth, school, people):
    """An administrator may have Cadre mail the link rather than pass it on; the mail's job makes
    the token again from the row and the secret key, and it is the very link shown."""
    org, _ = school
    auth.login(people["admin"].email)
    made = text_of(
        client.post("/schools/ecole-image/invitations", data={"invitee": "Marie@Example.org", "note": ""})
    )
    assert "Link for: marie@example.org" in made  # the address, for want of a note
    assert "Cadre is also sending it by e-mail to marie@example.org, in the language of this page." in made
    shown = re.search(r'value="([^"]+/invitations/[^"]+)"', made).group(1)
    [mail] = [m for m in outbox(app) if m["To"] == "marie@example.org"]
    assert mail["Subject"] == "Adèle Admin invites you to join École de l’image on Cadre"
    body = mail.get_content()
    assert "Adèle Admin invites you to join École de l’image on Cadre as a teacher." in body
    assert shown in body and "The link works once, until " in body
    [pending] = orgs.pending_invitations(org)
    assert pending.note == "marie@example.org"
    # The link mailed is a link like another: it works once.
    token = shown.rsplit("/", 1)[1]
    auth.logout()
    auth.login(people["outsider"].email)
    assert client.post(f"/invitations/{token}").status_code == 302
    assert orgs.role_in(people["outsider"], org.id) == "teacher"
    assert client.post(f"/invitations/{token}").status_code == 200  # already theirs: said so, not used again
    # Revoked or used before the job runs, nothing is sent; a bad address is refused, nothing made.
    auth.logout()
    auth.login(people["admin"].email)
    sent = len(outbox(app))
    link = orgs.create_invitation(org, "teacher", people["admin"], mailed=True)
    orgs.revoke_invitation(org, link.invitation.id)
    db.session.commit()
    orgs.send_invitation(link.invitation.id, "late@example.org", "Adèle Admin", "en", "http://localhost")
    refused = client.post("/schools/ecole-image/invitations", data={"invitee": "not an address"})
    assert refused.status_code == 400 and "This does not look like an e-mail address." in text_of(refused)
    assert len(outbox(app)) == sent and orgs.pending_invitations(org) == []
    # A link not made to be mailed (its token drawn at random) is never mailed: the job could only
    # send a link that does not work.
    plain = orgs.create_invitation(org, "teacher", people["admin"])
    db.session.commit()
    orgs.send_invitation(plain.invitation.id, "x@example.org", "Adèle Admin", "en", "http://localhost")
    assert len(outbox(app)) == sent


def test_a_mailed_link_s_token_does_not_depend_on_the_zone_its_expiry_is_read_in(school, people):
    """Second reading: PostgreSQL gives a time back in its session's zone (PGTZ=Europe/Paris gave
    13:00+01:00 for 12:00 UTC); the mail's job must sign what the request signed."""
    from zoneinfo import ZoneInfo

    org, _ = school
    link = orgs.create_invitation(org, "teacher", people["admin"], mailed=True)
    invitation = link.invitation
    utc_token = orgs._mailed_token(invitation)
    invitation.expires_at = invitation.expires_at.astimezone(ZoneInfo("Europe/Paris"))
    assert orgs._mailed_token(invitation) == utc_token == link.token


def test_mailed_invitations_count_with_the_teachers_notices(app, client, auth, school, people):
    app.config["RATELIMIT_TEACHER_MAIL_ACCOUNT"] = "2 per hour"
    org, _ = school
    auth.login(people["admin"].email)
    invited = client.post("/schools/ecole-image/invitations", data={"invitee": "a@example.org"})
    assert invited.status_code == 200
    assert (
        client.post("/schools/ecole-image/teachers", data={"email": "outsider@example.org"}).status_code
        == 302
    )
    # The form is paused once the mails are counted up, and makes no link meanwhile.
    refused = client.post("/schools/ecole-image/invitations", data={"invitee": "b@example.org"})
    assert refused.status_code == 429
    assert [i.note for i in orgs.pending_invitations(org)] == ["a@example.org"]


def test_a_revoked_link_no_longer_makes_a_teacher(client, auth, school, people):
    org, _ = school
    link = orgs.create_invitation(org, "teacher", people["admin"])
    orgs.revoke_invitation(org, link.invitation.id)
    db.session.commit()
    auth.login(people["outsider"].email)
    assert client.get(f"/invitations/{link.token}").status_code == 404
    assert client.post(f"/invitations/{link.token}").status_code == 404
    assert orgs.role_in(people["outsider"], org.id) is None


def test_a_student_sees_their_classes_and_can_leave_one(client, auth, klass, people):
    auth.login(people["student"].email)
    dashboard = text_of(client.get("/dashboard"))
    assert "BTS 2" in dashboard and "École de l’image" in dashboard and "Leave this class" in dashboard
    response = client.post(f"/classes/{klass.id}/leave", follow_redirects=True)
    assert "You left the class BTS 2." in text_of(response)
    assert "Leave this class" not in text_of(response)
    assert services.enrolment(klass, people["student"].id) is None
    assert services.enrolment(klass, people["classmate"].id) is not None  # only her
    assert client.post(f"/classes/{klass.id}/leave").status_code == 404  # not in it any more
    auth.logout()
    auth.login(people["teacher"].email)
    assert "Sami Élève" not in text_of(client.get(f"/classes/{klass.id}"))
    assert client.post(f"/classes/{klass.id}/leave").status_code == 404  # a teacher is not enrolled


def test_a_join_link_opened_signed_out_says_why_to_sign_in(client, klass):
    to_login = client.get(f"/join/{klass.join_code}")
    assert to_login.status_code == 302 and "/account/login" in to_login.location
    login = text_of(client.get(to_login.location))
    assert "To join with this code or link, log in or create an account" in login
    register = re.search(r'href="(/account/register\?next=[^"]+)"', login).group(1)
    assert "To join with this code or link" in text_of(client.get(register.replace("&amp;", "&")))
    assert "To join" not in text_of(client.get("/account/login"))  # not otherwise


def test_due_dates_download_as_a_calendar_file(client, auth, klass, people, course):
    from icalendar import Calendar

    paris = datetime(utcnow().year + 1, 3, 2, 18, 0)  # as the teacher types it: 18:00 in Paris
    due = datetime(paris.year, 3, 2, 17, 0, tzinfo=UTC)
    todo = services.assign(klass, course, module("cadre-legal"), paris, people["teacher"])
    done = services.assign(klass, course, module("consentement"), paris, people["teacher"])
    mark_read(people["student"], module("consentement"))
    db.session.commit()
    auth.login(people["student"].email)
    assert "Add the due dates to my calendar" in text_of(client.get("/dashboard"))
    response = client.get("/dashboard/due-dates.ics")
    assert response.mimetype == "text/calendar" and "attachment" in response.headers["Content-Disposition"]
    events = Calendar.from_ical(response.data).walk("VEVENT")
    # The course assigned without a due date, and the module already done, are not in it.
    assert [str(e["uid"]) for e in events] == [
        f"assignment-{todo.id}-learner-{people['student'].id}@cadre.example"
    ]
    event = events[0]
    assert event.decoded("dtstart") == due and str(event["summary"]).startswith("Due: ")
    assert str(event["url"]) == "https://cadre.example/courses/voix-et-ia/cadre-legal"
    assert event.walk("VALARM")[0].decoded("trigger") == -timedelta(days=1)
    assert done.id not in {int(str(e["uid"]).split("-")[1]) for e in events}
    # Once the dated work is done, nothing is left to add to a calendar: no link to an empty file.
    passed = ModuleProgress(user_id=people["student"].id, module_id=module("cadre-legal").id, attempts=1)
    passed.best_score, passed.completed_at = 100, utcnow()  # its quiz passed
    db.session.add(passed)
    db.session.commit()
    assert "Add the due dates" not in text_of(client.get("/dashboard"))
    auth.logout()
    auth.login(people["outsider"].email)
    assert Calendar.from_ical(client.get("/dashboard/due-dates.ics").data).walk("VEVENT") == []
    assert "Add the due dates" not in text_of(client.get("/dashboard"))


@pytest.mark.parametrize(
    ("today", "year"),
    [(date(2026, 12, 5), "2026-2027"), (date(2027, 8, 31), "2026-2027"), (date(2027, 9, 1), "2027-2028")],
)
def test_the_school_year_turns_at_the_rentree(today, year):
    assert services.school_year(today) == year


def test_a_new_class_is_offered_the_school_year_under_way(client, auth, people, school):
    auth.login(people["teacher"].email)
    page = text_of(client.get("/schools/ecole-image/classes/new"))
    with client.application.app_context():
        assert f'value="{services.school_year()}"' in page


def test_the_class_table_s_module_columns_begin_with_the_module(client, auth, people, klass, course):
    """UX walk: on a phone, three lines of « Course — … » showed the same words for every module."""
    services.assign(klass, course, module("consentement"), None, people["teacher"])
    db.session.commit()
    auth.login(people["teacher"].email)
    page = text_of(client.get(f"/classes/{klass.id}"))
    heading = f'<span class="column-label">2. Recueillir le consentement — {course.title}</span>'
    assert heading in page
    # The message form's menu of recipients too: a phone's closed menu shows its first words only.
    form = text_of(client.get(f"/classes/{klass.id}/messages"))
    assert (
        f">“2. Recueillir le consentement — {course.title}”: the 2 students who have not finished it<" in form
    )


def test_the_staff_list_marks_an_address_not_confirmed(client, auth, people, school):
    """UX walk: a teacher who came by an invitation link looked as verified as the others."""
    people["teacher"].email_confirmed_at = None
    db.session.commit()
    auth.login(people["admin"].email)
    page = " ".join(text_of(client.get("/schools/ecole-image")).split())
    assert 'teacher@example.org <span class="badge">address not confirmed</span> · teacher' in page
    assert 'admin@example.org <span class="badge">' not in page


def test_a_school_year_written_with_another_dash_is_the_same_year(client, auth, people, klass):
    """UX walk: « 2026–2027 » (an en dash) made a second class that looked the same as the first."""
    auth.login(people["teacher"].email)
    url = "/schools/ecole-image/classes/new"
    for year in ("2026–2027", "2026 / 2027", " 2026 - 2027 "):
        response = client.post(url, data={"name": "BTS 2", "year": year})
        assert "already has a class named BTS 2 for 2026-2027" in text_of(response)
    assert db.session.scalar(select(func.count(SchoolClass.id))) == 1
    # French walk: doubled spaces inside the name made a second « BTS 2 », alike in every list.
    response = client.post(url, data={"name": "BTS\u00a0 2", "year": "2026-2027"})
    assert "already has a class named BTS 2 for 2026-2027" in text_of(response)
    assert db.session.scalar(select(func.count(SchoolClass.id))) == 1


@pytest.mark.parametrize(
    ("year", "message"),
    [
        ("n'importe quoi", "Write the school year with its years, like 20"),
        ("2027-2026", "The second year follows the first, like 20"),
        ("2026-2028", "The second year follows the first, like 20"),
    ],
)
def test_a_school_year_is_years(client, auth, people, school, year, message):
    """French walk: « n'importe quoi » was a school year, and the lists sorted it before the others."""
    auth.login(people["teacher"].email)
    response = client.post("/schools/ecole-image/classes/new", data={"name": "BTS 3", "year": year})
    assert response.status_code == 200 and message in text_of(response)
    assert (
        client.post("/schools/ecole-image/classes/new", data={"name": "BTS 3", "year": "2026"}).status_code
        == 302
    )


def test_a_due_date_typed_by_hand_is_read_or_refused_clearly(client, auth, people, klass, course):
    """Where a browser shows a text box for the date picker, WTForms said « Not a valid datetime value »."""
    auth.login(people["teacher"].email)
    url = f"/classes/{klass.id}/assign?course={course.id}"
    data = {"scope": "modules", "modules": [str(module("consentement").id)]}
    refused = client.post(url, data={**data, "due": "demain"})
    assert "Type a date and a time, for example 18/12/2026 18:00." in text_of(refused)
    assert client.post(url, data={**data, "due": "30/06/2099 18:00"}).status_code == 302
    made = db.session.scalar(select(Assignment).where(Assignment.module_id == module("consentement").id))
    assert made.due_at == datetime(2099, 6, 30, 16, 0, tzinfo=UTC)


def test_removing_a_student_names_them_and_says_what_the_code_still_allows(client, auth, people, klass):
    auth.login(people["teacher"].email)
    removed = client.post(
        f"/classes/{klass.id}/students/{people['student'].id}/remove", follow_redirects=True
    )
    assert "Sami Élève was removed from the class" in text_of(removed)
    assert "The code still lets them back in" in text_of(removed)
    client.post(f"/classes/{klass.id}/joining")  # joining closed: the code lets nobody in
    removed = client.post(
        f"/classes/{klass.id}/students/{people['classmate'].id}/remove", follow_redirects=True
    )
    assert "Clara Camarade was removed from the class" in text_of(removed)
    assert "The code still lets them back in" not in text_of(removed)


def test_the_class_page_s_small_words(client, auth, klass, people, school):
    """No "0 finished" under an item nobody finished; a message to an empty class says so."""
    org, _ = school
    auth.login(people["teacher"].email)
    assert "None finished" in text_of(client.get(f"/classes/{klass.id}"))
    empty = services.create_class(org, people["teacher"], "BTS 1", "2026-2027", "")
    db.session.commit()
    response = client.post(f"/classes/{empty.id}/messages", data={"body": "Bienvenue"}, follow_redirects=True)
    assert "Message kept: the class has no student yet." in text_of(response)


def test_the_assigned_list_names_who_has_not_finished(client, auth, klass, people, course, make_user):
    """The teacher's weekly question, answered under each item without scanning the table."""
    late = services.assign(klass, course, module("consentement"), None, people["teacher"])
    late.due_at = utcnow() - timedelta(days=1)
    db.session.commit()
    mark_read(people["student"], module("consentement"))
    db.session.commit()
    auth.login(people["teacher"].email)
    page = text_of(client.get(f"/classes/{klass.id}"))
    one, whole = re.findall(r'<li><span lang="fr">(.*?)</li>', page, re.S)[:2]  # the one due first
    assert one.startswith("La voix et l'IA — 2. Recueillir le consentement")
    overdue = '<span class="badge badge-overdue">Overdue</span>'
    assert re.search(overdue + r" 1 student has not finished:\s+Clara", one)
    assert re.search(r"2 students have not finished:\s+Clara Camarade, Sami Élève", whole)
    assert "Overdue" not in whole  # no due date
    mark_read(people["classmate"], module("consentement"))
    db.session.commit()
    assert "Everyone has finished" in text_of(client.get(f"/classes/{klass.id}"))
    services.leave(klass, people["classmate"])
    db.session.commit()
    page = text_of(client.get(f"/classes/{klass.id}"))
    assert "Its only student has finished" in page and "Everyone" not in page  # French walk: a class of one
    services.join_class(people["classmate"], klass.join_code)
    db.session.commit()
    # Five names at most, then how many more; a withdrawn module has nothing left to finish.
    for n in range(5):
        services.join_class(make_user(f"Élève {n}", f"eleve{n}@example.org"), klass.join_code)
    module("consentement").retired = True
    db.session.commit()
    page = text_of(client.get(f"/classes/{klass.id}"))
    assert "Everyone has finished" not in page and page.count("have not finished:") == 1
    section = page[page.index("Assigned</h2>") :][:1500]
    assert re.search(
        r"7 students have not finished:\s+Clara Camarade, Élève 0, Élève 1, Élève 2, Élève 3 and 2 more",
        section,
    )


def test_class_lists_say_how_many_students_and_who_created_each(client, auth, klass, people, school):
    facts = "BTS 2</a> · 2026-2027 · 2 students · created by Théo Prof"
    auth.login(people["admin"].email)
    assert facts in text_of(client.get("/schools/ecole-image"))
    client.post("/account/logout")
    auth.login(people["teacher"].email)
    assert facts in text_of(client.get("/teaching"))
    # One query for the facts of every class, however many there are.
    org, _ = school
    with counted_statements() as before:
        client.get("/teaching")
    before = [s for s in before if s != "BEGIN"]
    for n in range(5):
        services.create_class(org, people["other_teacher"], f"Groupe {n}", "2026-2027", "")
    db.session.commit()
    with counted_statements() as after:
        page = text_of(client.get("/teaching"))
    assert len([s for s in after if s != "BEGIN"]) == len(before)
    assert "Groupe 4</a> · 2026-2027 · 0 students · created by" in page
    people["other_teacher"].full_name = ""  # as deleting an account leaves it
    db.session.commit()
    assert "Groupe 4</a> · 2026-2027 · 0 students · created by a deleted account" in text_of(
        client.get("/teaching")
    )


def test_teaching_page_lists_the_work_due_around_today(
    client, auth, klass, people, school, course, make_user
):
    """What a teacher has to follow now, whatever the class: the work due in the fortnight before
    or after today, soonest first, with how many have finished it and « Overdue » where some have
    not once it passed; in a bounded number of queries whatever the number of classes."""
    org, _ = school
    soon = services.assign(
        klass, course, module("bonnes-pratiques"), datetime(2099, 6, 30, 18, 0), people["teacher"]
    )
    passed = services.assign(
        klass, course, module("consentement"), datetime(2099, 6, 30, 18, 0), people["teacher"]
    )
    later = services.assign(
        klass, course, module("cadre-legal"), datetime(2099, 6, 30, 18, 0), people["teacher"]
    )
    soon.due_at = utcnow() + timedelta(days=3)
    passed.due_at = utcnow() - timedelta(days=2)
    later.due_at = utcnow() + timedelta(days=30)  # beyond the fortnight
    mark_read(people["student"], module("consentement"))
    mark_read(people["student"], module("bonnes-pratiques"))
    mark_read(people["classmate"], module("bonnes-pratiques"))
    db.session.commit()
    auth.login(people["teacher"].email)
    page = text_of(client.get("/teaching"))
    section = page[page.index('<h2 id="due-heading">') : page.index("École de l’image</a></h2>")]
    lines = [" ".join(li.split()) for li in section.split("<li>")[1:]]
    assert len(lines) == 2  # not the whole course (no due date), not the one due in a month
    assert lines[0].startswith('<span class="badge badge-overdue">Overdue</span> <a href="/classes/')
    assert "La voix et l'IA — 2. Recueillir le consentement" in lines[0]
    assert "Students who have finished: 1 of 2" in lines[0]
    assert "Overdue" not in lines[1] and "3. Bonnes pratiques" in lines[1]
    assert "Students who have finished: 2 of 2" in lines[1]
    assert f'href="/classes/{klass.id}#assigned-heading"' in lines[1]
    # Everyone finishing takes the badge away; more classes with due work cost no more queries.
    mark_read(people["classmate"], module("consentement"))
    db.session.commit()
    with counted_statements() as before:
        page = text_of(client.get("/teaching"))
    assert "Overdue" not in page and "Students who have finished: 2 of 2" in page
    by = people["teacher"]
    for n in range(3):
        other = services.create_class(org, by, f"Groupe {n}", "2026-2027", "")
        db.session.commit()
        services.join_class(make_user(f"Élève {n}", f"due{n}@example.org"), other.join_code)
        due = services.assign(other, course, module("bonnes-pratiques"), datetime(2099, 6, 30, 18, 0), by)
        due.due_at = utcnow() + timedelta(days=1)
    db.session.commit()
    with counted_statements() as after:
        page = text_of(client.get("/teaching"))
    assert len([s for s in after if s != "BEGIN"]) == len([s for s in before if s != "BEGIN"])
    assert page.count("Students who have finished: 0 of 1") == 3
    # A withdrawn module cannot be finished: the class page says so, not « Overdue » here forever.
    module("consentement").retired = True
    passed.due_at = utcnow() - timedelta(days=2)
    db.session.commit()
    assert "Recueillir le consentement" not in text_of(client.get("/teaching"))
    # An archived class's work is not to follow any more; with none due, the page says so.
    for school_class in services.classes_of([org.id]):
        services.archive_class(school_class)
    services.restore_class(klass)
    soon.due_at = passed.due_at = utcnow() - timedelta(days=20)
    db.session.commit()
    page = text_of(client.get("/teaching"))
    assert "Nothing is due in your classes in the 14 days before or after today." in page


def test_names_sort_as_a_reader_sorts_them():
    """Second reading: folding to ASCII sorted « Мария » and « 王伟 » as empty names, first."""
    names = ["Zoé", "Мария", "Алексей", "王伟", "Anna", "Élodie", "Łukasz", "Œdipe", "Sami"]
    assert sorted(names, key=name_order) == [
        "Anna", "Élodie", "Łukasz", "Œdipe", "Sami", "Zoé", "Алексей", "Мария", "王伟",
    ]  # fmt: skip

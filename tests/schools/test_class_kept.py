"""The class page's work and its CSV, kept by the process (app.schools.kept, issue 16): found again
while nothing they show has changed, and made again whichever way it changed. After every change
below, the page as served must be the page made afresh (an empty store), and differ from before."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from app.accounts.models import User
from app.catalog.models import Module
from app.extensions import db
from app.learning import services as learning
from app.learning import stamps
from app.learning.models import ModuleProgress
from app.models_base import utcnow
from app.orgs import services as orgs
from app.schools import kept, routes
from app.schools import services as schools
from app.schools.models import Assignment, Enrolment
from tests.conftest import PASSWORD, counted_statements, csrf_token_from, fresh_schema, make_app
from tests.schools import test_class_performance, test_schools

school, people = test_schools.school, test_schools.people  # the fixtures of the schools' tests
make_class = test_class_performance.make_class


def work(client, url: str, language: str = "en") -> str:
    """The assigned list and the progress table, as the page shows them."""
    page = client.get(url, headers={"Accept-Language": language}).get_data(as_text=True)
    return page[page.index('<section aria-labelledby="assigned-heading"') : page.index("</table>")]


def afresh(app, client, url: str, language: str = "en") -> str:
    app.extensions["class_work"] = kept.Store()
    return work(client, url, language)


@pytest.fixture
def taught(app, client, auth, school, people, make_user):
    """A class of 4 students × (3 modules + a course), one of its modules read rather than
    answered, seen once by its teacher: (class, its page's address)."""
    org, _ = school
    school_class = make_class(org, people["teacher"], make_user, 4, 3, 1, "gardée")
    first = db.session.scalars(
        select(Module)
        .join(Assignment, Assignment.module_id == Module.id)
        .where(Assignment.class_id == school_class.id, Module.retired.is_(False))
    ).first()
    first.has_quiz = False
    db.session.commit()
    auth.login(people["teacher"].email)
    return school_class, f"/classes/{school_class.id}"


def test_a_second_visit_finds_the_work_kept_without_reading_progress(client, taught):
    _class, url = taught
    with counted_statements() as made:
        first = work(client, url)
    with counted_statements() as found:
        second = work(client, url)
    assert second == first
    assert any("module_progress" in s for s in made)
    assert not any("module_progress" in s for s in found)
    assert len(found) == len(made) - 1


def _students(school_class) -> list[User]:
    return schools.class_and_students(school_class.id)[1]


def _read_by_a_student(school_class):
    student = _students(school_class)[0]
    module = db.session.scalars(
        select(Module).where(Module.has_quiz.is_(False), Module.retired.is_(False))
    ).first()
    db.session.execute(delete(ModuleProgress).where(ModuleProgress.user_id == student.id))
    db.session.commit()  # their row is rewritten below, by the learner's own service
    return student, module


def mark_read(school_class):
    student, module = _read_by_a_student(school_class)
    learning.mark_read(student, module)


def progress_written_by_the_orm(school_class):
    row = db.session.scalars(select(ModuleProgress).order_by(ModuleProgress.id)).first()
    row.best_score, row.attempts = 13, 9


def progress_row_deleted(school_class):
    db.session.delete(db.session.scalars(select(ModuleProgress).order_by(ModuleProgress.id)).first())


def student_renamed(school_class):
    _students(school_class)[1].full_name = "Renée Renommée"


def student_joins(school_class):
    newcomer = User(full_name="Nina Nouvelle", email="nina@example.org")
    newcomer.set_password(PASSWORD)
    db.session.add(newcomer)
    db.session.flush()
    db.session.add(Enrolment(class_id=school_class.id, user_id=newcomer.id))


def student_leaves(school_class):
    leaving = _students(school_class)[2]
    db.session.execute(
        delete(Enrolment).where(Enrolment.class_id == school_class.id, Enrolment.user_id == leaving.id)
    )


def due_date_set(school_class):
    assignment = db.session.scalars(select(Assignment).where(Assignment.class_id == school_class.id)).first()
    assignment.due_at = utcnow() + timedelta(days=3)


def module_withdrawn(school_class):
    covered = db.session.scalars(
        select(Module).join(Assignment, Assignment.course_id == Module.course_id).where(
            Assignment.class_id == school_class.id, Assignment.module_id.is_(None), Module.retired.is_(False),
            Module.is_final.is_(False),
        )
    ).first()  # fmt: skip
    covered.retired = True


def course_renamed(school_class):
    assignment = db.session.scalars(select(Assignment).where(Assignment.class_id == school_class.id)).first()
    assignment.course.title = "Un autre titre"


def class_archived(school_class):
    school_class.archived_at = utcnow()


@pytest.mark.parametrize(
    "change",
    [
        mark_read,
        progress_written_by_the_orm,
        progress_row_deleted,
        student_renamed,
        student_joins,
        student_leaves,
        due_date_set,
        module_withdrawn,
        course_renamed,
        class_archived,
    ],
)
def test_what_changed_is_shown_at_once(app, client, taught, change):
    school_class, url = taught
    before = work(client, url)
    change(db.session.get(type(school_class), school_class.id))
    db.session.commit()
    served = work(client, url)
    assert served != before
    assert served == afresh(app, client, url)


def test_a_due_date_passing_shows_the_item_overdue(app, client, taught, monkeypatch):
    school_class, url = taught
    due_date_set(school_class)
    db.session.commit()
    before = work(client, url)
    assert "Overdue" not in before
    later = utcnow() + timedelta(days=4)
    monkeypatch.setattr(routes, "utcnow", lambda: later)
    served = work(client, url)
    assert "Overdue" in served
    assert served == afresh(app, client, url)


def test_memberships_of_a_members_only_course_publisher_are_read_at_each_visit(app, client, taught):
    """Whom "Write to them" reaches: not a student a members-only course is closed to, until they
    join its publisher."""
    school_class, url = taught
    publisher = orgs.create_organisation("syndicat", "Syndicat", "publisher")
    assignment = db.session.scalars(
        select(Assignment).where(Assignment.class_id == school_class.id, Assignment.module_id.is_(None))
    ).first()
    assignment.course.visibility, assignment.course.organisation_id = "members", publisher.id
    db.session.commit()
    before = work(client, url)
    for student in _students(school_class):
        orgs.add_member(publisher, student, "member")
    db.session.commit()
    served = work(client, url)
    assert served != before
    assert served == afresh(app, client, url)


def test_another_time_zone_or_prefix_has_its_own_copy(app, client, taught):
    _class, url = taught
    paris = work(client, url)
    app.extensions["babel"].default_timezone = "America/Montreal"
    montreal = work(client, url)
    assert montreal != paris  # the days of activity near midnight in Paris
    assert montreal == afresh(app, client, url)
    prefixed = client.get(url, environ_overrides={"SCRIPT_NAME": "/cadre"}).get_data(as_text=True)
    assert f'href="/cadre{url}/export.csv' in prefixed and f'href="{url}/export.csv' not in prefixed


def test_an_unknown_column_shares_the_name_order_copy_without_a_column_marked(app, client, taught):
    _class, url = taught
    first = work(client, url + "?sort=nonsense&order=desc")
    assert "aria-sort" not in first
    store = app.extensions["class_work"]
    kept_before = len(store.kept)
    assert work(client, url + "?sort=other-nonsense") == first
    assert len(store.kept) == kept_before
    assert first == afresh(app, client, url + "?sort=nonsense")


def test_a_stamp_noted_before_the_session_closed_is_not_taken_for_the_next_transaction(app, client, taught):
    _class, url = taught
    work(client, url)
    row = db.session.scalars(select(ModuleProgress).order_by(ModuleProgress.id)).first()
    learner, row_id = row.user_id, row.id
    stamps.stamp_with_lock(db.session(), learner)  # as lock_learner(progress=True)
    db.session.close()  # the transaction ends without after_rollback
    assert learner not in db.session.info.get(stamps.STAMPED, set())
    row = db.session.get(ModuleProgress, row_id)
    row.best_score, row.attempts, row.completed_at = 1, 77, None
    db.session.commit()
    assert work(client, url) == afresh(app, client, url)


@pytest.mark.parametrize("query", ["?sort=done&order=desc", "?sort=name&order=asc", "?sort=activity"])
def test_each_language_and_sort_has_its_own_copy(app, client, taught, query):
    _class, url = taught
    english, french = work(client, url + query), work(client, url + query, "fr")
    assert english != french
    assert work(client, url + query) == english and work(client, url + query, "fr") == french
    assert english == afresh(app, client, url + query) and french == afresh(app, client, url + query, "fr")
    if query != "?sort=name&order=asc":  # the default order: its rows are the unsorted page's
        assert work(client, url) != english


def test_the_csv_is_kept_and_made_again_when_progress_changes(app, client, taught):
    school_class, url = taught
    csv_url = f"{url}/export.csv?format=fr"
    with counted_statements() as made:
        first = client.get(csv_url).get_data()
    with counted_statements() as found:
        assert client.get(csv_url).get_data() == first
    assert any("module_progress" in s for s in made) and not any("module_progress" in s for s in found)
    mark_read(school_class)
    db.session.commit()
    served = client.get(csv_url).get_data()
    app.extensions["class_work"] = kept.Store()
    assert served != first and served == client.get(csv_url).get_data()
    assert client.get(f"{url}/export.csv?format=en").get_data() != served  # each spreadsheet its own
    _students(school_class)[0].email = "nouvelle-adresse@example.org"
    db.session.commit()
    served = client.get(csv_url).get_data()
    assert b"nouvelle-adresse@example.org" in served


def test_progress_stamps_are_drawn_in_the_transaction_that_writes_progress(app, taught):
    school_class, _url = taught
    student, module = _read_by_a_student(school_class)
    stamp = db.session.get(User, student.id).progress_stamp
    with counted_statements() as statements:
        learning.mark_read(student, module)
    # The learner's lock is the stamp's update: no lock read, no second update of the account.
    assert len([s for s in statements if s.lstrip().upper().startswith("UPDATE USERS")]) == 1
    assert not [s for s in statements if s.lstrip().upper().startswith("SELECT USERS.EMAIL_CONFIRMED_AT")]
    db.session.commit()
    drawn = db.session.get(User, student.id).progress_stamp
    assert drawn != stamp
    row = db.session.scalars(select(ModuleProgress).where(ModuleProgress.user_id == student.id)).first()
    row.attempts += 1
    db.session.rollback()  # a write undone leaves the stamp as it was
    assert db.session.get(User, student.id).progress_stamp == drawn
    row = db.session.scalars(select(ModuleProgress).where(ModuleProgress.user_id == student.id)).first()
    row.attempts += 1
    db.session.commit()
    assert db.session.get(User, student.id).progress_stamp != drawn


def test_each_reader_gets_their_own_form_token(database_url):
    def account(name: str, email: str) -> User:
        user = User(full_name=name, email=email)
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.flush()
        return user

    with fresh_schema(make_app(database_url, WTF_CSRF_ENABLED=True)) as app:
        org = orgs.create_organisation("ecole", "École", "school")
        teachers = [account(name, f"{name[:4].lower()}@example.org") for name in ("Théo Prof", "Tara Prof")]
        for teacher in teachers:
            orgs.set_role(org, teacher, "teacher")
        school_class = make_class(org, teachers[0], account, 1, 1, 0, "classe")  # one item: one Remove button
        tokens, pages = [], []
        for teacher in teachers:
            client = app.test_client()
            token = csrf_token_from(client.get("/account/login").get_data(as_text=True))
            client.post(
                "/account/login", data={"email": teacher.email, "password": PASSWORD, "csrf_token": token}
            )
            page = client.get(f"/classes/{school_class.id}").get_data(as_text=True)
            remove = page[page.index('<section aria-labelledby="assigned-heading"') : page.index("</table>")]
            assert remove.count('name="csrf_token"') == 1
            tokens.append(csrf_token_from(page))
            pages.append(page)
        assert tokens[0] != tokens[1]
        for page, token in zip(pages, tokens, strict=True):
            found = re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', page)
            assert len(found) > 2 and set(found) == {token}, found


def test_the_store_counts_what_python_holds_and_drops_the_least_recently_used(monkeypatch):
    store = kept.Store()
    first = ("page", 1, ("Zoé", 3))
    store.keep(first, "’" * 1000, "")  # two bytes a character, as Python holds it
    assert store.size > 2000
    monkeypatch.setattr(kept, "MAX_KEPT_BYTES", 2 * store.size + 100)
    store.keep(("page", 2), "’" * 1000, "")
    assert store.found(first, "") is not None  # now the most recently used
    store.keep(("page", 3), "’" * 1000, "")
    assert [key[1] for key in store.kept] == [1, 3]
    assert store.found(("page", 3), "token") == "’" * 1000

"""The dashboard reads what the learner did, never the whole catalogue (issue 16).

It asks the database for the courses the learner started and for three suggestions, so it runs
the same statements with the 7 bundled courses or 10,000, and for a learner who started one course
or fifty; and it shows exactly what reading every course and sorting them in Python showed.
"""

from collections import Counter
from dataclasses import replace
from itertools import count

import pytest
from flask import template_rendered
from sqlalchemy import event, select

from app.catalog.models import MEMBERS, Course, Module
from app.catalog.services import list_courses
from app.content.checker import FINAL
from app.extensions import db
from app.learning.models import ModuleProgress
from app.learning.services import courses_progress, courses_with_final_test, next_modules
from app.models_base import utcnow
from app.orgs.models import MEMBER, PUBLISHER, Membership, Organisation

COURSE_COLUMNS = [c.key for c in Course.__table__.columns if c.key not in ("id", "slug", "title")]
MODULE_COLUMNS = [c.key for c in Module.__table__.columns if c.key not in ("id", "course_id", "slug")]
numbers = count(1)


def add_course(model: Course, title: str, slug: str | None = "", modules: int = 3, **changes) -> Course:
    """A copy of ``model`` with ``modules`` live modules, inserted directly: cheap by the dozen."""
    fields = {key: getattr(model, key) for key in COURSE_COLUMNS}
    course = Course(
        **{**fields, **changes}, title=title, slug=f"course-{next(numbers)}" if slug == "" else slug
    )
    db.session.add(course)
    db.session.flush()
    for position in range(1, modules + 1):
        add_module(course, f"m{position}", like=model, position=position)
    return course


def add_module(course: Course, slug: str, like: Course | None = None, **changes) -> Module:
    """A module of ``course`` copied from the first of ``like`` (by default, of the course itself)."""
    model = db.session.scalar(
        select(Module).where(Module.course_id == (like or course).id).order_by(Module.id)
    )
    fields = {key: getattr(model, key) for key in MODULE_COLUMNS}
    module = Module(
        **{**fields, "retired": False, "is_final": False, **changes}, course_id=course.id, slug=slug
    )
    db.session.add(module)
    db.session.flush()
    return module


def live_modules(course: Course) -> list[Module]:
    return list(
        db.session.scalars(
            select(Module)
            .where(Module.course_id == course.id, Module.retired.is_(False), Module.is_final.is_(False))
            .order_by(Module.position)
        )
    )


def touch(user, module: Module, completed: bool = True) -> None:
    """The learner's progress on a module: completed, or only attempted."""
    now = utcnow()
    db.session.add(
        ModuleProgress(
            user_id=user.id,
            module_id=module.id,
            read_at=now if completed else None,
            completed_at=now if completed else None,
            attempts=0 if completed else 1,
            last_activity_at=now,
        )
    )
    db.session.flush()


@pytest.fixture
def learner(make_user, auth, course):
    user = make_user(full_name="Zoé Lefèvre")
    auth.login(user.email)
    return user


@pytest.fixture
def watch(app):
    """What a request asks of the database: its SQL statements (transaction control left out), and
    the rows it turns into objects (each loaded or refreshed instance, by class name)."""
    seen = {"statements": [], "rows": []}

    def statement(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK")):
            seen["statements"].append(statement)

    def row(target, *args):
        seen["rows"].append(type(target).__name__)

    listeners = [(db.engine, "before_cursor_execute", statement)]
    listeners += [(db.Model, name, row) for name in ("load", "refresh")]
    for target, name, listener in listeners:
        event.listen(target, name, listener, **({"propagate": True} if target is db.Model else {}))
    yield seen
    for target, name, listener in listeners:
        event.remove(target, name, listener)


def dashboard(client, watch) -> tuple[list[str], Counter]:
    """The statements of a dashboard request and the rows it loads, every object read afresh (the
    tests' requests share one session, whose objects a real request would not have)."""
    db.session.expire_all()
    watch["statements"].clear()
    watch["rows"].clear()
    assert client.get("/dashboard").status_code == 200
    db.session.rollback()  # the page's reading transaction ends, as a real request's does
    return list(watch["statements"]), Counter(watch["rows"])


def rendered(client) -> dict:
    """The dashboard template's context."""
    seen = {}

    def record(sender, template, context, **extra):
        if template.name == "learning/dashboard.html":
            seen.update(context)

    with template_rendered.connected_to(record):
        assert client.get("/dashboard").status_code == 200
    db.session.rollback()  # the page's reading transaction ends, as a real request's does
    return seen


def test_the_same_statements_and_rows_whatever_the_catalogue_s_size(client, course, learner, watch):
    for n in range(5):
        add_course(course, f"Cours {n}")
    touch(learner, live_modules(course)[0])
    db.session.commit()
    small, small_rows = dashboard(client, watch)
    publisher = Organisation(slug="studio", name="Studio", kind=PUBLISHER)
    db.session.add(publisher)
    db.session.flush()
    for n in range(60):
        hidden = n % 4 == 0  # some members-only, some archived: filtered in SQL, never in Python
        add_course(
            course,
            f"Cours généré {n}",
            visibility=MEMBERS if hidden else "public",
            organisation_id=publisher.id if hidden else None,
            archived_at=utcnow() if n % 5 == 0 else None,
        )
    db.session.commit()
    large, large_rows = dashboard(client, watch)
    assert len(large) == len(small), (small, large)
    assert large_rows == small_rows  # no course, module or edition more: none is read in vain
    assert small_rows["Course"] <= 1 + 3  # the course started, and three suggestions
    assert len(rendered(client)["suggestions"]) == 3


def test_the_same_statements_for_one_course_started_or_many(client, course, learner, watch):
    others = [add_course(course, f"Autre cours {n}") for n in range(8)]
    touch(learner, live_modules(course)[0])
    db.session.commit()
    one, _ = dashboard(client, watch)
    for other in others:
        first, second, _ = live_modules(other)
        touch(learner, first)
        touch(learner, second, completed=False)
    db.session.commit()
    many, _ = dashboard(client, watch)
    assert len(many) == len(one), (one, many)
    assert len(rendered(client)["started"]) == 9


def reference(user) -> dict:
    """What the dashboard showed when it read the whole catalogue (list_courses, then Python)."""
    courses = list_courses(user, archived=True)
    progress = courses_progress(user, [c.id for c in courses])
    started = [c for c in courses if progress[c.id].started]
    return {
        "started": [c.id for c in started],
        # The dashboard tells what is left of a final test from its own columns (finals, final_tried).
        "progress": {c.id: replace(progress[c.id], final_due=False) for c in started},
        "next": {cid: m.id if m else None for cid, m in next_modules(user, started).items()},
        "finals": courses_with_final_test([c.id for c in started]),
        "suggestions": [c.id for c in courses if not progress[c.id].started and c.archived_at is None][:3],
    }


def test_the_dashboard_shows_what_reading_every_course_showed(client, course, learner):
    mine, theirs = (Organisation(slug=s, name=s, kind=PUBLISHER) for s in ("mine", "theirs"))
    db.session.add_all([mine, theirs])
    db.session.flush()
    db.session.add(Membership(organisation_id=mine.id, user_id=learner.id, role=MEMBER))

    # Suggestions: numbers sorted as numbers, accents and case folded, and three courses with one
    # folded title at the third place, told apart by their slugs (inserted out of slug order); one
    # of them members-only, of the learner's publisher: suggested like public ones.
    add_course(course, "Atelier 10", slug="atelier-10")
    add_course(course, "Atelier 2", slug="atelier-2")
    add_course(course, "Écrire pour l’écran", slug="ecrire-c", visibility=MEMBERS, organisation_id=mine.id)
    add_course(course, "Ecrire pour l’Écran", slug="ecrire-b")
    add_course(course, "ecrire pour l'ecran", slug="ecrire-a")
    # Never suggested: archived, another publisher's members-only course, an edition.
    add_course(course, "Aaa archivé", archived_at=utcnow())
    add_course(course, "Aaa réservé", visibility=MEMBERS, organisation_id=theirs.id)
    add_course(course, "Aaa édition", slug=None, edition_of_id=course.id, language="en")

    # Started: the fixture course, half done; an archived course, finished; a course with a final
    # test whose modules are all done; a members-only course of their publisher, only attempted.
    touch(learner, live_modules(course)[0])
    archived = add_course(course, "Zèbre archivé", archived_at=utcnow())
    for module in live_modules(archived):
        touch(learner, module)
    with_final = add_course(course, "Maîtriser le doublage", modules=2)
    add_module(with_final, FINAL, is_final=True, position=99)
    for module in live_modules(with_final):
        touch(learner, module)
    members = add_course(course, "Nos règles internes", visibility=MEMBERS, organisation_id=mine.id)
    touch(learner, live_modules(members)[1], completed=False)
    # Not started: progress only on a withdrawn module or on the final test (not suggested either,
    # being after the others by title); not shown: started, but members-only of another publisher.
    retired = add_course(course, "Yoga vocal")
    touch(learner, add_module(retired, "ancien", retired=True, position=9))
    final_only = add_course(course, "Yodel")
    touch(learner, add_module(final_only, FINAL, is_final=True, position=99))
    closed = add_course(course, "Xylophone", visibility=MEMBERS, organisation_id=theirs.id)
    touch(learner, live_modules(closed)[0])
    db.session.commit()

    page = rendered(client)
    expected = reference(learner)
    assert [c.id for c in page["started"]] == expected["started"]
    assert {c.id: page["progress"][c.id] for c in page["started"]} == expected["progress"]
    assert {cid: m.id if m else None for cid, m in page["next_modules"].items()} == expected["next"]
    assert page["finals"] == expected["finals"]
    assert [c.id for c in page["suggestions"]] == expected["suggestions"]
    # And what that was, spelt out.
    slugs = {c.id: c.slug for c in db.session.scalars(select(Course))}
    assert [slugs[i] for i in expected["suggestions"]] == ["atelier-2", "atelier-10", "ecrire-a"]
    assert set(expected["started"]) == {course.id, archived.id, with_final.id, members.id}
    assert expected["finals"] == {with_final.id}
    assert expected["next"][with_final.id] is None and expected["next"][archived.id] is None

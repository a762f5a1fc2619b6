"""The class page and its CSV export (issue 16): a fixed number of SQL statements whatever the size
of the class, and cells rendered once per distinct value that read exactly as the macros of
schools/_cell.html render them (the student page uses those macros directly)."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest

from app.catalog.models import Course, Module
from app.extensions import db
from app.learning.models import ModuleProgress
from app.models_base import utcnow
from app.schools import services
from app.schools.models import Assignment, Enrolment
from tests.conftest import counted_statements
from tests.schools import test_schools

school, people = test_schools.school, test_schools.people  # the fixtures of the schools' tests

# Around midnight in Paris (UTC+2 in summer, UTC+1 in winter): the day shown is the Paris one.
MOMENTS = [
    datetime(2026, 7, 14, 21, 59, tzinfo=UTC),  # 23:59 on 14 July in Paris
    datetime(2026, 7, 14, 22, 1, tzinfo=UTC),  # 00:01 on 15 July in Paris
    datetime(2026, 12, 31, 23, 30, tzinfo=UTC),  # 00:30 on 1 January 2027 in Paris
    datetime(2026, 3, 29, 0, 30, tzinfo=UTC),  # the night the clocks go forward
]


def make_class(org, teacher, make_user, students: int, modules: int, courses: int, name: str):
    """A class of ``students`` × (``modules`` single modules, some withdrawn, + ``courses`` whole
    courses: four live modules, a withdrawn one and a final test), with varied progress."""
    made = []
    for c in range(max(courses, 1) + modules // 4 + 1):
        course = Course(
            slug=f"{name}-c{c}", title=f"Cours {c} <i>", summary="", language="en" if c % 2 else "fr",
            level="beginner", duration=1, audience="", publisher="", content_updated=utcnow().date(),
            intro_html="", content_hash="x",
        )  # fmt: skip
        db.session.add(course)
        db.session.flush()
        for m in range(6):
            db.session.add(
                Module(course_id=course.id, slug=f"m{m}", position=m + 1, title=f"M{m} & co", duration=1,
                       objectives=[], body_html="", has_quiz=True, pass_mark=70,
                       retired=m == 4, is_final=m == 5)
            )  # fmt: skip
        made.append(course)
    db.session.flush()
    school_class = services.create_class(org, teacher, name, "2026", "")
    db.session.flush()
    whole, rest = made[:courses], made[courses:]
    singles = [
        m
        for course in rest
        for m in sorted(course_modules(course), key=lambda m: m.position)
        if not m.is_final  # the retired module stays: a withdrawn item
    ][:modules]
    for m in singles:
        db.session.add(
            Assignment(class_id=school_class.id, course_id=m.course_id, module_id=m.id, created_by_id=1)
        )
    for course in whole:
        db.session.add(Assignment(class_id=school_class.id, course_id=course.id, created_by_id=1))
    covered = singles + [m for course in whole for m in course_modules(course)]
    for s in range(students):
        student = make_user(f"Élève {name} {s:02d}", f"{name}-{s}@example.org")
        db.session.add(Enrolment(class_id=school_class.id, user_id=student.id))
        for n, m in enumerate(covered):
            if (s + n) % 4 == 3:
                continue  # not started
            moment = MOMENTS[(s * 7 + n) % len(MOMENTS)] + timedelta(days=n % 3)
            db.session.add(
                ModuleProgress(user_id=student.id, module_id=m.id, attempts=(s + n) % 3,
                               best_score=[None, 40, 75, 100][(s + 2 * n) % 4],
                               completed_at=moment if (s + n) % 4 < 2 else None, last_activity_at=moment)
            )  # fmt: skip
    db.session.commit()
    return school_class


def course_modules(course: Course) -> list[Module]:
    return list(db.session.scalars(db.select(Module).where(Module.course_id == course.id)))


def statements(client, url: str) -> int:
    """SQL statements of one request starting, as on a server, with nothing loaded yet."""
    db.session.remove()
    with counted_statements() as found:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(found)


def test_class_page_and_csv_cost_the_same_statements_whatever_the_size(
    client, auth, school, people, make_user
):
    org, _ = school
    small = make_class(org, people["teacher"], make_user, 3, 1, 1, "petite").id
    large = make_class(org, people["teacher"], make_user, 40, 27, 3, "grande").id
    auth.login(people["teacher"].email)
    # What every signed-in page costs: the person, their memberships (the header), notifications.
    signed_in = statements(client, "/join")
    page = [statements(client, f"/classes/{c}") for c in (small, large)]
    export = [statements(client, f"/classes/{c}/export.csv?format=en") for c in (small, large)]
    assert page[0] == page[1] and export[0] == export[1], (page, export)
    # The class and its students, the items with their modules, the students' progress.
    assert page[0] - signed_in <= 3, (page, signed_in)
    assert export[0] - signed_in <= 3, (export, signed_in)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_table_cells_read_as_the_macros_render_them(client, auth, app, school, people, make_user, language):
    org, _ = school
    school_class = make_class(org, people["teacher"], make_user, 6, 5, 2, "classe")
    auth.login(people["teacher"].email)
    headers = {"Accept-Language": language}
    page = client.get(f"/classes/{school_class.id}?sort=done&order=desc", headers=headers).get_data(
        as_text=True
    )
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    shown = re.findall(r"<tr>\s*<th scope=\"row\">.*?</th>(.*?)</tr>", body, re.S)
    with app.test_request_context(headers=headers):
        macros = app.jinja_env.get_template("schools/_cell.html").module
        table = services.class_table(school_class, "done", True)
        day = app.jinja_env.filters["shortdate"]
        expected = [
            [
                f"<td>{macros.cell_summary(c)}<br><small>{macros.cell_details(c)}</small></td>"
                for c in row.cells
            ]
            + [
                f"<td>{row.done}/{row.live}</td>",
                f"<td>{day(row.last_activity) if row.last_activity else '—'}</td>",
            ]
            for row in table.rows
        ]
    assert len(shown) == len(expected) == 6
    for html, cells in zip(shown, expected, strict=True):
        assert re.findall(r"<td>.*?</td>", html, re.S) == cells
    # Days are Paris days, whichever side of midnight UTC.
    written = {"fr": "15/07/2026", "en": "15 Jul 2026"}[language]  # no 07/15 to misread in English
    assert any(written in c for row in expected for c in row)


def test_csv_days_are_paris_days(client, auth, school, people, make_user):
    org, _ = school
    school_class = make_class(org, people["teacher"], make_user, 4, 2, 1, "csv")
    auth.login(people["teacher"].email)
    raw = client.get(f"/classes/{school_class.id}/export.csv?format=en").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw)))
    table = services.class_table(school_class)
    for line, row in zip(rows[1:], table.rows, strict=True):
        for i, (item, cell) in enumerate(zip(table.items, row.cells, strict=True)):
            completed, late, score, attempts, last = line[2 + 5 * i : 7 + 5 * i]
            assert completed == (paris_day(cell.completed_at) if cell.completed_at else "")
            if item.due_at is None:
                assert late == ""
            else:
                assert late == ("yes" if (cell.completed_at or utcnow()) > item.due_at else "no")
            assert score == ("" if cell.best_score is None else str(cell.best_score))
            assert attempts == str(cell.attempts)
            assert last == (paris_day(cell.last_activity) if cell.last_activity else "")
    assert "2027-01-01" in raw and "2026-07-15" in raw


def paris_day(moment: datetime) -> str:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo("Europe/Paris")).strftime("%Y-%m-%d")


def test_cells_kept_by_the_process_are_per_language_and_bounded(
    client, app, auth, school, people, make_user, monkeypatch
):
    from app.schools import kept, routes

    org, _ = school
    school_class = make_class(org, people["teacher"], make_user, 5, 3, 1, "gardée")
    auth.login(people["teacher"].email)
    url = f"/classes/{school_class.id}"

    def cells(language: str) -> list[str]:
        page = client.get(url, headers={"Accept-Language": language}).get_data(as_text=True)
        body = page[page.index("<tbody>") : page.index("</tbody>")]
        return re.findall(r"<td><span class=\"badge.*?</td>", body, re.S)

    french, english, french_again = cells("fr"), cells("en"), cells("fr")
    assert len(french) == len(english) == 5 * 4
    assert french_again == french != english
    assert any("Not started" in cell for cell in english) and not any("Not started" in c for c in french)
    monkeypatch.setattr(routes, "MAX_KEPT_CELLS", 0)  # full: emptied before the page is written
    app.extensions["class_work"] = kept.Store()  # the page is written again, not found kept
    assert cells("en") == english
    assert 0 < len(routes._KEPT_CELLS["en"]) <= len(set(english))

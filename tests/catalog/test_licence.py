"""A course's licence: stored at import, shown on its page, chosen in the publisher's editor."""

import shutil

import pytest
from flask_babel import force_locale, refresh
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from app.catalog.models import Course
from app.content.licences import LICENCES
from app.extensions import db
from app.publishing import editor
from app.publishing.forms import CourseForm
from tests.conftest import VALID_CONTENT, text_of

COURSE_MD = "courses/voix-et-ia/course.md"


@pytest.fixture
def content(tmp_path):
    """A writable copy of the valid fixture content root."""
    root = tmp_path / "content"
    shutil.copytree(VALID_CONTENT, root)
    return root


def set_licence(root, line: str) -> None:
    """Write *line* as the last front-matter line of the fixture's course.md ("" removes none)."""
    path = root / COURSE_MD
    head, _fence, body = path.read_text(encoding="utf-8")[4:].partition("\n---\n")
    kept = "\n".join(x for x in head.split("\n") if not x.startswith("licence:"))
    path.write_text(f"---\n{kept}\n{line}\n---\n{body}" if line else f"---\n{kept}\n---\n{body}", "utf-8")


def import_root(runner, root):
    result = runner.invoke(args=["content", "import", str(root)])
    assert result.exit_code == 0, result.output
    return db.session.scalar(select(Course).where(Course.slug == "voix-et-ia"))


def test_import_stores_the_licence_and_a_change_of_it_is_a_new_version(app, runner, content):
    set_licence(content, "licence: CC-BY-NC-4.0")
    course = import_root(runner, content)
    assert (course.licence, course.version) == ("CC-BY-NC-4.0", 1)

    set_licence(content, "licence: CC0-1.0")
    course = import_root(runner, content)
    assert (course.licence, course.version) == ("CC0-1.0", 2)

    set_licence(content, "")  # stated no more: all rights reserved again
    course = import_root(runner, content)
    assert (course.licence, course.version) == ("all-rights-reserved", 3)


def test_a_course_imported_without_a_licence_has_all_rights_reserved(course):
    assert course.licence == "all-rights-reserved"


def page(client, language: str) -> str:
    refresh()  # the suite keeps one app context open: forget the language of earlier requests
    response = client.get("/courses/voix-et-ia", headers={"Accept-Language": language})
    assert response.status_code == 200
    return text_of(response)


def test_the_course_page_links_to_the_licence_deed_in_english_and_in_french(client, course):
    course.licence = "CC-BY-SA-4.0"
    db.session.commit()
    english = page(client, "en")
    link = '<a rel="license" href="https://creativecommons.org/licenses/by-sa/4.0/deed.{}">CC BY-SA 4.0</a>'
    assert f"Content licensed under {link.format('en')}" in english
    assert "All rights reserved" not in english

    french = page(client, "fr")
    assert link.format("fr") in french and "deed.en" not in french


def test_a_public_domain_course_says_so(client, course):
    course.licence = "CC0-1.0"
    db.session.commit()
    english = page(client, "en")
    assert (
        'Content dedicated to the public domain (<a rel="license"'
        ' href="https://creativecommons.org/publicdomain/zero/1.0/deed.en">CC0 1.0</a>)'
    ) in english


def test_a_course_with_all_rights_reserved_says_so_without_a_link(client, course):
    english = page(client, "en")
    assert '<p class="hint">All rights reserved</p>' in english
    assert 'rel="license"' not in english and "creativecommons.org" not in english


def test_the_editor_offers_every_licence_and_writes_it_in_the_front_matter(app):
    with app.test_request_context(), force_locale("en"):
        form = CourseForm(meta={"csrf": False})
        assert sorted(choice.value for choice in form.licence.choices) == sorted(LICENCES)
        assert form.licence.data == "all-rights-reserved"
    files = {COURSE_MD: (VALID_CONTENT / COURSE_MD).read_text(encoding="utf-8")}
    values, body = editor.course_fields(files, "voix-et-ia")
    assert "licence" not in values
    written = editor.write_course(files, "voix-et-ia", {**values, "licence": "CC-BY-ND-4.0"}, body)
    assert "\nlicence: CC-BY-ND-4.0\n---\n" in written[COURSE_MD]
    assert editor.course_fields(written, "voix-et-ia")[0]["licence"] == "CC-BY-ND-4.0"


def test_the_migration_gives_existing_courses_all_rights_reserved_and_downgrades(empty_database):
    upgrade(revision="b1e4f7a9c026")
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO courses (id, slug, title, summary, language, level, duration, audience,"
                " publisher, content_updated, intro_html, version, content_hash, published_at, version_at,"
                " visibility) VALUES (1, 'c', 'C', 's', 'fr', 'beginner', 10, 'a', 'p', '2026-11-01', '',"
                " 1, 'h', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'public')"
            )
        )
    upgrade(revision="c5f1a2b3d417")
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT licence FROM courses")).scalar() == "all-rights-reserved"
    downgrade(revision="b1e4f7a9c026")
    db.engine.dispose()  # SQLite: read the table as the downgrade left it
    assert "licence" not in {c["name"] for c in inspect(db.engine).get_columns("courses")}
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT slug FROM courses")).scalar() == "c"

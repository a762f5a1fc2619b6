"""Untrusted work cannot take every web worker (finding M6): previews, checks and version diffs
wait for one of a few slots per host, and a version page never compares huge files line by line."""

import random
import time

import pytest
from sqlalchemy import select

from app.catalog.models import Course
from app.extensions import db
from app.publishing import diffs, services
from app.publishing.models import CourseDraft, CourseVersion
from tests.conftest import VALID_CONTENT, text_of
from tests.content.test_bounded_slots import slots_held
from tests.publishing.test_workflow import WS, as_, publish, published, publisher, upload, valid_files  # noqa: F401

MODULE = "courses/voix-et-ia/03-bonnes-pratiques.md"
PREVIEW = {
    "path": MODULE,
    "text": "---\ntitle: T\nduration: 5\nobjectives: [a]\n---\n# Titre\n\nDu **texte**.",
}


@pytest.fixture(autouse=True)
def own_slots(app, tmp_path):
    """Slots of this test's own (not the shared instance folder's): one, given up on quickly."""
    app.config.update(
        UNTRUSTED_WORK_DIR=str(tmp_path), UNTRUSTED_WORK_SLOTS=1, UNTRUSTED_WORK_WAIT_SECONDS=0.2
    )
    return tmp_path


def test_a_preview_finding_no_free_slot_gets_503_with_retry_after(client, auth, publisher, own_slots):  # noqa: F811
    _, _, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    with slots_held(own_slots, 1):
        refused = client.post(f"{WS}/voix-et-ia/preview", json=PREVIEW)
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "10"  # CONTENT_CHECK_SECONDS: a slot frees by then
    data = refused.get_json()
    assert data["html"] == "" and "The server is busy with other previews" in data["problems"][0]["message"]
    answered = client.post(f"{WS}/voix-et-ia/preview", json=PREVIEW)
    assert answered.status_code == 200 and "<strong>texte</strong>" in answered.get_json()["html"]


def test_an_upload_while_busy_changes_nothing_a_save_is_kept_unchecked(client, auth, publisher, own_slots):  # noqa: F811
    org, _, people = publisher
    as_(auth, people, "editor")
    with slots_held(own_slots, 1):
        refused = upload(client, valid_files())
    assert refused.status_code == 400 and services.NOT_CHECKED in text_of(refused)
    assert db.session.scalar(select(CourseDraft)) is None
    # The editor's saves never lose work: kept unchecked, never submitted, checked once saved again.
    with slots_held(own_slots, 1):
        draft = services.save_files(org, "voix-et-ia", valid_files(), people["editor"])
        db.session.commit()
    assert [p.message for p in services.problems_of(draft)] == [services.NOT_CHECKED]
    client.post(f"{WS}/voix-et-ia/submit")
    assert draft.state == "draft"  # never submitted unchecked
    upload(client, valid_files())  # the same files: checked this time
    db.session.refresh(draft)
    assert draft.problems == []


def test_publishing_while_busy_is_refused_with_a_message(client, auth, publisher, own_slots):  # noqa: F811
    _, _, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    client.post(f"{WS}/voix-et-ia/submit")
    as_(auth, people, "reviewer")
    with slots_held(own_slots, 1):
        publish(client)
    page = text_of(client.get(f"{WS}/voix-et-ia"))
    assert "The server is busy checking other courses. Try again in a moment." in page
    assert db.session.scalar(select(CourseDraft.state)) == "in_review"
    assert db.session.scalar(select(Course.id)) is None


def test_trusted_content_from_the_repository_takes_no_slot(runner, own_slots):
    with slots_held(own_slots, 1):
        result = runner.invoke(args=["content", "import", str(VALID_CONTENT)])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(Course.id)) is not None


# Version pages -----------------------------------------------------------------------------------


def add_version(number: int, files: dict[str, str]) -> None:
    """A published version written straight to the database (publishing huge files takes long)."""
    course = db.session.scalar(select(Course).where(Course.slug == "voix-et-ia"))
    first = db.session.scalar(select(CourseVersion).where(CourseVersion.version == 1))
    db.session.add(
        CourseVersion(course_id=course.id, version=number, files=files, published_by_id=first.published_by_id)
    )
    db.session.commit()


def with_module(text: str) -> dict[str, str]:
    return {**valid_files(), MODULE: text}


@pytest.fixture
def course_published(client, auth, publisher):  # noqa: F811
    """The fixture course published once, its page read by the reviewer."""
    published(client, auth, publisher[2])
    return publisher


def test_a_huge_module_is_summed_up_quickly_and_the_page_stays_small(client, course_published):
    lines = [f"{i:05x}" for i in range(36_000)]
    before = "\n".join(lines) + "\n"
    random.Random(1).shuffle(lines)  # the worst case for difflib: 8.5 s and 4.5 MB before
    after = "\n".join(lines) + "\n"
    add_version(2, with_module(before))
    add_version(3, with_module(after))
    started = time.monotonic()
    response = client.get(f"{WS}/voix-et-ia/versions/3")
    assert time.monotonic() - started < 4  # 2.03 s once on a slow, shared machine; difflib took 8.5 s
    page = text_of(response)
    assert "Too large to compare line by line (lines before: 36,000, after: 36,000)." in page
    assert "<ins>+" not in page and "<del>-" not in page
    # The page shows this version's text once; a line diff would add every line twice more.
    assert len(response.get_data()) < 1.3 * len(after) + 100_000


def test_a_normal_change_still_shows_its_lines(client, course_published):
    text = valid_files()[MODULE]
    add_version(2, with_module(text.replace("Tenez un registre", "Tenez à jour un registre")))
    page = text_of(client.get(f"{WS}/voix-et-ia/versions/2"))
    assert "<del>-Tenez un registre" in page and "<ins>+Tenez à jour un registre" in page
    assert "Too large to compare" not in page


def test_changed_lines_over_the_cap_are_summed_up_file_by_file(app, client, course_published):
    app.config["DIFF_MAX_CHANGED_LINES"] = 3
    files = valid_files()
    course_md = "courses/voix-et-ia/course.md"
    files[course_md] += "\nUne ligne de plus.\n"  # 1 changed line: shown
    files[MODULE] += "\n" + "\n".join(f"Ligne {i}." for i in range(5)) + "\n"  # 6: over the cap
    add_version(2, files)
    page = text_of(client.get(f"{WS}/voix-et-ia/versions/2"))
    assert "<ins>+Une ligne de plus.</ins>" in page
    assert "Ligne 3." not in page.split("Text of this version")[0]
    assert "Too large to compare line by line" in page


def test_a_version_diff_is_computed_once(client, course_published, monkeypatch):
    calls = []
    real = diffs.diff_files
    monkeypatch.setattr(diffs, "diff_files", lambda *args: calls.append(1) or real(*args))
    add_version(2, with_module(valid_files()[MODULE] + "\nFin.\n"))
    for _ in range(3):
        assert "<ins>+Fin.</ins>" in text_of(client.get(f"{WS}/voix-et-ia/versions/2"))
    assert len(calls) == 1


def long_module(changed: str) -> str:
    """Big enough (3,000 lines) to be compared in a child process, in a slot."""
    return "\n".join(f"Paragraphe {i}." for i in range(1_500)) + f"\n{changed}\n"


def test_a_big_diff_waits_for_a_slot_and_is_not_kept_when_busy(client, course_published, own_slots):
    add_version(2, with_module(long_module("Avant.")))
    add_version(3, with_module(long_module("Après.")))
    with slots_held(own_slots, 1):
        busy = text_of(client.get(f"{WS}/voix-et-ia/versions/3"))
    assert "The server is busy: reload the page in a moment" in busy
    assert "Lines before: 1,501, after: 1,501." in busy and "<del>-Avant.</del>" not in busy
    again = text_of(client.get(f"{WS}/voix-et-ia/versions/3"))  # compared in a child this time
    assert "<del>-Avant.</del>" in again and "<ins>+Après.</ins>" in again
    assert "The server is busy" not in again


def test_a_diff_that_takes_too_long_is_summed_up(app, client, course_published):
    add_version(2, with_module(long_module("Avant.")))
    add_version(3, with_module(long_module("Après.")))
    # A process per job (no worker kept warm), so the child cannot even start in that time.
    app.config.update(CONTENT_CHECK_SECONDS=0.01, UNTRUSTED_WORKERS_KEPT=0)
    page = text_of(client.get(f"{WS}/voix-et-ia/versions/3"))
    assert "These changes took too long to compare line by line" in page
    assert "Lines before: 1,501, after: 1,501." in page and "<del>-Avant.</del>" not in page

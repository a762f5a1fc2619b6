"""A publisher's translations: started from the published course, reviewed and published on their
own as its edition, shown on the course's page, and flagged when they lag behind the original."""

import pytest
from sqlalchemy import func, select

from app.catalog.models import Course
from app.content.checker import load_tree
from app.extensions import db
from app.publishing import services
from app.publishing.models import CourseDraft
from tests.catalog.test_editions import offers
from tests.conftest import FIXTURES, text_of
from tests.publishing import test_workflow
from tests.publishing.test_workflow import WS, as_, publish, published, upload, valid_files

publisher = test_workflow.publisher  # its fixture, shared
EDITION = FIXTURES / "content" / "edition-en"
SLUG = "voix-et-ia-en"


def english_files(translation_of: str = "voix-et-ia", language: str = "en") -> dict[str, str]:
    """The English fixture edition, as the translation draft's files."""
    files = {}
    for path, text in load_tree(EDITION).items():
        if path.endswith("course.md"):
            text = text.replace("language: en", f"language: {language}\ntranslation_of: {translation_of}")
        files[path.replace("/voix-et-ia/", f"/{SLUG}/")] = text
    return files


@pytest.fixture
def original(client, auth, publisher):
    _, _, people = publisher
    published(client, auth, people)
    return db.session.scalar(select(Course).where(Course.slug == "voix-et-ia"))


def republish_original(client, auth, people, name: str, old: str, new: str):
    """The editor changes one file of the original and the reviewer publishes it again."""
    as_(auth, people, "editor")
    files = valid_files()
    path = f"courses/voix-et-ia/{name}"
    files[path] = files[path].replace(old, new)
    upload(client, files)
    client.post(f"{WS}/voix-et-ia/submit")
    as_(auth, people, "reviewer")
    return publish(client)


def translate_and_publish(client, auth, people, files=None):
    as_(auth, people, "editor")
    upload(client, files or english_files())
    client.post(f"{WS}/{SLUG}/submit")
    as_(auth, people, "reviewer")
    return publish(client, SLUG)


def test_a_translation_starts_from_the_published_course(client, auth, publisher, original):
    _, _, people = publisher
    as_(auth, people, "editor")
    page = text_of(client.get(f"{WS}/voix-et-ia"))
    assert "No translation yet" in page and "Start a translation" in page
    response = client.post(f"{WS}/voix-et-ia/translate", data={"language": "en"})
    assert response.location.endswith(f"{WS}/{SLUG}")
    draft = db.session.scalar(select(CourseDraft).where(CourseDraft.slug == SLUG))
    course_md = draft.files[f"courses/{SLUG}/course.md"]
    assert "language: en" in course_md and "translation_of: voix-et-ia" in course_md
    assert len(draft.files) == len(valid_files()) and draft.problems == []
    # Once is enough; and a course cannot be translated into its own language.
    client.post(f"{WS}/voix-et-ia/translate", data={"language": "en"})
    assert "exists already" in text_of(client.get(f"{WS}/voix-et-ia"))
    client.post(f"{WS}/voix-et-ia/translate", data={"language": "fr"})
    assert db.session.scalar(select(func.count(CourseDraft.id))) == 2


def test_the_course_editor_keeps_translation_of(client, auth, publisher, original):
    _, _, people = publisher
    as_(auth, people, "editor")
    client.post(f"{WS}/voix-et-ia/translate", data={"language": "en"})
    form = {
        "title": "Voice and AI",
        "summary": "What the law allows.",
        "language": "en",
        "level": "beginner",
        "duration": "50",
        "audience": "Actors",
        "updated": "2025-03-12",
        "licence": "all-rights-reserved",
        "intro": "This course presents the **legal framework**.",
    }
    client.post(f"{WS}/{SLUG}/course", data=form)
    course_md = db.session.scalar(select(CourseDraft.files).where(CourseDraft.slug == SLUG))[
        f"courses/{SLUG}/course.md"
    ]
    assert "title: Voice and AI" in course_md and "translation_of: voix-et-ia" in course_md


def test_a_published_translation_is_the_courses_edition_and_says_when_it_lags(
    client,
    auth,
    publisher,
    original,
):
    _, _, people = publisher
    translate_and_publish(client, auth, people)
    edition = db.session.scalar(select(Course).where(Course.edition_of_id == original.id))
    assert (edition.slug, edition.language, edition.source_version) == (None, "en", 1)
    assert db.session.scalar(select(func.count(Course.id)).where(Course.slug == SLUG)) == 0
    page = client.get("/courses/voix-et-ia").get_data(as_text=True)
    assert "Voice and AI" in page and offers(page, "fr", "Français")  # an English reader gets the translation
    as_(auth, people, "editor")
    assert "Up to date" in text_of(client.get(f"{WS}/voix-et-ia"))

    # The original changes and is published again: the translation now lags behind.
    republish_original(
        client, auth, people, "03-bonnes-pratiques.md", "Tenez un registre", "Tenez à jour un registre"
    )
    workspace = text_of(client.get(WS))
    assert "Behind: the original is at version 2" in workspace
    assert "Behind: the original is at version 2" in text_of(client.get(f"{WS}/{SLUG}"))
    assert "This edition was made from version 1 of the original" in text_of(
        client.get("/courses/voix-et-ia")
    )


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (lambda: english_files(translation_of="nulle-part"), "not a published course of"),
        (lambda: english_files(language="fr"), "another language than the course it translates"),
    ],
)
def test_a_translation_of_nothing_or_in_the_same_language_is_refused(
    client,
    auth,
    publisher,
    original,
    files,
    message,
):
    _, _, people = publisher
    response = translate_and_publish(client, auth, people, files())
    assert message in text_of(client.get(response.location))
    assert db.session.scalar(select(CourseDraft.state).where(CourseDraft.slug == SLUG)) == "in_review"
    assert db.session.scalar(select(func.count(Course.id)).where(Course.edition_of_id.is_not(None))) == 0


def test_another_publishers_course_cannot_be_translated(client, auth, publisher, original):
    _, other, people = publisher
    as_(auth, people, "other_editor")
    assert upload(client, english_files(), "/workspace/autre-editeur/upload").status_code == 302
    client.post(f"/workspace/autre-editeur/{SLUG}/submit")
    draft = db.session.scalar(select(CourseDraft).where(CourseDraft.slug == SLUG))
    other.self_publish = True
    with pytest.raises(services.PublishingError, match="not a published course of Autre éditeur"):
        services.publish(draft, people["other_editor"])
    db.session.rollback()
    assert db.session.scalar(select(func.count(Course.id)).where(Course.edition_of_id.is_not(None))) == 0


def test_an_archived_translation_is_no_longer_offered(client, auth, publisher, original):
    _, _, people = publisher
    translate_and_publish(client, auth, people)
    as_(auth, people, "admin")
    client.post(f"{WS}/{SLUG}/archive", data={"action": "archive"})
    page = text_of(client.get("/courses/voix-et-ia"))
    assert "La voix et l'IA" in page and "This course is also in" not in page


def test_translation_of_must_name_a_course_by_its_short_name():
    from app.content.checker import check_files

    problems = [p.located() for p in check_files(english_files(translation_of="Voix et IA")).problems]
    assert problems == [
        f"courses/{SLUG}/course.md:5: 'translation_of' must be a course's short name: lower-case letters, "
        "digits and hyphens"
    ]


def test_the_original_cannot_take_its_translations_language(client, auth, publisher, original):
    _, _, people = publisher
    translate_and_publish(client, auth, people)
    response = republish_original(client, auth, people, "course.md", "language: fr", "language: en")
    assert "has a translation in this language" in text_of(client.get(response.location))
    assert db.session.get(Course, original.id).language == "fr"
    assert client.get("/courses").status_code == 200

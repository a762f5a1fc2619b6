"""The publishers' workspace keeps the checker's warnings with a draft and shows them, apart from
the problems: on the draft's page and beside each file of the module editor."""

from sqlalchemy import select

from app.content.checker import load_tree
from app.content.documents import Notice
from app.extensions import db
from app.publishing.models import CourseDraft
from tests.conftest import FIXTURES, text_of
from tests.publishing.test_workflow import WS, as_, publisher, upload, valid_files  # noqa: F401

NO_FEEDBACK = "option without feedback: add a '  > ' line under it saying why it is right or wrong"


def test_warnings_are_saved_with_the_draft_and_shown_apart(client, auth, publisher):  # noqa: F811
    _, _, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    draft = db.session.scalar(select(CourseDraft))
    assert draft.problems == []
    notices = [Notice.from_json(data) for data in draft.warnings]
    assert Notice("quizzes/voix-et-ia/cadre-legal.md", 8, NO_FEEDBACK) in notices

    page = text_of(client.get(f"{WS}/voix-et-ia"))
    assert '<section aria-labelledby="warnings-heading" class="callout callout-warning' in page
    assert '<h2 id="warnings-heading">Warnings</h2>' in page
    assert f"<strong>Quiz of the module “Le cadre légal”, line 8:</strong> {NO_FEEDBACK}</a>" in page
    assert '<span class="problem-file"><code>quizzes/voix-et-ia/cadre-legal.md:8</code></span>' in page
    assert "Problems to fix before review" not in page
    assert "Submit for review" in page  # warnings never block

    editor = text_of(client.get(f"{WS}/voix-et-ia/modules/cadre-legal"))
    assert 'aria-labelledby="quiz-warnings-heading quiz-heading"' in editor  # named apart from the module's
    assert f"Line 8: {NO_FEEDBACK}" in editor
    assert "Line 3: 'duration' is 20 min but the module takes about 2 min" in editor


def test_a_course_built_to_the_rules_has_no_warning(client, auth, publisher):  # noqa: F811
    _, _, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    clean = load_tree(FIXTURES / "content" / "pools")
    upload(client, clean)
    draft = db.session.scalar(select(CourseDraft).where(CourseDraft.slug == "pools-fixture"))
    assert (draft.problems, draft.warnings) == ([], [])
    assert 'id="warnings-heading"' not in text_of(client.get(f"{WS}/pools-fixture"))

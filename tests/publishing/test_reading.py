"""Reviewers read the draft as learners will, answers shown, and see what it changes in the live version."""

from sqlalchemy import select

from app.extensions import db
from app.publishing import services
from app.publishing.models import CourseDraft
from tests.conftest import text_of
from tests.content.test_bounded_slots import slots_held
from tests.publishing.test_workflow import WS, as_, published, publisher, upload, valid_files  # noqa: F401

QUIZ = "quizzes/voix-et-ia/cadre-legal.md"
READ = f"{WS}/voix-et-ia/read"


def test_a_reviewer_reads_a_new_draft_with_its_answers(client, auth, publisher):  # noqa: F811
    _, _, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    assert f'href="{READ}"' in text_of(client.get(f"{WS}/voix-et-ia"))
    as_(auth, people, "reviewer")
    page = text_of(client.get(READ))
    assert "The course was never published: everything here is new." in page
    assert "Qu'est-ce que l'opt-out ?" in page and "Le RGPD, car la voix est une donnée personnelle" in page
    assert page.count("right answer</span>") == 3  # the key, shown to the reviewer
    assert "<strong>s'opposer</strong>" in page  # explanations rendered, not raw Markdown
    assert "<script" not in page.split("<main", 1)[1].split("</main>", 1)[0]


def test_the_comparison_names_changed_modules_questions_and_keys(client, auth, publisher):  # noqa: F811
    org, _, people = publisher
    published(client, auth, people)
    assert "The draft is the live version: nothing changed." in text_of(client.get(READ))
    files = valid_files()
    files[QUIZ] = files[QUIZ].replace("* [X] Le Code civil", "* [ ] Le Code civil") + (
        "\n## Une nouvelle question ? {#nouvelle}\n\n- [x] Oui\n- [ ] Non\n\n> Parce que.\n"
    )
    services.save_files(org, "voix-et-ia", files, people["editor"])
    page = text_of(client.get(READ))
    assert "cadre-legal</strong> —\n      changed" in page
    assert "Questions added: nouvelle" in page and "Right answers changed: textes" in page
    assert "consentement</strong> —\n      unchanged" in page


def test_only_the_publishers_team_reads_drafts(client, auth, publisher):  # noqa: F811
    _, _, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    for role in ("member", "outsider", "other_editor"):
        as_(auth, people, role)
        assert client.get(READ).status_code in (403, 404), role
    auth.logout()
    assert client.get(READ).status_code == 302


def test_a_draft_with_problems_or_a_busy_server_says_so(client, auth, publisher, tmp_path, app):  # noqa: F811
    org, _, people = publisher
    as_(auth, people, "editor")
    broken = {**valid_files(), QUIZ: "---\npass_mark: 700\n---\n"}
    services.save_files(org, "voix-et-ia", broken, people["editor"])
    assert "The draft has problems" in text_of(client.get(READ))
    upload(client, valid_files())
    app.config.update(
        UNTRUSTED_WORK_DIR=str(tmp_path), UNTRUSTED_WORK_SLOTS=1, UNTRUSTED_WORK_WAIT_SECONDS=0.2
    )
    client.application.extensions.pop("cadre.parsed_drafts", None)  # not read from the cache
    with slots_held(tmp_path, 1):
        response = client.get(READ, follow_redirects=True)
    assert "The server is busy checking other courses." in text_of(response)
    assert db.session.scalar(select(CourseDraft.state)) == "draft"  # reading changed nothing

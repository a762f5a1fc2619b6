"""The workspace's Moodle pages: quizzes as GIFT and Moodle XML for the publisher's team only, and
GIFT import into a module's quiz for its editors, all or nothing, problems on their GIFT lines."""

import io

import pytest
from sqlalchemy import select

from app.extensions import db
from app.interop.gift import read_gift
from app.orgs import services as orgs
from app.publishing import services
from app.publishing.models import CourseDraft
from tests.conftest import csrf_token_from, signed_in_with_csrf, text_of
from tests.publishing.test_workflow import WS, as_, publisher, upload, valid_files  # noqa: F401

MODULE = f"{WS}/voix-et-ia/modules/consentement"
GOOD = (
    "// De Moodle\n::Signature::Qui signe l’autorisation ?{\n=La comédienne#Oui.\n~Le studio#Non.\n"
    "####Elle seule.}\n\nLa voix est une donnée personnelle.{TRUE####Oui, RGPD.}\n"
)
ROLES = ("anonymous", "outsider", "teacher", "member", "reviewer", "editor", "admin", "other_editor")


def files() -> dict[str, str]:
    return db.session.scalar(select(CourseDraft.files))


def send(client, text: str | bytes, url: str = f"{MODULE}/import-gift", name: str = "q.gift"):
    data = text.encode() if isinstance(text, str) else text
    return client.post(url, data={"gift": (io.BytesIO(data), name)}, content_type="multipart/form-data")


@pytest.fixture
def draft(client, auth, publisher, make_user):  # noqa: F811
    """The fixture course uploaded by the editor, who stays logged in; the team, by role, and a
    school's teacher (a learner's teacher is nobody in a publisher's workspace)."""
    _, _, people = publisher
    school = orgs.create_organisation("lycee", "Lycée Lumière", "school")
    people["teacher"] = make_user("Théo Professeur", "teacher@lycee.example")
    orgs.set_role(school, people["teacher"], "teacher")
    db.session.commit()
    as_(auth, people, "editor")
    upload(client, valid_files())
    return people


def test_the_module_page_offers_the_import(client, draft):
    page = text_of(client.get(MODULE))
    assert "Import GIFT questions" in page and 'name="gift"' in page


def test_an_editor_imports_questions_into_a_new_quiz(client, draft):
    response = send(client, GOOD)
    assert response.status_code == 302 and response.location.endswith(MODULE)
    quiz = files()["quizzes/voix-et-ia/consentement.md"]
    assert quiz.startswith(
        "---\npass_mark: 70\nshuffle: true\n---\n\n## Qui signe l’autorisation ? {#signature}"
    )
    assert "- [x] Vrai\n- [ ] Faux\n\n> Oui, RGPD.\n" in quiz  # a French course: Vrai/Faux
    assert db.session.scalar(select(CourseDraft.problems)) == []
    assert "2 questions imported." in text_of(client.get(MODULE))


def test_import_appends_with_unique_keys(client, draft):
    send(
        client,
        "::textes::Encore ?{=Oui ~Non####Parce que.}",
        url=f"{WS}/voix-et-ia/modules/cadre-legal/import-gift",
    )
    quiz = files()["quizzes/voix-et-ia/cadre-legal.md"]
    assert quiz.startswith(valid_files()["quizzes/voix-et-ia/cadre-legal.md"])
    assert quiz.endswith("## Encore ? {#textes-2}\n\n- [x] Oui\n- [ ] Non\n\n> Parce que.\n")


@pytest.mark.parametrize(
    ("gift", "said"),
    [
        (GOOD + "\n::E::Pourquoi ?{}\n", "q.gift:9: essay questions are not supported"),
        ("$CATEGORY: $course$/Voix\n\n" + GOOD, "q.gift:1: categories ($CATEGORY) are not supported"),
        ("Sans explication ?{=a ~b}\n", "q.gift:1: the question has no general feedback"),
        ("\n\nUne seule ?{~a}\n", "q.gift:3: a question needs at least two answers"),
        ("// rien\n", "q.gift:1: the file holds no question"),
        ("é ?{=a ~b}".encode("latin-1"), "q.gift:1: the file is not UTF-8 text"),
    ],
)
def test_a_bad_file_changes_nothing_and_names_the_line(client, draft, gift, said):
    before = files()
    response = send(client, gift)
    assert response.status_code == 400
    page = text_of(response)
    assert "The file was refused; nothing was changed" in page and said in page
    assert files() == before


def test_a_file_too_large_is_refused(client, draft):
    response = send(client, "x" * (256 * 1024 + 1))
    assert response.status_code == 400 and "The file is larger than 256 KB." in text_of(response)
    assert files() == valid_files()


def test_export_gives_the_drafts_quizzes(client, draft):
    gift = client.get(f"{WS}/voix-et-ia/moodle.gift")
    assert gift.status_code == 200 and gift.mimetype == "text/plain"
    assert gift.headers["Content-Disposition"] == 'attachment; filename="voix-et-ia.gift.txt"'
    assert gift.headers["Cache-Control"] == "no-store"
    names = [q.name for q in read_gift("x", gift.get_data(as_text=True)).questions]
    assert names == ["qu-est-ce-que-l-opt-out", "textes"]
    xml = client.get(f"{WS}/voix-et-ia/moodle.xml")
    assert xml.mimetype == "application/xml" and b'<question type="multichoice">' in xml.data
    assert client.get(f"{WS}/voix-et-ia/moodle.pdf").status_code == 404


def test_export_of_a_broken_quiz_says_what_to_fix(client, draft):
    client.post(
        MODULE, data={"text": valid_files()["courses/voix-et-ia/02-consentement.md"], "quiz": "## Q ?\n"}
    )
    response = client.get(f"{WS}/voix-et-ia/moodle.gift", follow_redirects=True)
    assert "Fix the quizzes first: quizzes/voix-et-ia/consentement.md:1:" in text_of(response)


@pytest.mark.parametrize("role", ROLES)
def test_permission_table(client, auth, draft, role):
    """Answers are secret: the team reads them, editors import; others get 404 or 403."""
    auth.logout()
    if role != "anonymous":
        auth.login(draft[role].email)
    for method, url, allowed in (
        ("GET", f"{WS}/voix-et-ia/moodle.gift", {"reviewer", "editor", "admin"}),
        ("GET", f"{WS}/voix-et-ia/moodle.xml", {"reviewer", "editor", "admin"}),
        ("POST", f"{MODULE}/import-gift", {"editor", "admin"}),
    ):
        response = send(client, GOOD, url) if method == "POST" else client.get(url)
        if role == "anonymous":
            assert response.status_code == 302 and "/account/login" in response.location, (role, url)
        elif role in allowed:
            assert response.status_code in (200, 302), (role, url, response.status_code)
        else:
            in_org = role in ("member", "reviewer", "editor", "admin")
            assert response.status_code == (403 if in_org else 404), (role, url, response.status_code)
    imported = "quizzes/voix-et-ia/consentement.md" in files()
    assert imported == (role in ("editor", "admin"))


def test_import_without_csrf_token_is_refused(database_url):
    with signed_in_with_csrf(database_url) as (_app, client, user):
        org = orgs.create_organisation("syndicat", "Syndicat des scénaristes", "publisher")
        orgs.set_role(org, user, "editor")
        services.save_files(org, "voix-et-ia", valid_files(), user)
        db.session.commit()
        assert send(client, GOOD).status_code == 400
        assert "quizzes/voix-et-ia/consentement.md" not in files()
        token = csrf_token_from(text_of(client.get(MODULE)))
        response = client.post(
            f"{MODULE}/import-gift",
            data={"gift": (io.BytesIO(GOOD.encode()), "q.gift"), "csrf_token": token},
            content_type="multipart/form-data",
        )
        assert response.status_code == 302 and "quizzes/voix-et-ia/consentement.md" in files()


def test_no_file_or_a_course_in_review_changes_nothing(client, draft):
    response = client.post(f"{MODULE}/import-gift", data={}, content_type="multipart/form-data")
    assert response.status_code == 400 and "Choose a GIFT file (.txt or .gift) to import." in text_of(
        response
    )
    client.post(f"{WS}/voix-et-ia/submit")
    response = send(client, GOOD)
    assert response.status_code == 302 and response.location.endswith(f"{WS}/voix-et-ia")
    assert files() == valid_files()

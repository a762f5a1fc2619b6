"""Writing a course in the browser: course details as a form, modules and quizzes as Markdown
with a server-rendered preview, module add / move / rename / delete; and members-only courses."""

import re

import pytest
from sqlalchemy import select

from app.catalog.models import Course
from app.extensions import db
from app.orgs import services as orgs
from app.publishing import editor, services
from app.publishing.models import CourseDraft
from tests.conftest import csrf_token_from, text_of
from tests.publishing.test_workflow import (  # noqa: F401
    WS,
    as_,
    publish,
    published,
    publisher,
    upload,
    valid_files,
)

COURSE_FORM = {
    "title": "Négocier sa voix",
    "summary": "Ce qu’un comédien doit savoir avant de céder sa voix.",
    "language": "fr",
    "level": "beginner",
    "duration": "45",
    "audience": "Comédiens",
    "updated": "2026-11-20",
    "intro": "Une introduction **courte**.",
}


def draft_files() -> dict[str, str]:
    return db.session.scalar(select(CourseDraft)).files


@pytest.mark.parametrize(
    ("updated", "message"),
    [
        ("2026-02-30", "Not a valid date value."),
        ("99999-01-01", "Not a valid date value."),
        ("", "Give the date"),
    ],
)
def test_a_date_that_does_not_exist_is_told_as_such(client, auth, publisher, updated, message):  # noqa: F811
    _, _, people = publisher
    as_(auth, people, "editor")
    client.post(f"{WS}/new", data={"title": "Négocier sa voix", "slug": "negocier-sa-voix"})
    before = draft_files()
    response = client.post(f"{WS}/negocier-sa-voix/course", data={**COURSE_FORM, "updated": updated})
    assert response.status_code == 200 and message in text_of(response)
    assert draft_files() == before


def test_write_a_course_from_nothing_to_submitted(client, auth, publisher):  # noqa: F811
    _, _, people = publisher
    as_(auth, people, "editor")
    response = client.post(f"{WS}/new", data={"title": "Négocier sa voix", "slug": "negocier-sa-voix"})
    assert response.status_code == 302
    details = text_of(client.get(f"{WS}/negocier-sa-voix/course"))
    # What the new course lacks is said under its fields, in the form's words, not the file's, as
    # things to do: the draft is saved, no form was refused (the UX walk met « Erreur : » there).
    assert '<p class="field-note" id="summary-note">Required: fill it in.</p>' in details
    assert '<textarea aria-describedby="summary-note" id="summary"' in details
    assert "missing required field" not in details and "error-summary" not in details
    assert 'class="error"' not in details and "aria-invalid" not in details and "<title>Error:" not in details
    assert '<h2 id="to-do-heading">To do before review</h2>' in details
    # The rest in a list, in the browser's words, with the way to it (a package's file names do not
    # concern whoever writes here).
    assert (
        '<li>The course has no module yet. <a href="/workspace/syndicat/negocier-sa-voix#add-module">'
        "Add a module</a></li>"
    ) in details
    assert "NN-slug.md" not in details
    # A placeholder's message, under the field, begins a sentence.
    assert '<p class="field-note" id="intro-note">Placeholder \'…\' left from a new course' in details
    client.post(f"{WS}/negocier-sa-voix/course", data=COURSE_FORM)
    files = draft_files()
    assert "publisher: Syndicat des scénaristes" in files["courses/negocier-sa-voix/course.md"]
    draft = db.session.scalar(select(CourseDraft))
    assert [str(p) for p in services.problems_of(draft)] == [
        "courses/negocier-sa-voix/course.md:1: course has no module (files named NN-slug.md)"
    ]
    # Each message on the draft's page leads to where it is fixed: here, the form adding a module.
    # Named as the pages name it, the package's file and line after it.
    listed = text_of(client.get(f"{WS}/negocier-sa-voix"))
    assert (
        '<li><a href="#add-module"><strong>Course details:</strong> course has no module'
        ' (files named NN-slug.md)</a> <span class="problem-file"><code>courses/negocier-sa-voix/course.md:1'
    ) in listed

    client.post(f"{WS}/negocier-sa-voix/modules", data={"title": "Le contrat", "slug": "le-contrat"})
    client.post(f"{WS}/negocier-sa-voix/modules", data={"title": "La voix", "slug": "la-voix"})
    assert [m.slug for m in editor.modules(draft_files(), "negocier-sa-voix")] == ["le-contrat", "la-voix"]
    # A new module's objective and heading are placeholders, which the course may not be submitted with.
    db.session.refresh(draft)
    left = "placeholder '…' left from a new course or module: write the text, or delete the line"
    assert [str(p) for p in services.problems_of(draft)] == [
        f"courses/negocier-sa-voix/{name}:{line}: {left}"
        for name in ("01-le-contrat.md", "02-la-voix.md")
        for line in (5, 8)
    ]
    listed = text_of(client.get(f"{WS}/negocier-sa-voix"))
    at_its_line = f'<a href="{WS}/negocier-sa-voix/modules/la-voix?line=8#text">'
    assert at_its_line + "<strong>Module “La voix”, line 8:</strong>" in listed  # named by its title
    client.post(f"{WS}/negocier-sa-voix/modules/la-voix/up")
    assert [m.slug for m in editor.modules(draft_files(), "negocier-sa-voix")] == ["la-voix", "le-contrat"]
    # The first module offers no "Move up", the last no "Move down"; asked all the same, nothing
    # is saved and the page says so.
    page = text_of(client.get(f"{WS}/negocier-sa-voix"))
    # Named by their titles, their short names beside them.
    # In the course's language (the interface's may differ).
    assert '<h1 lang="fr">Négocier sa voix</h1>' in page and "<code>negocier-sa-voix</code>" in page
    assert '>1. <span lang="fr">La voix</span></a> <code>la-voix</code>' in page
    assert '>2. <span lang="fr">Le contrat</span></a>' in page
    editing = text_of(client.get(f"{WS}/negocier-sa-voix/modules/la-voix"))
    assert '<h1>Module 1: <span lang="fr">La voix</span></h1>' in editing
    assert ' lang="fr">Négocier sa voix</a>' in editing
    listed = text_of(client.get(WS))
    assert '<span lang="fr">Négocier sa voix</span></a> <code>negocier-sa-voix</code>' in listed
    assert "modules/la-voix/up" not in page and "modules/le-contrat/down" not in page
    assert "modules/la-voix/down" in page and "modules/le-contrat/up" in page
    assert "Rename the published module" not in page  # never published: renamed without a question
    saved_at = db.session.scalar(select(CourseDraft.updated_at))
    client.post(f"{WS}/negocier-sa-voix/modules/la-voix/up")
    assert db.session.scalar(select(CourseDraft.updated_at)) == saved_at
    assert "Nothing to change" in text_of(client.get(f"{WS}/negocier-sa-voix"))
    client.post(f"{WS}/negocier-sa-voix/modules/la-voix/rename", data={"slug": "la-voix"})
    assert db.session.scalar(select(CourseDraft.updated_at)) == saved_at
    assert "Nothing to change" in text_of(client.get(f"{WS}/negocier-sa-voix"))
    client.post(f"{WS}/negocier-sa-voix/modules/le-contrat/rename", data={"slug": "contrat"})
    client.post(f"{WS}/negocier-sa-voix/modules/la-voix/delete")
    assert list(draft_files()) == [
        "courses/negocier-sa-voix/01-contrat.md",
        "courses/negocier-sa-voix/course.md",
    ]

    module_url = f"{WS}/negocier-sa-voix/modules/contrat"
    page = client.get(module_url)
    assert page.status_code == 200 and "js/editor.js" in text_of(page)
    quiz = "---\npass_mark: 70\n---\n## Qui signe ?\n\n- [x] Le comédien\n- [ ] Personne\n\n> Lui.\n"
    bad_module = "---\ntitle: Le contrat\n---\nTexte.\n"
    client.post(module_url, data={"text": bad_module, "quiz": quiz})
    # Saved all the same, with the checker's messages beside the text.
    assert draft_files()["quizzes/negocier-sa-voix/contrat.md"] == quiz
    page = text_of(client.get(module_url))
    assert "missing required field 'duration'" in page
    good_module = (
        "---\ntitle: Le contrat\nduration: 20\nobjectives: [Lire]\nupdated: 2026-11-20\n---\nTexte.\n"
    )
    client.post(module_url, data={"text": good_module, "quiz": quiz})
    assert db.session.scalar(select(CourseDraft.problems)) == []
    client.post(f"{WS}/negocier-sa-voix/submit")
    assert db.session.scalar(select(CourseDraft.state)) == "in_review"
    # In review, nothing can be changed.
    client.post(module_url, data={"text": "x", "quiz": ""})
    assert draft_files()["courses/negocier-sa-voix/01-contrat.md"] == good_module


def test_preview_renders_with_the_import_sanitiser(client, auth, publisher):  # noqa: F811
    _, _, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    hostile = "<script>alert(1)</script><img src=x onerror=alert(1)>"
    text = f"---\ntitle: T\nduration: 5\nobjectives: [a]\n---\n# Titre\n\n{hostile}"
    response = client.post(
        f"{WS}/voix-et-ia/preview", json={"path": "courses/voix-et-ia/01-cadre-legal.md", "text": text}
    )
    data = response.get_json()
    assert '<h2 id="titre">Titre</h2>' in data["html"]
    assert "script" not in data["html"] and "onerror" not in data["html"]
    quiz = client.post(
        f"{WS}/voix-et-ia/preview", json={"path": "quizzes/voix-et-ia/x.md", "text": "---\n---\n## Q\n"}
    )
    assert quiz.get_json()["problems"][0]["line"] >= 1
    assert client.post(f"{WS}/voix-et-ia/preview", json={"path": 3}).status_code == 400


def test_preview_needs_the_csrf_token(app, client, auth, publisher):  # noqa: F811
    _, _, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        url = f"{WS}/voix-et-ia/preview"
        body = {"path": "courses/voix-et-ia/x.md", "text": "x"}
        assert client.post(url, json=body).status_code == 400
        token = csrf_token_from(text_of(client.get(f"{WS}/voix-et-ia/modules/cadre-legal")))
        assert client.post(url, json=body, headers={"X-CSRFToken": token}).status_code == 200
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


@pytest.mark.parametrize(
    ("action", "data", "message"),
    [
        ("modules", {"title": "X", "slug": "Pas Bon"}, "short name is lower-case"),
        ("modules", {"title": "X", "slug": "cadre-legal"}, "already has this short name"),
        ("modules/nope/delete", {}, "does not exist"),
        ("modules/cadre-legal/rename", {"slug": "consentement"}, "already has this short name"),
        ("modules", {"title": "X", "slug": "final"}, "“final” is reserved for the course’s final test"),
        ("modules/cadre-legal/rename", {"slug": "final"}, "“final” is reserved for the course’s final test"),
    ],
)
def test_module_edits_refused_change_nothing(client, auth, publisher, action, data, message):  # noqa: F811
    _, _, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    before = draft_files()
    response = client.post(f"{WS}/voix-et-ia/{action}", data=data, follow_redirects=True)
    assert message in text_of(response)
    assert draft_files() == before
    if action == "modules":  # the page again, at the form, with what was typed and why it was refused
        page = text_of(response)
        assert (
            response.status_code == 400
            and 'action="/workspace/syndicat/voix-et-ia/modules#add-module"' in page
        )
        assert re.search(r'<input[^>]* id="title"[^>]* value="X"', page)
        assert '<p class="error" id="slug-error">' in page and "data-focus-first" in page


def test_a_module_without_a_title_keeps_its_short_name(client, auth, publisher):  # noqa: F811
    _, _, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    response = client.post(f"{WS}/voix-et-ia/modules", data={"title": " ", "slug": "contrats"})
    page = text_of(response)
    assert response.status_code == 400 and "Give the module a title." in page
    assert re.search(r'<input[^>]* id="slug"[^>]* value="contrats"', page)


def test_members_only_course_is_hidden_from_everyone_else(client, auth, publisher, make_user):  # noqa: F811
    org, _, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    client.post(f"{WS}/voix-et-ia/submit")
    as_(auth, people, "reviewer")
    client.post(f"{WS}/voix-et-ia/visibility", data={"visibility": "members"})
    publish(client)
    assert db.session.scalar(select(Course.visibility)) == "members"
    outsider = people["outsider"]
    as_(auth, people, "outsider")
    assert "La voix et l'IA" not in text_of(client.get("/courses"))
    for url in (
        "/courses/voix-et-ia",
        "/courses/voix-et-ia/cadre-legal",
        "/courses/voix-et-ia/cadre-legal/quiz",
    ):
        refused = client.get(url)  # not a dead end: who it is for, and how to join
        assert refused.status_code == 403, url
        assert "La voix et l'IA" not in text_of(refused)
        assert f"{org.name} keeps this course for its members." in text_of(refused)
        assert 'href="/join"' in text_of(refused)
    auth.logout()
    anonymous = client.get("/courses/voix-et-ia")
    assert anonymous.status_code == 403 and "log in to read it" in text_of(anonymous)
    assert org.name not in text_of(anonymous) and "La voix et l'IA" not in text_of(anonymous)
    # Members join with the code, as students join a class.
    as_(auth, people, "admin")
    client.post(f"{WS}/joining", data={"action": "open"})
    db.session.refresh(org)
    code = org.join_code
    as_(auth, people, "outsider")
    asked = text_of(client.get(f"/join/{code}"))  # the page speaks of the organisation, not of a class
    assert f"<h1>Join {org.name}</h1>" in asked and ">Become a member</button>" in asked
    heading = asked.index("<h1>")
    assert " class " not in asked[heading : asked.index("</form>", heading)]
    client.post("/join", data={"code": code.lower()})
    assert orgs.role_in(outsider, org.id) == "member"
    again = text_of(client.get(f"/join/{code}"))  # the link followed again: said so, no form
    assert f"You are already a member of {org.name}" in again and "Become a member" not in again
    response = client.post("/join", data={"code": code}, follow_redirects=True)
    assert f"You are already a member of {org.name}." in text_of(response)
    assert "La voix et l'IA" in text_of(client.get("/courses"))
    assert client.get("/courses/voix-et-ia/cadre-legal").status_code == 200
    # Closing joining stops the code.
    as_(auth, people, "admin")
    client.post(f"{WS}/joining", data={"action": "close"})
    as_(auth, people, "member")
    assert "No class or organisation has this code" in text_of(client.post("/join", data={"code": code}))


def test_visibility_is_for_reviewers_and_admins(client, auth, publisher):  # noqa: F811
    _, _, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    assert client.post(f"{WS}/voix-et-ia/visibility", data={"visibility": "members"}).status_code == 403
    as_(auth, people, "reviewer")
    client.post(f"{WS}/voix-et-ia/visibility", data={"visibility": "everyone"})
    assert db.session.scalar(select(CourseDraft.visibility)) == "public"


def test_an_assigned_course_made_members_only_shows_as_withdrawn(client, auth, publisher, make_user):  # noqa: F811
    from app.schools import services as schools

    _, _, people = publisher
    published(client, auth, people)
    school = orgs.create_organisation("ecole", "École", "school")
    teacher, student = make_user("Théo Prof", "t@example.org"), make_user("Sami Élève", "s@example.org")
    orgs.set_role(school, teacher, "teacher")
    klass = schools.create_class(school, teacher, "BTS", "2026", "")
    schools.join_class(student, klass.join_code)
    schools.assign(klass, db.session.scalar(select(Course)), None, None, teacher)
    db.session.commit()
    client.post(f"{WS}/voix-et-ia/visibility", data={"visibility": "members"})
    auth.logout()
    auth.login(student.email)
    page = text_of(client.get("/dashboard"))
    assert "withdrawn" in page and 'href="/courses/voix-et-ia"' not in page


@pytest.mark.parametrize("body", [["x"], "x", 3, {"path": "courses/voix-et-ia/x.md", "text": "\ud800"}])
def test_odd_preview_bodies_get_400(client, auth, publisher, body):  # noqa: F811
    _, _, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    assert client.post(f"{WS}/voix-et-ia/preview", json=body).status_code == 400


def test_text_that_renders_too_slowly_is_stopped_with_a_message(app, client, auth, publisher):  # noqa: F811
    import time

    _, _, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    app.config["CONTENT_CHECK_SECONDS"] = 1
    slow = "---\ntitle: T\nduration: 5\nobjectives: [a]\n---\n" + "".join(f"<b{i} " for i in range(20_000))
    started = time.monotonic()
    data = client.post(
        f"{WS}/voix-et-ia/preview", json={"path": "courses/voix-et-ia/01-cadre-legal.md", "text": slow}
    ).get_json()
    assert "took more than 1 seconds to check" in data["problems"][0]["message"]
    files = {**valid_files(), "courses/voix-et-ia/01-cadre-legal.md": slow}
    refused = upload(client, files)  # a package with a problem changes nothing
    assert refused.status_code == 400 and "took more than 1 seconds" in text_of(refused)
    assert db.session.scalar(select(CourseDraft.problems)) == []
    assert time.monotonic() - started < 10


FINAL = "quizzes/voix-et-ia/final.md"
FINAL_URL = f"{WS}/voix-et-ia/final"
GROUPED_QUIZ = """---
pass_mark: 70
draw: 4
---
# Le cadre légal {draw=1}

## Qu'est-ce que l'opt-out ?

- [x] Le refus de la fouille de ses œuvres
  > Oui : c'est l'article L. 122-5-3 du CPI.
- [ ] Une licence libre

> L'opt-out permet de s'opposer à la fouille.

## Qui signe ?

- [x] Le comédien
  > Oui : la voix est la sienne.
- [ ] Personne
  > Non : il faut une autorisation.

> Lui.
"""


def test_the_final_test_is_written_in_the_browser(client, auth, publisher):  # noqa: F811
    _, _, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    assert "Add a final test" in text_of(client.get(f"{WS}/voix-et-ia"))
    page = client.get(FINAL_URL)
    assert page.status_code == 200 and "js/editor.js" in text_of(page)
    assert "This course has no final test yet" in text_of(page)
    # The example in the field is valid as it stands: saving it gives a final test without problem.
    client.post(FINAL_URL, data={"quiz": editor.final_starter()})
    assert draft_files()[FINAL] == editor.final_starter()
    assert db.session.scalar(select(CourseDraft.problems)) == []
    draft_page = text_of(client.get(f"{WS}/voix-et-ia"))
    assert "Add a final test" not in draft_page and f"{WS}/voix-et-ia/final" in draft_page

    # Saved with its problems (kept all the same), or its warnings, shown beside the text.
    response = client.post(FINAL_URL, data={"quiz": GROUPED_QUIZ}, follow_redirects=True)
    assert draft_files()[FINAL] == GROUPED_QUIZ
    page = text_of(response)
    assert "Final test saved." in page
    assert "Line 3: 'draw' must be the sum of the groups' draws (1)" in page
    client.post(FINAL_URL, data={"quiz": GROUPED_QUIZ.replace("draw: 4", "draw: 1")})
    assert "Line 11: option without feedback" in text_of(client.get(FINAL_URL))

    # Emptied, the final test is gone.
    response = client.post(FINAL_URL, data={"quiz": "  \n"}, follow_redirects=True)
    assert FINAL not in draft_files()
    assert "The course has no final test." in text_of(response)


def test_the_final_test_cannot_change_in_review(client, auth, publisher):  # noqa: F811
    _, _, people = publisher
    as_(auth, people, "editor")
    upload(client, {**valid_files(), FINAL: GROUPED_QUIZ.replace("draw: 4", "draw: 1")})
    client.post(f"{WS}/voix-et-ia/submit")
    response = client.post(FINAL_URL, data={"quiz": ""}, follow_redirects=True)
    assert "The course is in review" in text_of(response)
    assert FINAL in draft_files()


def test_quiz_preview_shows_groups_and_each_options_feedback(client, auth, publisher):  # noqa: F811
    _, _, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    quiz = GROUPED_QUIZ.replace("draw: 4", "draw: 1")
    data = client.post(f"{WS}/voix-et-ia/preview", json={"path": FINAL, "text": quiz}).get_json()
    html = data["html"]
    assert data["problems"] == []
    assert "Pass mark: 70%." in html
    assert "<h3>Le cadre légal</h3>" in html and "Questions per attempt: 1 of 2." in html
    assert '<div class="choice-feedback"><p>Oui : la voix est la sienne.</p></div>' in html
    assert "Non : il faut une autorisation." in html and "right answer" in html


def test_a_module_wrongly_named_final_leaves_the_final_test_alone():
    files = {
        "courses/c/01-final.md": "module",
        "courses/c/02-suite.md": "suite",
        "quizzes/c/final.md": "final test",
    }
    renamed = editor.rename_module(files, "c", "final", "bilan")
    assert renamed == {
        "courses/c/01-bilan.md": "module",
        "courses/c/02-suite.md": "suite",
        "quizzes/c/final.md": "final test",
    }
    assert editor.delete_module(files, "c", "final") == {
        "courses/c/01-suite.md": "suite",
        "quizzes/c/final.md": "final test",
    }


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ('---\ntitle: "La voix et l\'IA"\nduration: 20\n---\nTexte.\n', "La voix et l'IA"),
        ("---\ntitle: 'L''accord'\n---\n", "L'accord"),
        ("---\r\ntitle: Le contrat\r\n---\r\n", "Le contrat"),
        ("---\ntitle: >\n  Sur deux\n  lignes\n---\n", None),  # YAML's own: the short name then
        ("---\nduration: 20\n---\ntitle: dans le texte\n", None),
        ("# Pas de front matter\n", None),
        ("---\ntitle: [[[[[[[[[[\n---\n", "[[[[[[[[[["),  # read as text, never as YAML
        ("---\ntitle: La voix # brouillon\n---\n", "La voix"),
        ('---\ntitle: "La voix" # relu\n---\n', "La voix"),
        ('---\ntitle: "Dit \\"oui\\""\n---\n', 'Dit "oui"'),
        ("---\ntitle: |2\n  Indentée\n---\n", None),
    ],
)
def test_the_workspace_reads_a_files_title_line_as_text(text, title):
    assert editor.front_title(text) == title

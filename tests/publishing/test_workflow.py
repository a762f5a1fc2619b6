"""A publisher's workspace: packages in and out, draft → review → published → new version,
progress kept across versions, slugs that cannot collide, and who may do what."""

import html
import io
import re
import zipfile

import pytest
from sqlalchemy import func, select

from app.admin.models import AuditEvent
from app.catalog.models import Course, Module
from app.content.checker import load_tree
from app.extensions import db
from app.learning.models import ModuleProgress
from app.learning.services import mark_read
from app.models_base import utcnow
from app.notifications.models import Notification
from app.orgs import services as orgs
from app.publishing import package, services
from app.publishing.models import CourseDraft, CourseVersion
from app.publishing.package import read_package, write_package
from app.publishing.services import files_hash
from tests.conftest import VALID_CONTENT, text_of

WS = "/workspace/syndicat"


def valid_files() -> dict[str, str]:
    return {k: v for k, v in load_tree(VALID_CONTENT).items() if "/voix-et-ia/" in k}


@pytest.fixture
def publisher(app, make_user):
    org = orgs.create_organisation("syndicat", "Syndicat des scénaristes", "publisher")
    other = orgs.create_organisation("autre-editeur", "Autre éditeur", "publisher")
    db.session.commit()
    people = {}
    for role in ("admin", "editor", "reviewer", "member"):
        people[role] = make_user(f"{role.title()} Syndicat", f"{role}@syndicat.example")
        orgs.set_role(org, people[role], role)
    people["outsider"] = make_user("Olga Dehors", "outsider@example.org")
    people["other_editor"] = make_user("Ulysse Ailleurs", "editor@autre.example")
    orgs.set_role(other, people["other_editor"], "editor")
    db.session.commit()
    return org, other, people


def upload(client, files: dict[str, str] | bytes, url: str = f"{WS}/upload", **fields):
    data = files if isinstance(files, bytes) else write_package(files)
    return client.post(
        url, data={"package": (io.BytesIO(data), "cours.zip"), **fields}, content_type="multipart/form-data"
    )


def publish(client, slug: str = "voix-et-ia"):
    """Publish as the reviewer's page does: with the hash of the files the page showed."""
    files = db.session.scalar(select(CourseDraft.files).where(CourseDraft.slug == slug))
    return client.post(f"{WS}/{slug}/publish", data={"files_hash": files_hash(files)})


def published(client, auth, people, files: dict[str, str] | None = None) -> None:
    """The fixture course (or these *files*) written by the editor, submitted, and published by the
    reviewer."""
    as_(auth, people, "editor")
    upload(client, valid_files() if files is None else files)
    client.post(f"{WS}/voix-et-ia/submit")
    as_(auth, people, "reviewer")
    publish(client)


def as_(auth, people, role):
    auth.logout()
    auth.login(people[role].email)


def test_upload_then_download_gives_back_the_same_files(client, auth, publisher):
    _, _, people = publisher
    as_(auth, people, "editor")
    response = upload(client, valid_files())
    assert response.status_code == 302 and response.location.endswith(f"{WS}/voix-et-ia")
    draft = db.session.scalar(select(CourseDraft))
    assert draft.problems == [] and draft.state == "draft"
    downloaded = client.get(f"{WS}/voix-et-ia/package.zip")
    assert downloaded.mimetype == "application/zip"
    assert read_package(downloaded.get_data()) == ("voix-et-ia", valid_files())


def test_the_whole_workflow_keeps_progress_across_versions(client, auth, publisher, make_user):
    org, _, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    assert client.post(f"{WS}/voix-et-ia/submit").status_code == 302
    # The editor cannot publish; a reviewer can.
    assert publish(client).status_code == 403
    as_(auth, people, "reviewer")
    publish(client)
    course = db.session.scalar(select(Course).where(Course.slug == "voix-et-ia"))
    assert (course.organisation_id, course.publisher, course.version) == (
        org.id,
        "Syndicat des scénaristes",
        1,
    )
    assert "La voix et l'IA" in text_of(client.get("/courses"))

    learner = make_user("Léa Apprenante", "lea@example.org")
    mark_read(learner, db.session.scalar(select(Module).where(Module.slug == "consentement")))
    db.session.commit()

    changed = valid_files()
    path = "courses/voix-et-ia/03-bonnes-pratiques.md"
    changed[path] = changed[path].replace("Tenez un registre", "Tenez à jour un registre")
    published(client, auth, people, changed)
    db.session.expire_all()
    assert course.version == 2
    assert (
        db.session.scalar(select(func.count(ModuleProgress.id)).where(ModuleProgress.user_id == learner.id))
        == 1
    )
    versions = db.session.scalars(select(CourseVersion).order_by(CourseVersion.version)).all()
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].files == valid_files()  # the old text stays readable, unchanged
    page = text_of(client.get(f"{WS}/voix-et-ia/versions/2"))
    assert "Changes since version 1" in page
    assert "<del>-Tenez un registre" in page and "<ins>+Tenez à jour un registre" in page
    # Each file is named as the workspace names it, the package's path after it.
    assert (
        '<h3>Module “Bonnes pratiques” <span class="problem-file">'
        "<code>courses/voix-et-ia/03-bonnes-pratiques.md</code></span> · changed</h3>"
    ) in page
    # In the order the course is read in: its details, then each module with its quiz.
    texts = page[page.index('id="text-heading"') :]
    summaries = re.findall(r"<summary>([^<]+) <span", texts)
    assert summaries == [
        "Course details",
        "Module “Le cadre légal”",
        "Quiz of the module “Le cadre légal”",
        "Module “Recueillir le consentement”",
        "Module “Bonnes pratiques”",
    ]


def test_a_title_another_course_of_the_catalogue_has_is_a_warning(client, auth, publisher):
    org, other, people = publisher
    published(client, auth, people)
    assert "already called" not in text_of(client.get(f"{WS}/voix-et-ia"))  # its own course is not another
    files = {path.replace("voix-et-ia", "voix-bis"): text for path, text in valid_files().items()}
    details = "courses/voix-bis/course.md"
    files[details] = files[details].replace("title: La voix et l'IA", "title: LA  VOIX ET L’IA", 1)
    services.save_files(org, "voix-bis", files, people["editor"])
    db.session.commit()
    as_(auth, people, "editor")
    page = html.unescape(text_of(client.get(f"{WS}/voix-bis")))
    assert (
        "<strong>Course details:</strong> another course in the catalogue is already called"
        " 'La voix et l'IA' (Syndicat des scénaristes): learners may take one for the other;"
    ) in page
    assert '<h2 id="warnings-heading">Warnings</h2>' in page  # a warning: it may still be submitted
    # Another publisher's course for its members only is not named; nor is an archived one.
    course = db.session.scalar(select(Course).where(Course.slug == "voix-et-ia"))
    course.organisation_id, course.visibility = other.id, "members"
    db.session.commit()
    assert "already called" not in text_of(client.get(f"{WS}/voix-bis"))
    course.organisation_id = org.id  # the publisher's own members-only course is named
    db.session.commit()
    assert "already called 'La voix et l'IA'" in html.unescape(text_of(client.get(f"{WS}/voix-bis")))
    course.visibility, course.archived_at = "public", utcnow()
    db.session.commit()
    assert "already called" not in text_of(client.get(f"{WS}/voix-bis"))
    # Titles in other alphabets are told apart by all their letters, not by the Latin ones alone.
    course.archived_at, course.title = None, "Введение в ИИ"
    db.session.commit()
    files[details] = files[details].replace("title: LA  VOIX ET L’IA", "title: Основы и ИИ", 1)
    services.save_files(org, "voix-bis", files, people["editor"])
    db.session.commit()
    assert "already called" not in text_of(client.get(f"{WS}/voix-bis"))
    files[details] = files[details].replace("title: Основы и ИИ", "title: введение в ии", 1)
    services.save_files(org, "voix-bis", files, people["editor"])
    db.session.commit()
    assert "already called 'Введение в ИИ'" in html.unescape(text_of(client.get(f"{WS}/voix-bis")))
    # A translation keeps its original's title until translated: that is no other course.
    translation = services.start_translation(services.find_draft(org, "voix-et-ia"), "en", people["editor"])
    db.session.commit()
    assert "already called" not in text_of(client.get(f"{WS}/{translation.slug}"))


def test_a_version_lists_a_removed_module_where_it_was_by_its_title(client, auth, publisher):
    _, _, people = publisher
    published(client, auth, people)
    fewer = {path: text for path, text in valid_files().items() if "02-consentement" not in path}
    third = "courses/voix-et-ia/03-bonnes-pratiques.md"
    fewer[third] = fewer[third].replace("Tenez un registre", "Tenez à jour un registre")
    published(client, auth, people, fewer)
    page = text_of(client.get(f"{WS}/voix-et-ia/versions/2"))
    headings = re.findall(r"<h3>([^<]+) <span", page[: page.index('id="text-heading"')])
    # Named as it was, not by its path, and where it was in the course, not after what stays.
    assert headings == ["Module “Recueillir le consentement”", "Module “Bonnes pratiques”"]
    assert "</code></span> · removed</h3>" in page


def test_a_package_with_problems_changes_nothing_and_lists_them(client, auth, publisher):
    _, _, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    before = db.session.scalar(select(CourseDraft.files))
    broken = valid_files()
    broken["courses/voix-et-ia/course.md"] = broken["courses/voix-et-ia/course.md"].replace(
        "title:", "titre:", 1
    )
    broken["courses/voix-et-ia/01-cadre-legal.md"] += "\nUn ajout qui serait perdu.\n"
    response = upload(client, broken)
    assert response.status_code == 400
    page = text_of(response)
    assert "The package was refused; nothing was changed" in page
    # Where the page opens: at the refusal, far down the workspace (focused; the form's own anchor
    # without JavaScript).
    assert '<div class="error-summary" role="alert" tabindex="-1" data-focus-first>' in page
    assert 'action="/workspace/syndicat/upload#upload-heading"' in page
    assert "courses/voix-et-ia/course.md:2:" in page
    db.session.expire_all()
    assert db.session.scalar(select(CourseDraft.files)) == before


def test_a_draft_with_problems_is_kept_but_cannot_be_submitted(client, auth, publisher):
    org, _, people = publisher
    broken = valid_files()
    broken["courses/voix-et-ia/course.md"] = broken["courses/voix-et-ia/course.md"].replace(
        "title:", "titre:", 1
    )
    as_(auth, people, "editor")
    services.save_files(org, "voix-et-ia", broken, people["editor"])  # as the editor's saves do
    db.session.commit()
    page = text_of(client.get(f"{WS}/voix-et-ia"))
    # The course's details are a form: the message names its place without a line, and the field
    # by the form's label, not by its key in course.md; the package's file and line follow.
    assert (
        "<strong>Course details:</strong> missing required field 'Title'</a>" in page
        and "<code>courses/voix-et-ia/course.md:2</code>" in page
    )
    assert "<strong>Course details:</strong> unknown field 'titre'" in page  # not one of the form's
    # The button is not there, and the page says why (the UX walk looked for it).
    assert ">Submit for review</button>" not in page
    assert "The course can be submitted for review once the 2 problems above are fixed." in page
    as_(auth, people, "reviewer")  # who cannot submit is not told when they could
    assert 'id="submit-blocked"' not in text_of(client.get(f"{WS}/voix-et-ia"))
    as_(auth, people, "editor")
    client.post(f"{WS}/voix-et-ia/submit")
    assert db.session.scalar(select(CourseDraft.state)) == "draft"
    assert db.session.scalar(select(func.count(Course.id))) == 0


def test_the_workspace_address_without_a_name_leads_where_the_header_does(client, auth, publisher):
    """/workspace/ typed by hand was a 404 (UX walk)."""
    org, other, people = publisher
    assert "/account/login" in client.get("/workspace/").location
    as_(auth, people, "editor")
    assert client.get("/workspace/").location == WS
    orgs.set_role(other, people["editor"], "reviewer")  # two workspaces: the dashboard lists them
    db.session.commit()
    assert client.get("/workspace/").location == "/dashboard#workspaces"
    for nobody in ("member", "outsider"):  # a plain member has no workspace
        as_(auth, people, nobody)
        assert client.get("/workspace/").status_code == 404


def test_self_publishing_needs_the_organisation_to_allow_it(client, auth, publisher):
    org, _, people = publisher
    as_(auth, people, "admin")
    upload(client, valid_files())
    client.post(f"{WS}/voix-et-ia/submit")
    publish(client)
    assert db.session.scalar(select(CourseDraft.state)) == "in_review"
    as_(auth, people, "editor")
    assert client.post(f"{WS}/self-publishing", data={"allow": "yes"}).status_code == 403
    as_(auth, people, "admin")
    client.post(f"{WS}/self-publishing", data={"allow": "yes"})
    assert db.session.get(org.__class__, org.id).self_publish is True
    publish(client)
    assert db.session.scalar(select(CourseDraft.state)) == "published"


def test_send_back_needs_a_comment_and_shows_it(client, auth, publisher):
    _, _, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    client.post(f"{WS}/voix-et-ia/submit")
    as_(auth, people, "reviewer")
    refused = client.post(f"{WS}/voix-et-ia/send-back", data={"comment": "  "})
    assert db.session.scalar(select(CourseDraft.state)) == "in_review"
    # Said at the field, in the form's summary (the UX walk found it in a banner far above it).
    assert refused.status_code == 400
    page = text_of(refused)
    assert "What should change: Say what should change, so the editor knows." in page
    assert '<p class="error" id="comment-error">Say what should change, so the editor knows.</p>' in page
    client.post(f"{WS}/voix-et-ia/send-back", data={"comment": "Sourcez le module 2."})
    assert db.session.scalar(select(CourseDraft.state)) == "draft"
    as_(auth, people, "editor")
    assert "Sourcez le module 2." in text_of(client.get(f"{WS}/voix-et-ia"))


def test_an_editor_takes_a_course_back_from_review(client, auth, publisher):
    """UX walk: a mistake seen after submitting could only wait for a reviewer to send it back."""
    _, _, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    client.post(f"{WS}/voix-et-ia/submit")
    page = text_of(client.get(f"{WS}/voix-et-ia"))
    assert (
        "Take it back to change it" in page and "The reviewers will no longer be able to publish it" in page
    )
    waiting = select(func.count(Notification.id)).where(Notification.kind == "review_requested")
    assert db.session.scalar(waiting) == 2  # the reviewer's and the administrator's, unread
    taken = client.post(f"{WS}/voix-et-ia/withdraw", follow_redirects=True)
    assert "Taken back from review: the course can be changed again." in text_of(taken)
    assert db.session.scalar(select(CourseDraft.state)) == "draft"
    assert db.session.scalar(waiting) == 0  # nothing left for them to review (second walk)
    assert "Take it back to change it" not in text_of(taken)
    again = client.post(f"{WS}/voix-et-ia/withdraw", follow_redirects=True)
    assert "Only a course in review can be taken back." in text_of(again)
    # A reviewer's page opened before cannot publish what is a draft again.
    client.post(f"{WS}/voix-et-ia/submit")
    client.post(f"{WS}/voix-et-ia/withdraw")
    as_(auth, people, "reviewer")
    publish(client)
    assert db.session.scalar(select(CourseDraft.state)) == "draft"


def test_slugs_cannot_collide_with_another_publisher_or_a_bundled_course(client, auth, publisher, course):
    _, _, people = publisher
    as_(auth, people, "editor")
    response = upload(client, valid_files())  # "voix-et-ia" is the bundled fixture course here
    assert response.status_code == 400
    assert "already used by another course" in text_of(response)
    assert db.session.scalar(select(func.count(CourseDraft.id))) == 0
    assert db.session.scalar(select(Course.publisher)) == "Cadre"


def test_another_publisher_cannot_take_the_slug(client, auth, publisher):
    _, _, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    as_(auth, people, "other_editor")
    response = upload(client, valid_files(), "/workspace/autre-editeur/upload")
    assert response.status_code == 400 and "already used by another course" in text_of(response)
    assert db.session.scalar(select(CourseDraft.organisation_id)) == publisher[0].id


def test_a_hostile_package_is_refused_with_its_reason(client, auth, publisher):
    _, _, people = publisher
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("courses/x/course.md", "---\ntitle: x\n---\n")
        archive.writestr("../../etc/evil.md", "x")
    as_(auth, people, "editor")
    response = upload(client, buffer.getvalue())
    assert response.status_code == 400
    assert "../../etc/evil.md" in text_of(response)
    assert db.session.scalar(select(func.count(CourseDraft.id))) == 0
    response = upload(client, b"not a zip at all")
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(CourseDraft.id))) == 0


def test_command_line_import_leaves_a_publishers_course_alone(client, auth, publisher, runner, tmp_path):
    _, _, people = publisher
    published(client, auth, people)
    result = runner.invoke(args=["content", "import", str(VALID_CONTENT)])
    assert "voix-et-ia: refused, a publisher's course already has this slug" in result.output
    assert db.session.scalar(select(Course.publisher)) == "Syndicat des scénaristes"


def test_render_again_renders_a_publishers_course_from_its_published_files(
    client, auth, publisher, runner, make_user, monkeypatch
):
    """After an upgrade of Cadre that renders Markdown differently, a publisher's course is rendered
    again from its latest published files: same version, progress and versions untouched."""
    _, _, people = publisher
    published(client, auth, people)
    checking = services.check_untrusted
    open_while_checking = []

    def check(files):  # seconds of work: no transaction (on SQLite, the site's write lock) held
        open_while_checking.append(db.session().in_transaction())
        return checking(files)

    monkeypatch.setattr(services, "check_untrusted", check)
    course = db.session.scalar(select(Course))
    module = db.session.scalar(select(Module).where(Module.slug == "consentement"))
    mark_read(make_user(), module)
    right = (course.intro_html, module.body_html)
    course.intro_html = module.body_html = "<p>rendu ancien</p>"
    db.session.commit()

    def cli(*args):
        result = runner.invoke(args=list(args))
        db.session.expire_all()
        return result

    result = cli("content", "render-again")
    assert result.exit_code == 0, result.output
    assert "voix-et-ia: rendered again (version 1)" in result.output
    assert "1 course rendered again." in result.output
    assert open_while_checking == [False]
    course, module = db.session.get(Course, course.id), db.session.get(Module, module.id)
    assert (course.intro_html, module.body_html, course.version) == (*right, 1)
    assert db.session.scalar(select(func.count(CourseVersion.id))) == 1
    assert db.session.scalar(select(func.count(ModuleProgress.id))) == 1
    again = cli("content", "render-again", "--lang", "fr")
    assert "voix-et-ia : inchangé (version 1)" in again.output.replace("\u00a0", " ")
    # This Cadre names a question otherwise: the same files become a new version, kept as published.
    question = db.session.scalar(select(Module).where(Module.slug == "cadre-legal")).questions[0]
    question.key = "nom-d-une-version-anterieure"
    db.session.commit()
    renamed = cli("content", "render-again")
    assert renamed.exit_code == 0, renamed.output
    assert (
        "voix-et-ia: this version of Cadre names its questions differently; the same files are now version 2"
        in (renamed.output)
    )
    assert db.session.scalar(select(func.count(CourseVersion.id))) == 2
    assert db.session.get(Course, course.id).publisher == "Syndicat des scénaristes"
    # Files the checker of this version refuses: the course stays as it was, and the command says so.
    version = db.session.scalar(select(CourseVersion).order_by(CourseVersion.version.desc()).limit(1))
    version.files = {**version.files, "courses/voix-et-ia/course.md": "pas de front matter"}
    db.session.commit()
    refused = cli("content", "render-again")
    assert refused.exit_code == 1
    assert "voix-et-ia: its files no longer pass the checker; the course stays as it was" in refused.output


ROLES = ("anonymous", "outsider", "member", "editor", "reviewer", "admin", "other_editor")
READ, WRITE, REVIEW = {"editor", "reviewer", "admin"}, {"editor", "admin"}, {"reviewer", "admin"}


@pytest.mark.parametrize("role", ROLES)
def test_permission_table(client, auth, publisher, role):
    _, _, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    client.post(f"{WS}/voix-et-ia/submit")
    auth.logout()
    if role != "anonymous":
        auth.login(people[role].email)
    endpoints = [
        ("GET", WS, READ),
        ("GET", f"{WS}/voix-et-ia", READ),
        ("GET", f"{WS}/voix-et-ia/package.zip", READ),
        ("POST", f"{WS}/upload", WRITE),
        ("POST", f"{WS}/voix-et-ia/withdraw", WRITE),  # then submitted again, just below
        ("POST", f"{WS}/voix-et-ia/submit", WRITE),
        ("POST", f"{WS}/voix-et-ia/send-back", REVIEW),
        ("POST", f"{WS}/voix-et-ia/publish", REVIEW),
        ("GET", f"{WS}/new", WRITE),
        ("GET", f"{WS}/voix-et-ia/course", WRITE),
        ("GET", f"{WS}/voix-et-ia/modules/cadre-legal", WRITE),
        ("GET", f"{WS}/voix-et-ia/final", WRITE),
        ("POST", f"{WS}/voix-et-ia/final", WRITE),
        ("POST", f"{WS}/voix-et-ia/preview", WRITE),
        ("POST", f"{WS}/voix-et-ia/modules", WRITE),
        ("POST", f"{WS}/voix-et-ia/modules/cadre-legal/up", WRITE),
        ("POST", f"{WS}/voix-et-ia/visibility", REVIEW),
        ("POST", f"{WS}/voix-et-ia/archive", REVIEW),
        ("GET", f"{WS}/voix-et-ia/versions/1", READ),  # not published yet: 404 for everyone
        ("POST", f"{WS}/joining", {"admin"}),
        ("POST", f"{WS}/self-publishing", {"admin"}),
    ]
    for method, url, allowed in endpoints:
        response = client.open(url, method=method)
        if role == "anonymous":
            assert response.status_code == 302 and "/account/login" in response.location, (role, url)
        elif role in allowed:
            expected = (404,) if url.endswith("/versions/1") else (200, 302, 400)
            assert response.status_code in expected, (role, url, response.status_code)
        else:
            in_org = role in ("member", "editor", "reviewer", "admin")
            assert response.status_code == (403 if in_org else 404), (role, url, response.status_code)
    # Whoever tried, the course in review is as it was: nothing published, no file changed.
    assert db.session.scalar(select(CourseDraft.files)) == valid_files()
    if role not in REVIEW:
        assert db.session.scalar(select(CourseDraft.state)) == "in_review"
        assert db.session.scalar(select(func.count(Course.id))) == 0


def test_archiving_takes_a_course_out_of_the_catalogue_but_not_from_its_learners(
    client, auth, publisher, make_user
):
    _, _, people = publisher
    published(client, auth, people)
    learner = make_user("Léa Apprenante", "lea@example.org")
    mark_read(learner, db.session.scalar(select(Module).where(Module.slug == "consentement")))
    db.session.commit()
    # Asked first (the UX walk of 6 December 2026: one tap took a course out of the catalogue).
    asked = "Take La voix et l'IA out of the catalogue? Nobody can start it any more; those who started"
    assert f'data-confirm="{asked}' in text_of(client.get(f"{WS}/voix-et-ia"))
    assert client.post(f"{WS}/voix-et-ia/archive", data={"action": "archive"}).status_code == 302
    assert db.session.scalar(select(Course.archived_at)) is not None
    as_(auth, people, "outsider")
    assert "La voix et l'IA" not in text_of(client.get("/courses"))
    assert client.get("/courses/voix-et-ia").status_code == 404
    auth.logout()
    auth.login(learner.email)
    assert client.get("/courses/voix-et-ia").status_code == 200  # she started it: she may finish
    assert "La voix et l'IA" in text_of(client.get("/dashboard"))
    as_(auth, people, "editor")
    renamed = "Rename the published module consentement? Learners will start it afresh"
    assert f'data-confirm="{renamed}' in text_of(client.get(f"{WS}/voix-et-ia"))  # asked first too
    assert client.post(f"{WS}/voix-et-ia/archive", data={"action": "restore"}).status_code == 403
    as_(auth, people, "reviewer")
    client.post(f"{WS}/voix-et-ia/archive", data={"action": "restore"})
    as_(auth, people, "outsider")
    assert client.get("/courses/voix-et-ia").status_code == 200
    # Both in the security log, with who did them (the walk of 6 December 2026: neither was).
    logged = db.session.execute(
        select(AuditEvent.action, AuditEvent.actor_id).where(AuditEvent.action.like("course.%"))
    ).all()
    assert logged[-2:] == [
        ("course.archived", people["reviewer"].id),
        ("course.restored", people["reviewer"].id),
    ]


def test_allowing_self_publishing_is_asked_first_and_logged(client, auth, publisher):
    _, _, people = publisher
    as_(auth, people, "admin")
    asked = "Allow self-publishing? Whoever submits a course may then publish it without a second reading"
    assert f'data-confirm="{asked}' in text_of(client.get(WS))
    client.post(f"{WS}/self-publishing", data={"allow": "yes"})
    client.post(f"{WS}/self-publishing", data={"allow": "yes"})  # unchanged: not logged again
    client.post(f"{WS}/self-publishing", data={"allow": "no"})
    details = db.session.scalars(
        select(AuditEvent.detail).where(AuditEvent.action == "org.self_publishing").order_by(AuditEvent.id)
    ).all()
    assert details == ["allowed", "second reader"]


def test_a_button_value_no_page_sends_changes_nothing(client, auth, publisher):
    org, _, people = publisher
    published(client, auth, people)
    as_(auth, people, "admin")
    client.post(f"{WS}/joining", data={"action": "open"})
    code = db.session.get(org.__class__, org.id).join_code
    for url, field in (("voix-et-ia/archive", "action"), ("joining", "action"), ("self-publishing", "allow")):
        for sent in ({field: "zzz"}, {}):
            assert client.post(f"{WS}/{url}", data=sent).status_code == 400, (url, sent)
    db.session.expire_all()
    assert db.session.scalar(select(Course.archived_at)) is None
    assert db.session.get(org.__class__, org.id).join_code == code
    assert db.session.get(org.__class__, org.id).self_publish is False


def test_a_stale_page_cannot_publish_newer_text(client, auth, publisher):
    _, _, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    client.post(f"{WS}/voix-et-ia/submit")
    seen = files_hash(valid_files())
    as_(auth, people, "reviewer")
    client.post(f"{WS}/voix-et-ia/send-back", data={"comment": "Encore."})
    changed = valid_files()
    changed["courses/voix-et-ia/03-bonnes-pratiques.md"] += "\nAjout non relu.\n"
    as_(auth, people, "editor")
    upload(client, changed)
    client.post(f"{WS}/voix-et-ia/submit")
    as_(auth, people, "reviewer")
    response = client.post(f"{WS}/voix-et-ia/publish", data={"files_hash": seen}, follow_redirects=True)
    assert "changed since you opened it" in text_of(response)
    assert db.session.scalar(select(func.count(Course.id))) == 0


def test_a_reviewer_cannot_publish_what_they_wrote(client, auth, publisher):
    _, _, people = publisher
    as_(auth, people, "reviewer")
    upload(client, valid_files())  # a reviewer may not upload: 403, nothing written
    assert db.session.scalar(select(func.count(CourseDraft.id))) == 0
    as_(auth, people, "admin")
    upload(client, valid_files())
    as_(auth, people, "editor")
    client.post(f"{WS}/voix-et-ia/submit")
    as_(auth, people, "admin")
    publish(client)  # the admin wrote it: an editor's submission does not make it reviewed
    assert db.session.scalar(select(CourseDraft.state)) == "in_review"
    as_(auth, people, "reviewer")
    publish(client)
    assert db.session.scalar(select(CourseDraft.state)) == "published"


def test_the_certificate_names_the_organisation_whatever_the_files_say(client, auth, publisher, make_user):
    from app.certificates.models import Certificate

    _, _, people = publisher
    published(client, auth, people)
    learner = make_user("Léa Apprenante", "lea@example.org")
    for slug in ("consentement", "bonnes-pratiques"):
        mark_read(learner, db.session.scalar(select(Module).where(Module.slug == slug)))
    db.session.commit()
    forged = valid_files()
    del forged["courses/voix-et-ia/01-cadre-legal.md"], forged["quizzes/voix-et-ia/cadre-legal.md"]
    path = "courses/voix-et-ia/course.md"
    forged[path] = forged[path].replace("publisher: Cadre", "publisher: Ministère de la Culture")
    as_(auth, people, "editor")
    upload(client, forged)
    client.post(f"{WS}/voix-et-ia/submit")
    as_(auth, people, "reviewer")
    publish(client)  # the update completes Léa's course: her certificate is issued now
    assert db.session.scalar(select(Certificate.publisher)) == "Syndicat des scénaristes"


@pytest.mark.parametrize("slug", ["new", "upload"])
def test_reserved_short_names(client, auth, publisher, slug):
    _, _, people = publisher
    as_(auth, people, "editor")
    files = {k.replace("voix-et-ia", slug): v for k, v in valid_files().items()}
    response = upload(client, files)
    assert response.status_code == 400 and "is reserved" in text_of(response)


def test_command_line_import_leaves_an_unpublished_draft_alone(client, auth, publisher, runner):
    _, _, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    result = runner.invoke(args=["content", "import", str(VALID_CONTENT)])
    assert "voix-et-ia: refused, a publisher's course already has this slug" in result.output
    assert db.session.scalar(select(func.count(Course.id))) == 0


def test_publisher_from_the_command_line(runner, make_user):
    make_user("Éva Autrice", "eva@example.org")
    result = runner.invoke(args=["org", "create", "guilde", "Guilde des scénaristes", "--type", "publisher"])
    assert "guilde: created (publisher, Guilde des scénaristes)" in result.output
    result = runner.invoke(args=["org", "add-member", "guilde", "eva@example.org", "--role", "editor"])
    assert result.exit_code == 0 and "eva@example.org is an editor of guilde" in result.output
    result = runner.invoke(args=["org", "add-member", "guilde", "eva@example.org", "--role", "teacher"])
    assert result.exit_code != 0 and "admin, editor, reviewer, member" in result.output


def test_an_unchanged_save_does_not_make_its_author_the_writer(client, auth, publisher):
    _, _, people = publisher
    as_(auth, people, "admin")
    upload(client, valid_files())
    as_(auth, people, "editor")
    upload(client, valid_files())  # the same files again: the admin is still their writer
    client.post(f"{WS}/voix-et-ia/submit")
    as_(auth, people, "admin")
    publish(client)  # the admin wrote every line: a second person must publish
    assert db.session.scalar(select(CourseDraft.state)) == "in_review"


def test_a_stray_file_can_be_removed_but_not_the_course_file(client, auth, publisher):
    org, _, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    stray = {**valid_files(), "quizzes/voix-et-ia/brouillon.md": "---\npass_mark: 70\n---\n"}
    services.save_files(org, "voix-et-ia", stray, people["editor"])
    db.session.commit()
    assert db.session.scalar(select(CourseDraft.problems))  # a quiz without a module
    page = text_of(client.get(f"{WS}/voix-et-ia"))
    assert 'data-confirm="Remove quizzes/voix-et-ia/brouillon.md from the draft?' in page
    response = client.post(f"{WS}/voix-et-ia/files/remove", data={"path": "quizzes/voix-et-ia/brouillon.md"})
    assert response.status_code == 302
    db.session.expire_all()
    draft = db.session.scalar(select(CourseDraft))
    assert "quizzes/voix-et-ia/brouillon.md" not in draft.files and draft.problems == []
    response = client.post(
        f"{WS}/voix-et-ia/files/remove", data={"path": "courses/voix-et-ia/course.md"}, follow_redirects=True
    )
    assert "A course cannot lose its course.md" in text_of(response)
    assert client.post(f"{WS}/voix-et-ia/files/remove", data={"path": "nope.md"}).status_code == 400
    as_(auth, people, "reviewer")  # reviewers read, they do not edit
    quiz = {"path": "quizzes/voix-et-ia/01-cadre-legal.md"}
    assert client.post(f"{WS}/voix-et-ia/files/remove", data=quiz).status_code == 403
    assert len(db.session.scalar(select(CourseDraft.files))) == len(draft.files)


def test_discarding_a_never_published_draft_deletes_it(client, auth, publisher):
    _, _, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    assert "Discard this draft" in text_of(client.get(f"{WS}/voix-et-ia"))
    response = client.post(f"{WS}/voix-et-ia/discard")
    assert response.status_code == 302 and response.location.endswith(WS)
    assert db.session.scalar(select(func.count(CourseDraft.id))) == 0


def test_discarding_changes_goes_back_to_the_published_version(client, auth, publisher):
    _, _, people = publisher
    published(client, auth, people)
    live = db.session.scalar(select(CourseDraft.files))
    as_(auth, people, "editor")
    assert "Discard the changes" not in text_of(client.get(f"{WS}/voix-et-ia"))  # nothing to discard
    changed = {
        **valid_files(),
        "courses/voix-et-ia/01-cadre-legal.md": valid_files()["courses/voix-et-ia/01-cadre-legal.md"]
        + "\nAjout.\n",
    }
    upload(client, changed)
    client.post(f"{WS}/voix-et-ia/discard")
    db.session.expire_all()
    draft = db.session.scalar(select(CourseDraft))
    assert draft.files == live and draft.state == "published"
    client.post(f"{WS}/voix-et-ia/submit")  # nothing new to review
    assert db.session.scalar(select(CourseDraft.state)) == "published"


def test_the_same_course_created_twice_at_once_is_told_as_such(publisher, monkeypatch):
    org, _, people = publisher
    services.save_files(org, "voix-et-ia", valid_files(), people["editor"])
    db.session.commit()
    # The second request checked before the first one's draft was written.
    monkeypatch.setattr(services, "find_draft", lambda org, slug: None)
    with pytest.raises(services.PublishingError, match="was created a moment ago, in another tab"):
        services.save_files(org, "voix-et-ia", valid_files(), people["admin"])
    db.session.rollback()
    assert db.session.scalar(select(func.count(CourseDraft.id))) == 1


# The import's refusal (the workspace's own paragraph says when a package is refused, in other words).
REFUSED = "that this package lacks (made in the browser, or uploaded by someone else). Download the draft's"


def test_an_upload_does_not_replace_changes_made_in_the_browser_unless_told_to(client, auth, publisher):
    _, _, people = publisher
    as_(auth, people, "editor")
    files = valid_files()
    assert upload(client, files).status_code == 302
    module = "courses/voix-et-ia/02-consentement.md"
    files[module] += "\nUne phrase du paquet.\n"
    assert upload(client, files).status_code == 302  # the draft is as a package left it: replaced
    assert "Une phrase du paquet." in db.session.scalar(select(CourseDraft.files))[module]
    # A colleague changes a module in the browser.
    quiz = db.session.scalar(select(CourseDraft.files)).get("quizzes/voix-et-ia/consentement.md", "")
    edited = files[module] + "\nUne phrase écrite en ligne.\n"
    page = client.post(f"{WS}/voix-et-ia/modules/consentement", data={"text": edited, "quiz": quiz})
    assert page.status_code in (200, 302)
    assert "Une phrase écrite en ligne." in db.session.scalar(select(CourseDraft.files))[module]
    # A package without that change is refused, and says how to replace it on purpose.
    refused = upload(client, files)
    assert refused.status_code == 400
    assert REFUSED in text_of(refused)
    db.session.expire_all()
    assert "Une phrase écrite en ligne." in db.session.scalar(select(CourseDraft.files))[module]
    # The same files as the draft lose nothing: accepted without the box ticked.
    assert upload(client, dict(db.session.scalar(select(CourseDraft.files)))).status_code == 302
    client.post(f"{WS}/voix-et-ia/modules/consentement", data={"text": edited + "\nEncore.\n", "quiz": quiz})
    assert upload(client, files, replace_changes="y").status_code == 302
    db.session.expire_all()
    assert "Une phrase écrite en ligne." not in db.session.scalar(select(CourseDraft.files))[module]


def zip_again(data: bytes, module: str, added: str) -> bytes:
    """The package unzipped, one module edited and zipped again, as an editor does offline
    (entries in another order, the marker kept as a file like the others)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    entries[module] = entries[module] + added.encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in reversed(sorted(entries)):
            archive.writestr(name, entries[name])
    return buffer.getvalue()


def test_a_package_downloaded_after_browser_changes_holds_them(client, auth, publisher):
    """Edit in the browser, download, edit offline, upload: accepted. A package downloaded before
    the browser changes is not: it would lose them."""
    _, _, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    module = "courses/voix-et-ia/02-consentement.md"
    before = client.get(f"{WS}/voix-et-ia/package.zip").get_data()
    files = db.session.scalar(select(CourseDraft.files))
    edited = files[module] + "\nUne phrase écrite en ligne.\n"
    quiz = files.get("quizzes/voix-et-ia/consentement.md", "")
    client.post(f"{WS}/voix-et-ia/modules/consentement", data={"text": edited, "quiz": quiz})
    after = client.get(f"{WS}/voix-et-ia/package.zip").get_data()
    assert package.made_from(after) == files_hash(db.session.scalar(select(CourseDraft.files)))
    assert package.made_from(before) != package.made_from(after)
    refused = upload(client, zip_again(before, module, "\nÉcrit hors ligne, avant.\n"))
    assert REFUSED in text_of(refused)
    assert upload(client, zip_again(after, module, "\nÉcrit hors ligne.\n")).status_code == 302
    db.session.expire_all()
    text = db.session.scalar(select(CourseDraft.files))[module]
    assert "Une phrase écrite en ligne." in text and "Écrit hors ligne." in text
    assert "avant" not in text and "cadre-draft.txt" not in db.session.scalar(select(CourseDraft.files))


def test_a_stale_package_cannot_replace_what_a_later_package_brought(client, auth, publisher):
    """A colleague's package made before the browser changes that a later package holds."""
    _, _, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    module = "courses/voix-et-ia/02-consentement.md"
    stale = client.get(f"{WS}/voix-et-ia/package.zip").get_data()  # the admin's copy, say
    files = db.session.scalar(select(CourseDraft.files))
    quiz = files.get("quizzes/voix-et-ia/consentement.md", "")
    client.post(
        f"{WS}/voix-et-ia/modules/consentement", data={"text": files[module] + "\nEn ligne.\n", "quiz": quiz}
    )
    fresh = client.get(f"{WS}/voix-et-ia/package.zip").get_data()
    assert upload(client, zip_again(fresh, module, "\nHors ligne.\n")).status_code == 302
    as_(auth, people, "admin")
    assert REFUSED in text_of(upload(client, zip_again(stale, module, "\nVieille copie.\n")))
    db.session.expire_all()
    assert "En ligne." in db.session.scalar(select(CourseDraft.files))[module]


def test_the_same_editor_uploads_the_next_steps_of_one_download(client, auth, publisher):
    _, _, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    module = "courses/voix-et-ia/02-consentement.md"
    downloaded = client.get(f"{WS}/voix-et-ia/package.zip").get_data()
    assert upload(client, zip_again(downloaded, module, "\nÉtape 1.\n")).status_code == 302
    assert upload(client, zip_again(downloaded, module, "\nÉtape 1.\nÉtape 2.\n")).status_code == 302
    db.session.expire_all()
    assert "Étape 2." in db.session.scalar(select(CourseDraft.files))[module]
    # The same next step from a colleague would replace the editor's unpublished work: refused.
    as_(auth, people, "admin")
    refused = upload(client, zip_again(downloaded, module, "\nAutre chose.\n"))
    assert REFUSED in text_of(refused)


def test_a_package_without_marker_replaces_a_colleagues_work_only_once_published(client, auth, publisher):
    _, _, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    module = "courses/voix-et-ia/02-consentement.md"
    files = valid_files()
    files[module] += "\nVersion de l'administratrice.\n"
    as_(auth, people, "admin")
    assert REFUSED in text_of(upload(client, files))  # the editor's draft is not published yet
    as_(auth, people, "editor")
    client.post(f"{WS}/voix-et-ia/submit")
    as_(auth, people, "reviewer")
    assert publish(client).status_code == 302
    as_(auth, people, "admin")
    assert upload(client, files).status_code == 302  # what it replaces is kept in version 1
    db.session.expire_all()
    assert "Version de l'administratrice." in db.session.scalar(select(CourseDraft.files))[module]


def test_a_draft_in_review_says_so_before_anything_else(client, auth, publisher):
    _, _, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    client.post(f"{WS}/voix-et-ia/submit")
    files = valid_files()
    files["courses/voix-et-ia/02-consentement.md"] += "\nAutre.\n"
    as_(auth, people, "admin")
    page = text_of(upload(client, files))
    assert "This course is in review" in page and REFUSED not in page

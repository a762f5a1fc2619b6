"""« My account »: change my name, download my data, delete my account."""

import json
import re

import pytest
from sqlalchemy import func, select

from app.accounts import personal_data
from app.accounts.models import User
from app.admin.models import AuditEvent
from app.certificates.models import Certificate, CertificatePDF
from app.extensions import db
from app.learning.models import AttemptAnswer, ModuleProgress, QuizAttempt
from app.learning.services import submit_quiz
from app.lti.models import LtiAccount, LtiGradeLink, LtiPlatform
from app.models_base import utcnow
from app.notifications.models import NEW_ASSIGNMENT, Notification, NotificationPreferences
from app.orgs import services as orgs
from app.orgs.models import Membership
from app.publishing.models import CourseDraft, PackageImport, ReviewComment, ReviewReply
from app.schools import services as schools
from app.schools.models import Enrolment
from tests.certificates.test_certificate_pages import complete
from tests.conftest import PASSWORD, csrf_token_from, signed_in_with_csrf, text_of
from tests.learning.attempts import add_final_test

SECTIONS = {
    "class_messages",
    "class_invitations",  # app/schools/invitations: addresses a teacher invited, kept 30 days
    "class_invitations_received",  # and those the person's own address was sent
    "class_invitation_refusals",  # and whether it asked for no more (a fingerprint is kept)
    "profile",
    "progress",
    "open_quizzes",
    "attempts",
    "certificates",
    "course_languages",
    "memberships",
    "classes",
    "security_events",
    "notifications",
    "notification_preferences",
    "learning_record",  # app/record: the learning events, as xAPI statements
    "package_imports",  # app/publishing/imports: course packages uploaded, kept a week
    "review_comments",  # app/publishing: what the person wrote reviewing drafts (probe finding)
    "review_replies",
    "drafts_sent_back",
    "lti_accounts",  # app/lti: the learning platforms' ids of the person
    "lti_grades",  # and the results sent back to them
}


@pytest.fixture
def zoe(make_user):
    return make_user(full_name="Zoé Lefèvre", email="zoe@example.org")


@pytest.fixture
def world(app, course, zoe, make_user):
    """Zoé completed the course (certificate), is a publisher's member and a school's student."""
    certificate = complete(zoe, course)  # its PDF is built once committed (app.certificates.documents)
    publisher = orgs.create_organisation("editions-nord", "Éditions du Nord", "publisher")
    school = orgs.create_organisation("ecole-image", "École de l’image", "school")
    teacher = make_user("Théo Prof", "teacher@example.org")
    orgs.set_role(publisher, zoe, "member")
    orgs.set_role(school, teacher, "teacher")
    db.session.flush()
    school_class = schools.create_class(school, teacher, "Terminale B", "2026", "")
    db.session.add(Enrolment(class_id=school_class.id, user_id=zoe.id))
    # A package she uploaded when she edited for the publisher (app.publishing.imports).
    db.session.add(
        PackageImport(organisation_id=publisher.id, user_id=zoe.id, filename="voix.zip", locale="fr",
                      state="failed", problems=["Le nom court voix-et-ia est déjà utilisé."])
    )  # fmt: skip
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(CertificatePDF)) == 1
    return certificate


def test_account_pages_need_a_login(client, app):
    for url in ("/account/me/", "/account/me/data.json", "/account/me/data.html", "/account/me/delete"):
        response = client.get(url)
        assert response.status_code == 302 and "/account/login" in response.location
    assert client.post("/account/me/name", data={"full_name": "X"}).status_code == 302


def test_change_name_keeps_issued_certificates(client, auth, world, zoe):
    auth.login("zoe@example.org")
    response = client.post("/account/me/name", data={"full_name": "  Zoé Martin  "}, follow_redirects=True)
    assert "Certificates already issued keep the name they were issued with" in text_of(response)
    assert db.session.get(User, zoe.id).full_name == "Zoé Martin"
    assert db.session.get(Certificate, world.id).holder_name == "Zoé Lefèvre"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Enter your full name."),
        ("   ", "Enter your full name."),
        ("x" * 121, "120"),
        ("王小明", "王"),
        # A right-to-left override would make the page read "Zoé erèfeL", a zero-width space hides.
        ("Zoé \u202eLefèvre", "invisible characters (U+202E)"),
        ("Zo\u200bé\u200b Lefèvre", "invisible characters (U+200B)"),
    ],
)
def test_bad_name_changes_nothing(client, auth, zoe, name, message):
    auth.login("zoe@example.org")
    response = client.post("/account/me/name", data={"full_name": name})
    assert response.status_code == 200
    assert message in text_of(response)
    assert db.session.get(User, zoe.id).full_name == "Zoé Lefèvre"


def test_name_change_needs_the_csrf_token(database_url, tmp_path):
    with signed_in_with_csrf(database_url) as (_app, client, user):
        assert client.post("/account/me/name", data={"full_name": "Mallory"}).status_code == 400
        assert client.post("/account/me/delete", data={"email": "zoe@example.org", "password": PASSWORD,
                                                       "understood": "y"}).status_code == 400  # fmt: skip
        assert db.session.get(User, user.id).full_name == "Zoé Lefèvre"
        page = client.get("/account/me/").get_data(as_text=True)
        response = client.post(
            "/account/me/name", data={"full_name": "Zoé Martin", "csrf_token": csrf_token_from(page)}
        )
        assert response.status_code == 302
        assert db.session.get(User, user.id).full_name == "Zoé Martin"


def test_json_export_holds_every_section(client, auth, world, zoe):
    auth.login("zoe@example.org")
    response = client.get("/account/me/data.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    assert set(data) == SECTIONS
    assert data["profile"] == {
        "full_name": "Zoé Lefèvre",
        "email": "zoe@example.org",
        "language": None,
        "created_at": zoe.created_at.isoformat(),
        "site_administrator": False,
    }
    assert len(data["progress"]) == db.session.scalar(
        select(func.count()).select_from(ModuleProgress).where(ModuleProgress.user_id == zoe.id)
    )
    assert all(p["completed_at"] for p in data["progress"])
    attempts = db.session.scalars(select(QuizAttempt).where(QuizAttempt.user_id == zoe.id)).all()
    assert len(data["attempts"]) == len(attempts) > 0
    first = data["attempts"][0]
    assert first["score"] == 100 and first["passed"] is True
    assert any(choice["chosen"] for question in first["answers"] for choice in question["choices"])
    assert [c["code"] for c in data["certificates"]] == [world.code]
    assert data["certificates"][0]["holder_name"] == "Zoé Lefèvre"
    assert data["certificates"][0]["url"].endswith(f"/certificates/{world.code}")
    held = db.session.scalar(select(Certificate).where(Certificate.code == world.code))
    assert (held.course_duration, held.modules_completed) != (None, None)
    assert {
        k: data["certificates"][0][k] for k in ("course_duration_minutes", "modules_completed", "final_score")
    } == {
        "course_duration_minutes": held.course_duration,
        "modules_completed": held.modules_completed,
        "final_score": held.final_score,
    }
    assert data["certificates"][0]["module_titles"] == [m["title"] for m in held.module_titles] != []
    assert data["memberships"] == [
        {"organisation": "Éditions du Nord", "kind": "publisher", "role": "member",
         "since": data["memberships"][0]["since"]}
    ]  # fmt: skip
    assert [(k["class"], k["school"]) for k in data["classes"]] == [("Terminale B", "École de l’image")]
    [upload] = data["package_imports"]
    assert (upload["file"], upload["organisation"]) == ("voix.zip", "Éditions du Nord")
    assert upload["state"] == "failed"
    assert upload["problems"] == ["Le nom court voix-et-ia est déjà utilisé."] and upload["draft"] is None


def test_json_export_of_a_new_account_is_empty_but_complete(client, auth, zoe):
    auth.login("zoe@example.org")
    data = client.get("/account/me/data.json").get_json()
    assert set(data) == SECTIONS
    assert all(data[section] == [] for section in SECTIONS - {"profile"})


def test_html_export_is_readable(client, auth, world):
    auth.login("zoe@example.org")
    response = client.get("/account/me/data.html")
    page = text_of(response)
    assert response.headers["Cache-Control"] == "no-store"
    for expected in ("Zoé Lefèvre", "zoe@example.org", "Terminale B", "École de l’image", "Éditions du Nord",
                     world.code, world.course_title, "your answer", "voix.zip — Éditions du Nord",
                     "not imported"):  # fmt: skip
        assert expected in page
    # Texts in the course's language are marked so (learner walk: read with the interface's voice).
    assert re.search(r'<h3><span lang="fr">[^<]*</span> · <span lang="fr">[^<]*</span> — ', page)
    assert '<li lang="fr">' in page and '<strong lang="en">your answer</strong>' in page
    # Moments as the reader reads them ("5 December 2026, 10:01"), not as the JSON stores them.
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:", page)
    assert re.search(r"Account created</dt><dd>\d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d</dd>", page)


def test_html_export_names_the_final_test_and_gives_scores_in_percent(client, auth, world, zoe):
    """The final test's row carries the course's title: the page calls it the final test."""
    final = add_final_test(world.course)
    db.session.add(ModuleProgress(user_id=zoe.id, module_id=final.id, best_score=85, attempts=1))
    db.session.add(
        QuizAttempt(user_id=zoe.id, module_id=final.id, score=85, passed=True, results=[], course_version=1)
    )
    db.session.commit()
    auth.login("zoe@example.org")
    data = client.get("/account/me/data.json").get_json()
    assert [p["final_test"] for p in data["progress"]].count(True) == 1
    page = text_of(client.get("/account/me/data.html"))
    assert "<td>Final test</td><td>85%</td>" in page
    assert re.search(r'<h3><span lang="fr">[^<]*</span> · Final test — [^<]* — 85%</h3>', page)
    french = text_of(client.get("/account/me/data.html", headers={"Accept-Language": "fr"}))
    assert "<td>Test final</td><td>85\u202f%</td>" in french


def test_the_export_hands_out_no_quiz_key_before_the_quiz_is_passed(client, auth, course, zoe):
    """The probe of session 40: a failed attempt's copy in the export held every option's right or
    wrong, and each answered statement its question's right answers."""
    module = next(m for m in course.modules if m.has_quiz)
    wrong = {q.key: [next(i for i, c in enumerate(q.choices) if not c["correct"])] for q in module.questions}
    submit_quiz(zoe, module, wrong)
    db.session.commit()
    auth.login("zoe@example.org")
    data = client.get("/account/me/data.json").get_json()
    [attempt] = data["attempts"]
    assert attempt["passed"] is False and attempt["answers"]
    for question in attempt["answers"]:
        assert question["explanation_html"] == "" and question["correct"] is False
        assert all(set(choice) == {"html", "chosen", "feedback_html"} for choice in question["choices"])
    answered = [s for s in data["learning_record"] if s["verb"]["id"].endswith("/answered")]
    assert answered and all("correctResponsesPattern" not in s["object"]["definition"] for s in answered)
    assert "interactionType" in answered[0]["object"]["definition"]  # the rest of the statement stays

    right = {q.key: [i for i, c in enumerate(q.choices) if c["correct"]] for q in module.questions}
    submit_quiz(zoe, module, right)
    db.session.commit()
    data = client.get("/account/me/data.json").get_json()
    assert all("correct" in choice for a in data["attempts"] for q in a["answers"] for choice in q["choices"])


def test_the_export_holds_what_the_person_wrote_reviewing_and_where_platforms_sent_them(
    client, auth, zoe, make_user, course
):
    """Security probe: review comments, replies and send-back words were missing from the export."""
    editor = make_user("Éva Autrice", "eva@example.org")
    publisher = orgs.create_organisation("syndicat", "Syndicat des comédiens", "publisher")
    draft = CourseDraft(organisation_id=publisher.id, slug="voix-et-ia", files={}, updated_by_id=editor.id)
    draft.review_comment, draft.sent_back_by_id, draft.sent_back_at = "Citez la source.", zoe.id, utcnow()
    db.session.add(draft)
    db.session.flush()
    mine = ReviewComment(
        draft_id=draft.id,
        module_slug="cadre",
        module_hash="x",
        body="Source ?",
        quote="l'article 50",
        author_id=zoe.id,
    )
    theirs = ReviewComment(draft_id=draft.id, module_slug="cadre", module_hash="x", body="Pas de Zoé",
                           author_id=editor.id)  # fmt: skip
    db.session.add_all([mine, theirs])
    db.session.flush()
    db.session.add_all([ReviewReply(comment_id=theirs.id, body="D'accord.", author_id=zoe.id),
                        ReviewReply(comment_id=mine.id, body="Ajoutée.", author_id=editor.id)])  # fmt: skip
    site = "https://moodle.example"
    platform = LtiPlatform(organisation_id=publisher.id, name="Moodle du lycée", issuer=site, client_id="c",
                           deployment_ids="1", auth_login_url=f"{site}/a", auth_token_url=f"{site}/t",
                           key_set_url=f"{site}/k")  # fmt: skip
    db.session.add(platform)
    db.session.flush()
    db.session.add(LtiAccount(platform_id=platform.id, subject="moodle-user-42", user_id=zoe.id))
    module = course.modules[0]
    sent = dict(platform_id=platform.id, subject="moodle-user-42", user_id=zoe.id, course_id=course.id)
    db.session.add_all([
        LtiGradeLink(**sent, lineitem_url=f"{site}/l/1", score=0.8, sent_score=0.8, sent_at=utcnow()),
        LtiGradeLink(**sent, module_id=module.id, lineitem_url=f"{site}/l/2", score=0.5),
    ])  # fmt: skip
    db.session.commit()
    auth.login("zoe@example.org")
    data = client.get("/account/me/data.json").get_json()
    [comment] = data["review_comments"]
    assert (comment["comment"], comment["passage"], comment["course"]) == (
        "Source ?",
        "l'article 50",
        "voix-et-ia",
    )
    assert [r["reply"] for r in data["review_replies"]] == ["D'accord."]  # hers, not the answer to her
    assert [d["comment"] for d in data["drafts_sent_back"]] == ["Citez la source."]
    assert [(a["platform"], a["id_on_the_platform"]) for a in data["lti_accounts"]] == [
        ("Moodle du lycée", "moodle-user-42")
    ]
    assert [(g["course"], g["module"], g["score"], g["score_accepted"]) for g in data["lti_grades"]] == [
        (course.title, None, 0.8, 0.8),
        (course.title, module.title, 0.5, None),
    ]
    page = text_of(client.get("/account/me/data.html"))
    wanted = ("Review comments written", "<q>l'article 50</q>", "D'accord.", "Drafts sent back",
              "Citez la source.", "your identifier there: moodle-user-42", "Results sent to those platforms",
              f"{course.title} — 80% — received by the platform on",
              f"{course.title} · {module.title} — 50% — not yet received by the platform")  # fmt: skip
    for expected in wanted:
        assert expected in page
    assert "Pas de Zoé" not in page and "Ajoutée." not in page


def test_export_shows_only_my_data(client, auth, world, make_user):
    make_user("Olga Dehors", "olga@example.org")
    auth.login("olga@example.org")
    data = client.get("/account/me/data.json").get_json()
    assert data["profile"]["email"] == "olga@example.org"
    assert all(data[section] == [] for section in SECTIONS - {"profile"})


def test_delete_page_says_what_happens(client, auth, zoe):
    auth.login("zoe@example.org")
    page = text_of(client.get("/account/me/delete"))
    assert 'href="/account/me/delete" aria-current="page"' in page  # the account menu says where you are
    refused = text_of(client.post("/account/me/delete", data={"email": "zoe@example.org", "password": "x"}))
    assert "cannot be undone: Tick the box to confirm." in refused  # not « undone.: Tick »
    # A refused name comes back on the account page, which the menu still marks.
    refused = text_of(client.post("/account/me/name", data={"full_name": ""}))
    assert 'href="/account/me/" aria-current="page"' in refused
    assert "withdrawn at the holder's request" in page
    assert "kept only anonymised" in page
    assert "you leave your organisations and classes" in page
    assert "review comments and replies on a publisher's drafts" in page  # they stay (probe finding)
    assert "Scores already sent to a learning platform (LTI)" in page


@pytest.mark.parametrize(
    "form",
    [
        {"email": "zoe@example.org", "password": "wrong password here", "understood": "y"},
        {"email": "olga@example.org", "password": PASSWORD, "understood": "y"},
        {"email": "zoe@example.org", "password": PASSWORD},
        {"email": "", "password": PASSWORD, "understood": "y"},
    ],
)
def test_delete_refused_without_the_right_proof(client, auth, world, zoe, make_user, form):
    make_user("Olga Dehors", "olga@example.org")
    auth.login("zoe@example.org")
    response = client.post("/account/me/delete", data=form)
    assert response.status_code == 200
    assert "Please correct the highlighted fields." in text_of(response)
    assert db.session.get(User, zoe.id).email == "zoe@example.org"
    assert db.session.get(Certificate, world.id).withdrawn_at is None
    assert client.get("/account/me/").status_code == 200  # still signed in


def test_delete_account(client, auth, world, zoe):
    answers_before = db.session.scalar(select(func.count()).select_from(AttemptAnswer))
    db.session.add(Notification(user_id=zoe.id, kind=NEW_ASSIGNMENT, params={}, path="/dashboard"))
    db.session.add(NotificationPreferences(user_id=zoe.id, muted=["digest:email"], locale="fr"))
    zoe.locale = "en"
    db.session.commit()
    auth.login("zoe@example.org")
    response = client.post(
        "/account/me/delete",
        data={"email": "Zoe@Example.org ", "password": PASSWORD, "understood": "y"},
        follow_redirects=True,
    )
    assert "Your account is deleted." in text_of(response)
    db.session.expire_all()
    user = db.session.get(User, zoe.id)
    assert "Zoé" not in user.full_name and user.email.endswith("@deleted.invalid")
    assert user.disabled_at is not None and not user.check_password(PASSWORD)
    assert user.locale is None
    for model in (ModuleProgress, Membership, Enrolment, Notification, NotificationPreferences):
        assert db.session.scalar(select(func.count()).select_from(model).where(model.user_id == zoe.id)) == 0
    # Attempts and their answers stay for item statistics.
    assert db.session.scalar(select(func.count()).select_from(AttemptAnswer)) == answers_before > 0
    certificate = db.session.get(Certificate, world.id)
    assert certificate.withdrawn_at is not None and certificate.withdrawal_reason == "holder-request"
    assert certificate.holder_name == "" and not certificate.valid
    assert db.session.scalar(select(func.count()).select_from(CertificatePDF)) == 0
    # Logged out, and the old password opens nothing.
    assert client.get("/account/me/").status_code == 302
    assert "do not match" in text_of(auth.login("zoe@example.org"))
    page = text_of(client.get(f"/certificates/{world.code}"))
    assert "withdrawn at the holder's request" in page
    assert "Zoé" not in page and "Lefèvre" not in page
    assert "Valid certificate" not in page


def test_a_deleted_address_can_register_again(client, auth, world):
    auth.login("zoe@example.org")
    client.post(
        "/account/me/delete", data={"email": "zoe@example.org", "password": PASSWORD, "understood": "y"}
    )
    response = client.post(
        "/account/register",
        data={
            "full_name": "Zoé Neuve",
            "email": "zoe@example.org",
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    assert response.status_code == 302


def test_wrong_passwords_on_delete_are_throttled(client, auth, zoe):
    auth.login("zoe@example.org")
    bad = {"email": "zoe@example.org", "password": "wrong password here", "understood": "y"}
    statuses = [client.post("/account/me/delete", data=bad).status_code for _ in range(6)]
    assert statuses[:5] == [200] * 5 and statuses[5] == 429


def test_reissue_prints_the_new_name(client, auth, world, zoe):
    auth.login("zoe@example.org")
    assert "Print" not in text_of(client.get("/account/me/"))  # same name: nothing to reissue
    client.post("/account/me/name", data={"full_name": "Zoé Martin"})
    page = text_of(client.get("/account/me/"))
    assert "Certificates with your previous name" in page and "Print Zoé Martin on this certificate" in page
    assert "Its public page will show this name at once" in page  # asked before, in the browser
    response = client.post(f"/account/me/certificates/{world.code}/reissue", follow_redirects=True)
    assert "The certificate now carries the name Zoé Martin." in text_of(response)
    assert db.session.get(Certificate, world.id).holder_name == "Zoé Martin"
    # The operator can trace a certificate moved to another name.
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.renamed"))
    assert (event.certificate_id, event.actor_id) == (world.id, zoe.id)
    assert event.detail == "Zoé Lefèvre -> Zoé Martin"
    assert db.session.scalar(select(func.count()).select_from(CertificatePDF)) == 0  # rebuilt on download
    assert "Zoé Martin" in text_of(client.get(f"/certificates/{world.code}"))
    personal_data.delete_account(db.session.get(User, zoe.id))  # until the holder goes: names go too
    db.session.commit()
    db.session.refresh(event)
    assert event.detail == ""


def test_nobody_reissues_another_persons_certificate(client, auth, world, make_user):
    make_user("Olga Dehors", "olga@example.org")
    auth.login("olga@example.org")
    assert client.post(f"/account/me/certificates/{world.code}/reissue").status_code == 404
    assert client.post("/account/me/certificates/no-such-code/reissue").status_code == 404
    assert db.session.get(Certificate, world.id).holder_name == "Zoé Lefèvre"


def test_the_only_administrator_cannot_orphan_an_organisation(client, auth, zoe, make_user):
    school = orgs.create_organisation("ecole-image", "École de l’image", "school")
    orgs.set_role(school, zoe, "admin")
    db.session.commit()
    auth.login("zoe@example.org")
    form = {"email": "zoe@example.org", "password": PASSWORD, "understood": "y"}
    response = client.post("/account/me/delete", data=form)
    assert "You are the only administrator of École de l’image." in text_of(response)
    assert db.session.get(User, zoe.id).email == "zoe@example.org"
    orgs.set_role(school, make_user("Adèle Admin", "adele@example.org"), "admin")
    db.session.commit()
    assert client.post("/account/me/delete", data=form).status_code == 302
    assert db.session.get(User, zoe.id).email.endswith("@deleted.invalid")


def _lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', text_of(response)).group(1)


def test_the_language_chosen_follows_the_account_to_another_browser(app, client, auth, zoe):
    auth.login("zoe@example.org")
    page = text_of(client.get("/account/me/"))
    assert '<option lang="en" selected value="en">English</option>' in page  # what she reads now
    assert "You have not chosen one yet" in page  # ...but it is not saved with her account
    response = client.post("/account/me/language", data={"locale": "fr"}, follow_redirects=True)
    assert "Langue enregistrée" in text_of(response) and _lang(response) == "fr"
    assert "You have not chosen one yet" not in text_of(client.get("/account/me/"))
    assert db.session.get(User, zoe.id).locale == "fr"
    # Another browser, asking for English: her account's language wins once she signs in.
    other = app.test_client()
    assert _lang(other.get("/", headers={"Accept-Language": "en"})) == "en"
    other.post("/account/login", data={"email": "zoe@example.org", "password": PASSWORD})
    assert _lang(other.get("/dashboard", headers={"Accept-Language": "en"})) == "fr"
    # A browser where a language was chosen before signing in keeps that choice.
    third = app.test_client()
    third.post("/language/en", data={"next": "/"})
    third.post("/account/login", data={"email": "zoe@example.org", "password": PASSWORD})
    assert _lang(third.get("/dashboard")) == "en"
    assert db.session.get(User, zoe.id).locale == "fr"  # a visitor's choice is not the account's


def test_the_language_switcher_saves_a_signed_in_choice(client, auth, zoe):
    visitor = client.post("/language/fr", data={"next": "/"}, follow_redirects=True)
    assert db.session.get(User, zoe.id).locale is None  # a visitor: nothing to save it to
    assert "Langue enregistrée" not in text_of(visitor)
    auth.login("zoe@example.org")
    saved = client.post("/language/en", data={"next": "/courses"}, follow_redirects=True)
    assert db.session.get(User, zoe.id).locale == "en"
    # Said, in the language chosen: the footer's switch also changed what her e-mails use.
    assert "Language saved: Cadre will use it wherever you sign in." in text_of(saved)
    again = client.post("/language/en", data={"next": "/courses"}, follow_redirects=True)
    assert "Language saved" not in text_of(again)  # nothing changed, nothing said


def test_an_unknown_language_changes_nothing(client, auth, zoe):
    auth.login("zoe@example.org")
    response = client.post("/account/me/language", data={"locale": "de"})
    assert response.status_code == 200 and "Not a valid choice" in text_of(response)
    assert "<title>Error: My account · Cadre</title>" in text_of(response)
    assert db.session.get(User, zoe.id).locale is None


def test_on_a_shared_browser_the_next_account_brings_its_own_language(app, make_user):
    make_user("Anne", "anne@example.org").locale = "fr"
    make_user("Bea", "bea@example.org").locale = "en"
    make_user("Cleo", "cleo@example.org")  # never chose
    db.session.commit()
    lab = app.test_client()  # a school's computer: one launch or sign-in after another

    def sign_in(email):
        lab.post("/account/login", data={"email": email, "password": PASSWORD})
        return _lang(lab.get("/dashboard", headers={"Accept-Language": "en"}))

    assert sign_in("anne@example.org") == "fr"
    assert sign_in("bea@example.org") == "en"  # no sign-out between: Bea's own, not Anne's
    lab.post("/account/logout")
    assert sign_in("anne@example.org") == "fr"
    assert sign_in("cleo@example.org") == "en"  # none of her own: her browser's, not Anne's


def test_a_browser_reopened_on_the_remember_me_cookie_follows_the_account(app, zoe):
    zoe.locale = "fr"
    db.session.commit()
    browser = app.test_client()
    browser.post("/language/en", data={"next": "/"})  # this browser's choice, made as a visitor…
    browser.post("/account/login", data={"email": "zoe@example.org", "password": PASSWORD, "remember": "y"})
    assert _lang(browser.get("/dashboard")) == "en"  # …is kept
    # Reopened: the session cookie is gone, the remember-me cookie signs her in.
    reopened = app.test_client()
    reopened.set_cookie("remember_token", browser.get_cookie("remember_token").value)
    reopened.get("/dashboard", headers={"Accept-Language": "en"})
    assert _lang(reopened.get("/dashboard", headers={"Accept-Language": "en"})) == "fr"

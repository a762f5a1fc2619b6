"""The people and pages test_every_page.py visits: one person of each kind, each with something
to show on every page they can open, and the list of those pages."""

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from app.accounts import confirmation
from app.accounts.email_change import make_email_change_token
from app.accounts.models import User
from app.accounts.services import make_reset_token
from app.attestation.models import TrainingBody
from app.catalog.importer import import_course
from app.catalog.models import Course, Module
from app.certificates.models import Certificate
from app.content.checker import check_root, load_tree
from app.extensions import db
from app.learning.services import final_test, mark_read, submit_quiz
from app.lti.models import LtiPlatform
from app.models_base import utcnow
from app.notifications import services as notifications
from app.notifications.models import NEW_ASSIGNMENT
from app.orgs import services as orgs
from app.publishing import comments as review_comments
from app.publishing import editor as course_editor
from app.publishing import services as publishing
from app.publishing.models import PackageImport
from app.schools import invitations
from app.schools import messages as class_messages
from app.schools import services as schools
from tests.certificates.test_certificate_pages import complete
from tests.conftest import PASSWORD, VALID_CONTENT

MEMBERS_COURSE = "reserve-membres"
# Two of the bundled courses: one with tables, a model document and a final test; one whose final
# test stays closed. (All seven would only make the catalogue longer to check.)
BUNDLED = ("voix-image-consentement", "esprit-critique")


# The world: one person of each kind, with something to show on each of their pages ----------


def _person(name: str, email: str, **fields) -> User:
    user = User(full_name=name, email=email, **{"email_confirmed_at": utcnow(), **fields})
    user.set_password(PASSWORD)
    db.session.add(user)
    return user


def _files_as(slug: str, title: str) -> dict[str, str]:
    """The fixture course's files under another short name and title."""
    files = load_tree(VALID_CONTENT)
    return {
        path.replace("/voix-et-ia/", f"/{slug}/"): text.replace("title: La voix et l'IA", f"title: {title}")
        for path, text in files.items()
        if "/voix-et-ia/" in path
    }


def _published(org, slug: str, files: dict[str, str], editor: User, reviewer: User, visibility="public"):
    draft = publishing.save_files(org, slug, files, editor)
    publishing.set_visibility(draft, visibility)
    publishing.submit(draft, editor)
    return publishing.publish(draft, reviewer)


def _answers(module: Module, right: bool) -> dict[str, list[int]]:
    """The right choices of each question, or one wrong choice of each."""
    chosen = {}
    for question in module.questions:
        choices = [i for i, choice in enumerate(question.choices) if choice["correct"] == right]
        chosen[question.key] = choices if right else choices[:1]
    return chosen


def build_world(app) -> dict:
    """People, a school with a class, a publisher with drafts, progress and a certificate."""
    ids = {}
    with app.app_context():
        db.create_all()
        for doc in check_root(Path(app.config["CONTENT_ROOT"])).courses:
            if doc.slug in BUNDLED:
                import_course(doc)
        people = {
            "learner": _person("Zoé Lefèvre", "zoe@example.org"),
            "teacher": _person("Théo Prof", "theo@lycee.example"),
            "school_admin": _person("Claire Directrice", "claire@lycee.example"),
            "publisher_admin": _person("Paul Syndicat", "paul@syndicat.example"),
            "editor": _person("Éva Autrice", "eva@syndicat.example"),
            "reviewer": _person("Rita Relectrice", "rita@syndicat.example"),
            "operator": _person("Olga Opératrice", "olga@example.org", is_admin=True),
            "newcomer": _person("Noé Nouveau", "noe@example.org", email_confirmed_at=None),  # just signed up
        }
        db.session.flush()

        publisher = orgs.create_organisation("syndicat", "Syndicat des comédiens", "publisher")
        for role in ("publisher_admin", "editor", "reviewer"):
            orgs.set_role(publisher, people[role], role.removeprefix("publisher_"))
        orgs.open_joining(publisher)
        orgs.create_invitation(publisher, "editor", people["publisher_admin"])  # the team page lists it
        db.session.add(  # a training body: its attestations for funders have pages too
            TrainingBody(
                organisation_id=publisher.id,
                legal_name="Syndicat des comédiens",
                declaration_number="11755555575",
                signatory_name="Paul Syndicat",
                signatory_role="Président",
                place="Paris",
            )
        )
        files = _files_as("voix-et-ia", "La voix et l'IA")
        course = _published(publisher, "voix-et-ia", files, people["editor"], people["reviewer"])
        _published(
            publisher, MEMBERS_COURSE, _files_as(MEMBERS_COURSE, "Réservé aux membres"),
            people["editor"], people["reviewer"], visibility="members",
        )  # fmt: skip
        # A draft sent back with a comment, and another waiting for its review.
        practice = "courses/voix-et-ia/03-bonnes-pratiques.md"
        changed = {
            **files,
            practice: files[practice].replace("Tenez un registre", "Tenez à jour un registre"),
        }
        draft = publishing.save_files(publisher, "voix-et-ia", changed, people["editor"])
        publishing.submit(draft, people["editor"])
        remark = review_comments.add(
            draft, "cadre-legal", "La source de l’article 9 manque.", people["reviewer"]
        )
        db.session.flush()
        review_comments.reply(
            draft, remark, "Ajoutée : règlement (UE) 2024/1689, article 50.", people["editor"]
        )
        publishing.send_back(draft, people["reviewer"], "Citez la source de la règle du registre.")
        in_review = _files_as(MEMBERS_COURSE, "Réservé aux membres, version 2")
        publishing.submit(
            publishing.save_files(publisher, MEMBERS_COURSE, in_review, people["editor"]), people["editor"]
        )
        # A course just begun, as « New course » leaves it: its pages say what is still to do.
        begun = {"title": "Un cours qui commence", "language": "fr", "level": "beginner", "duration": 60}
        begun |= {"publisher": publisher.name, "updated": utcnow().date()}
        begun_files = course_editor.write_course({}, "cours-neuf", begun, "…")
        publishing.save_files(publisher, "cours-neuf", begun_files, people["editor"])

        # A package uploaded, waiting for the job that imports it (its page shows the steps).
        waiting = PackageImport(
            organisation_id=publisher.id, user_id=people["editor"].id, filename="voix.zip", locale="fr"
        )
        db.session.add(waiting)

        school = orgs.create_organisation("lycee-lumiere", "Lycée Lumière", "school")
        orgs.set_role(school, people["teacher"], "teacher")
        orgs.set_role(school, people["school_admin"], "admin")
        invitation = orgs.create_invitation(school, "teacher", people["school_admin"])
        moodle = LtiPlatform(
            organisation=school,
            name="Moodle du lycée",
            issuer="https://moodle.lumiere.example",
            client_id="abc123",
            deployment_ids="1",
            auth_login_url="https://moodle.lumiere.example/mod/lti/auth.php",
            auth_token_url="https://moodle.lumiere.example/mod/lti/token.php",
            key_set_url="https://moodle.lumiere.example/mod/lti/certs.php",
        )
        db.session.add(moodle)
        school_class = schools.create_class(
            school,
            people["teacher"],
            "BTS Audiovisuel 2e année, groupe B",
            "2026-2027",
            "Le groupe du mardi.",
        )
        db.session.flush()
        schools.join_class(people["learner"], school_class.join_code)
        due = datetime.now() + timedelta(days=30)  # noqa: DTZ005 - the form's local time, as a teacher types it
        schools.assign(school_class, course, None, due, people["teacher"])
        bundled = db.session.scalar(select(Course).where(Course.slug == "voix-image-consentement"))
        module_item = schools.assign(school_class, bundled, bundled.modules[0], None, people["teacher"])
        class_messages.write(
            school_class, people["teacher"], "Mardi, on travaille le module 2.\nApportez un casque audio."
        )
        # Invited by e-mail: one has joined since (the learner), one not yet.
        invitations.invite(
            school_class, people["teacher"], f"{people['learner'].email} ines.durand@example.org"
        )

        learner = people["learner"]
        complete(learner, course)  # a certificate
        first = bundled.modules[0]
        failed, _ = submit_quiz(learner, first, _answers(first, right=False))
        for module in bundled.modules:  # every module done: the final test is open
            if module.has_quiz:
                submit_quiz(learner, module, _answers(module, right=True))
            else:
                mark_read(learner, module)
        db.session.commit()

        module_with_model = next(m for m in bundled.modules if "Modèle" in (m.body_html or ""))
        final = final_test(bundled)
        ids.update(
            emails={role: user.email for role, user in people.items()},
            learner_id=learner.id,
            class_id=school_class.id,
            module_item=module_item.id,
            package_import=waiting.id,
            platform_id=moodle.id,
            join_code=school_class.join_code,
            publisher_code=publisher.join_code,
            invitation=invitation.token,
            certificate=db.session.scalar(select(Certificate.code).where(Certificate.user_id == learner.id)),
            attempt=f"/courses/{bundled.slug}/{first.slug}/attempts/{failed.id}",
            bundled=bundled.slug,
            bundled_id=bundled.id,
            first=first.slug,
            model=module_with_model.slug,
            final=final.quiz_slug,
            unsubscribe=notifications.unsubscribe_token(learner.id, NEW_ASSIGNMENT),
            no_invitations=invitations.refusal_token("ines.durand@example.org"),
            module=course.modules[0].slug,
            reset=make_reset_token(learner),
            email_change=make_email_change_token(learner, "zoe.nouvelle@example.org"),
            confirm=confirmation.make_token(people["newcomer"]),
        )
        db.session.commit()  # what making a token may have written (the key of invitation refusals)
    return ids


def visits(w: dict) -> list[tuple[str, str, int]]:
    """(who, path, expected status) for every page type; who is None for a signed-out visitor."""
    bundled, ws, draft = f"/courses/{w['bundled']}", "/workspace/syndicat", "/workspace/syndicat/voix-et-ia"
    cls = f"/classes/{w['class_id']}"
    return [
        (None, "/", 200),
        (None, "/courses", 200),
        (None, bundled, 200),
        (None, f"{bundled}/{w['first']}", 200),
        (None, f"/certificates/{w['certificate']}", 200),
        (None, "/certificates/", 200),
        (None, "/certificates/?code=ABCD-EFGH", 404),  # an unknown code: a page that says so
        (None, "/certificates/nope", 404),
        (None, "/account/login", 200),
        (None, "/account/register", 200),
        (None, "/account/forgot", 200),
        (None, f"/account/reset/{w['reset']}", 200),
        (None, f"/account/confirm/{w['confirm']}", 200),
        (None, "/guide/", 200),
        (None, "/help/", 200),
        (None, f"/notifications/unsubscribe/{w['unsubscribe']}", 200),
        (None, f"/class-invitations/stop/{w['no_invitations']}", 200),
        (None, "/legal/notice", 200),
        (None, "/legal/privacy", 200),
        (None, "/legal/cookies", 200),
        (None, "/legal/accessibility", 200),
        (None, "/no-such-page", 404),
        (None, "/account/logout", 405),
        (None, "/e2e/server-error", 500),
        ("learner", "/dashboard", 200),
        ("learner", "/courses", 200),
        ("learner", bundled, 200),
        ("learner", f"{bundled}/{w['first']}", 200),
        ("learner", f"{bundled}/{w['model']}", 200),
        ("learner", f"{bundled}/{w['model']}/model", 200),
        ("learner", f"{bundled}/{w['first']}/quiz", 200),
        ("learner", f"{bundled}/{w['final']}/quiz", 200),
        ("learner", w["attempt"], 200),
        ("learner", "/courses/esprit-critique/final/quiz", 403),  # closed until the modules are done
        ("learner", f"/courses/voix-et-ia/{w['module']}", 200),
        ("learner", f"/certificates/{w['certificate']}", 200),
        ("learner", f"/courses/{MEMBERS_COURSE}", 403),  # members only: how to join
        ("learner", "/join", 200),
        ("learner", f"/join/{w['join_code']}", 200),  # already in the class
        ("learner", f"/join/{w['publisher_code']}", 200),  # a publisher's members' code
        ("learner", "/join/NOPE-NOPE", 200),
        ("learner", f"/invitations/{w['invitation']}", 200),
        ("learner", "/account/me/", 200),
        ("learner", "/account/password", 200),
        ("learner", "/account/me/email", 200),
        ("learner", f"/account/me/email/confirm/{w['email_change']}", 200),
        ("learner", "/account/me/data.html", 200),
        ("learner", "/account/me/delete", 200),
        ("learner", "/account/me/record", 200),
        ("learner", f"/account/me/record/{w['bundled']}", 200),
        ("learner", "/notifications/", 200),
        ("learner", "/notifications/preferences", 200),
        ("learner", "/admin/", 403),
        ("newcomer", "/dashboard", 200),  # asked to confirm the address, on every page
        ("learner", "/teaching", 403),
        ("teacher", "/dashboard", 200),
        ("teacher", "/teaching", 200),
        ("teacher", "/schools/lycee-lumiere", 200),
        ("teacher", "/schools/lycee-lumiere/classes/new", 200),
        ("teacher", cls, 200),
        ("teacher", f"{cls}?sort=progress&desc=1", 200),
        ("teacher", f"{cls}/assign", 200),
        ("teacher", f"{cls}/messages", 200),
        ("teacher", f"{cls}/invite", 200),
        ("learner", f"{cls}/messages", 200),  # the class's students read it
        ("teacher", f"{cls}/assign?course={w['bundled_id']}", 200),  # step 2: its modules
        ("teacher", f"{cls}/students/{w['learner_id']}", 200),
        ("teacher", f"{cls}/assignments/{w['module_item']}/questions", 200),
        ("teacher", f"{cls}/assignments/{w['module_item']}/due", 200),
        ("teacher", f"{cls}/edit", 200),
        ("school_admin", "/schools/lycee-lumiere", 200),
        ("school_admin", "/schools/lycee-lumiere/lti", 200),
        ("school_admin", f"/schools/lycee-lumiere/lti/{w['platform_id']}", 200),
        (None, "/lti/login", 400),  # no platform named: the page that says why
        ("learner", "/lti/pick", 400),  # not from a platform's deep-linking launch
        ("publisher_admin", ws, 200),
        ("publisher_admin", f"{ws}/team", 200),
        ("editor", f"{ws}/team", 403),  # administrators only
        ("publisher_admin", f"{draft}/statistics", 200),
        ("publisher_admin", f"{draft}/versions/1", 200),
        ("publisher_admin", f"{ws}/settings/record-store", 200),
        ("publisher_admin", f"{ws}/settings/training-body", 200),
        ("publisher_admin", f"{draft}/attestations", 200),
        ("editor", "/dashboard", 200),
        ("editor", ws, 200),
        ("editor", f"{ws}/imports/{w['package_import']}", 200),
        ("editor", f"{ws}/new", 200),
        ("editor", draft, 200),
        ("editor", f"{draft}/course", 200),
        ("editor", f"{ws}/cours-neuf", 200),  # problems listed, « Submit for review » said to wait
        ("editor", f"{ws}/cours-neuf/course", 200),  # what is left to fill in, as notes under fields
        ("editor", f"{draft}/modules/{w['module']}", 200),
        ("editor", f"{draft}/final", 200),
        ("editor", f"{draft}/read", 200),
        ("editor", f"/courses/{MEMBERS_COURSE}", 200),  # a member reads a members-only course
        ("reviewer", f"{ws}/{MEMBERS_COURSE}", 200),
        ("reviewer", f"{ws}/{MEMBERS_COURSE}/read", 200),
        ("operator", "/admin/", 200),
        ("operator", "/admin/users", 200),
        ("operator", "/admin/users?q=zoe", 200),
        ("operator", f"/admin/users/{w['learner_id']}/disable?q=zoe", 200),  # asks why
        ("operator", "/admin/organisations", 200),
        ("operator", "/admin/organisations/lycee-lumiere", 200),
        ("operator", "/admin/organisations/no-such-organisation", 404),
        ("operator", "/admin/certificates", 200),
        ("operator", f"/admin/certificates?q={w['emails']['learner']}", 200),
        ("operator", f"/admin/certificates/{w['certificate']}/revoke", 200),
        ("operator", "/admin/audit", 200),
        ("operator", "/admin/jobs", 200),
        ("operator", f"/join/{w['join_code']}", 200),  # not in the class: asked to confirm
    ]

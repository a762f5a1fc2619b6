"""Who is told what when a course is submitted, sent back, published, or work is assigned; all in
the transaction of the change, the e-mails only once it is committed."""

import re
from datetime import UTC, datetime

from sqlalchemy import func, select

from app.admin import services as operator
from app.extensions import db
from app.notifications import services
from app.notifications.models import MAIL_SENT, NO_MAIL, Notification
from app.orgs import services as orgs
from app.schools import services as schools
from tests.certificates.test_certificate_pages import complete
from tests.conftest import text_of
from tests.notifications.conftest import notifications_of, outbox
from tests.publishing.test_review_comments import in_review
from tests.publishing.test_workflow import WS, as_, publish, upload, valid_files


def test_review_sent_back_and_published_reach_the_right_people(client, auth, publisher):
    _org, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    client.post(f"{WS}/voix-et-ia/submit")
    # The publisher's reviewers and administrators are asked; the editor who submitted is not.
    assert [n.params["course"] for n in notifications_of(people["reviewer"], "review_requested")] == [
        "Voix et IA : ce que dit le droit"
    ] or notifications_of(people["reviewer"], "review_requested")
    assert len(notifications_of(people["admin"], "review_requested")) == 1
    assert notifications_of(people["editor"]) == [] and notifications_of(people["member"]) == []
    mail = next(m for m in outbox() if m["To"] == people["reviewer"].email)
    assert mail["Subject"].startswith("To review: ")
    assert f"https://cadre.example{WS}/voix-et-ia" in mail.get_content()

    as_(auth, people, "reviewer")
    client.post(f"{WS}/voix-et-ia/send-back", data={"comment": "Le module 2 cite une loi abrogée."})
    [sent_back] = notifications_of(people["editor"], "sent_back")
    assert sent_back.params["comment"] == "Le module 2 cite une loi abrogée."
    mail = outbox()[-1]
    assert mail["To"] == people["editor"].email and "Le module 2 cite une loi abrogée." in mail.get_content()
    assert sent_back.mail_state == MAIL_SENT

    as_(auth, people, "editor")
    client.post(f"{WS}/voix-et-ia/submit")
    as_(auth, people, "reviewer")
    publish(client)
    for role in ("editor", "admin"):
        [done] = notifications_of(people[role], "published")
        assert done.path == "/courses/voix-et-ia"
    assert notifications_of(people["reviewer"], "published") == []  # who published knows


def test_a_review_comment_tells_the_editor_the_draft_waits_on_once_until_read(client, auth, publisher):
    org, people = publisher
    in_review(client, auth, people)

    def write(module: str, body: str):
        return client.post(f"{WS}/voix-et-ia/comments/{module}", data={"body": body})

    assert write("consentement", "Citez l'article du code.").status_code == 302
    [told] = notifications_of(people["editor"], "review_comment")
    assert (
        told.params["comment"] == "Citez l'article du code."
        and told.params["module"] == "Recueillir le consentement"
    )
    assert told.path.startswith(f"{WS}/voix-et-ia/read#comment-")
    mail = outbox()[-1]
    assert mail["To"] == people["editor"].email and mail["Subject"].startswith("New comment on ")
    assert "Reviewer Syndicat commented on Recueillir le consentement, in" in mail.get_content()
    assert "Citez l'article du code." in mail.get_content()
    # The reviewer's next comments fall under the same unread notice: one mail per sitting, not
    # per remark; the same comment sent twice is kept once and tells nobody either.
    write("cadre-legal", "Date de la loi ?")
    write("cadre-legal", "Date de la loi ?")
    assert len(notifications_of(people["editor"], "review_comment")) == 1 and len(outbox()) == 1 + 2
    assert notifications_of(people["admin"], "review_comment") == []  # the editor it waits on only
    as_(auth, people, "editor")
    page = client.get("/notifications/").get_data(as_text=True)
    assert "Reviewer Syndicat commented on Recueillir le consentement" in page and "Citez l" in page
    client.post("/notifications/read")
    as_(auth, people, "reviewer")
    write("consentement", "Et la source ?")
    assert len(notifications_of(people["editor"], "review_comment")) == 2  # read: the next one is told
    # Sent back, the draft waits on whoever changed it last; nobody is told of their own comment.
    client.post(f"{WS}/voix-et-ia/send-back", data={"comment": "Voir les remarques."})
    as_(auth, people, "editor")
    client.post("/notifications/read")
    as_(auth, people, "admin")
    write("consentement", "Une remarque de l'administratrice.")
    assert len(notifications_of(people["editor"], "review_comment")) == 3
    assert notifications_of(people["admin"], "review_comment") == []
    as_(auth, people, "editor")
    client.post("/notifications/read")
    write("consentement", "Noté, je corrige.")
    assert len(notifications_of(people["editor"], "review_comment")) == 3
    # Taken off the team, the editor is told nothing more of its drafts.
    orgs.remove_member(org, people["editor"].id)
    db.session.commit()
    as_(auth, people, "reviewer")
    write("consentement", "Encore une.")
    assert len(notifications_of(people["editor"], "review_comment")) == 3


def test_comment_notices_by_email_only_or_read_on_the_reading_page(client, auth, publisher):
    org, people = publisher
    # Taken by e-mail only, the notices are born read: one e-mail an hour per draft all the same.
    services.save_preferences(people["editor"], {("review_comment", "email")}, None, ["review_comment"])
    db.session.commit()
    in_review(client, auth, people)
    sent = len(outbox())
    for n in range(5):
        client.post(f"{WS}/voix-et-ia/comments/consentement", data={"body": f"Remarque {n}"})
    assert len(notifications_of(people["editor"], "review_comment")) == 1 and len(outbox()) == sent + 1
    notice = notifications_of(people["editor"], "review_comment")[0]
    notice.created_at = datetime(2026, 1, 1, tzinfo=UTC)  # an hour later and more
    db.session.commit()
    client.post(f"{WS}/voix-et-ia/comments/consentement", data={"body": "Une autre, plus tard."})
    assert len(notifications_of(people["editor"], "review_comment")) == 2

    # On the site too: opening the reading page (the e-mail's link) reads the notice, and the next
    # comment is told again.
    services.save_preferences(people["editor"], {("review_comment", "site")}, None, ["review_comment"])
    for earlier in notifications_of(people["editor"], "review_comment"):
        earlier.created_at = datetime(2026, 1, 1, tzinfo=UTC)
    db.session.commit()
    client.post(f"{WS}/voix-et-ia/comments/cadre-legal", data={"body": "Sur le site."})
    client.post(f"{WS}/voix-et-ia/comments/cadre-legal", data={"body": "Encore sur le site."})
    [unread] = [n for n in notifications_of(people["editor"], "review_comment") if n.read_at is None]
    as_(auth, people, "editor")
    assert client.get(f"{WS}/voix-et-ia/read").status_code == 200
    db.session.refresh(unread)
    assert unread.read_at is not None
    as_(auth, people, "reviewer")
    client.post(f"{WS}/voix-et-ia/comments/cadre-legal", data={"body": "Après lecture."})
    assert len(notifications_of(people["editor"], "review_comment")) == 4


def test_a_discarded_drafts_comment_notices_go_with_its_comments(client, auth, publisher):
    org, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    as_(auth, people, "reviewer")
    client.post(f"{WS}/voix-et-ia/comments/consentement", data={"body": "Une remarque."})
    assert len(notifications_of(people["editor"], "review_comment")) == 1
    assert len(notifications_of(people["editor"])) == 1
    as_(auth, people, "editor")
    assert client.post(f"{WS}/voix-et-ia/discard").status_code == 302
    assert notifications_of(people["editor"], "review_comment") == []


def test_the_list_shows_the_comment_and_the_header_counts_unread(client, auth, publisher):
    _org, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    client.post(f"{WS}/voix-et-ia/submit")
    as_(auth, people, "reviewer")
    page = client.get("/notifications/").get_data(as_text=True)
    assert "submitted" in page and "(unread: 1)" in page
    # Unread is in the link's name, for a list of links or a Tab (a11y walk).
    unread = r'<a href="/notifications/\d+">[^<]*<span class="visually-hidden"> · New</span></a>'
    assert re.search(unread, page)
    client.post(f"{WS}/voix-et-ia/send-back", data={"comment": "Trop long <b>ici</b>."})
    as_(auth, people, "editor")
    page = client.get("/notifications/").get_data(as_text=True)
    assert "sent" in page and "Trop long &lt;b&gt;ici&lt;/b&gt;." in page  # escaped, never markup
    link = re.search(r'href="(/notifications/\d+)"', page).group(1)  # through the list: read once followed
    assert client.get(link).location == f"{WS}/voix-et-ia"
    response = client.post("/notifications/read", follow_redirects=True)
    assert "marked as read" in response.get_data(as_text=True)
    assert "unread:" not in client.get("/notifications/").get_data(as_text=True)


def test_a_rolled_back_change_notifies_nobody(client, auth, publisher):
    """The notification lives in the transaction: rolled back with it, and never mailed."""
    from app.publishing import services as publishing
    from app.publishing.models import CourseDraft

    _org, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    draft = db.session.scalar(select(CourseDraft))
    publishing.submit(draft, people["editor"])
    db.session.flush()
    assert db.session.scalar(select(func.count(Notification.id))) == 2
    db.session.rollback()
    assert db.session.scalar(select(func.count(Notification.id))) == 0
    db.session.commit()  # a later commit does not mail what was rolled back
    assert outbox() == []


def test_modules_assigned_together_make_one_notification_per_student(client, auth, school, course):
    klass, people = school
    auth.login(people["teacher"].email)
    modules = [m.id for m in course.modules if not m.is_final][:2]
    url = f"/classes/{klass.id}/assign?course={course.id}"
    response = client.post(
        url, data={"scope": "modules", "modules": [str(m) for m in modules], "due": "2099-06-30T18:00"}
    )
    assert response.status_code == 302
    for name in ("student", "classmate"):
        [notice] = notifications_of(people[name], "new_assignment")
        assert len(notice.params["items"]) == 2 and notice.params["due"].startswith("2099-06-30T16:00")
    assert notifications_of(people["teacher"]) == []
    mails = [m for m in outbox() if m["To"] == people["student"].email]
    assert len(mails) == 1
    assert "Due on 30 June 2099" in mails[0].get_content()


def test_preferences_turn_a_kind_off_per_channel(app, school, course):
    klass, people = school
    services.save_preferences(people["student"], {("new_assignment", "site")}, "en")
    services.save_preferences(people["classmate"], set(), "en")
    db.session.commit()
    schools.assign(klass, course, None, None, people["teacher"])
    db.session.commit()
    [notice] = notifications_of(people["student"])
    assert notice.on_site and notice.mail_state == NO_MAIL
    assert notifications_of(people["classmate"]) == []  # everything off: nothing at all
    assert outbox() == []


def test_the_email_is_in_the_recipients_language(app, school, course):
    klass, people = school
    services.save_preferences(people["student"], {("new_assignment", "email")}, "fr")
    db.session.commit()
    schools.assign(klass, course, None, datetime(2099, 6, 30, 18), people["teacher"])
    db.session.commit()
    [notice] = notifications_of(people["student"])
    assert notice.on_site is False and notice.read_at is not None  # not in the list, never unread
    french = next(m for m in outbox() if m["To"] == people["student"].email)
    assert "30 juin 2099" in french.get_content()
    english = next(m for m in outbox() if m["To"] == people["classmate"].email)  # no preferences:
    assert "30 June 2099" in english.get_content()  # the site's default language (English in tests)
    assert french["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert french["List-Unsubscribe"].startswith("<https://cadre.example/notifications/unsubscribe/")


def test_without_a_language_for_emails_they_use_the_accounts(app, school, course):
    klass, people = school
    people["student"].locale = "fr"  # chosen on the site; nothing chosen for e-mails
    db.session.commit()
    schools.assign(klass, course, None, datetime(2099, 6, 30, 18), people["teacher"])
    db.session.commit()
    assert "30 juin 2099" in next(m for m in outbox() if m["To"] == people["student"].email).get_content()
    # A row of preferences (here made by an unsubscribe link) does not freeze it: the e-mails
    # follow the account's language until a language is chosen for them.
    services.mute_email(people["student"], "due_soon")
    people["student"].locale = "en"
    db.session.commit()
    row = services.preferences_row(people["student"])
    assert services.mail_locale(row, people["student"]) == "en"
    services.save_preferences(people["student"], set(), "fr")
    assert services.mail_locale(row, people["student"]) == "fr"


def test_a_job_for_a_notification_rolled_back_or_sent_does_nothing(app, school, course):
    from app.notifications.mailing import send_notification_mail

    send_notification_mail(123456, "https://cadre.example/")
    assert outbox() == []
    klass, people = school
    schools.assign(klass, course, None, None, people["teacher"])
    db.session.commit()
    sent = len(outbox())
    notice = notifications_of(people["student"])[0]
    notice_id = notice.id
    db.session.commit()  # the job runs after the caller's commit, never inside its transaction
    send_notification_mail(notice_id, "https://cadre.example/")  # a second queueing, a retry
    assert len(outbox()) == sent
    assert notice.mail_state == MAIL_SENT


def test_a_certificate_revoked_is_told_whatever_the_preferences(client, school, course):
    """A revoked certificate fails its holder at the next employer who checks it: the UX walk found
    the notice could be unsubscribed from. It reaches them on the site and by e-mail, always."""
    _klass, people = school
    student = people["student"]
    services.save_preferences(student, set(), "en")  # every notification turned off
    row = services.preferences_row(student)
    row.muted = sorted({*row.muted, "certificate:site", "certificate:email"})  # as saved before
    db.session.commit()
    certificate = complete(student, course)
    operator.revoke(certificate, "Issued in error: answers shared.")
    db.session.commit()
    [told] = notifications_of(student, "certificate")
    assert told.on_site and told.mail_state == MAIL_SENT
    mail = next(m for m in outbox() if m["To"] == student.email)
    content = mail.get_content()
    assert "Issued in error: answers shared." in content and "List-Unsubscribe" not in mail
    assert "/notifications/unsubscribe/" not in content
    assert "Cadre sends this e-mail whatever your notification preferences" in content
    # The link of an e-mail sent before says so, and changes nothing, even in one click.
    token = services.unsubscribe_token(student.id, "certificate")
    asked = client.get(f"/notifications/unsubscribe/{token}")
    assert "cannot be stopped" in text_of(asked) and ">Stop these e-mails</button>" not in text_of(asked)
    before = list(services.preferences_row(student).muted)
    clicked = client.post(f"/notifications/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
    assert clicked.status_code == 200 and "cannot be stopped" in text_of(clicked)
    db.session.expire_all()
    assert services.preferences_row(student).muted == before

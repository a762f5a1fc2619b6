"""Teachers write to a class: its students are told and read it; nobody else does."""

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.notifications import texts
from app.notifications.models import CLASS_MESSAGE, Notification
from app.schools import messages
from app.schools.models import Assignment, ClassMessage
from tests.accounts.test_change_email import outbox
from tests.certificates.test_certificate_pages import complete
from tests.conftest import counted_statements, text_of
from tests.schools.test_schools import klass, people, school  # noqa: F401


def url(klass) -> str:  # noqa: F811
    return f"/classes/{klass.id}/messages"


def told() -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.kind == CLASS_MESSAGE)))


def test_a_teacher_writes_and_the_students_are_told_and_read_it(app, client, auth, klass, people):  # noqa: F811
    auth.login(people["teacher"].email)
    page = text_of(client.get(url(klass)))
    assert '<label for="body">Your message</label>' in page and "No messages yet." in page
    body = "Rendez-vous jeudi <script>x</script>\nN'oubliez pas le module 2."
    response = client.post(url(klass), data={"body": body}, follow_redirects=True)
    assert "Message sent; 2 students notified." in text_of(response)
    [message] = db.session.scalars(select(ClassMessage)).all()
    assert message.body == body.strip() and message.author_id == people["teacher"].id
    notices = told()
    assert sorted(n.user_id for n in notices) == sorted([people["student"].id, people["classmate"].id])
    assert notices[0].path == f"{url(klass)}/{message.id}"  # leads to the page that shows it
    mails = [m for m in outbox(app) if m["Subject"] == "Théo Prof wrote to the class BTS 2"]
    assert sorted(m["To"] for m in mails) == ["classmate@example.org", "student@example.org"]
    assert "N'oubliez pas le module 2." in mails[0].get_content()

    client.post("/account/logout")
    auth.login(people["student"].email)
    page = client.get(url(klass)).get_data(as_text=True)
    assert "Rendez-vous jeudi &lt;script&gt;x&lt;/script&gt;" in page and "<script>x" not in page
    assert "Write a message" not in page and "/delete" not in page  # students read, nothing more
    assert "Théo Prof wrote to the class BTS 2." in text_of(client.get("/notifications/"))
    unread = (
        Notification.user_id == people["student"].id,
        Notification.kind == CLASS_MESSAGE,
        Notification.read_at.is_(None),
    )
    assert db.session.scalar(select(func.count(Notification.id)).where(*unread)) == 0  # read on its page
    assert f'href="{url(klass)}"' in text_of(client.get("/dashboard"))


def test_an_empty_or_long_message_is_refused_and_nothing_is_sent(client, auth, klass, people):  # noqa: F811
    auth.login(people["teacher"].email)
    for body, message in (("   ", "Write a message first."), ("x" * 2001, "at most 2,000 characters")):
        response = client.post(url(klass), data={"body": body})
        assert response.status_code == 400 and message in text_of(response)
    assert db.session.scalar(select(func.count(ClassMessage.id))) == 0 and told() == []


def test_students_and_strangers_cannot_write_nor_delete(client, auth, klass, people):  # noqa: F811
    auth.login(people["teacher"].email)
    client.post(url(klass), data={"body": "Bonjour"})
    message = db.session.scalar(select(ClassMessage))
    for who, reading in (("student", 200), ("outsider", 404), ("other_teacher", 404)):
        client.post("/account/logout")
        auth.login(people[who].email)
        assert client.get(url(klass)).status_code == reading
        assert client.post(url(klass), data={"body": "Faux message"}).status_code == 404
        assert client.post(f"{url(klass)}/{message.id}/delete").status_code == 404
    assert db.session.scalar(select(func.count(ClassMessage.id))) == 1


def test_deleting_a_message_takes_its_notifications_with_it(client, auth, klass, people):  # noqa: F811
    auth.login(people["teacher"].email)
    client.post(url(klass), data={"body": "Mauvaise classe"})
    client.post(url(klass), data={"body": "Bonne nouvelle"})
    wrong = db.session.scalar(select(ClassMessage).where(ClassMessage.body == "Mauvaise classe"))
    response = client.post(f"{url(klass)}/{wrong.id}/delete", follow_redirects=True)
    assert "The message was deleted" in text_of(response)
    db.session.expire_all()
    assert [m.body for m in db.session.scalars(select(ClassMessage))] == ["Bonne nouvelle"]
    assert len(told()) == 2 and all(n.params["message"] == "Bonne nouvelle" for n in told())


def test_the_page_reads_a_bounded_number_of_statements(client, auth, klass, people):  # noqa: F811
    auth.login(people["teacher"].email)
    for n in range(25):
        messages.write(klass, people["teacher"], f"Message {n}")
    db.session.commit()
    with counted_statements() as statements:
        page = text_of(client.get(url(klass)))
    assert "Message 24" in page and "Message 4" not in page and "Page 1 of 2" in page
    first = len(statements)
    assert "Message 4" in text_of(client.get(f"{url(klass)}?page=2"))
    for n in range(25, 60):
        messages.write(klass, people["teacher"], f"Message {n}")
    db.session.commit()
    with counted_statements() as statements:
        client.get(url(klass))
    assert len(statements) == first


def test_a_message_sent_twice_is_kept_and_told_once(client, auth, klass, people):  # noqa: F811
    auth.login(people["teacher"].email)
    client.post(url(klass), data={"body": "Sortie jeudi"})
    again = client.post(url(klass), data={"body": "Sortie jeudi"}, follow_redirects=True)
    assert "This message was already sent to the class." in text_of(again)
    assert db.session.scalar(select(func.count(ClassMessage.id))) == 1 and len(told()) == 2


def test_writing_is_throttled(client, auth, klass, people):  # noqa: F811
    auth.login(people["teacher"].email)
    for n in range(20):
        assert client.post(url(klass), data={"body": f"Annonce {n}"}).status_code == 302
    assert client.post(url(klass), data={"body": "Une de trop"}).status_code == 429
    assert db.session.scalar(select(func.count(ClassMessage.id))) == 20


def test_a_student_who_left_and_another_class_s_url_read_nothing(client, auth, klass, people, school):  # noqa: F811
    from app.schools import services

    org, _ = school
    auth.login(people["teacher"].email)
    client.post(url(klass), data={"body": "Bonjour"})
    message = db.session.scalar(select(ClassMessage))
    other = services.create_class(org, people["teacher"], "BTS 1", "2026-2027", "")
    db.session.commit()
    assert client.post(f"/classes/{other.id}/messages/{message.id}/delete").status_code == 404
    assert client.get(f"{url(klass)}?page=2").status_code == 404  # past the last page
    services.join_class(people["classmate"], other.join_code)
    messages.write(other, people["teacher"], "Pour l'autre classe")
    db.session.commit()
    client.post("/account/logout")
    auth.login(people["student"].email)
    client.post(f"/classes/{klass.id}/leave")
    assert client.get(url(klass)).status_code == 404
    # what they can no longer open leaves their notifications; the classmate, still there, keeps hers
    assert sorted(n.params["class"] for n in told()) == ["BTS 1", "BTS 2"]
    assert {n.user_id for n in told()} == {people["classmate"].id}
    client.post("/account/logout")
    auth.login(people["teacher"].email)
    client.post(f"/classes/{klass.id}/students/{people['classmate'].id}/remove")
    assert [n.params["class"] for n in told()] == ["BTS 1"]  # the other class's message stays


def test_a_notification_leads_to_the_page_that_shows_its_message(client, auth, klass, people):  # noqa: F811
    for n in range(25):
        messages.write(klass, people["teacher"], f"Message {n}")
    db.session.commit()
    oldest = db.session.scalar(select(ClassMessage).where(ClassMessage.body == "Message 0"))
    newest = db.session.scalar(select(ClassMessage).where(ClassMessage.body == "Message 24"))
    auth.login(people["student"].email)
    assert client.get(f"{url(klass)}/{oldest.id}").location == f"{url(klass)}?page=2#message-{oldest.id}"
    assert client.get(f"{url(klass)}/{newest.id}").location == f"{url(klass)}#message-{newest.id}"
    client.post("/account/logout")
    auth.login(people["outsider"].email)
    assert client.get(f"{url(klass)}/{oldest.id}").status_code == 404


def test_a_teacher_writes_only_to_those_who_have_not_finished(app, client, auth, klass, people, course):  # noqa: F811
    """Sami finished the course; Clara did not: "Write to them" reaches Clara alone, and only she
    (and the class's staff, who see to whom) reads it."""
    complete(people["student"], course)
    item = db.session.scalar(select(Assignment.id).where(Assignment.class_id == klass.id))
    auth.login(people["teacher"].email)
    class_page = text_of(client.get(f"/classes/{klass.id}"))
    write_them = f'href="{url(klass)}?to={item}#write-heading">Write to this student<'
    assert write_them in class_page
    form = text_of(client.get(f"{url(klass)}?to={item}"))
    assert (
        f'<option selected value="{item}">“{course.title}”: the student who has not finished it</option>'
        in form
    )
    response = client.post(
        url(klass), data={"to": str(item), "body": "Il te reste le quiz."}, follow_redirects=True
    )
    assert "Message sent; 1 student notified." in text_of(response)
    assert [n.user_id for n in told()] == [people["classmate"].id]
    # Told that it was written to those who had not finished, not to the whole class.
    assert f"Théo Prof wrote to the students of the class BTS 2 who have not finished {course.title}." in [
        m["Subject"] for m in outbox(app)
    ] + [texts.headline(n) for n in told()]
    message = db.session.scalar(select(ClassMessage))
    assert message.unfinished_of == course.title
    staff_view = text_of(client.get(url(klass)))
    assert f"To the students who had not finished “{course.title}”: Clara Camarade" in staff_view
    client.post(url(klass), data={"body": "À toute la classe"})  # the whole class, as before

    for who, sees in (("classmate", True), ("student", False)):
        client.post("/account/logout")
        auth.login(people[who].email)
        page = text_of(client.get(url(klass)))
        assert "À toute la classe" in page
        assert ("Il te reste le quiz." in page) is sees
        assert "Clara Camarade" not in page  # students are not told who else was written to
        assert client.get(f"{url(klass)}/{message.id}").status_code == (302 if sees else 404)


def test_writing_to_those_who_have_finished_since_changes_nothing(client, auth, klass, people, course):  # noqa: F811
    item = db.session.scalar(select(Assignment.id).where(Assignment.class_id == klass.id))
    complete(people["student"], course)
    complete(people["classmate"], course)  # both finished after the teacher opened the form
    auth.login(people["teacher"].email)
    page = text_of(client.get(f"{url(klass)}?to={item}"))
    assert 'name="to"' not in page  # nobody left to single out: the whole class it is
    for to in (str(item), "999", "x", "²", "9" * 40):
        response = client.post(url(klass), data={"to": to, "body": "Vite !"})
        assert response.status_code == 400
        assert "Everyone has finished this work now, or it is no longer assigned: choose again." in text_of(
            response
        )
    assert db.session.scalar(select(func.count(ClassMessage.id))) == 0 and told() == []
    with pytest.raises(messages.MessageError):
        messages.write(klass, people["teacher"], "Vite !", messages.Unfinished(course.title, []))


def test_a_course_made_members_only_since_is_named_only_to_members(client, auth, klass, people, course):  # noqa: F811
    """Security probe: « to those who have not finished X » told X's title to a student its publisher
    had closed it to since, as reminders and due-date changes no longer do."""
    from app.catalog.models import MEMBERS
    from app.orgs import services as orgs

    publisher = orgs.create_organisation("syndicat", "Syndicat des comédiens", "publisher")
    course.organisation_id, course.visibility = publisher.id, MEMBERS
    orgs.set_role(publisher, people["classmate"], "member")
    db.session.commit()
    item = db.session.scalar(select(Assignment.id).where(Assignment.class_id == klass.id))
    auth.login(people["teacher"].email)
    class_page = text_of(client.get(f"/classes/{klass.id}"))
    assert "Write to this student" in class_page and "Write to them" not in class_page  # the member
    assert "the student who has not finished it" in text_of(client.get(f"{url(klass)}?to={item}"))
    response = client.post(url(klass), data={"to": str(item), "body": "Finissez"}, follow_redirects=True)
    assert "Message sent; 1 student notified." in text_of(response)
    assert [n.user_id for n in told()] == [people["classmate"].id]


def test_a_deleted_teacher_s_name_leaves_what_the_students_were_told(client, auth, klass, people):  # noqa: F811
    """Security probe: the message page read « un ancien membre », the notifications still named the
    teacher, as the delete page promises they would not. Those kept from before the author's id was
    are found by their message."""
    from app.accounts.personal_data import delete_account

    auth.login(people["teacher"].email)
    client.post(url(klass), data={"body": "Bonjour"})
    client.post(url(klass), data={"body": "Avant"})
    before = next(n for n in told() if n.params["message"] == "Avant")  # as kept before: no id
    before.params = {k: v for k, v in before.params.items() if k != "by_id"}
    # A publisher's notice kept before too: found by the name (second reading).
    legacy = {"by": "Théo Prof", "course": "La voix et l'IA", "organisation": "Syndicat"}
    db.session.add(
        Notification(user_id=people["student"].id, kind="review_requested", params=legacy, path="/")
    )
    db.session.commit()
    auth.logout()
    delete_account(people["teacher"])
    db.session.commit()
    auth.login(people["student"].email)
    page = text_of(client.get("/notifications/"))
    assert "Théo Prof" not in page
    assert page.count("A former member wrote to the class BTS 2.") == 2
    assert "A former member submitted La voix et l'IA for review." in page
    assert all(n.params["by"] is None for n in told())

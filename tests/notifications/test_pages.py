"""The list, the header's count, the preferences page and the one-click unsubscribe."""

import re

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.catalog.importer import import_course
from app.catalog.models import Course
from app.content.checker import check_root
from app.extensions import db
from app.models_base import utcnow
from app.notifications import services
from app.notifications.models import NotificationPreferences
from app.orgs import services as orgs
from app.schools import services as schools
from tests.conftest import (
    PASSWORD,
    VALID_CONTENT,
    counted_statements,
    csrf_token_from,
    fresh_schema,
    make_app,
    tampered,
    text_of,
)
from tests.notifications.conftest import notifications_of, outbox


@pytest.mark.parametrize("path", ["/notifications/", "/notifications/preferences"])
def test_pages_need_a_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/account/login" in response.location


def test_an_empty_list_says_what_may_come_to_this_person(client, auth, school, publisher):
    _klass, people = school
    auth.login(people["student"].email)
    page = text_of(client.get("/notifications/"))
    assert "Nothing yet. These notifications are on for you:" in page
    assert "<li>A teacher writes to one of my classes</li>" in page and "review" not in page
    # What they turned off on the site is not promised.
    services.save_preferences(people["student"], set(), None)
    db.session.commit()
    page = text_of(client.get("/notifications/"))
    # A certificate's state is said whatever the preferences: it stays the one promise.
    listed = page.split("<main")[1]
    assert (
        listed.count("<li>") == 1 and "<li>One of my certificates is revoked, or valid again</li>" in listed
    )
    client.post("/account/logout")
    auth.login(publisher[1]["reviewer"].email)
    assert "<li>A course is submitted for review</li>" in text_of(client.get("/notifications/"))


def test_mark_all_read_is_post_only_and_needs_a_login(client):
    assert client.get("/notifications/read").status_code == 405
    assert client.post("/notifications/read").status_code == 302  # to the login page


def test_the_header_count_is_one_query(client, auth, school, course):
    klass, people = school
    schools.assign(klass, course, None, None, people["teacher"])
    db.session.commit()
    auth.login(people["student"].email)
    with counted_statements() as statements:
        page = text_of(client.get("/courses"))
    assert "(unread: 1)" in page
    assert len([s for s in statements if "FROM notifications" in s]) == 1


def test_the_list_is_paged_newest_first(client, auth, school, course, app):
    klass, people = school
    for _ in range(services.PAGE_SIZE + 2):
        services.notify(
            [people["student"]],
            "new_assignment",
            {"class": "BTS 2", "course": "C", "items": [], "due": None},
            "/dashboard",
        )
    services.notify(
        [people["student"]],
        "new_assignment",
        {"class": "Le plus récent", "course": "C", "items": [], "due": None},
        "/dashboard",
    )
    db.session.commit()
    auth.login(people["student"].email)
    first = text_of(client.get("/notifications/"))
    assert first.index("Le plus récent") < first.index("BTS 2")
    assert first.count("Work assigned in the class") == services.PAGE_SIZE and 'rel="next"' in first
    second = text_of(client.get("/notifications/?page=2"))
    assert second.count("Work assigned in the class") == 3
    assert "no more notifications" in text_of(client.get("/notifications/?page=9"))
    assert client.get("/notifications/?page=abc").status_code == 200


def test_someone_else_never_sees_my_notifications(client, auth, school, course):
    klass, people = school
    schools.assign(klass, course, None, None, people["teacher"])
    db.session.commit()
    auth.login(people["teacher"].email)
    assert "Work assigned in the class" not in text_of(client.get("/notifications/"))
    client.post("/notifications/read")
    assert notifications_of(people["student"])[0].read_at is None


def test_following_a_notification_marks_it_read(client, auth, school, course):
    """The UX walk of session 40: opening one left it « New » until « Mark all as read »."""
    klass, people = school
    schools.assign(klass, course, None, None, people["teacher"])
    db.session.commit()
    [notification] = notifications_of(people["student"])
    auth.login(people["teacher"].email)
    assert client.get(f"/notifications/{notification.id}").status_code == 404  # someone else's
    auth.logout()
    auth.login(people["student"].email)
    listed = text_of(client.get("/notifications/"))
    assert f'<a href="/notifications/{notification.id}">' in listed
    followed = client.get(f"/notifications/{notification.id}")
    assert followed.status_code == 302 and followed.location == notification.path
    db.session.refresh(notification)
    assert notification.read_at is not None
    assert "(unread: 1)" not in text_of(client.get("/courses"))
    assert client.get("/notifications/999999").status_code == 404


def test_preferences_page_saves_each_kind_and_channel(client, auth, school, course):
    klass, people = school
    auth.login(people["student"].email)
    page = text_of(client.get("/notifications/preferences"))
    # A student is offered what can reach a student: a class's assignments, due dates, messages;
    # a certificate's state is said whatever they choose, and the page says so.
    assert page.count('type="checkbox"') == 6 and "checked" in page
    assert "One of my certificates is revoked, or valid again" not in page
    assert "Cadre tells you on the site and by e-mail when one of your certificates is revoked" in page
    assert "A teacher writes to one of my classes" in page
    assert "A course is submitted for review" not in page and "Each week" not in page
    assert "My notifications" in page  # in « My account »'s menu too
    assert '<option selected value="">The language of my account</option>' in page
    form = {f"{kind}_site": "y" for kind in ("review_requested", "new_assignment")}
    response = client.post("/notifications/preferences", data={**form, "locale": "fr"}, follow_redirects=True)
    assert "preferences are saved" in text_of(response)
    row = db.session.scalar(select(NotificationPreferences))
    assert (
        "new_assignment:email" in row.muted and "new_assignment:site" not in row.muted and row.locale == "fr"
    )
    assert not any(entry.startswith("review_requested") for entry in row.muted)  # not asked: as it was
    response = client.post("/notifications/preferences", data={"locale": "xx"})
    assert response.status_code == 200 and "Not a valid choice" in text_of(response)
    assert db.session.scalar(select(NotificationPreferences.locale)) == "fr"  # unchanged
    page = text_of(client.get("/notifications/preferences"))
    assert '<option lang="fr" selected value="fr">Français</option>' in page
    client.post("/notifications/preferences", data={**form, "locale": ""})
    assert db.session.scalar(select(NotificationPreferences.locale)) is None  # the account's again
    client.post("/notifications/preferences", data={**form, "locale": "fr"})
    schools.assign(klass, course, None, None, people["teacher"])
    db.session.commit()
    assert [m["To"] for m in outbox()] == [people["classmate"].email]


def test_preferences_offer_each_person_the_kinds_that_can_reach_them(client, auth, school, make_user):
    klass, people = school
    auth.login(people["teacher"].email)
    page = text_of(client.get("/notifications/preferences"))
    assert "Each week" in page and "A course is submitted for review" not in page
    client.post("/notifications/preferences", data={"new_assignment_site": "y", "locale": ""})
    muted = db.session.scalar(select(NotificationPreferences.muted))
    assert "weekly_digest:email" in muted and "review_requested:email" not in muted
    # An editor of a publisher: its reviews too; a publisher's plain member: not.
    org = orgs.create_organisation("syndicat", "Syndicat", "publisher")
    orgs.set_role(org, people["teacher"], "editor")
    orgs.set_role(org, people["student"], "member")
    db.session.commit()
    page = text_of(client.get("/notifications/preferences"))  # 9 kinds, on the site and by e-mail
    assert "A course is submitted for review" in page and page.count('type="checkbox"') == 18
    assert "Someone comments on a course I submitted for review or was the last to change" in page
    with counted_statements() as statements:
        client.get("/notifications/preferences")
    assert len([s for s in statements if "FROM memberships" in s]) == 1  # the header's, used again
    auth.logout()
    auth.login(people["student"].email)
    assert text_of(client.get("/notifications/preferences")).count('type="checkbox"') == 6


@pytest.fixture
def csrf_app_school(database_url):
    """An app with CSRF protection on, the fixture course, and a class of two students."""
    with fresh_schema(make_app(database_url, WTF_CSRF_ENABLED=True)) as app:
        result = check_root(VALID_CONTENT)
        for doc in result.courses:
            import_course(doc)
        org = orgs.create_organisation("ecole-image", "École de l’image", "school")
        people = {}
        for name in ("teacher", "student", "classmate"):
            people[name] = User(
                full_name=name.title(), email=f"{name}@example.org", email_confirmed_at=utcnow()
            )
            people[name].set_password(PASSWORD)
            db.session.add(people[name])
        db.session.commit()
        orgs.set_role(org, people["teacher"], "teacher")
        klass = schools.create_class(org, people["teacher"], "BTS 2", "2026-2027", "")
        db.session.commit()
        for name in ("student", "classmate"):
            schools.join_class(people[name], klass.join_code)
        db.session.commit()
        yield app, klass, people, db.session.scalar(select(Course))


def unsubscribe_link(mail) -> str:
    return re.search(r"https://cadre\.example(/notifications/unsubscribe/\S+)", mail.get_content()).group(1)


def test_one_click_unsubscribe_without_session_or_csrf(csrf_app_school):
    app, klass, people, course = csrf_app_school
    schools.assign(klass, course, None, None, people["teacher"])
    db.session.commit()
    mail = next(m for m in outbox() if m["To"] == people["student"].email)
    path = unsubscribe_link(mail)
    assert mail["List-Unsubscribe"] == f"<https://cadre.example{path}>"
    client = app.test_client()
    page = text_of(client.get(path))
    assert "Stop the e-mails for “Something new is assigned" in page and "<form" in page
    assert db.session.scalar(select(NotificationPreferences)) is None  # a GET changes nothing
    # What a mail client sends (RFC 8058): no cookie, no CSRF token.
    response = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "no longer receive e-mails" in text_of(response)
    row = db.session.scalar(select(NotificationPreferences))
    assert row.user_id == people["student"].id and row.muted == ["new_assignment:email"]
    assert client.post(path).status_code == 200  # twice is fine
    assert db.session.scalar(select(NotificationPreferences)).muted == ["new_assignment:email"]


def test_a_damaged_or_forged_unsubscribe_link_changes_nothing(client, school):
    _klass, people = school
    good = services.unsubscribe_token(people["student"].id, "due_soon")
    forged = tampered(good)
    for token in (forged, good[:10], "abc", services.unsubscribe_token(people["student"].id, "nope")):
        response = client.post(f"/notifications/unsubscribe/{token}")
        assert response.status_code == 404 and "This link does not work" in text_of(response)
    assert db.session.scalar(select(NotificationPreferences)) is None


def test_the_other_forms_need_their_csrf_token(csrf_app_school):
    app, _klass, people, _course = csrf_app_school
    client = app.test_client()
    token = csrf_token_from(client.get("/account/login").get_data(as_text=True))
    client.post(
        "/account/login", data={"email": people["student"].email, "password": PASSWORD, "csrf_token": token}
    )
    assert client.post("/notifications/read").status_code == 400
    assert client.post("/notifications/preferences", data={"locale": "fr"}).status_code == 400
    assert db.session.scalar(select(NotificationPreferences)) is None

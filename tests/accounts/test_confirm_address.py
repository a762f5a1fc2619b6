"""Confirming my e-mail address: a link mailed at sign-up; certificates wait for it."""

import re
import time

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select

from app.accounts import confirmation
from app.accounts.models import User
from app.admin.models import AuditEvent
from app.catalog.models import Module
from app.certificates.models import Certificate
from app.extensions import db
from app.learning.models import QuizAttempt
from app.lti.launches import PLACEHOLDER_DOMAIN
from app.lti.models import LtiPlatform
from app.notifications import services as notifications
from app.notifications.models import MAIL_SENT, NEW_ASSIGNMENT, NO_MAIL
from tests.accounts.test_change_email import outbox
from tests.certificates.test_certificate_pages import complete
from tests.conftest import PASSWORD, csrf_token_from, signed_in_with_csrf, text_of

LINK = re.compile(r"https://cadre\.example(/account/confirm/\S+)")
BANNER = "Confirm your e-mail address</p>"


def register(client, email: str = "zoe@example.org", name: str = "Zoé Lefèvre"):
    data = {"full_name": name, "email": email, "password": PASSWORD, "confirm": PASSWORD}
    return client.post("/account/register", data=data)


def link_sent_to(app, address: str) -> str:
    message = [m for m in outbox(app) if m["To"] == address][-1]
    assert message["Subject"] == "Confirm your e-mail address for Cadre"
    return LINK.search(message.get_content()).group(1)


def account(email: str = "zoe@example.org") -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def certificates_of(user: User) -> int:
    return db.session.scalar(select(func.count(Certificate.id)).where(Certificate.user_id == user.id))


def test_sign_up_mails_a_link_and_every_page_asks_for_it(client, app):
    assert register(client).status_code == 302
    assert account().email_confirmed_at is None
    path = link_sent_to(app, "zoe@example.org")
    page = text_of(client.get("/catalog/"))
    assert BANNER in page
    assert "Certificates are issued only once zoe@example.org is confirmed as yours" in page

    confirm_page = text_of(client.get(path))
    assert BANNER not in confirm_page  # the page itself says it
    assert "Confirm that zoe@example.org is your address." in confirm_page
    # Anyone may sign up with anyone's address: the mailbox's owner is shown whose account it is.
    assert re.search(r"The account: Zoé Lefèvre, created on \d+ \w+ 20\d\d\.", confirm_page)
    assert "If you did not create it, do not confirm" in confirm_page
    assert account().email_confirmed_at is None  # opening the link (a mail scanner) changes nothing

    response = client.post(path, data={"csrf_token": csrf_token_from(confirm_page)}, follow_redirects=True)
    assert "Your e-mail address zoe@example.org is confirmed." in text_of(response)
    assert BANNER not in text_of(response)
    user = account()
    assert user.email_confirmed_at is not None
    confirmed = (AuditEvent.user_id == user.id, AuditEvent.action == "email.confirmed")
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(*confirmed)) == 1
    # The link again: already confirmed, said so, nothing more recorded.
    again = client.get(path, follow_redirects=True)
    assert "Your e-mail address zoe@example.org is confirmed." in text_of(again)


def test_certificates_wait_for_the_address_then_are_issued(client, app, course):
    register(client)
    user = account()
    assert complete(user, course) is None  # every module done, no certificate yet
    assert certificates_of(user) == 0
    waiting = "Your certificate is issued once your e-mail address is confirmed"
    course_page = text_of(client.get(f"/courses/{course.slug}"))
    assert waiting in course_page and "Take the final test" not in course_page
    last = db.session.scalar(
        select(QuizAttempt).where(QuizAttempt.user_id == user.id).order_by(QuizAttempt.id.desc())
    )
    module = db.session.get(Module, last.module_id)
    result = text_of(client.get(f"/courses/{course.slug}/{module.quiz_slug}/attempts/{last.id}"))
    assert waiting in result and "See my certificate" not in result
    path = link_sent_to(app, user.email)
    client.post("/account/logout")  # the link works from another device, not signed in
    page = text_of(client.get(path))
    response = client.post(path, data={"csrf_token": csrf_token_from(page)})
    assert response.location == "/account/login"
    assert certificates_of(account()) == 1
    login = client.get("/account/login")
    assert "Your certificate was issued: find it under “My certificates”." in text_of(login)
    certificate = db.session.scalar(select(Certificate).where(Certificate.user_id == user.id))
    assert certificate.course_version == course.version and certificate.modules_completed > 0


def test_a_password_reset_confirms_the_address(client, app, course):
    from app.accounts.services import make_reset_token

    register(client)
    client.post("/account/logout")
    user = account()
    complete(user, course)
    assert certificates_of(user) == 0
    path = f"/account/reset/{make_reset_token(user)}"
    page = text_of(client.get(path))
    new = "une phrase de passe toute neuve 42"
    client.post(path, data={"password": new, "confirm": new, "csrf_token": csrf_token_from(page)})
    assert account().email_confirmed_at is not None
    assert certificates_of(account()) == 1
    assert "Your certificate was issued" in text_of(client.get("/account/login"))


def test_a_change_of_address_confirms_the_new_one(client, app, course):
    from app.accounts import email_change

    register(client)
    user = account()
    complete(user, course)
    path = "/account/me/email/confirm/" + email_change.make_email_change_token(user, "zoe@example.net")
    page = text_of(client.get(path))
    assert client.post(path, data={"csrf_token": csrf_token_from(page)}).status_code == 302
    changed = account("zoe@example.net")
    assert changed.email_confirmed_at is not None
    assert certificates_of(changed) == 1
    assert client.get("/dashboard").status_code == 200  # still signed in


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("not-a-token", "This link is not valid."),
        ("changed", "This link was sent to an address the account no longer uses."),
        ("expired", "This link has expired: links to confirm an address work for 7 days."),
    ],
)
def test_a_bad_link_says_why_and_changes_nothing(client, app, token, message):
    register(client)
    user = account()
    if token == "changed":
        token = confirmation.make_token(user)
        user.email = "zoe.autre@example.org"
        db.session.commit()
    elif token == "expired":

        class Past(TimestampSigner):
            def get_timestamp(self) -> int:
                return int(time.time()) - confirmation.CONFIRM_MAX_AGE - 60

        token = URLSafeTimedSerializer(
            app.config["SECRET_KEY"], salt=confirmation.CONFIRM_SALT, signer=Past
        ).dumps({"uid": user.id, "email": user.email})
    response = client.post(f"/account/confirm/{token}")
    assert response.status_code == 400
    assert message in text_of(response)
    held = db.session.get(User, user.id)
    assert held.email_confirmed_at is None
    assert f"Mail me a link to confirm {held.email}" in text_of(response)  # signed in: asked here


def test_the_link_can_be_mailed_again_and_not_without_end(client, app):
    register(client)
    page = text_of(client.get("/catalog/?q=voix"))
    assert 'name="next" value="/catalog/?q=voix"' in page
    before = len(outbox(app))
    response = client.post(
        "/account/confirm", data={"csrf_token": csrf_token_from(page), "next": "/catalog/?q=voix"}
    )
    assert response.location == "/catalog/?q=voix"
    assert len(outbox(app)) == before + 1
    assert "We sent a new link to zoe@example.org. It works for 7 days." in text_of(client.get("/catalog/"))
    for _ in range(3):
        client.post("/account/confirm", data={"csrf_token": csrf_token_from(page)})
    assert len(outbox(app)) == before + 3  # three an hour
    assert client.post("/account/confirm", data={"csrf_token": csrf_token_from(page)}).status_code == 429


def test_a_disabled_account_s_link_confirms_nothing(client, app):
    register(client)
    user = account()
    user.disabled_at = user.created_at
    db.session.commit()
    response = client.post(f"/account/confirm/{confirmation.make_token(user)}")
    assert response.status_code == 400 and "This link is not valid." in text_of(response)
    assert account().email_confirmed_at is None


def test_asking_again_goes_back_only_to_a_page_of_this_site(client, app):
    register(client)
    token = csrf_token_from(text_of(client.get("/catalog/")))
    response = client.post("/account/confirm", data={"csrf_token": token, "next": "https://evil.example/"})
    assert response.location == "/dashboard"


def test_asking_again_needs_a_login_and_the_csrf_token(client, app, database_url):
    assert client.post("/account/confirm").location.startswith("/account/login")
    with signed_in_with_csrf(database_url) as (_app, signed_in, _user):
        assert signed_in.post("/account/confirm").status_code == 400


def test_no_notification_mail_to_an_unconfirmed_address(app, make_user):
    confirmed = make_user(email="confirmed@example.org")
    waiting = make_user(email="waiting@example.org")
    waiting.email_confirmed_at = None
    db.session.commit()
    params = {"class": "BTS 2", "course": "C", "items": [], "due": None}
    added = notifications.notify([confirmed, waiting], NEW_ASSIGNMENT, params, "/dashboard")
    db.session.commit()
    states = {n.user_id: (n.mail_state, n.on_site) for n in added}
    assert states[confirmed.id] == (MAIL_SENT, True)  # jobs run at once in tests
    assert states[waiting.id] == (NO_MAIL, True)  # still shown on the site
    assert [m["To"] for m in outbox(app)] == ["confirmed@example.org"]


def test_accounts_a_school_platform_makes_need_no_link(app):
    from app.lti import launches
    from tests.lti.conftest import register as register_school

    school = register_school("https://moodle.lycee.example")
    platform = db.session.scalar(select(LtiPlatform).where(LtiPlatform.organisation_id == school.id))
    user = launches.account_for(platform, "student-42", "Inès")
    db.session.commit()
    assert user.email.endswith("@" + PLACEHOLDER_DOMAIN)
    assert user.email_confirmed_at is not None  # the platform vouches: certificates need no link

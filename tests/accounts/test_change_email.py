"""Changing my e-mail address: asked with my password, confirmed by a link mailed to the new one."""

import re
import time

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from app.accounts import email_change
from app.accounts.models import User
from app.admin.models import AuditEvent
from app.extensions import db
from tests.conftest import PASSWORD, csrf_token_from, signed_in_with_csrf, tampered, text_of

ASK = "/account/me/email"
LINK = re.compile(r"https://cadre\.example(/account/me/email/confirm/\S+)")
NEW = "zoe.new@example.net"


@pytest.fixture
def zoe(make_user):
    return make_user(full_name="Zoé Lefèvre", email="zoe@example.org")


def outbox(app) -> list:
    return app.extensions.get("cadre_outbox", [])


def ask(client, new_email: str, password: str = PASSWORD, current: str = "zoe@example.org"):
    """Post the change form as the page fills it: the current address rides in a hidden field."""
    return client.post(ASK, data={"email": current, "new_email": new_email, "password": password})


def link_sent_to(app, address: str) -> str:
    """The confirmation link in the last mail sent to ``address``, as a path."""
    message = [m for m in outbox(app) if m["To"] == address][-1]
    return LINK.search(message.get_content()).group(1)


def email_of(user: User) -> str:
    db.session.expire_all()
    return db.session.get(User, user.id).email


def token_signed_ago(app, user: User, new_email: str, seconds: int) -> str:
    """A token as the app makes it, but signed ``seconds`` ago."""

    class Past(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - seconds

    serializer = URLSafeTimedSerializer(
        app.config["SECRET_KEY"], salt=email_change.EMAIL_CHANGE_SALT, signer=Past
    )
    return serializer.dumps({"uid": user.id, "new": new_email, "old": user.email, "last": 0})


def test_the_pages_need_a_login_and_the_link_leads_back_after_it(client, app, auth, zoe):
    assert client.get(ASK).location.startswith("/account/login?next=")
    assert client.post(ASK, data={"new_email": NEW, "password": PASSWORD}).status_code == 302
    path = "/account/me/email/confirm/" + email_change.make_email_change_token(zoe, NEW)
    response = client.get(path)
    assert response.status_code == 302 and response.location.startswith("/account/login?next=")
    assert client.post(path).status_code == 302
    assert email_of(zoe) == "zoe@example.org"
    assert auth.login("zoe@example.org", next=path).location == path


def test_change_confirmed_by_the_link(client, app, auth, zoe):
    auth.login("zoe@example.org")
    page = text_of(client.get(ASK))
    assert 'name="email" type="hidden" value="zoe@example.org"' in page
    assert '<label for="new_email">New e-mail address</label>' in page

    response = client.post(
        ASK, data={"email": "zoe@example.org", "new_email": " Zoe.New@Example.NET ", "password": PASSWORD},
        follow_redirects=True,
    )  # fmt: skip
    assert (
        "A confirmation link was sent to zoe.new@example.net; your address stays zoe@example.org until you "
        "follow it." in text_of(response)
    )
    assert email_of(zoe) == "zoe@example.org"
    assert [m["To"] for m in outbox(app)] == [NEW, "zoe@example.org"]
    notice = outbox(app)[1].get_content()
    assert "z…w@example.net" in notice and NEW not in notice
    assert "https://cadre.example/account/forgot" in notice and "Zoé Lefèvre" in notice
    assert "Zoé" not in outbox(app)[0].get_content()  # a mistyped address learns no name
    link = link_sent_to(app, NEW)

    # Opening the link (as a mail scanner does) only shows a button.
    confirm_page = client.get(link)
    assert confirm_page.status_code == 200 and "Confirm to use zoe.new@example.net instead" in text_of(
        confirm_page
    )
    assert email_of(zoe) == "zoe@example.org"

    before = client.get_cookie("cadre_device")
    response = client.post(link, follow_redirects=True)
    assert "Your e-mail address is now zoe.new@example.net." in text_of(response)
    assert email_of(zoe) == NEW
    # This browser is known to the account by its new address too (its failed logins apart).
    assert client.get_cookie("cadre_device") is not None
    assert before is None or client.get_cookie("cadre_device").value != before.value
    done = outbox(app)[-1]
    assert done["To"] == "zoe@example.org" and len(outbox(app)) == 3
    assert "was changed to z…w@example.net" in done.get_content()

    auth.logout()
    assert "do not match an account" in text_of(auth.login("zoe@example.org"))
    assert auth.login(NEW).location == "/dashboard"


def test_wrong_password_changes_nothing(client, app, auth, zoe):
    auth.login("zoe@example.org")
    response = ask(client, NEW, password="not my password at all")
    assert response.status_code == 200
    assert "This is not your current password." in text_of(response)
    assert outbox(app) == []


def test_whether_an_address_is_taken_is_said_only_to_the_right_password_and_counted(
    client, app, auth, zoe, make_user
):
    """Probe finding: the form told anyone signed in which addresses have an account, unlimited."""
    make_user("Olga Dehors", "olga@example.org")
    auth.login("zoe@example.org")
    assert "already uses" not in text_of(ask(client, "olga@example.org", password="wrong password!"))
    for _ in range(3):
        page = text_of(ask(client, "olga@example.org"))
        assert "Another account already uses this e-mail address." in page
    assert ask(client, "olga@example.org").status_code == 429  # as a fourth link to one address would be
    assert outbox(app) == []
    assert email_of(zoe) == "zoe@example.org"


def test_wrong_passwords_are_counted_as_at_login(client, app, auth, zoe):
    auth.login("zoe@example.org")
    for _ in range(5):
        assert ask(client, NEW, password="not my password at all").status_code == 200
    # Paused as after five failed logins, the right password included...
    assert ask(client, NEW).status_code == 429
    assert client.post("/account/password", data={"current": PASSWORD}).status_code == 429  # same count
    # ...on the signed-in forms only: these counts are the account's own, apart from the login's.
    assert app.test_client().post(
        "/account/login", data={"email": "zoe@example.org", "password": PASSWORD}
    ).status_code == 302  # fmt: skip
    assert outbox(app) == []


def test_links_mailed_are_counted_per_account_and_per_address_mailed(client, app, auth, zoe, make_user):
    """Otherwise the form would mail a stranger's box as often as anyone liked."""
    auth.login("zoe@example.org")
    assert ask(client, "not-an-address").status_code == 200  # refused forms mail nothing, count nothing
    for _ in range(3):
        assert ask(client, "victim@target.example").status_code == 302
    refused = ask(client, "Victim@Target.example ")
    assert refused.status_code == 429 and "Too many e-mails were asked for this address" in text_of(refused)
    assert ask(client, "other@example.net").status_code == 302
    assert ask(client, "third@example.net").status_code == 302
    assert ask(client, "fourth@example.net").status_code == 429  # five links an hour per account
    make_user(email="eve@example.org")
    eve = app.test_client()
    eve.post("/account/login", data={"email": "eve@example.org", "password": PASSWORD})
    assert ask(eve, "victim@target.example", current="eve@example.org").status_code == 429
    assert len([m for m in outbox(app) if m["To"] == "victim@target.example"]) == 3


@pytest.mark.parametrize(
    ("new_email", "message"),
    [
        ("OLGA@example.org", "Another account already uses this e-mail address."),
        (" ZOE@Example.org", "This is already your e-mail address."),
        ("not-an-address", "Enter a valid e-mail address, like name@example.org."),
        ("zoe@", "Enter a valid e-mail address, like name@example.org."),
        ("", "Enter your e-mail address."),
    ],
)
def test_refused_addresses(client, app, auth, zoe, make_user, new_email, message):
    make_user("Olga Dehors", "olga@example.org")
    auth.login("zoe@example.org")
    response = ask(client, new_email)
    page = text_of(response)
    assert response.status_code == 200
    assert message in page and "Please correct the highlighted fields." in page
    # The error is tied to the field, for screen readers.
    assert 'aria-describedby="new_email-error"' in page and 'id="new_email-error"' in page
    assert outbox(app) == []
    assert email_of(zoe) == "zoe@example.org"


def test_a_form_from_before_an_address_change_is_refused(client, app, auth, zoe):
    auth.login("zoe@example.org")
    response = ask(client, NEW, current="old@example.org")
    assert "Your e-mail address changed since this page was opened." in text_of(response)
    assert outbox(app) == []


def test_expired_link_changes_nothing(client, app, auth, zoe):
    auth.login("zoe@example.org")
    fresh = token_signed_ago(app, zoe, NEW, 23 * 3600)
    assert client.get(f"/account/me/email/confirm/{fresh}").status_code == 200
    expired = f"/account/me/email/confirm/{token_signed_ago(app, zoe, NEW, 25 * 3600)}"
    for response in (client.get(expired), client.post(expired)):
        assert response.status_code == 400
        assert "This link has expired" in text_of(response)
    assert email_of(zoe) == "zoe@example.org"


@pytest.mark.parametrize("token", ["not-a-token", "TAMPERED"])
def test_bad_link_changes_nothing(client, app, auth, zoe, token):
    auth.login("zoe@example.org")
    if token == "TAMPERED":
        good = email_change.make_email_change_token(zoe, NEW)
        token = tampered(good)
    response = client.post(f"/account/me/email/confirm/{token}")
    assert response.status_code == 400
    assert "This link is not valid." in text_of(response)
    assert email_of(zoe) == "zoe@example.org"


def test_link_works_once_and_cancels_the_other_pending_links(client, app, auth, zoe):
    auth.login("zoe@example.org")
    ask(client, "first@example.net")
    ask(client, NEW)
    first, second = link_sent_to(app, "first@example.net"), link_sent_to(app, NEW)
    assert client.post(second).status_code == 302
    for link in (second, first):
        for response in (client.get(link), client.post(link)):
            assert response.status_code == 400
            assert "This link was already used" in text_of(response)
    assert email_of(zoe) == NEW


def test_a_link_from_before_a_change_stays_dead_when_the_address_comes_back(client, app, auth, zoe):
    auth.login("zoe@example.org")
    ask(client, "c@example.org")
    stale = link_sent_to(app, "c@example.org")
    ask(client, NEW)
    client.post(link_sent_to(app, NEW))  # zoe@example.org -> NEW
    ask(client, "zoe@example.org", current=NEW)
    client.post(link_sent_to(app, "zoe@example.org"))  # and back
    assert email_of(zoe) == "zoe@example.org"
    response = client.post(stale)
    assert response.status_code == 400 and "This link was already used" in text_of(response)
    assert email_of(zoe) == "zoe@example.org"
    changes = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "email.changed")).all()
    assert [(e.user_id, e.detail) for e in changes] == [
        (zoe.id, f"zoe@example.org -> {NEW}"),
        (zoe.id, f"{NEW} -> zoe@example.org"),
    ]


def test_link_for_another_account_changes_nothing(client, app, auth, zoe, make_user):
    olga = make_user("Olga Dehors", "olga@example.org")
    link = "/account/me/email/confirm/" + email_change.make_email_change_token(zoe, NEW)
    auth.login("olga@example.org")
    for response in (client.get(link), client.post(link)):
        assert response.status_code == 400
        assert "This link confirms the address of another account." in text_of(response)
    assert email_of(zoe) == "zoe@example.org" and email_of(olga) == "olga@example.org"


def test_address_taken_before_the_confirmation(client, app, auth, zoe, make_user):
    auth.login("zoe@example.org")
    ask(client, NEW)
    link = link_sent_to(app, NEW)
    make_user("Someone Else", NEW)
    response = client.post(link)
    assert response.status_code == 400
    assert "Another account now uses this e-mail address" in text_of(response)
    assert email_of(zoe) == "zoe@example.org"


def test_address_taken_while_confirming_is_caught(client, app, auth, zoe, make_user, monkeypatch):
    """The check passes, then the unique constraint fires: a message, never a 500."""
    auth.login("zoe@example.org")
    ask(client, NEW)
    link = link_sent_to(app, NEW)
    make_user("Someone Else", NEW)
    monkeypatch.setattr(email_change, "find_user_by_email", lambda email: None)
    response = client.post(link)
    assert response.status_code == 400
    assert "Another account now uses this e-mail address" in text_of(response)
    assert email_of(zoe) == "zoe@example.org"
    assert client.get("/account/me/").status_code == 200  # still signed in
    assert [m["To"] for m in outbox(app)] == [NEW, "zoe@example.org"]  # no "changed" notice


def test_confirming_logs_out_the_other_devices(app, zoe):
    laptop, phone = app.test_client(), app.test_client()
    for device in (laptop, phone):
        device.post("/account/login", data={"email": zoe.email, "password": PASSWORD, "remember": "y"})
    ask(laptop, NEW)
    assert laptop.post(link_sent_to(app, NEW)).status_code == 302
    assert laptop.get("/account/me/").status_code == 200
    assert phone.get("/account/me/").status_code == 302
    phone.delete_cookie("session")  # the remember-me cookie alone no longer opens a session either
    assert phone.get("/account/me/").status_code == 302


def test_both_forms_need_the_csrf_token(database_url):
    with signed_in_with_csrf(database_url) as (app, client, user):
        form = {"email": user.email, "new_email": NEW, "password": PASSWORD}
        assert client.post(ASK, data=form).status_code == 400
        assert outbox(app) == []
        token = csrf_token_from(client.get(ASK).get_data(as_text=True))
        assert client.post(ASK, data={**form, "csrf_token": token}).status_code == 302

        link = link_sent_to(app, NEW)
        assert client.post(link).status_code == 400
        assert email_of(user) == "zoe@example.org"
        token = csrf_token_from(client.get(link).get_data(as_text=True))
        assert client.post(link, data={"csrf_token": token}).status_code == 302
        assert email_of(user) == NEW

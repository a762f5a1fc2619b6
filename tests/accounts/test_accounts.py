"""Register, log in, remember me, change and reset passwords, safe ``next``."""

import base64
import json
import re

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.accounts.services import make_reset_token
from app.extensions import db
from app.models_base import utcnow
from tests.conftest import PASSWORD, text_of


def register(client, **overrides):
    data = {
        "full_name": "Zoé Lefèvre",
        "email": "zoe@example.org",
        "password": PASSWORD,
        "confirm": PASSWORD,
    }
    data.update(overrides)
    return client.post("/account/register", data=data)


def test_register_creates_account_and_signs_in(client, app):
    response = register(client)
    assert response.status_code == 302
    assert client.get_cookie("cadre_device") is not None  # signed in here: a known browser
    user = db.session.scalar(select(User))
    assert user.full_name == "Zoé Lefèvre"
    assert user.locale == "en"  # the language it was made in: its e-mails' until she chooses
    french = {"full_name": "Noé", "email": "noe@example.org", "password": PASSWORD, "confirm": PASSWORD}
    app.test_client().post("/account/register", data=french, headers={"Accept-Language": "fr"})
    assert db.session.scalar(select(User.locale).where(User.email == "noe@example.org")) == "fr"
    assert user.email == "zoe@example.org"
    assert user.password_hash != PASSWORD and user.password_hash.startswith("scrypt:")
    assert client.get("/dashboard").status_code == 200


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "at least 10 characters"),
        ("password123", "too common"),
        ("azertyuiop", "too common"),
    ],
)
def test_register_refuses_weak_passwords(client, app, password, message):
    response = register(client, password=password, confirm=password)
    assert response.status_code == 200
    assert message in text_of(response)
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_register_refuses_name_as_password(client, app):
    response = register(
        client,
        full_name="Bartholomew Quintavalle",
        password="BartholomewQuintavalle",
        confirm="BartholomewQuintavalle",
    )
    assert "too common" in text_of(response)


def test_email_unique_regardless_of_case(client, app, make_user):
    make_user(email="zoe@example.org")
    response = register(client, email="  ZOE@Example.ORG ")
    assert "already uses this e-mail" in text_of(response)
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_register_bad_input_changes_nothing(client, app):
    response = register(client, full_name="", email="not-an-email", confirm="different one")
    page = text_of(response)
    assert response.status_code == 200
    assert "Enter your full name." in page
    assert "Enter a valid e-mail address" in page
    assert "The two passwords differ." in page
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_login_any_case_and_logout(client, app, make_user, auth):
    make_user(email="zoe@example.org")
    response = auth.login("ZOE@example.org")
    assert response.status_code == 302 and response.location == "/dashboard"
    assert client.get("/dashboard").status_code == 200
    auth.logout()
    assert client.get("/dashboard").status_code == 302


def test_login_wrong_password(client, app, make_user, auth):
    make_user(email="zoe@example.org")
    response = auth.login("zoe@example.org", "wrong password here")
    assert response.status_code == 200
    assert "password do not match an account" in text_of(response)


def test_remember_me_sets_a_cookie(client, app, make_user):
    make_user(email="zoe@example.org")
    response = client.post(
        "/account/login", data={"email": "zoe@example.org", "password": PASSWORD, "remember": "y"}
    )
    assert "remember_token=" in " ".join(response.headers.getlist("Set-Cookie"))


def test_logout_needs_post(client, app):
    assert client.get("/account/logout").status_code == 405


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/courses", "/courses"),
        ("/courses/x?a=1", "/courses/x?a=1"),
        ("https://evil.example/", "/dashboard"),
        ("//evil.example/", "/dashboard"),
        ("/\\evil.example", "/dashboard"),
        ("\\\\evil.example", "/dashboard"),
        ("javascript:alert(1)", "/dashboard"),
        ("http:/evil.example", "/dashboard"),
        (" //evil.example", "/dashboard"),
        ("/%0a/evil.example", "/%0a/evil.example"),
    ],
)
def test_next_only_leads_to_this_site(client, app, make_user, target, expected):
    make_user(email="zoe@example.org")
    response = client.post(
        "/account/login", data={"email": "zoe@example.org", "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert response.location == expected


def test_the_header_links_keep_where_the_visitor_was_going(client, app):
    """From a page, the header's « Log in » and « Sign up » come back to it; from the login or
    sign-up page, they keep where that page would lead (an invitation link), not the login page."""
    nav = client.get("/courses").get_data(as_text=True)
    assert 'href="/account/login?next=/courses"' in nav and 'href="/account/register?next=/courses"' in nav
    for page in ("/account/login", "/account/register"):
        header = client.get(f"{page}?next=/invitations/abc").get_data(as_text=True).partition("</header>")[0]
        assert 'href="/account/login?next=/invitations/abc"' in header
        assert 'href="/account/register?next=/invitations/abc"' in header
    header = client.get("/account/login").get_data(as_text=True).partition("</header>")[0]
    assert 'href="/account/login"' in header and 'href="/account/register"' in header


@pytest.mark.parametrize("path", ["/dashboard", "/account/password"])
def test_login_required(client, app, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.location.startswith("/account/login?next=")


def test_change_password(client, app, make_user, auth):
    user = make_user(email="zoe@example.org")
    auth.login(user.email)
    new = "violet quartz mountain river"
    wrong = client.post(
        "/account/password", data={"current": "nope nope nope", "password": new, "confirm": new}
    )
    assert "not your current password" in text_of(wrong)
    weak = client.post(
        "/account/password", data={"current": PASSWORD, "password": "qwerty", "confirm": "qwerty"}
    )
    assert "at least 10 characters" in text_of(weak)
    ok = client.post("/account/password", data={"current": PASSWORD, "password": new, "confirm": new})
    assert ok.status_code == 302
    db.session.refresh(user)
    assert user.check_password(new)
    assert_told_of_the_change(app, user)


def assert_told_of_the_change(app, user) -> None:
    """The account's address is told, with a way back if it was someone else."""
    notice = app.extensions["cadre_outbox"][-1]
    assert notice["To"] == user.email
    assert notice["Subject"] == "The password of your Cadre account was changed"
    body = notice.get_content()
    assert "If you did not make this change" in body and "https://cadre.example/account/forgot" in body


def _reset_link(app) -> str:
    message = app.extensions["cadre_outbox"][-1]
    return re.search(r"https://cadre\.example(/account/reset/\S+)", message.get_content()).group(1)


def test_forgot_password_sends_a_single_use_link(client, app, make_user):
    user = make_user(email="zoe@example.org")
    response = client.post("/account/forgot", data={"email": "ZOE@example.org"})
    assert response.status_code == 302
    message = app.extensions["cadre_outbox"][-1]
    assert message["To"] == "zoe@example.org"
    link = _reset_link(app)
    assert client.get(link).status_code == 200
    new = "violet quartz mountain river"
    assert client.post(link, data={"password": new, "confirm": new}).status_code == 302
    db.session.refresh(user)
    assert user.check_password(new)
    assert_told_of_the_change(app, user)
    # Used once: the password fingerprint changed, so the link no longer works.
    again = client.get(link)
    assert again.status_code == 302 and again.location == "/account/forgot"


def test_a_reset_mail_names_only_a_confirmed_account(client, app, make_user):
    """Whoever signed up with someone else's address chose the name: it does not reach them."""
    stranger = make_user(full_name="Achetez maintenant", email="victim@example.org")
    stranger.email_confirmed_at = None
    db.session.commit()
    client.post("/account/forgot", data={"email": "victim@example.org"})
    body = app.extensions["cadre_outbox"][-1].get_content()
    assert body.startswith("Hello,") and "Achetez" not in body
    make_user(full_name="Zoé Lefèvre", email="zoe@example.org")
    client.post("/account/forgot", data={"email": "zoe@example.org"})
    assert app.extensions["cadre_outbox"][-1].get_content().startswith("Hello Zoé Lefèvre,")


def test_reset_holds_the_password_to_the_policy(client, app, make_user):
    user = make_user(full_name="Bartholomew Quintavalle", email="zoe@example.org")
    client.post("/account/forgot", data={"email": user.email})
    link = _reset_link(app)
    for weak in ("short", "BartholomewQuintavalle"):
        page = text_of(client.post(link, data={"password": weak, "confirm": weak}))
        assert "at least 10 characters" in page or "too common" in page
    db.session.refresh(user)
    assert user.check_password(PASSWORD)


def test_forgot_password_unknown_address_says_the_same(client, app):
    response = client.post("/account/forgot", data={"email": "nobody@example.org"}, follow_redirects=True)
    assert "If an account uses this address" in text_of(response)
    assert not app.extensions.get("cadre_outbox")


def test_reset_link_expires(client, app, make_user, monkeypatch):
    make_user(email="zoe@example.org")
    client.post("/account/forgot", data={"email": "zoe@example.org"})
    link = _reset_link(app)
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    response = client.get(link)
    assert response.status_code == 302 and response.location == "/account/forgot"


def test_tampered_reset_link(client, app):
    assert client.get("/account/reset/not-a-token").location == "/account/forgot"


def test_password_change_logs_out_other_devices(app, make_user):
    user = make_user(email="zoe@example.org")
    laptop, phone = app.test_client(), app.test_client()
    for device in (laptop, phone):
        device.post("/account/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    new = "violet quartz mountain river"
    laptop.post("/account/password", data={"current": PASSWORD, "password": new, "confirm": new})
    assert laptop.get("/dashboard").status_code == 200
    assert phone.get("/dashboard").status_code == 302
    # Even the remember-me cookie alone no longer opens a session.
    phone.delete_cookie("session")
    assert phone.get("/dashboard").status_code == 302
    # The device that changed it stays remembered, as its owner chose at login: the browser
    # reopened (no session cookie) is still signed in.
    laptop.delete_cookie("session")
    assert laptop.get("/dashboard").status_code == 200


def test_a_device_not_remembered_is_not_remembered_after_a_password_change(app, make_user):
    user = make_user(email="zoe@example.org")
    laptop = app.test_client()
    laptop.post("/account/login", data={"email": user.email, "password": PASSWORD})
    new = "violet quartz mountain river"
    laptop.post("/account/password", data={"current": PASSWORD, "password": new, "confirm": new})
    assert laptop.get("/dashboard").status_code == 200
    assert laptop.get_cookie("remember_token") is None


def test_a_reset_link_mailed_to_an_old_address_stops_working_when_the_address_changes(client, app, make_user):
    """Whoever still reads the old mailbox must not take the account back with an earlier link."""
    user = make_user(email="zoe@example.org")
    client.post("/account/forgot", data={"email": user.email})
    link = _reset_link(app)
    assert client.get(link).status_code == 200
    user.email = "zoe.new@example.net"  # as a confirmed change of address leaves it
    db.session.commit()
    response = client.get(link)
    assert response.status_code == 302 and response.location == "/account/forgot"
    new = "violet quartz mountain river"
    client.post(link, data={"password": new, "confirm": new})
    db.session.refresh(user)
    assert user.check_password(PASSWORD)


def test_a_newer_reset_link_cancels_the_ones_mailed_before(client, app, make_user):
    """Security probe: every link asked for stayed valid for its hour, however many were mailed."""
    user = make_user(email="zoe@example.org")
    client.post("/account/forgot", data={"email": user.email})
    first = _reset_link(app)
    client.post("/account/forgot", data={"email": user.email})
    last = _reset_link(app)
    assert first != last
    assert client.get(first).location == "/account/forgot"
    new = "violet quartz mountain river"
    client.post(first, data={"password": new, "confirm": new})
    db.session.refresh(user)
    assert user.check_password(PASSWORD)
    assert client.get(last).status_code == 200
    assert client.post(last, data={"password": new, "confirm": new}).status_code == 302
    db.session.refresh(user)
    assert user.check_password(new)


def test_a_disabled_account_gets_no_reset_mail_and_its_links_stop_working(client, app, make_user):
    user = make_user(email="zoe@example.org")
    client.post("/account/forgot", data={"email": user.email})
    link = _reset_link(app)
    sent = len(app.extensions["cadre_outbox"])
    user.disabled_at = utcnow()
    db.session.commit()
    assert client.get(link).location == "/account/forgot"
    new = "violet quartz mountain river"
    client.post(link, data={"password": new, "confirm": new})
    db.session.refresh(user)
    assert user.check_password(PASSWORD)
    answer = client.post("/account/forgot", data={"email": user.email}, follow_redirects=True)
    assert "If an account uses this address" in text_of(answer)  # the same answer as for anyone
    assert len(app.extensions["cadre_outbox"]) == sent


def test_the_reset_page_is_not_kept_by_the_browser(client, app, make_user):
    user = make_user(email="zoe@example.org")
    client.post("/account/forgot", data={"email": user.email})
    assert client.get(_reset_link(app)).headers["Cache-Control"] == "no-store"


def test_smtp_failure_answers_like_success(client, app, make_user, monkeypatch):
    make_user(email="zoe@example.org")
    app.config["MAIL_SERVER"] = "127.0.0.1"
    app.config["MAIL_PORT"] = 1  # nothing listens there

    response = client.post("/account/forgot", data={"email": "zoe@example.org"}, follow_redirects=True)
    assert response.status_code == 200
    assert "If an account uses this address" in text_of(response)


@pytest.mark.parametrize(
    ("name", "accepted"),
    [
        ("Zoé Lefèvre-Œuvray", True),
        ("Łukasz Żółć", True),
        ("Νίκη Παπαδοπούλου", True),
        ("王小明", False),
        ("Zoé 😀", False),
    ],
)
def test_name_must_be_printable_on_certificates(client, app, name, accepted):
    response = register(client, full_name=name)
    assert (response.status_code == 302) is accepted
    if not accepted:
        assert "cannot print these characters" in text_of(response)


@pytest.mark.parametrize("blank", ["   ", "\u00a0", "\u3000 "])
def test_a_blank_name_is_refused_at_registration(client, app, blank):
    response = register(client, full_name=blank)
    assert response.status_code == 200 and "Enter your full name." in text_of(response)
    assert db.session.scalar(select(func.count(User.id))) == 0


@pytest.mark.parametrize("hidden", ["\u202e", "\u2066", "\u200b", "\u00ad", "\x07", "\u2028"])
def test_a_name_with_invisible_characters_is_refused(client, app, hidden):
    response = register(client, full_name=f"Zoé {hidden}Lefèvre")
    assert response.status_code == 200
    assert f"invisible characters (U+{ord(hidden):04X})" in text_of(response)
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_cookies_and_reset_links_show_nothing_of_the_password_hash(client, app, make_user):
    user = make_user(email="zoe@example.org")
    token = make_reset_token(user)
    payload = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert payload["ph"] == user.password_fingerprint and len(payload["ph"]) == 16
    assert payload["ph"] not in user.password_hash
    assert user.get_id().split(":")[1].split(".")[0] == payload["ph"]
    old = user.password_fingerprint
    user.set_password("another correct horse battery")
    assert user.password_fingerprint != old


def _title(response) -> str:
    return re.search(r"<title>(.*?)</title>", text_of(response), re.S).group(1)


def test_a_form_shown_again_with_errors_says_so_in_its_title(client, app, make_user):
    make_user(email="zoe@example.org")
    assert _title(client.get("/account/login")) == "Log in · Cadre"
    # An error a validator found, and one the view added after validating.
    assert _title(register(client, confirm="something else")) == "Error: Create an account · Cadre"
    wrong = client.post("/account/login", data={"email": "zoe@example.org", "password": "wrong password"})
    assert _title(wrong) == "Error: Log in · Cadre"
    client.post("/language/fr", data={"next": "/"})
    assert _title(register(client, confirm="autre chose")) == "Erreur\u00a0: Créer un compte · Cadre"


def test_the_addresses_people_type_lead_to_the_pages(client):
    response = client.get("/login?next=/dashboard")
    assert response.status_code == 301 and response.headers["Location"] == "/account/login?next=/dashboard"
    assert client.get("/register").headers["Location"] == "/account/register"

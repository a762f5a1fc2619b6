"""Login throttling: failures pause one account (1 minute, then longer, never over 15 minutes)
and one address; the person is told how long to wait, and the real owner gets in after that."""

from flask_babel import refresh
from sqlalchemy import select

from app.admin.models import AuditEvent
from app.extensions import db
from tests.conftest import PASSWORD, text_of

WRONG = "not the right password at all"
NEW_PASSWORD = "violon orage tortue cartable"
PAUSED = "Too many failed attempts to log in to this account"


def login(client, email, password, address="203.0.113.7"):
    return client.post(
        "/account/login",
        data={"email": email, "password": password, "next": ""},
        environ_base={"REMOTE_ADDR": address},
    )


def fail(client, email, times, address="203.0.113.7"):
    for _ in range(times):
        response = login(client, email, WRONG, address)
        assert response.status_code == 200
        assert "do not match an account" in text_of(response)


def paused_for(response) -> int:
    """The wait a 429 states, checked to be the same in the header and on the page."""
    assert response.status_code == 429
    seconds = int(response.headers["Retry-After"])
    page = text_of(response)
    assert PAUSED in page
    minutes = -(-seconds // 60)
    assert f"Try again in {minutes} minute" in page or f"Try again in {seconds} second" in page
    return seconds


def test_brute_force_is_slowed_then_refused_and_the_owner_gets_in_after_the_stated_wait(
    app, client, make_user, clock
):
    owner = make_user(email="owner@example.org")
    fail(client, owner.email, 5)

    # The sixth try is refused before the password is even checked, the right one included.
    response = login(client, owner.email, WRONG)
    first = paused_for(response)
    assert 0 < first <= 60
    assert "Forgot your password?" in text_of(response)
    assert paused_for(login(client, owner.email, PASSWORD)) <= 60

    # The attacker tries again each time the page allows it: the pauses grow, 20 guesses at
    # most go through in 15 minutes, and no pause is ever longer than 15 minutes.
    failures, waits = 5, [first]
    while failures < 21:
        clock.advance(waits[-1])
        for _ in range(25):
            response = login(client, owner.email, WRONG)
            if response.status_code == 429:
                break
            failures += 1
        waits.append(paused_for(response))
    assert clock.offset >= 15 * 60 - 60
    assert max(waits) > 5 * 60 and max(waits) <= 15 * 60

    clock.advance(waits[-1])
    response = login(client, owner.email, PASSWORD)
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard")


def test_a_paused_account_does_not_pause_anyone_else(app, client, make_user, clock):
    target = make_user(email="target@example.org")
    neighbour = make_user(email="neighbour@example.org")
    fail(client, target.email, 5)
    assert login(client, target.email, PASSWORD).status_code == 429
    response = login(client, neighbour.email, PASSWORD)
    assert response.status_code == 302


def test_one_address_trying_many_accounts_is_refused(app, client, make_user, clock):
    for number in range(20):
        fail(client, f"stuffed{number}@example.org", 1)
    response = login(client, "another@example.org", WRONG)
    assert response.status_code == 429
    assert "Too many attempts from your connection" in text_of(response)
    assert 0 < int(response.headers["Retry-After"]) <= 60
    # Another address is not concerned, nor a success counted: only failures are.
    assert login(client, "another@example.org", WRONG, address="198.51.100.4").status_code == 200


def test_successful_logins_are_not_counted(app, client, make_user, clock):
    """A class logging in together from one school address is never throttled."""
    users = [make_user(email=f"pupil{n}@example.org") for n in range(30)]
    fail(client, users[0].email, 1)  # one typo first: it must not be counted again later
    for user in users:
        assert login(client, user.email, PASSWORD).status_code == 302


def test_the_pause_is_told_in_the_interface_language(app, client, make_user, clock):
    owner = make_user(email="owner@example.org")
    fail(client, owner.email, 5)
    refresh()  # the suite keeps one app context open: forget the language of earlier requests
    response = client.post(
        "/account/login",
        data={"email": owner.email, "password": WRONG, "next": ""},
        environ_base={"REMOTE_ADDR": "203.0.113.7"},
        headers={"Accept-Language": "fr"},
    )
    assert response.status_code == 429
    page = text_of(response)
    assert 'lang="fr"' in page and "Retour aux formations" in page


def test_someone_who_knows_the_address_cannot_lock_its_owner_out_of_a_browser_they_signed_in_on(
    app, make_user
):
    """The probe of session 40: wrong passwords sent for an address kept its owner out for good.
    A browser that signed in to the account before counts its own failures (a device cookie)."""
    owner = make_user(email="owner@example.org")
    laptop, attacker, new_phone = app.test_client(), app.test_client(), app.test_client()
    assert login(laptop, owner.email, PASSWORD, "198.51.100.1").status_code == 302
    laptop.post("/account/logout")  # signed out; the browser stays known to the account

    fail(attacker, owner.email, 5, address="192.0.2.66")
    assert paused_for(login(attacker, owner.email, PASSWORD, "192.0.2.66"))
    assert paused_for(login(new_phone, owner.email, PASSWORD, "198.51.100.2"))  # an unknown browser waits
    assert login(laptop, owner.email, PASSWORD, "198.51.100.1").status_code == 302  # the owner's gets in

    # The known browser is not a way around the count: its own failures pause it as any other.
    laptop.post("/account/logout")
    fail(laptop, owner.email, 5, address="198.51.100.1")
    assert paused_for(login(laptop, owner.email, PASSWORD, "198.51.100.1"))
    # The same signed cookie spelt another way (padding) is the same browser: no fresh count
    # (the second reading of session 40 found one).
    cookie = laptop.get_cookie("cadre_device").value
    for spelling in (cookie + "=", cookie + "=="):
        laptop.set_cookie("cadre_device", spelling)
        assert paused_for(login(laptop, owner.email, WRONG, "198.51.100.1"))
    # Signing in to another account on that browser does not start the owner's count afresh.
    laptop.set_cookie("cadre_device", cookie)
    other = make_user(email="other@example.org")
    assert login(laptop, other.email, PASSWORD, "198.51.100.1").status_code == 302
    laptop.post("/account/logout")
    assert paused_for(login(laptop, owner.email, WRONG, "198.51.100.1"))
    # A forged or another account's cookie is an unknown browser.
    attacker.set_cookie("cadre_device", "W10.forged")
    assert paused_for(login(attacker, owner.email, PASSWORD, "192.0.2.67"))


def test_wrong_current_passwords_on_the_password_form_are_counted(app, client, auth, make_user):
    """The probe of session 40: a signed-in session could guess the password there without limit."""
    owner = make_user(email="owner@example.org")
    auth.login(owner.email)
    for _ in range(5):
        response = client.post(
            "/account/password", data={"current": WRONG, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
        )
        assert response.status_code == 200 and "This is not your current password." in text_of(response)
    refused = client.post(
        "/account/password", data={"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    page = text_of(refused)  # said as what it is: this form paused, the person still logged in
    assert "Too many wrong passwords on this form: it is paused for a while. You stay logged in" in page
    assert 'href="/account/me/">Back to my account</a>' in page
    assert owner.check_password(PASSWORD)  # nothing changed
    # In the account's security log: each wrong password, and the pause (once), naming the account.
    events = db.session.execute(select(AuditEvent.action, AuditEvent.user_id)).all()
    assert events.count(("password.wrong", owner.id)) == 5 and ("login.paused", owner.id) in events

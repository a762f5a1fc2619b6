"""Logging out ends the session on the server side (probe finding M5).

Sessions are signed cookies: a copy taken before logout (shared computer, proxy log, malware)
must stop working once the person logs out, and so must a copied remember-me cookie.
"""

from app.extensions import db
from tests.conftest import PASSWORD


def login(client, email: str, remember: bool = False):
    data = {"email": email, "password": PASSWORD, "remember": "y" if remember else ""}
    return client.post("/account/login", data=data)


def copy_cookie(source, target, name: str) -> None:
    """Replay one cookie of ``source`` in ``target``, as someone who copied it would."""
    cookie = source.get_cookie(name)
    assert cookie is not None, f"no {name} cookie to copy"
    target.set_cookie(name, cookie.value)


def test_a_copied_session_cookie_stops_working_after_logout(app, make_user):
    user = make_user(email="zoe@example.org")
    browser, thief = app.test_client(), app.test_client()
    login(browser, user.email)
    copy_cookie(browser, thief, "session")
    assert thief.get("/dashboard").status_code == 200  # the copy works while the session is open

    browser.post("/account/logout")
    response = thief.get("/dashboard")
    assert response.status_code == 302 and response.location.startswith("/account/login")


def test_a_copied_remember_me_cookie_stops_working_after_logout(app, make_user):
    user = make_user(email="zoe@example.org")
    browser, thief = app.test_client(), app.test_client()
    login(browser, user.email, remember=True)
    copy_cookie(browser, thief, "remember_token")
    assert thief.get("/dashboard").status_code == 200

    browser.post("/account/logout")
    assert thief.get("/dashboard").status_code == 302


def test_logout_ends_every_session_of_the_account_and_login_works_again(app, make_user):
    user = make_user(email="zoe@example.org")
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, user.email)
    login(phone, user.email)
    laptop.post("/account/logout")
    assert phone.get("/dashboard").status_code == 302  # "log out" is "log out everywhere"
    login(laptop, user.email)
    assert laptop.get("/dashboard").status_code == 200


def test_a_password_reset_ends_the_sessions_opened_before(client, app, make_user):
    user = make_user(email="zoe@example.org")
    login(client, user.email)
    generation = user.session_generation
    # The reset view itself is tested in test_accounts; what matters here is the model's rule.
    user.set_password("violet quartz mountain river")
    db.session.commit()
    assert user.session_generation == generation + 1
    assert client.get("/dashboard").status_code == 302


def test_an_anonymous_logout_changes_nothing(client, app):
    response = client.post("/account/logout")
    assert response.status_code == 302 and response.location == "/courses"

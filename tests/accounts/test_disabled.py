"""A disabled account cannot log in, and the sessions it had open stop working."""

from app.extensions import db
from app.models_base import utcnow
from tests.conftest import PASSWORD, text_of

REFUSAL = "This account is disabled. If this is a mistake, contact the site's operator."


def login(client, email: str, password: str = PASSWORD, remember: bool = False):
    data = {"email": email, "password": password, "remember": "y" if remember else ""}
    return client.post("/account/login", data=data)


def run_cli(app, *args: str):
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    db.session.expire_all()  # the command committed in a session of its own
    return result


def is_logged_in(client) -> bool:
    response = client.get("/dashboard")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def test_a_disabled_account_is_refused_at_login_with_the_reason(client, app, make_user):
    user = make_user(email="zoe@example.org")
    run_cli(app, "user", "disable", user.email, "--reason", "test")

    response = login(client, user.email)
    assert response.status_code == 200
    assert REFUSAL in text_of(response)
    assert not is_logged_in(client)


def test_the_reason_is_told_only_to_whoever_knows_the_password(client, app, make_user):
    user = make_user(email="zoe@example.org")
    run_cli(app, "user", "disable", user.email, "--reason", "test")

    page = text_of(login(client, user.email, password="not the password at all"))
    assert REFUSAL not in page
    assert "This e-mail address and password do not match an account." in page


def test_disabling_ends_the_sessions_already_open(app, make_user):
    user = make_user(email="zoe@example.org")
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, user.email)
    login(phone, user.email, remember=True)
    assert is_logged_in(laptop) and is_logged_in(phone)

    run_cli(app, "user", "disable", user.email, "--reason", "test")
    assert not is_logged_in(laptop)
    assert not is_logged_in(phone)


def test_the_session_loader_refuses_a_disabled_account_even_with_a_current_session(client, app, make_user):
    # Disabling also ends the sessions; the loader must refuse on its own in case a session
    # slips by (an account disabled by other means, a future console that forgets to end them).
    user = make_user(email="zoe@example.org")
    login(client, user.email, remember=True)
    user.disabled_at = utcnow()
    db.session.commit()
    assert not is_logged_in(client)
    client.delete_cookie("session")  # the remember-me cookie alone goes through the same loader
    assert not is_logged_in(client)


def test_an_enabled_account_logs_in_again(client, app, make_user):
    user = make_user(email="zoe@example.org")
    run_cli(app, "user", "disable", user.email, "--reason", "test")
    assert REFUSAL in text_of(login(client, user.email))
    run_cli(app, "user", "enable", user.email)

    response = login(client, user.email)
    assert response.status_code == 302
    assert is_logged_in(client)

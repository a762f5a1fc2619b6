"""L4: two registrations of one address at once (a double click) get the form's message, not a 500."""

import threading

from sqlalchemy import func, select

from app.accounts import forms
from app.accounts.models import User
from app.extensions import db
from tests.conftest import text_of


def test_an_address_taken_after_the_forms_check_gets_the_forms_message(client, app, make_user, monkeypatch):
    """The twin request inserted the account between this form's check and this insert."""
    make_user(full_name="Zoé Lefèvre", email="zoe@example.org")
    monkeypatch.setattr(forms, "find_user_by_email", lambda email: None)  # the check saw no account
    response = client.post(
        "/account/register",
        data={
            "full_name": "Zoé Lefèvre",
            "email": "Zoe@Example.org",
            "password": "violet quartz mountain river",
            "confirm": "violet quartz mountain river",
        },
    )
    assert response.status_code == 200
    assert "An account already uses this e-mail address. Log in instead." in text_of(response)
    assert db.session.scalar(select(func.count(User.id))) == 1
    # The session is usable afterwards: nothing half-written is left behind.
    assert client.get("/account/login").status_code == 200


def test_simultaneous_registrations_of_one_address_never_answer_500(app):
    """Ten sign-ups of one new address at the same instant: one account, the others a message."""
    barrier = threading.Barrier(10)
    statuses, errors = [], []

    def register():
        client = app.test_client()
        data = {
            "full_name": "Zoé Lefèvre",
            "email": "twin@example.org",
            "password": "violet quartz mountain river",
            "confirm": "violet quartz mountain river",
        }
        barrier.wait()
        try:
            response = client.post("/account/register", data=data)
        except Exception as exc:  # noqa: BLE001 - a 500 propagates here in testing
            errors.append(exc)
        else:
            statuses.append(response.status_code)
            if response.status_code == 200:
                assert "An account already uses this e-mail address" in text_of(response)

    threads = [threading.Thread(target=register) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(statuses) == [200] * 9 + [302]
    assert db.session.scalar(select(func.count(User.id))) == 1

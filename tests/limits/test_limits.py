"""Reset e-mails, registration, join codes, previews, uploads and images are throttled, with a 429 page
(or a JSON answer for the editor's preview) that says when to try again."""

import pytest
from sqlalchemy import func, select

from app import limits
from app.accounts.models import User
from app.extensions import db
from app.orgs import services as orgs
from app.schools import services as schools
from tests.conftest import text_of
from tests.publishing.test_images import add_image, png
from tests.publishing.test_workflow import WS, as_, publisher, upload, valid_files  # noqa: F401


def test_reset_mails_to_one_address_are_limited(app, client, make_user, clock):
    make_user(email="zoe@example.org")
    for _ in range(3):
        assert client.post("/account/forgot", data={"email": "zoe@example.org"}).status_code == 302
    response = client.post("/account/forgot", data={"email": " ZOE@example.org"})
    assert response.status_code == 429
    assert "Too many e-mails were asked" in text_of(response)
    assert "Try again in 60 minutes." in text_of(response) or "Try again in 59 minutes." in text_of(response)
    assert len(app.extensions["cadre_outbox"]) == 3  # no fourth e-mail
    clock.advance(3600)
    assert client.post("/account/forgot", data={"email": "zoe@example.org"}).status_code == 302
    assert len(app.extensions["cadre_outbox"]) == 4


def test_reset_mails_from_one_connection_are_limited(app, client, clock):
    for number in range(20):
        assert client.post("/account/forgot", data={"email": f"n{number}@example.org"}).status_code == 302
    assert client.post("/account/forgot", data={"email": "n99@example.org"}).status_code == 429
    # Asking for the page is not counted.
    assert client.get("/account/forgot").status_code == 200


def test_unknown_and_known_addresses_are_limited_alike(app, client, make_user, clock):
    """The limit must not tell which addresses have an account."""
    make_user(email="known@example.org")
    for email in ("known@example.org", "unknown@example.org"):
        statuses = [client.post("/account/forgot", data={"email": email}).status_code for _ in range(4)]
        assert statuses == [302, 302, 302, 429]


def test_registrations_from_one_connection_are_limited(app, client, clock):
    app.config["RATELIMIT_REGISTER_ADDRESS"] = "2 per hour"
    for number in range(2):
        data = {
            "full_name": f"Élève {number}",
            "email": f"eleve{number}@example.org",
            "password": "violet quartz mountain river",
            "confirm": "violet quartz mountain river",
        }
        assert client.post("/account/register", data=data).status_code == 302
        client.post("/account/logout")
    response = client.post("/account/register", data={**data, "email": "third@example.org"})
    assert response.status_code == 429
    assert db.session.scalar(select(func.count(User.id))) == 2


@pytest.fixture
def school_class(app, make_user):
    school = orgs.create_organisation("ecole", "École", "school")
    teacher = make_user("Théo Prof", "teacher@example.org")
    orgs.set_role(school, teacher, "teacher")
    found = schools.create_class(school, teacher, "BTS 2", "2026-2027", "Groupe B")
    db.session.commit()
    return found


def test_guessing_join_codes_is_refused(app, client, auth, make_user, school_class, clock):
    make_user(email="guesser@example.org")
    auth.login("guesser@example.org")
    for number in range(5):
        response = client.post("/join", data={"code": f"ZZZZ-{number:04d}"})
        assert response.status_code == 200 and "No class or organisation has this code" in text_of(response)
        assert client.get(f"/join/YYYY-{number:04d}").status_code == 200  # a join link counts too
    # Ten wrong codes in a minute: even the right one waits now.
    response = client.post("/join", data={"code": school_class.join_code})
    assert response.status_code == 429
    assert "Too many codes were tried" in text_of(response)
    auth.logout()  # a new session is still the same account
    auth.login("guesser@example.org")
    assert client.post("/join", data={"code": "ZZZZ-9999"}).status_code == 429
    clock.advance(int(response.headers["Retry-After"]))
    response = client.post("/join", data={"code": school_class.join_code})
    assert response.status_code == 302


def test_a_class_one_is_already_in_is_not_a_wrong_code(app, client, auth, make_user, school_class):
    """Following a join link twice, or confirming it again, is not guessing: never paused for it."""
    pupil = make_user(email="pupil@example.org")
    schools.join_class(pupil, school_class.join_code)
    db.session.commit()
    auth.login("pupil@example.org")
    for _ in range(12):
        assert client.get(f"/join/{school_class.join_code}").status_code == 200
        response = client.post("/join", data={"code": school_class.join_code})
        assert response.status_code == 302 and response.location.endswith("/dashboard")
    response = client.post("/join", data={"code": "ZZZZ-0000"})
    assert response.status_code == 200 and "No class or organisation has this code" in text_of(response)


def test_joining_is_not_counted_when_it_works(app, client, auth, make_user, school_class, clock):
    """A whole class joining from one school address is never throttled."""
    for number in range(35):
        make_user(email=f"pupil{number}@example.org")
        auth.login(f"pupil{number}@example.org")
        assert client.get(f"/join/{school_class.join_code}").status_code == 200
        assert client.post("/join", data={"code": school_class.join_code}).status_code == 302
        auth.logout()


def test_previews_are_limited_with_an_answer_the_editor_reads(app, client, auth, publisher, clock):  # noqa: F811
    _, _, people = publisher
    as_(auth, people, "editor")
    upload(client, valid_files())
    app.config["RATELIMIT_PREVIEW_ACCOUNT"] = "2 per minute"
    body = {"path": "courses/voix-et-ia/01-cadre-legal.md", "text": "# Titre\n"}
    for _ in range(2):
        assert client.post(f"{WS}/voix-et-ia/preview", json=body).status_code == 200
    response = client.post(f"{WS}/voix-et-ia/preview", json=body)
    assert response.status_code == 429
    data = response.get_json()
    assert data["error"] == "Too many previews or uploads in a short time."
    assert 0 < data["retry_after"] <= 60 and data["retry"].startswith("Try again in")
    # Another editor is not slowed down by this one.
    as_(auth, people, "admin")
    assert client.post(f"{WS}/voix-et-ia/preview", json=body).status_code == 200


def test_uploads_are_limited(app, client, auth, publisher, clock):  # noqa: F811
    _, _, people = publisher
    as_(auth, people, "editor")
    app.config["RATELIMIT_UPLOAD_ACCOUNT"] = "1 per hour"
    assert upload(client, valid_files()).status_code == 302
    response = upload(client, valid_files())
    assert response.status_code == 429
    assert "Try again in 60 minutes." in text_of(response) or "Try again in 59 minutes." in text_of(response)


def test_images_have_a_limit_of_their_own(app, client, auth, publisher, clock):  # noqa: F811
    """Adding images is not stopped by the packages' limit, nor counted against it."""
    _, _, people = publisher
    as_(auth, people, "editor")
    app.config["RATELIMIT_UPLOAD_ACCOUNT"] = "2 per hour"
    app.config["RATELIMIT_IMAGE_ACCOUNT"] = "3 per hour"
    assert upload(client, valid_files()).status_code == 302
    for n in range(3):
        assert add_image(client, png(color=(n, 0, 0)), name=f"image-{n}").status_code == 302, n
    response = add_image(client, png(color=(3, 0, 0)), name="image-3")
    assert response.status_code == 429
    assert "Too many images added in a short time." in text_of(response)
    assert "Try again in 60 minutes." in text_of(response) or "Try again in 59 minutes." in text_of(response)
    # The second package of two (replacing the images added in the browser, as its editor says).
    assert upload(client, valid_files(), replace_changes="y").status_code == 302
    assert "Too many previews or uploads" in text_of(upload(client, valid_files()))
    # Another editor is not slowed down by this one.
    as_(auth, people, "admin")
    assert add_image(client, png(color=(4, 0, 0)), name="image-4").status_code == 302


def test_a_generic_429_still_gets_the_page(app, client):
    """A 429 raised elsewhere (no limit broken here) says to wait a moment."""
    from flask import abort

    @app.get("/busy-for-test")
    def busy():
        abort(429)

    response = client.get("/busy-for-test")
    assert response.status_code == 429
    assert "Please wait a moment before trying again." in text_of(response)


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "198.51.100.9", "192.0.2.1"),  # no proxy trusted: a visitor's header is ignored
        (1, "10.0.0.5, 198.51.100.9", "198.51.100.9"),  # the address our proxy saw
        (2, "10.0.0.5, 198.51.100.9, 192.0.2.77", "198.51.100.9"),
        (1, "", "192.0.2.1"),
    ],
)
def test_the_address_counted_behind_trusted_proxies(app, proxies, forwarded, expected):
    app.config["RATELIMIT_TRUSTED_PROXIES"] = proxies
    environ = {"REMOTE_ADDR": "192.0.2.1"}
    with app.test_request_context("/", headers={"X-Forwarded-For": forwarded}, environ_base=environ):
        assert limits.client_address() == expected


def test_a_429_raised_with_a_delay_states_it(app, client):
    from werkzeug.exceptions import TooManyRequests

    @app.get("/busy-with-delay-for-test")
    def busy():
        raise TooManyRequests(retry_after=90)

    response = client.get("/busy-with-delay-for-test")
    assert response.status_code == 429 and response.headers["Retry-After"] == "90"
    assert "Try again in 2 minutes." in text_of(response)

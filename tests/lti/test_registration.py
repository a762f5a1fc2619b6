"""A school's administrator registers its platform; a launched account gets its own login."""

from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.lti.models import LtiAccount, LtiPlatform
from app.orgs import services as orgs
from app.orgs.models import SCHOOL, TEACHER
from tests.conftest import PASSWORD, text_of
from tests.lti.conftest import login, post_launch, signed_launch

FORM = {
    "name": "Moodle de l’université",
    "issuer": "http://127.0.0.1:8999",
    "client_id": "abc123",
    "deployment_ids": " 1 \n\n 2 ",
    "auth_login_url": "http://127.0.0.1:8999/mod/lti/auth.php",
    "auth_token_url": "http://127.0.0.1:8999/mod/lti/token.php",
    "key_set_url": "http://127.0.0.1:8999/mod/lti/certs.php",
}


def test_the_page_shows_what_to_paste_and_registers_a_platform(client, auth, platform, school_admin):
    auth.login(school_admin.email)
    page = text_of(client.get("/schools/lycee-lumiere/lti"))
    for url in (
        "https://cadre.example/lti/login",
        "https://cadre.example/lti/launch",
        "https://cadre.example/lti/jwks",
    ):
        assert url in page

    response = client.post("/schools/lycee-lumiere/lti", data=FORM, follow_redirects=True)

    assert "is registered" in text_of(response)
    saved = db.session.scalar(select(LtiPlatform).where(LtiPlatform.client_id == "abc123"))
    assert saved.deployments == ["1", "2"] and saved.organisation_id == platform.school.id


def test_a_bad_address_changes_nothing(client, auth, platform, school_admin):
    auth.login(school_admin.email)
    response = client.post("/schools/lycee-lumiere/lti", data={**FORM, "key_set_url": "javascript:alert(1)"})
    assert response.status_code == 200
    assert "starting with https://" in text_of(response)
    assert db.session.scalar(select(db.func.count(LtiPlatform.id))) == 1


def test_the_same_platform_twice_is_refused(client, auth, platform, school_admin):
    auth.login(school_admin.email)
    twice = {**FORM, "issuer": platform.base, "client_id": "cadre-client"}
    assert "already registered" in text_of(client.post("/schools/lycee-lumiere/lti", data=twice))


def test_only_the_schools_administrators_reach_the_page(client, auth, platform, make_user):
    teacher = make_user(email="prof@lumiere.example")
    orgs.add_member(platform.school, teacher, TEACHER)
    other = orgs.create_organisation("autre-ecole", "Autre école", SCHOOL)
    stranger = make_user(email="admin@autre.example")
    orgs.add_member(other, stranger, "admin")
    db.session.commit()
    auth.login(teacher.email)
    assert client.get("/schools/lycee-lumiere/lti").status_code == 403
    auth.logout()
    auth.login(stranger.email)
    assert client.get("/schools/lycee-lumiere/lti").status_code == 404
    assert (
        client.post(
            f"/schools/autre-ecole/lti/{db.session.scalar(select(LtiPlatform.id))}/delete"
        ).status_code
        == 404
    )


def test_unregistering_stops_launches_and_keeps_the_accounts(client, auth, platform, school_admin):
    post_launch(client, signed_launch(platform, login(client, platform, "student-42"), "student-42"))
    auth.logout()
    auth.login(school_admin.email)
    platform_id = db.session.scalar(select(LtiPlatform.id))
    assert client.post(f"/schools/lycee-lumiere/lti/{platform_id}/delete").status_code == 302
    assert db.session.scalar(select(db.func.count(LtiAccount.id))) == 0
    assert db.session.scalar(select(User).where(User.full_name == "Inès Martin")) is not None
    refused = client.get(
        f"/lti/login?iss={platform.base}&login_hint=x&target_link_uri=https://cadre.example/lti/launch"
    )
    assert refused.status_code == 400


def test_a_launched_account_gets_its_own_email_and_password(client, platform, auth):
    post_launch(client, signed_launch(platform, login(client, platform, "student-42"), "student-42"))
    response = client.post(
        "/lti/account",
        data={"email": "ines@example.org", "password": PASSWORD, "confirm": PASSWORD},
        follow_redirects=True,
    )
    assert "ines@example.org" in text_of(response)
    auth.logout()
    assert auth.login("ines@example.org").status_code == 302  # signs in without the platform


def test_the_launch_account_has_no_usable_password(client, platform, auth):
    post_launch(client, signed_launch(platform, login(client, platform, "student-42"), "student-42"))
    user = db.session.scalar(select(User).where(User.full_name == "Inès Martin"))
    assert not user.check_password("")
    auth.logout()
    assert auth.login(user.email, password=user.password_hash).status_code == 200  # the form again

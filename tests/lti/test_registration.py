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
    # The platform vouched for the person, not for the address: it is confirmed by the link mailed there.
    user = db.session.scalar(select(User).where(User.email == "ines@example.org"))
    assert user.email_confirmed_at is None
    [mail] = [m for m in client.application.extensions["cadre_outbox"] if m["To"] == "ines@example.org"]
    assert "/account/confirm/" in mail.get_content()
    auth.logout()
    assert auth.login("ines@example.org").status_code == 302  # signs in without the platform


def test_the_launch_account_has_no_usable_password(client, platform, auth):
    post_launch(client, signed_launch(platform, login(client, platform, "student-42"), "student-42"))
    user = db.session.scalar(select(User).where(User.full_name == "Inès Martin"))
    assert not user.check_password("")
    auth.logout()
    assert auth.login(user.email, password=user.password_hash).status_code == 200  # the form again


def test_outside_production_the_key_is_made_once_under_instance(app, tmp_path, monkeypatch):
    from app.lti import keys

    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    app.config["LTI_PRIVATE_KEY"] = None
    with app.test_request_context():
        first = keys.private_key_pem()
        app.config["LTI_PRIVATE_KEY"] = None
        assert keys.private_key_pem() == first  # read back, not made again
    assert (tmp_path / "lti_private_key.pem").read_text().startswith("-----BEGIN PRIVATE KEY-----")


def test_in_production_without_a_key_lti_is_off_not_made_up(app, client, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    monkeypatch.setitem(app.config, "LTI_PRIVATE_KEY", None)
    monkeypatch.setitem(app.config, "ENV_NAME", "production")
    assert client.get("/lti/jwks").status_code == 503
    assert not (tmp_path / "lti_private_key.pem").exists()


def test_an_administrator_changes_a_registration_and_its_accounts_stay_linked(
    client, auth, platform, school_admin
):
    post_launch(client, signed_launch(platform, login(client, platform, "student-42"), "student-42"))
    auth.logout()
    auth.login(school_admin.email)
    saved = db.session.scalar(select(LtiPlatform))
    form = {
        "name": "Moodle",
        "issuer": platform.base,
        "client_id": "cadre-client",
        "deployment_ids": "dep-1\ndep-2",
        "auth_login_url": platform.base + "/auth",
        "auth_token_url": platform.base + "/token",
        "key_set_url": platform.base + "/jwks",
    }
    assert "dep-1" in text_of(client.get(f"/schools/lycee-lumiere/lti/{saved.id}"))
    assert client.post(f"/schools/lycee-lumiere/lti/{saved.id}", data=form).status_code == 302
    db.session.expire_all()
    assert saved.deployments == ["dep-1", "dep-2"] and saved.name == "Moodle"
    assert db.session.scalar(select(db.func.count(LtiAccount.id))) == 1
    refused = client.post(f"/schools/lycee-lumiere/lti/{saved.id}", data={**form, "key_set_url": "ftp://x"})
    assert refused.status_code == 200 and "starting with https://" in text_of(refused)


def test_another_schools_administrator_cannot_change_it(client, auth, platform, make_user):
    other = orgs.create_organisation("autre-ecole", "Autre école", SCHOOL)
    stranger = make_user(email="admin@autre.example")
    orgs.add_member(other, stranger, "admin")
    db.session.commit()
    auth.login(stranger.email)
    platform_id = db.session.scalar(select(LtiPlatform.id))
    assert client.get(f"/schools/autre-ecole/lti/{platform_id}").status_code == 404
    assert client.get(f"/schools/lycee-lumiere/lti/{platform_id}").status_code == 404

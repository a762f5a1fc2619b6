"""A whole LTI 1.3 exchange against lti1p3platform, and every launch Cadre must refuse."""

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.lti.models import LtiAccount, LtiContext, LtiLaunchValue
from app.orgs import services as orgs
from app.schools.models import Enrolment
from tests.lti.conftest import INSTRUCTOR, login, post_launch, signed_launch


def test_first_launch_makes_an_account_and_a_class_and_lands_on_the_module(client, platform, course):
    module = course.modules[0]
    auth = login(client, platform, "student-42")
    assert auth["client_id"] == "cadre-client" and auth["redirect_uri"] == "https://cadre.example/lti/launch"
    data = signed_launch(platform, auth, "student-42", custom={"course": course.slug, "module": module.slug})

    response = post_launch(client, data)

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/courses/{course.slug}/{module.slug}")
    link = db.session.scalar(select(LtiAccount).where(LtiAccount.subject == "student-42"))
    assert link.user.full_name == "Inès Martin"
    assert link.user.email.endswith("@lti.invalid")
    context = db.session.scalar(select(LtiContext).where(LtiContext.context_id == "course-7"))
    assert context.school_class.name == "Cinéma et IA · BTS 1"
    assert context.school_class.organisation_id == platform.school.id
    assert db.session.scalar(select(Enrolment).where(Enrolment.user_id == link.user_id)) is not None
    # Signed in: the module page opens, framed by the platform only.
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert f"frame-ancestors {platform.base}" in page.headers["Content-Security-Policy"]


def test_second_launch_finds_the_same_account_and_class(client, platform, course):
    for _ in range(2):
        post_launch(client, signed_launch(platform, login(client, platform, "student-42"), "student-42"))
    assert db.session.scalar(select(db.func.count(LtiAccount.id))) == 1
    assert db.session.scalar(select(db.func.count(LtiContext.id))) == 1


def test_an_instructor_becomes_a_teacher_of_the_school_and_lands_on_the_class(client, platform, course):
    data = signed_launch(
        platform, login(client, platform, "prof-1"), "prof-1", roles=(INSTRUCTOR,), name="Paul Prof"
    )
    response = post_launch(client, data)
    user = db.session.scalar(select(User).where(User.full_name == "Paul Prof"))
    assert orgs.role_in(user, platform.school.id) == "teacher"
    assert "/classes/" in response.headers["Location"]
    assert client.get(response.headers["Location"]).status_code == 200


def test_a_replayed_launch_is_refused(client, platform, course):
    data = signed_launch(platform, login(client, platform, "student-42"), "student-42")
    assert post_launch(client, data).status_code == 303
    client.post("/account/logout")

    replay = post_launch(client, data)

    assert replay.status_code == 401
    assert "already used" in replay.get_data(as_text=True)


def test_a_launch_signed_by_another_key_is_refused(client, platform, other_keys):
    data = signed_launch(platform, login(client, platform, "student-42"), "student-42", private=other_keys[0])
    response = post_launch(client, data)
    assert response.status_code == 401
    assert db.session.scalar(select(db.func.count(LtiAccount.id))) == 0


def test_a_launch_for_another_audience_is_refused(client, platform):
    auth = login(client, platform, "student-42")
    data = signed_launch(platform, auth, "student-42", extra={"aud": "another-tool", "azp": "another-tool"})
    response = post_launch(client, data)
    assert response.status_code == 401
    assert db.session.scalar(select(db.func.count(LtiAccount.id))) == 0


def test_an_expired_launch_is_refused(client, platform):
    data = signed_launch(platform, login(client, platform, "student-42"), "student-42", expires_in=-30)
    response = post_launch(client, data)
    assert response.status_code == 401
    assert "expired" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "form",
    [
        {},
        {"id_token": "not-a-jwt", "state": "x"},
        {"id_token": "a.b.c", "state": "state-unknown"},
    ],
)
def test_a_malformed_launch_answers_400_or_401_never_500(client, platform, form):
    response = client.post("/lti/launch", data=form)
    assert response.status_code in (400, 401)
    assert "Cadre could not open this activity" in response.get_data(as_text=True)


def test_a_launch_without_the_state_cookie_is_refused(client, platform, app):
    data = signed_launch(platform, login(client, platform, "student-42"), "student-42")
    other_browser = app.test_client()
    assert post_launch(other_browser, data).status_code == 401


def test_login_from_an_unregistered_issuer_is_refused(client, platform):
    response = client.get(
        "/lti/login?iss=https://evil.example&login_hint=1&target_link_uri=https://cadre.example/lti/launch"
    )
    assert response.status_code == 400
    assert "not registered" in response.get_data(as_text=True)


def test_launch_values_are_kept_in_the_database_not_the_session(client, platform):
    login(client, platform, "student-42")
    # The nonce, and what binds it and the state to this browser.
    assert db.session.scalar(select(db.func.count()).select_from(LtiLaunchValue)) == 2


def test_over_https_the_framed_session_cookie_is_sent_cross_site_and_partitioned(client, platform, course):
    https = {"base_url": "https://localhost"}
    auth = login(client, platform, "student-42", **https)
    response = post_launch(client, signed_launch(platform, auth, "student-42"), **https)
    assert response.status_code == 303
    session_cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert (
        "SameSite=None" in session_cookie and "Secure" in session_cookie and "Partitioned" in session_cookie
    )


def test_a_session_opened_by_signing_in_keeps_lax_cookies_and_no_framing(client, course, make_user, auth):
    make_user(email="ines@example.org")
    response = auth.login("ines@example.org")
    assert "SameSite=Lax" in next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")
    )
    assert "frame-ancestors 'none'" in client.get("/courses/voix-et-ia").headers["Content-Security-Policy"]


def test_the_dashboard_offers_a_launched_account_its_own_login(client, platform, course):
    post_launch(client, signed_launch(platform, login(client, platform, "student-42"), "student-42"))
    assert "/lti/account" in client.get("/dashboard").get_data(as_text=True)


def test_a_launch_cannot_be_spent_by_another_browser_that_forges_the_state_cookie(app, client, platform):
    data = signed_launch(platform, login(client, platform, "student-42"), "student-42")
    thief = app.test_client()
    thief.set_cookie(f"lti1p3-{data['state']}", data["state"])  # pylti1p3's state cookie: its own name
    assert post_launch(thief, data).status_code == 401
    assert db.session.scalar(select(db.func.count(LtiAccount.id))) == 0
    assert post_launch(client, data).status_code == 303  # the browser that started it still can


def test_odd_claims_from_a_registered_platform_are_not_a_500(client, platform, course):
    auth = login(client, platform, "student-42")
    odd = {
        "https://purl.imsglobal.org/spec/lti/claim/context": "course-7",
        "https://purl.imsglobal.org/spec/lti/claim/custom": ["course", "voix-et-ia"],
        "https://purl.imsglobal.org/spec/lti/claim/roles": "Instructor",
        "name": ["Inès"],
    }
    response = post_launch(client, signed_launch(platform, auth, "student-42", context=None, extra=odd))
    assert response.status_code == 303
    assert db.session.scalar(select(User.full_name).join(LtiAccount)) == "Learner from Moodle du lycée"


def test_a_platforms_name_loses_its_invisible_characters(client, platform, course):
    auth = login(client, platform, "student-42")
    extra = {"name": "Inès \u202eMartin\u200b"}  # would read "Inès nitraM" on a certificate
    assert post_launch(client, signed_launch(platform, auth, "student-42", extra=extra)).status_code == 303
    assert db.session.scalar(select(User.full_name).join(LtiAccount)) == "Inès Martin"


def test_a_token_whose_payload_is_not_an_object_is_refused_not_a_500(client, platform):
    import base64

    def part(text):
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    client.set_cookie("lti1p3-state-x", "state-x")
    header = part('{"alg": "RS256", "kid": "k"}')
    token = header + "." + part("[1, 2]") + ".c2ln"
    response = client.post("/lti/launch", data={"id_token": token, "state": "state-x"})
    assert response.status_code in (400, 401)


def test_login_accepts_any_page_of_the_site_as_target_but_no_other_site(client, platform):
    base = f"/lti/login?iss={platform.base}&login_hint=1&client_id=cadre-client"
    assert client.get(base + "&target_link_uri=https://cadre.example/courses").status_code == 302
    assert client.get(base + "&target_link_uri=https://evil.example/lti/launch").status_code == 400


def test_in_production_cadre_talks_to_platforms_over_https_to_public_addresses_only(app, monkeypatch):
    import requests

    from app.lti import tool

    monkeypatch.setitem(app.config, "ENV_NAME", "production")
    session = tool.http_session()
    with pytest.raises(requests.ConnectionError):
        session.get("https://127.0.0.1:9/jwks")  # the metadata service or a database would be next
    with pytest.raises(requests.ConnectionError):
        session.get("http://example.org/jwks")


def test_after_logging_out_no_platform_may_frame_the_browsers_pages(client, platform, course):
    post_launch(client, signed_launch(platform, login(client, platform, "student-42"), "student-42"))
    assert platform.base in client.get("/courses/voix-et-ia").headers["Content-Security-Policy"]
    client.post("/account/logout")
    assert "frame-ancestors 'none'" in client.get("/courses/voix-et-ia").headers["Content-Security-Policy"]

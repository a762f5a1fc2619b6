"""Response headers of probe finding L1: HSTS, Permissions-Policy, and no-store on personal pages."""

import pytest

HSTS = "Strict-Transport-Security"


def headers(client, path: str, **kwargs):
    """The headers of a GET, the response closed (static files hold an open file until then)."""
    with client.get(path, **kwargs) as response:
        return response.headers


@pytest.mark.parametrize("path", ["/courses", "/static/css/cadre.css", "/courses/nope", "/account/logout"])
def test_every_response_denies_powerful_browser_features(client, app, path):
    answer = headers(client, path)
    policy = answer["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in policy
    assert answer["Cross-Origin-Opener-Policy"] == "same-origin"


def test_production_asks_browsers_for_https_only(client, app):
    app.config["ENV_NAME"] = "production"
    for path in ("/courses", "/static/css/cadre.css", "/courses/nope"):
        assert headers(client, path)[HSTS] == "max-age=31536000; includeSubDomains"


def test_https_requests_get_hsts_in_development_too(client, app):
    assert headers(client, "/courses", base_url="https://localhost")[HSTS].startswith("max-age=")


def test_plain_http_development_gets_no_hsts(client, app):
    # A browser that kept HSTS for localhost would refuse the next plain-http development server.
    assert HSTS not in headers(client, "/courses")


@pytest.mark.parametrize("path", ["/dashboard", "/courses", "/account/password", "/courses/nope"])
def test_pages_for_a_signed_in_person_are_not_stored(client, app, make_user, auth, path):
    auth.login(make_user().email)
    assert headers(client, path)["Cache-Control"] == "no-store"


def test_the_login_answer_itself_is_not_stored(client, app, make_user, auth):
    assert auth.login(make_user().email).headers["Cache-Control"] == "no-store"


def test_anonymous_pages_and_static_files_stay_cacheable(client, app, make_user, auth):
    assert "no-store" not in headers(client, "/courses").get("Cache-Control", "")
    auth.login(make_user().email)
    assert "no-store" not in headers(client, "/static/css/cadre.css").get("Cache-Control", "")


def test_a_view_that_sets_its_own_cache_policy_keeps_it(client, app, make_user, auth):
    @app.get("/test-own-cache-policy")
    def own_policy():
        return "kept", 200, {"Cache-Control": "private, max-age=3600"}

    auth.login(make_user().email)
    assert headers(client, "/test-own-cache-policy")["Cache-Control"] == "private, max-age=3600"

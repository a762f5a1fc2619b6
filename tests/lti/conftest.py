"""A school's Moodle, played by lti1p3platform (OpenLearning's LTI 1.3 platform, not written here).

The platform's token, key-set, score and roster endpoints are served over real HTTP on a local
port, as Cadre's background job reaches them; its login initiation and signed launches are
built by the library and posted to Cadre's real app through the test client.
"""

import json
import threading
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, abort, jsonify, request
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from werkzeug.serving import make_server

from app.extensions import db
from app.lti.models import LtiPlatform
from app.orgs import services as orgs
from app.orgs.models import ADMIN, SCHOOL
from tests.conftest import fresh_schema, make_app

CLIENT_ID = "cadre-client"
DEPLOYMENT = "dep-1"
LAUNCH_URL = "https://cadre.example/lti/launch"
SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


def _pem_pair():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@pytest.fixture(scope="session")
def tool_key():
    return _pem_pair()[0]


@pytest.fixture(scope="session")
def platform_keys():
    return _pem_pair()


@pytest.fixture(scope="session")
def other_keys():
    """A key the platform does not publish: what a forger would sign with."""
    return _pem_pair()


class Platform:
    """The platform's side: its configuration, and what its services received."""

    def __init__(self, base: str, keys, tool_jwks: dict):
        self.base = base
        self.private, self.public = keys
        self.tool_jwks = tool_jwks
        self.scores: list[tuple[str, str, dict]] = []
        self.members: list[dict] = []
        self.deep_link_items: list = []
        self.fail_scores = 0

    def registration(self, private=None) -> Registration:
        return (
            Registration()
            .set_iss(self.base)
            .set_client_id(CLIENT_ID)
            .set_deployment_id(DEPLOYMENT)
            .set_oidc_login_url("https://cadre.example/lti/login")
            .set_launch_url(LAUNCH_URL)
            .set_deeplink_launch_url(LAUNCH_URL)
            .set_platform_public_key(self.public)
            .set_platform_private_key(private or self.private)
            .set_tool_key_set(self.tool_jwks)
        )

    def conf(self, private=None):
        registration = self.registration(private)

        class Conf(LTI1P3PlatformConfAbstract):
            def init_platform_config(self, **kwargs):
                pass

            def get_registration_by_params(self, **kwargs):
                return registration

        conf = Conf()
        conf.get_registration()
        return conf


def _platform_app(platform: Platform) -> Flask:
    web = Flask("platform")

    def bearer_ok(scope: str) -> bool:
        header = request.headers.get("Authorization", "")
        token = header[len("Bearer ") :] if header.startswith("Bearer ") else ""
        try:
            return platform.conf().validate_token(token, allowed_scopes=[scope])
        except Exception:  # noqa: BLE001 - any bad token is a 401, as a platform answers
            return False

    @web.get("/jwks")
    def jwks():
        return jsonify({"keys": platform.registration().get_jwks()})

    @web.post("/token")
    def token():
        return jsonify(platform.conf().get_access_token(request.form.to_dict()))

    @web.post("/lineitems/<item>/scores")
    def scores(item):
        if not bearer_ok(SCORE):
            abort(401)
        if platform.fail_scores:
            platform.fail_scores -= 1
            abort(503)
        platform.scores.append((item, request.content_type, json.loads(request.data)))
        return jsonify({})

    @web.get("/memberships")
    def memberships():
        if not bearer_ok("https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"):
            abort(401)
        response = jsonify({"id": request.url, "context": {"id": "course-7"}, "members": platform.members})
        response.content_type = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
        return response

    return web


@pytest.fixture
def app(database_url, tool_key):
    """The app with its LTI key given, as production gives it (no key file under instance/)."""
    with fresh_schema(make_app(database_url, LTI_PRIVATE_KEY=tool_key)) as app:
        yield app


@pytest.fixture
def platform(app, platform_keys):
    """The platform, serving on a free local port, registered by the school « lycee-lumiere »."""
    from app.lti import tool

    with app.test_request_context():
        tool_jwks = tool.jwks()
    server = make_server("127.0.0.1", 0, None)
    base = f"http://127.0.0.1:{server.server_port}"
    server.server_close()
    platform = Platform(base, platform_keys, tool_jwks)
    server = make_server("127.0.0.1", int(base.rsplit(":", 1)[1]), _platform_app(platform), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    platform.school = register(base)
    try:
        yield platform
    finally:
        server.shutdown()
        thread.join(5)


def register(base: str):
    """The school « lycee-lumiere », with the platform at ``base`` registered as its administrator
    would (its auth, token and key-set endpoints under that address); returns the school."""
    school = orgs.create_organisation("lycee-lumiere", "Lycée Lumière", SCHOOL)
    db.session.add(
        LtiPlatform(
            organisation=school,
            name="Moodle du lycée",
            issuer=base,
            client_id=CLIENT_ID,
            deployment_ids=DEPLOYMENT,
            auth_login_url=base + "/auth",
            auth_token_url=base + "/token",
            key_set_url=base + "/jwks",
        )
    )
    db.session.commit()
    return school


class _Login(OIDCLoginAbstract):
    def set_lti_message_hint(self, **kwargs):
        self._lti_message_hint = "resource-1"

    def get_redirect(self, url):
        return url


class _Launch(LTIAdvantageMessageLaunchAbstract):
    def render_launch_form(self, launch_data, **kwargs):
        return launch_data


def login(client, platform: Platform, user_id: str, **request) -> dict:
    """The platform starts the login (third-party initiated); Cadre answers with the auth request."""
    initiation = _Login(None, platform.conf())
    initiation.set_lti_message_hint()
    url = initiation.initiate_login(user_id)
    response = client.get(url.replace("https://cadre.example", ""), **request)
    assert response.status_code == 302, response.get_data(as_text=True)
    location = response.headers["Location"]
    assert location.startswith(platform.base + "/auth?")
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def signed_launch(
    platform: Platform,
    auth: dict,
    user_id: str,
    roles=(LEARNER,),
    name="Inès Martin",
    context=("course-7", "Cinéma et IA · BTS 1"),
    custom=None,
    lineitem: str | None = None,
    deep_link: bool = False,
    nrps: bool = False,
    private=None,
    expires_in: int = 300,
    extra=None,
) -> dict:
    """The id_token and state the platform posts to Cadre after its auth step."""
    launch = _Launch(SimpleNamespace(get_data=auth, form_data={}), platform.conf(private))
    launch.set_user_data(user_id, list(roles), full_name=name)
    launch.set_resource_link_claim("resource-1", title="Cadre")
    if context:
        launch.set_launch_context_claim(context[0], context_title=context[1])
    if custom:
        launch.set_custom_parameters_claim(custom)
    if lineitem:
        launch.set_ags(
            lineitems_url=platform.base + "/lineitems",
            lineitem_url=platform.base + f"/lineitems/{lineitem}",
            scores_service_enabled=True,
        )
    if nrps:
        launch.set_nrps(platform.base + "/memberships")
    if deep_link:
        launch.set_dl(platform.base + "/deep-link-return", title="Cadre")
    if extra:
        launch.set_extra_claims(extra)
    launch.set_id_token_expiration(expires_in)
    return launch.lti_launch()


def post_launch(client, launch_data: dict, **request):
    form = {"id_token": launch_data["id_token"], "state": launch_data["state"]}
    return client.post("/lti/launch", data=form, **request)


@pytest.fixture
def school_admin(platform, make_user):
    admin = make_user(email="directrice@lumiere.example", full_name="Claire Directrice")
    orgs.add_member(platform.school, admin, ADMIN)
    db.session.commit()
    return admin

"""pylti1p3's view of Cadre: registrations from the database, launch data in the database.

pylti1p3 validates the protocol (state, signature, claims) but leaves storage to the tool, and
two of its defaults do not fit Cadre: it keeps nonces in the Flask session, which a cross-site
launch POST does not carry (Cadre's session cookie is SameSite=Lax) and which another process
behind the proxy would not see; and it checks that a nonce exists without ever consuming it, so
the same signed launch could be posted again (observed: ../shared/INTEROP.md, section 3). Here
values live in a table, and ``consume_nonce`` deletes the nonce in one statement: of two posts of
one launch, only the first gets a row count of 1.
"""

import hashlib
import hmac
import socket
from datetime import timedelta

import requests
from flask import current_app
from pylti1p3.contrib.flask import FlaskMessageLaunch, FlaskOIDCLogin, FlaskRequest
from pylti1p3.contrib.flask.session import FlaskSessionService
from pylti1p3.deployment import Deployment
from pylti1p3.launch_data_storage.base import LaunchDataStorage
from pylti1p3.registration import Registration
from pylti1p3.tool_config.abstract import ToolConfAbstract
from requests.adapters import HTTPAdapter
from sqlalchemy import delete, select
from urllib3.connection import HTTPSConnection
from urllib3.connectionpool import HTTPSConnectionPool

from app.extensions import db
from app.lrs.addresses import public_connection
from app.lti import keys
from app.lti.models import LtiLaunchValue, LtiPlatform
from app.models_base import utcnow

DEFAULT_LIFETIME = 86400  # pylti1p3's own lifetime for launch data, in seconds


class DatabaseStorage(LaunchDataStorage):
    """Launch values in ``lti_launch_values``, shared by every process, each with its expiry.

    No session-id cookie: the keys are random (state, 32-byte nonces, launch ids), and the state
    cookie pylti1p3 sets already ties a launch to the browser that started the login.
    """

    def get_session_cookie_name(self):
        return None

    def can_set_keys_expiration(self) -> bool:
        return True

    def get_value(self, key: str):
        row = db.session.get(LtiLaunchValue, self._prepare_key(key))
        if row is None or row.expires_at <= utcnow():
            return None
        return row.value

    def set_value(self, key: str, value, exp: int | None = None) -> None:
        key = self._prepare_key(key)
        expires_at = utcnow() + timedelta(seconds=exp or DEFAULT_LIFETIME)
        row = db.session.get(LtiLaunchValue, key)
        if row is None:
            db.session.add(LtiLaunchValue(key=key, value=value, expires_at=expires_at))
        else:
            row.value, row.expires_at = value, expires_at
        db.session.flush()

    def check_value(self, key: str) -> bool:
        return self.get_value(key) is not None

    def take(self, key: str) -> bool:
        """Delete the value; True only for the one caller whose statement deleted it."""
        result = db.session.execute(
            delete(LtiLaunchValue).where(
                LtiLaunchValue.key == self._prepare_key(key), LtiLaunchValue.expires_at > utcnow()
            )
        )
        return result.rowcount == 1


class SessionService(FlaskSessionService):
    """pylti1p3's session service on the database storage, with nonces that can be used once."""

    def __init__(self, request):
        super().__init__(request)
        storage = DatabaseStorage()
        storage.set_request(request)
        self.set_data_storage(storage)

    def consume_nonce(self, nonce: str) -> bool:
        """Use up the nonce Cadre issued at login; False if it was already used (a replay)."""
        return self.data_storage.take(self._get_key("nonce", nonce))

    def bind(self, state: str, nonce: str, browser_secret: str) -> None:
        """Tie the login's state and nonce to the browser holding ``browser_secret`` (a cookie).

        pylti1p3's state cookie holds the state itself, which travels with the id_token: anyone
        who has both could set that cookie and spend a launch meant for someone else. The secret
        here never leaves the browser that started the login, and only its hash is stored.
        """
        self._set_value(self._get_key("bind", state), {"nonce": nonce, "browser": _digest(browser_secret)})

    def redeem(self, state: str, nonce: str, browser_secret: str | None) -> bool:
        """True once, for the browser that started this login, with the nonce issued to it."""
        bound = self._get_value(self._get_key("bind", state))
        if not isinstance(bound, dict) or not browser_secret:
            return False
        if bound.get("nonce") != nonce or not hmac.compare_digest(
            bound.get("browser", ""), _digest(browser_secret)
        ):
            return False
        return self.data_storage.take(self._get_key("bind", state)) and self.consume_nonce(nonce)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ToolConf(ToolConfAbstract):
    """Registrations as the schools' administrators entered them."""

    def _platforms(self, iss: str) -> list[LtiPlatform]:
        return list(db.session.scalars(select(LtiPlatform).where(LtiPlatform.issuer == iss).limit(2)))

    def check_iss_has_one_client(self, iss: str) -> bool:
        return len(self._platforms(iss)) == 1

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return len(self._platforms(iss)) > 1

    def platform(self, iss: str, client_id: str | None) -> LtiPlatform | None:
        """The registration for this issuer and client id (client id optional if the issuer has one)."""
        query = select(LtiPlatform).where(LtiPlatform.issuer == iss)
        if client_id:
            query = query.where(LtiPlatform.client_id == client_id)
        found = list(db.session.scalars(query.limit(2)))
        return found[0] if len(found) == 1 else None

    def find_registration_by_issuer(self, iss: str, *args, **kwargs):
        platform = self.platform(iss, None)
        return registration(platform) if platform else None

    def find_registration_by_params(self, iss: str, client_id: str, *args, **kwargs):
        platform = self.platform(iss, client_id) if client_id else None
        return registration(platform) if platform else None

    def find_deployment(self, iss: str, deployment_id: str):
        platform = self.platform(iss, None)
        return _deployment(platform, deployment_id)

    def find_deployment_by_params(self, iss: str, deployment_id: str, client_id: str, *args, **kwargs):
        return _deployment(self.platform(iss, client_id), deployment_id)


def _deployment(platform: LtiPlatform | None, deployment_id: str) -> Deployment | None:
    if platform is None or deployment_id not in platform.deployments:
        return None
    return Deployment().set_deployment_id(deployment_id)


def registration(platform: LtiPlatform) -> Registration:
    """pylti1p3's registration for a platform, with Cadre's key to sign what it sends there."""
    return (
        Registration()
        .set_issuer(platform.issuer)
        .set_client_id(platform.client_id)
        .set_auth_login_url(platform.auth_login_url)
        .set_auth_token_url(platform.auth_token_url)
        .set_key_set_url(platform.key_set_url)
        .set_tool_private_key(keys.private_key_pem())
        .set_tool_public_key(keys.public_key_pem())
    )


def jwks() -> dict:
    """Cadre's public key set, as every platform fetches it (one key for all registrations)."""
    return {"keys": Registration.get_jwks(Registration().set_tool_public_key(keys.public_key_pem()))}


LOGIN_LIFETIME = 600  # seconds between the platform's login initiation and its launch


def oidc_login(request: FlaskRequest) -> tuple[FlaskOIDCLogin, SessionService]:
    """pylti1p3's login initiation on Cadre's registrations and storage; what it keeps (nonce,
    state) lives ten minutes, not the day pylti1p3 keeps launch data."""
    service = SessionService(request)
    service.set_launch_data_lifetime(LOGIN_LIFETIME)
    return FlaskOIDCLogin(request, ToolConf(), session_service=service), service


def message_launch(request: FlaskRequest) -> FlaskMessageLaunch:
    """pylti1p3's launch validation on Cadre's registrations and storage, with a network timeout."""
    launch = FlaskMessageLaunch(
        request, ToolConf(), session_service=SessionService(request), requests_session=http_session()
    )
    # PyJWT checks the signature, exp and iat; the audience is checked by pylti1p3 itself, which
    # looks the registration up by (iss, aud) and refuses a client id not registered there.
    launch.set_jwt_verify_options({"verify_aud": False, "verify_exp": True, "verify_iat": True})
    return launch


def deep_link_launch(launch_id: str) -> FlaskMessageLaunch:
    """The validated deep-linking launch kept under its id, to answer the platform with the choice."""
    request = FlaskRequest()
    return FlaskMessageLaunch.from_cache(
        launch_id,
        request,
        ToolConf(),
        session_service=SessionService(request),
        requests_session=http_session(),
    )


def http_session():
    """A requests session for the platform's key set, token, gradebook and roster.

    A timeout, no proxies from the environment, no redirects; in production https only, to public
    addresses checked at each connection (app.lrs.addresses): the addresses come from a school's
    registration and from its platform's launches, and must not reach Cadre's private network.
    """
    session = requests.Session()
    session.trust_env = False
    if current_app.config["ENV_NAME"] == "production":
        session.mount("https://", _PublicAdapter())
        session.mount("http://", _RefusedAdapter())
    session.request = _with_timeout(session.request, current_app.config.get("LTI_HTTP_TIMEOUT", 10))
    return session


def _with_timeout(request, timeout):
    def send(method, url, **kwargs):
        kwargs.setdefault("timeout", timeout)
        kwargs.setdefault("allow_redirects", False)
        return request(method, url, **kwargs)

    return send


def purge_expired() -> int:
    """Delete launch values past their expiry (run by the clock)."""
    return db.session.execute(delete(LtiLaunchValue).where(LtiLaunchValue.expires_at <= utcnow())).rowcount


class _PublicHTTPSConnection(HTTPSConnection):
    def _new_conn(self):
        timeout = self.timeout if isinstance(self.timeout, int | float) else socket._GLOBAL_DEFAULT_TIMEOUT
        return public_connection((self._dns_host, self.port), timeout)


class _PublicHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _PublicHTTPSConnection


class _PublicAdapter(HTTPAdapter):
    """https to public addresses only, checked on the address actually connected to."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            **self.poolmanager.pool_classes_by_scheme,
            "https": _PublicHTTPSPool,
        }


class _RefusedAdapter(HTTPAdapter):
    """Plain http: refused in production (tokens and scores would travel in clear)."""

    def send(self, request, **kwargs):
        raise requests.ConnectionError(f"{request.url}: Cadre talks to platforms over https only")

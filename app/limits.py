"""Throttling (Flask-Limiter): logins, reset e-mails, registration, join codes, previews, uploads
and images.

Counts live in Redis when ``RATELIMIT_STORAGE_URI`` or ``REDIS_URL`` is set, so that every web
process shares them, and in this process's memory otherwise (development, ``make run``, tests).
Views name their policy with ``@throttled("login")``; ``init_app`` gives each app its own limiter,
so two apps never share counts unless they share a storage.
"""

import hashlib
import hmac
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, request
from flask_babel import LazyString
from flask_limiter import Limiter
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer

from app.i18n import lazy_gettext as _l

EXTENSION = "cadre_limiter"
FAILED = "cadre.throttle_failed"
MAILED = "cadre.throttle_mailed"

ACCOUNT_PAUSED = _l(
    "Too many failed attempts to log in to this account. To protect it, logging in is paused for a while."
)
PASSWORD_PAUSED = _l(
    "Too many wrong passwords on this form: it is paused for a while. You stay logged in, and your account"
    " is unchanged."
)
TOO_MANY = _l("Too many attempts from your connection.")
TOO_MANY_MAILS = _l("Too many e-mails were asked for this address or from your connection.")
TOO_MANY_MESSAGES = _l("Too many messages were sent to classes in a short time.")
TOO_MANY_CLASS_NOTICES = _l("Too much work was assigned, or too many due dates changed, in a short time.")
TOO_MANY_REMARKS = _l("Too many comments and replies were written in a short time.")
TOO_MANY_INVITATIONS = _l("Too many invitations were sent in a short time.")
TOO_MANY_JOINS = _l("Too many codes were tried that match no class.")
TOO_MANY_PREVIEWS = _l("Too many previews or uploads in a short time.")
TOO_MANY_IMAGES = _l("Too many images added in a short time.")
TOO_MANY_REPORTS = _l("Too many reports of time spent in a short time.")


def client_address() -> str:
    """The visitor's address; behind ``RATELIMIT_TRUSTED_PROXIES`` proxies, the one they saw."""
    hops = current_app.config["RATELIMIT_TRUSTED_PROXIES"]
    if hops:
        forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.remote_addr or "unknown"


def _keyed(value: str, prefix: str) -> str:
    """An e-mail address (or a cookie) as storage may keep it: keyed, never the address itself."""
    secret = current_app.config["SECRET_KEY"].encode()
    return prefix + hmac.new(secret, value.encode("utf-8", "replace"), hashlib.sha256).hexdigest()[:32]


def _address_in_form(field: str, prefix: str) -> str:
    """The e-mail address a form's *field* holds, keyed."""
    return _keyed((request.form.get(field) or "").strip().lower(), prefix)


def account_in_form() -> str:
    """The account a login or reset form names."""
    return _address_in_form("email", "account-")


def new_address_in_form() -> str:
    """The address a change of address would mail."""
    return _address_in_form("new_email", "address-")


# A browser that has signed in to an account carries this cookie, naming that account (keyed, as
# the counts do; up to a few accounts per browser). Failed logins from it are counted apart from
# the account's: someone who knows an address can pause logging in to it from every other browser,
# not from its owner's ("device cookies", OWASP's answer to locking accounts out on purpose).
DEVICE_COOKIE = "cadre_device"
DEVICE_ACCOUNTS = 5
DEVICE_DAYS = 365


def _device_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="cadre.device")


def _device_entries() -> dict[str, str]:
    """The accounts (keyed) this browser has signed in to, each with the random id it was given
    then, from its cookie if genuine (anything else: an unknown browser)."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return {}
    try:
        found = _device_serializer().loads(raw)
    except BadSignature:
        return {}
    if not isinstance(found, dict):
        return {}
    return {k: v for k, v in found.items() if isinstance(k, str) and isinstance(v, str)}


def known_device() -> bool:
    """Whether this browser has signed in before to the account the form names."""
    return account_in_form() in _device_entries()


def unknown_device() -> bool:
    return not known_device()


def account_on_device() -> str:
    """The account the form names, on this browser: its own count of failures, keyed on what the
    cookie says (the account and the id given on that browser), never on the cookie's spelling, so
    that rewriting a signed cookie another way gives no new count."""
    account = account_in_form()
    return _keyed(f"{account}:{_device_entries().get(account, '')}", "device-")


def remember_device(response, email: str) -> None:
    """After signing in (or taking a new address): this browser is known to this account from now
    on, with an id of its own kept at later logins."""
    key = _keyed(email.strip().lower(), "account-")
    entries = _device_entries()
    device_id = entries.pop(key, None) or secrets.token_urlsafe(12)
    kept = dict([(key, device_id), *list(entries.items())[: DEVICE_ACCOUNTS - 1]])
    response.set_cookie(
        DEVICE_COOKIE,
        _device_serializer().dumps(kept),
        max_age=DEVICE_DAYS * 24 * 3600,
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        httponly=True,
        samesite="Lax",
    )


def signed_in_user() -> str:
    """The signed-in account's id (not its session id, which a new login would change)."""
    return f"user-{current_user.id}"


def _anonymous() -> bool:
    return not current_user.is_authenticated


@dataclass(frozen=True)
class Rule:
    """One limit: a config key holding e.g. ``5 per minute;20 per hour``, counted per ``key``."""

    setting: str
    key: Callable[[], str]  # names the bucket: an account, a signed-in user, an address
    message: LazyString
    failures_only: bool = False  # count only requests whose view called ``failed()``
    mails_only: bool = False  # count only requests whose view called ``mailed()``
    signed_in: bool = False  # not applied to anonymous visitors (the view sends them to log in)
    methods: tuple[str, ...] | None = ("POST",)  # None: every method (a join link is a GET)
    shares: str | None = None  # another policy whose counts this rule adds to (its own otherwise)
    exempt: Callable[[], bool] | None = None  # requests the rule leaves alone


# Failed logins are counted per account (from browsers that never signed in to it), per account on
# a browser that did (DEVICE_COOKIE), and per network address.
LOGIN = (
    Rule(
        "RATELIMIT_LOGIN_ACCOUNT",
        account_in_form,
        ACCOUNT_PAUSED,
        failures_only=True,
        shares="login",
        exempt=known_device,
    ),
    Rule(
        "RATELIMIT_LOGIN_ACCOUNT",
        account_on_device,
        ACCOUNT_PAUSED,
        failures_only=True,
        shares="login-device",
        exempt=unknown_device,
    ),
    Rule("RATELIMIT_LOGIN_ADDRESS", client_address, TOO_MANY, failures_only=True, shares="login"),
)
# A signed-in form that asks for the password again (change it, change the address, delete the
# account): wrong ones are counted per account as at login, apart from the login's counts (so that
# nobody outside can pause them), and per network address with the login's.
PASSWORD_AGAIN = (
    Rule(
        "RATELIMIT_LOGIN_ACCOUNT",
        signed_in_user,
        PASSWORD_PAUSED,
        failures_only=True,
        signed_in=True,
        shares="password",
    ),
    Rule("RATELIMIT_LOGIN_ADDRESS", client_address, TOO_MANY, failures_only=True, shares="login"),
)

# The mails a school's staff send people (teachers added, invitation links, students invited),
# counted with the "teacher" policy's.
TEACHER_MAILS = Rule(
    "RATELIMIT_TEACHER_MAIL_ACCOUNT",
    signed_in_user,
    TOO_MANY_MAILS,
    mails_only=True,
    signed_in=True,
    shares="teacher",
)

POLICIES: dict[str, tuple[Rule, ...]] = {
    "login": LOGIN,
    "password": PASSWORD_AGAIN,
    # A change of address: a wrong password counts as on the other signed-in forms, and the links
    # it mails are counted per account and per address mailed, so it cannot flood a stranger's box.
    "email": (
        *PASSWORD_AGAIN,
        Rule(
            "RATELIMIT_EMAIL_CHANGE_ACCOUNT", signed_in_user, TOO_MANY_MAILS, mails_only=True, signed_in=True
        ),
        Rule("RATELIMIT_EMAIL_CHANGE_ADDRESS", new_address_in_form, TOO_MANY_MAILS, mails_only=True),
    ),
    "reset": (
        Rule("RATELIMIT_RESET_ACCOUNT", account_in_form, TOO_MANY_MAILS),
        Rule("RATELIMIT_RESET_ADDRESS", client_address, TOO_MANY_MAILS),
    ),
    "register": (Rule("RATELIMIT_REGISTER_ADDRESS", client_address, TOO_MANY),),
    "confirm": (Rule("RATELIMIT_CONFIRM_ACCOUNT", signed_in_user, TOO_MANY_MAILS, signed_in=True),),
    # Each message to a class is mailed to its students (as they chose).
    "message": (Rule("RATELIMIT_MESSAGE_ACCOUNT", signed_in_user, TOO_MANY_MESSAGES, signed_in=True),),
    # Work assigned, a due date changed: each is told to the class's students (app/schools/services).
    "class_notice": (
        Rule(
            "RATELIMIT_CLASS_NOTICE_ACCOUNT",
            signed_in_user,
            TOO_MANY_CLASS_NOTICES,
            mails_only=True,
            signed_in=True,
        ),
    ),
    # Review comments and replies; a reply notifies (and mails) the thread (app/notifications/events.py).
    "remark": (Rule("RATELIMIT_REMARK_ACCOUNT", signed_in_user, TOO_MANY_REMARKS, signed_in=True),),
    # Each teacher an administrator adds is told by e-mail (app/orgs/notices.py); an invitation link
    # may be mailed too (app/orgs/web.py): one count of the mails an administrator sends people.
    "teacher": (
        Rule(
            "RATELIMIT_TEACHER_MAIL_ACCOUNT", signed_in_user, TOO_MANY_MAILS, mails_only=True, signed_in=True
        ),
    ),
    "invitation": (TEACHER_MAILS,),
    # Students invited to a class (app/schools/invitations.py): its own limits count addresses;
    # here every sending is counted too (a refused one costs a check of each address).
    "class_invitation": (
        TEACHER_MAILS,
        Rule("RATELIMIT_CLASS_INVITATION_ACCOUNT", signed_in_user, TOO_MANY_INVITATIONS, signed_in=True),
    ),
    "join": (
        Rule(
            "RATELIMIT_JOIN_ACCOUNT",
            signed_in_user,
            TOO_MANY_JOINS,
            failures_only=True,
            signed_in=True,
            methods=None,
        ),
        Rule("RATELIMIT_JOIN_ADDRESS", client_address, TOO_MANY_JOINS, failures_only=True, methods=None),
    ),
    "preview": (Rule("RATELIMIT_PREVIEW_ACCOUNT", signed_in_user, TOO_MANY_PREVIEWS, signed_in=True),),
    "upload": (Rule("RATELIMIT_UPLOAD_ACCOUNT", signed_in_user, TOO_MANY_PREVIEWS, signed_in=True),),
    # Images have their own count: a course may take dozens of them, packages come one at a time.
    "image": (Rule("RATELIMIT_IMAGE_ACCOUNT", signed_in_user, TOO_MANY_IMAGES, signed_in=True),),
    # Time spent on a module page (app/record/time.py): a report on each hide, and every 5 minutes.
    "time": (Rule("RATELIMIT_TIME_ACCOUNT", signed_in_user, TOO_MANY_REPORTS, signed_in=True),),
    # LTI logins (app/lti): anyone may start one, and each keeps a nonce for ten minutes. A whole
    # class behind one school address launches at once, hence the generous count.
    "lti": (Rule("RATELIMIT_LTI_ADDRESS", client_address, TOO_MANY, methods=None),),
}


def throttled(policy: str):
    """Mark a view as limited by one of ``POLICIES``; ``init_app`` applies it to each app."""
    if policy not in POLICIES:
        raise ValueError(f"unknown throttling policy {policy!r}")

    def mark(view):
        view.throttle_policy = policy
        return view

    return mark


def failed() -> None:
    """Tell the limiter this request was a failed attempt (wrong password, unknown code)."""
    request.environ[FAILED] = True  # the request's own dict: it ends with the request


def mailed() -> None:
    """Tell the limiter this request sent an e-mail (for rules that count only those)."""
    request.environ[MAILED] = True


def _was_a_failure(_response) -> bool:
    return bool(request.environ.get(FAILED))


def _sent_a_mail(_response) -> bool:
    return bool(request.environ.get(MAILED))


def _counted(rule: Rule):
    """Which requests a rule counts: those its view marked (``failed()``, ``mailed()``), else all."""
    if rule.failures_only:
        return _was_a_failure
    return _sent_a_mail if rule.mails_only else None


def _config_value(setting: str):
    return lambda: current_app.config[setting]


def _message(rule: Rule):
    return lambda: str(rule.message)


def storage_uri(config) -> str:
    """Where counts are kept: the configured storage, else the Redis server, else memory."""
    return config.get("RATELIMIT_STORAGE_URI") or config.get("REDIS_URL") or "memory://"


def init_app(app) -> None:
    """Give the app its own limiter and apply each marked view's policy (after blueprints)."""
    uri = storage_uri(app.config)
    in_memory = uri.startswith("memory:")
    limiter = Limiter(
        client_address,
        storage_uri=uri,
        # A Redis that does not answer must not hold a request: wait 2 s, then count in memory.
        storage_options={} if in_memory else {"socket_connect_timeout": 2, "socket_timeout": 2},
        in_memory_fallback_enabled=not in_memory,
    )
    limiter.init_app(app)
    app.extensions[EXTENSION] = limiter
    if in_memory and app.config["ENV_NAME"] == "production":
        app.logger.warning("No REDIS_URL: each web process keeps its own throttling counts.")
    for endpoint, view in list(app.view_functions.items()):
        policy = getattr(view, "throttle_policy", None)
        for rule in POLICIES.get(policy, ()):
            view = limiter.shared_limit(
                _config_value(rule.setting),
                scope=f"{rule.shares or policy}:{rule.setting}",
                key_func=rule.key,
                methods=list(rule.methods) if rule.methods else None,
                error_message=_message(rule),
                exempt_when=_anonymous if rule.signed_in else rule.exempt,
                deduct_when=_counted(rule),
            )(view)
        app.view_functions[endpoint] = view


def breached() -> set[str]:
    """The policy scopes this request broke, e.g. ``{"login:RATELIMIT_LOGIN_ACCOUNT"}``."""
    limiter = current_app.extensions.get(EXTENSION)
    if limiter is None or not limiter.enabled:
        return set()
    return {limit.request_args[-1] for limit in limiter.current_limits if limit.breached}


def retry_after() -> int | None:
    """Seconds until every limit this request broke lets one more attempt through, if any broke."""
    limiter = current_app.extensions.get(EXTENSION)
    if limiter is None or not limiter.enabled:
        return None
    # A moving window frees a place when its oldest counted request leaves it.
    frees = [limit.window[0] for limit in limiter.current_limits if limit.breached]
    if not frees:
        return None
    return max(1, math.ceil(max(frees) - time.time()))

"""Configuration: defaults here, then ``instance/config.py``, then environment variables."""

import os
import secrets

DEFAULT_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - replaced by an instance-local key, see below


class ConfigError(RuntimeError):
    """Raised when the app is configured in a way that is unsafe to serve."""


# Who runs this Cadre, for the legal notice and the privacy notice (app/legal.py). Set each with
# CADRE_<NAME> (CADRE_OPERATOR_NAME...). In production a value still equal to its placeholder
# here is reported in the log at start-up and flagged on the legal pages.
LEGAL_DEVELOPMENT_DEFAULTS = {
    "OPERATOR_NAME": "Cadre (development server)",
    "OPERATOR_ADDRESS": "Not set: CADRE_OPERATOR_ADDRESS",
    "OPERATOR_PHONE": "Not set: CADRE_OPERATOR_PHONE",
    "OPERATOR_CONTACT": "privacy@localhost",
    "PUBLICATION_DIRECTOR": "Not set: CADRE_PUBLICATION_DIRECTOR",
    "HOST_NAME": "Not set: CADRE_HOST_NAME",
    "HOST_ADDRESS": "Not set: CADRE_HOST_ADDRESS",
    "HOST_PHONE": "Not set: CADRE_HOST_PHONE",
}


def defaults(instance_path: str) -> dict:
    """Return the built-in defaults; SQLite under instance/ keeps a clean clone runnable."""
    return {
        "SECRET_KEY": DEFAULT_SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + os.path.join(instance_path, "cadre.sqlite"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "BABEL_DEFAULT_LOCALE": "fr",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Paris",
        "LANGUAGES": ("fr", "en"),
        "CONTENT_ROOT": os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
        # Absolute base URL used in e-mails and certificates; falls back to the request's host.
        "SERVER_BASE_URL": None,
        "PASSWORD_MIN_LENGTH": 10,
        "PASSWORD_RESET_MAX_AGE": 3600,
        "REMEMBER_COOKIE_DURATION": 60 * 60 * 24 * 30,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "MAIL_SERVER": None,
        "MAIL_PORT": 587,
        "MAIL_USERNAME": None,
        "MAIL_PASSWORD": None,
        "MAIL_USE_TLS": True,
        "MAIL_SENDER": "Cadre <no-reply@localhost>",
        "ENV_NAME": "development",
        # Course packages (zip) publishers upload; requests above MAX_CONTENT_LENGTH get a 413.
        "PACKAGE_MAX_BYTES": 10 * 1024 * 1024,
        # Publishers' Markdown is parsed in a child process killed after this many seconds.
        "CONTENT_CHECK_SECONDS": 10,
        # At most this many such children run at once on the host, across every web process (lock
        # files in instance/untrusted-slots/): slow previews can then hold that many workers, not
        # all. A request that finds no free slot within UNTRUSTED_WORK_WAIT_SECONDS is refused.
        "UNTRUSTED_WORK_SLOTS": 2,
        "UNTRUSTED_WORK_WAIT_SECONDS": 2,
        "UNTRUSTED_WORK_DIR": None,  # where the slots' lock files are; None: instance/untrusted-slots
        # Each web process keeps this many worker processes for that work between jobs (starting one
        # costs more than a preview); one that overruns is killed and replaced. 0: a process per job.
        "UNTRUSTED_WORKERS_KEPT": 2,
        # A version page compares files line by line only up to this many lines a side, and shows
        # at most this many changed lines in all; beyond, a file's change is summed up in a line.
        "DIFF_MAX_LINES": 5_000,
        "DIFF_MAX_CHANGED_LINES": 2_000,
        "MAX_CONTENT_LENGTH": 11 * 1024 * 1024,
        # Course images (PNG, JPEG, WebP): at most this many bytes as uploaded, and this many pixels
        # (width × height), which also bounds the memory decoding takes (4 bytes a pixel).
        "IMAGE_MAX_BYTES": 5 * 1024 * 1024,
        "IMAGE_MAX_PIXELS": 16_000_000,
        # Throttling (app/limits.py). Counts go to RATELIMIT_STORAGE_URI, else REDIS_URL, else memory.
        # Limits are "N per period" rules joined by ";"; failed logins pause an account for a minute,
        # then longer, never for more than 15 minutes.
        "REDIS_URL": None,
        "RATELIMIT_STORAGE_URI": None,
        "RATELIMIT_KEY_PREFIX": "cadre-limits",
        "RATELIMIT_STRATEGY": "moving-window",
        "RATELIMIT_FAIL_ON_FIRST_BREACH": False,  # check every rule, so the page names the longest wait
        "RATELIMIT_SWALLOW_ERRORS": True,  # a storage failure must never turn a login into a 500
        "RATELIMIT_STORAGE_OPTIONS": {},
        "RATELIMIT_TRUSTED_PROXIES": 0,  # proxies in front whose X-Forwarded-For is to be believed
        "RATELIMIT_LOGIN_ACCOUNT": "5 per minute;10 per 5 minutes;20 per 15 minutes",
        "RATELIMIT_LOGIN_ADDRESS": "20 per minute;100 per hour",
        "RATELIMIT_RESET_ACCOUNT": "3 per hour",
        "RATELIMIT_RESET_ADDRESS": "20 per hour",
        "RATELIMIT_REGISTER_ADDRESS": "60 per hour;300 per day",
        "RATELIMIT_CONFIRM_ACCOUNT": "3 per hour",  # confirmation links mailed again
        "RATELIMIT_EMAIL_CHANGE_ACCOUNT": "5 per hour",  # links to confirm a new address
        "RATELIMIT_EMAIL_CHANGE_ADDRESS": "3 per hour",  # …mailed to any one address
        "RATELIMIT_TEACHER_MAIL_ACCOUNT": "20 per hour",  # teachers added and invitation links, by e-mail
        "RATELIMIT_MESSAGE_ACCOUNT": "20 per hour",  # messages to a class, each mailed to its students
        "RATELIMIT_CLASS_NOTICE_ACCOUNT": "30 per hour",  # work assigned or due dates changed: students told
        "RATELIMIT_CLASS_INVITATION_ACCOUNT": "30 per hour",  # sendings of students invited by e-mail
        "RATELIMIT_REMARK_ACCOUNT": "30 per 10 minutes;120 per hour",  # review comments and replies
        "RATELIMIT_JOIN_ACCOUNT": "10 per minute;30 per hour",
        "RATELIMIT_JOIN_ADDRESS": "30 per minute;300 per hour",
        "RATELIMIT_PREVIEW_ACCOUNT": "40 per minute;600 per hour",
        "RATELIMIT_UPLOAD_ACCOUNT": "20 per hour",  # course packages
        "RATELIMIT_IMAGE_ACCOUNT": "120 per hour",  # images added one by one to a draft
        "RATELIMIT_TIME_ACCOUNT": "12 per minute;240 per hour",  # time-spent reports (app/record)
        "RATELIMIT_LTI_ADDRESS": "120 per minute;3000 per hour",  # LTI logins (app/lti)
        # Background jobs (app/jobs.py): an RQ queue on REDIS_URL, else run in the web process.
        "JOBS_QUEUE": "cadre",
        "JOBS_RETRY_INTERVALS": (30, 120, 600),  # seconds before each retry; then the job is failed
        "JOBS_TIMEOUT": 300,  # seconds a job may run before the worker stops it
        "JOBS_INLINE": None,  # without Redis: "after-response" (the default) or "now" (default in tests)
        # The home page, the catalogue and course pages kept for visitors not signed in, this many
        # seconds at most (app/page_cache.py; 0: rendered every time).
        "PAGE_CACHE_SECONDS": 60,
        # Without Redis, the file whose content every process of this machine reads to know the
        # catalogue changed (app/page_cache.py); None: instance/page-cache-generation.
        "PAGE_CACHE_GENERATION_FILE": None,
        # With Redis, the key that counts the catalogue's changes: another site on the same Redis
        # (or a test run beside another) sets its own.
        "PAGE_CACHE_GENERATION_KEY": "cadre:page-cache:generation",
        # Item statistics (app/learning/statistics.py): answers are added to the totals by a job
        # queued about once in this many quiz attempts (0: never; the page still adds them itself).
        "STATISTICS_FOLD_EVERY": 100,
        # Notifications (app/notifications): `flask notifications tick` queues again an e-mail still
        # unsent this many seconds after its notification (past the queue's own retries), until it
        # is this many days old; read notifications are deleted after NOTIFICATIONS_KEEP_DAYS.
        "NOTIFICATIONS_MAIL_RETRY_AFTER": 3600,
        "NOTIFICATIONS_MAIL_GIVE_UP_DAYS": 3,
        "NOTIFICATIONS_KEEP_DAYS": 365,
        "NOTIFICATIONS_DUE_HOURS": 48,  # how long before a due date unfinished work is recalled
        # Students invited to a class by e-mail (app/schools/invitations.py): addresses one teacher
        # may mail in a day, whatever the class.
        "CLASS_INVITATIONS_PER_DAY": 200,
        # Legal pages (app/legal.py): the operator's identity above, then optional details.
        **LEGAL_DEVELOPMENT_DEFAULTS,
        "OPERATOR_REGISTRATION": "",  # e.g. "RCS Paris 123 456 789, share capital 10,000 EUR"
        "DATA_TRANSFERS": "",  # any transfer outside the EU and its safeguard; empty: none
        "RETENTION_LOG_DAYS": 365,  # server and security logs
        # The learning record (app/record): events older than this are deleted by `flask record
        # purge`. Three years: how long funders may ask a training body for proof (README).
        "RECORD_RETENTION_DAYS": 3 * 365,
        # Open Badges 3.0 (app/credentials): the Ed25519 key that signs credentials, base64 of its
        # 32-byte seed (CADRE_OB3_SIGNING_KEY; made under instance/ outside production), and after a
        # rotation the old public keys, z6Mk… comma-separated, so old credentials still verify.
        "OB3_SIGNING_KEY": None,
        "OB3_PREVIOUS_PUBLIC_KEYS": "",
        # LTI 1.3 (app/lti): the RSA key (PEM) Cadre signs with towards schools' platforms, the
        # same on every host (CADRE_LTI_PRIVATE_KEY; made under instance/ outside production),
        # and how long to wait for a platform's key set, token or gradebook.
        "LTI_PRIVATE_KEY": None,
        "LTI_HTTP_TIMEOUT": 10,
    }


def from_environment(config) -> None:
    """Read the documented plain environment variables, then any ``CADRE_*`` override."""
    plain = {
        "SECRET_KEY": "SECRET_KEY",
        "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
        "SERVER_BASE_URL": "SERVER_BASE_URL",
        "MAIL_SERVER": "MAIL_SERVER",
        "MAIL_USERNAME": "MAIL_USERNAME",
        "MAIL_PASSWORD": "MAIL_PASSWORD",
        "MAIL_SENDER": "MAIL_SENDER",
        "CADRE_ENV": "ENV_NAME",
        "REDIS_URL": "REDIS_URL",
        "RATELIMIT_STORAGE_URI": "RATELIMIT_STORAGE_URI",
    }
    for env_name, key in plain.items():
        if os.environ.get(env_name):
            config[key] = os.environ[env_name]
    if os.environ.get("MAIL_PORT"):
        config["MAIL_PORT"] = int(os.environ["MAIL_PORT"])
    if os.environ.get("MAIL_USE_TLS"):
        config["MAIL_USE_TLS"] = os.environ["MAIL_USE_TLS"].lower() in ("1", "true", "yes")
    config.from_prefixed_env("CADRE")
    config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(config["SQLALCHEMY_DATABASE_URI"])


def normalise_database_url(url: str) -> str:
    """Make ``postgres://`` and ``postgresql://`` URLs use psycopg 3, the driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def check_production_config(config) -> None:
    """Refuse to serve production with a missing, default or short secret key, or no public URL."""
    if config["ENV_NAME"] != "production":
        return
    key = config.get("SECRET_KEY") or ""
    if key == DEFAULT_SECRET_KEY or len(key) < 32:
        raise ConfigError(
            "SECRET_KEY must be set to a random value of at least 32 characters in production "
            '(python -c "import secrets; print(secrets.token_urlsafe(48))").'
        )
    # Links in e-mails and certificates must never be built from a request's Host header,
    # which a visitor controls (a poisoned password-reset link would leak the token).
    if not (config.get("SERVER_BASE_URL") or "").startswith("https://"):
        raise ConfigError("SERVER_BASE_URL must be set to the site's public https:// address in production.")
    check_signing_key(config)
    config["SESSION_COOKIE_SECURE"] = True
    config["REMEMBER_COOKIE_SECURE"] = True


def check_signing_key(config) -> None:
    """Production signs Open Badges with a key of its own, set in the environment, never made up."""
    from app.credentials.keys import parse_public_keys, parse_signing_key

    try:
        parse_signing_key(config.get("OB3_SIGNING_KEY") or "")
    except ValueError as error:
        raise ConfigError(
            f"OB3_SIGNING_KEY: {error}. Set CADRE_OB3_SIGNING_KEY in production "
            '(python -c "import base64, os; print(base64.b64encode(os.urandom(32)).decode())").'
        ) from None
    try:
        parse_public_keys(config.get("OB3_PREVIOUS_PUBLIC_KEYS") or "")
    except ValueError as error:
        raise ConfigError(f"OB3_PREVIOUS_PUBLIC_KEYS: {error}") from None


def ensure_local_secret(config, instance_path: str) -> None:
    """Outside production, replace the well-known default key by a random one kept in instance/.

    Nobody can then forge sessions on a development or forgotten server with a key from this repo.
    """
    if config.get("SECRET_KEY") != DEFAULT_SECRET_KEY:
        return
    # Made as the signing key is: of two processes starting at once (several workers, or a
    # command beside the server), neither reads a key half written.
    path = os.path.join(instance_path, "secret_key")
    config["SECRET_KEY"] = local_key(path, lambda: secrets.token_urlsafe(48))


def ensure_local_signing_key(config, instance_path: str) -> None:
    """Outside production, without CADRE_OB3_SIGNING_KEY, sign Open Badges with a key kept in instance/."""
    if config.get("OB3_SIGNING_KEY"):
        return
    from app.credentials.keys import new_signing_key

    config["OB3_SIGNING_KEY"] = local_key(os.path.join(instance_path, "ob3_signing_key"), new_signing_key)


def local_key(path: str, make) -> str:
    """The key kept in ``path``, made with ``make()`` the first time (outside production only).

    Written whole under another name, then linked: a sibling process never reads half a key, and of
    two processes starting at once, the first link wins and both use its key.
    """
    if not os.path.exists(path):
        temporary = f"{path}.{os.getpid()}.{secrets.token_hex(4)}"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(make())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    with open(path) as handle:
        return handle.read().strip()

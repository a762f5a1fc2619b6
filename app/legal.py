"""The legal notice, the privacy notice and the cookie statement, filled in from configuration."""

from datetime import date

from flask import Blueprint, current_app, render_template

from app import limits
from app.config import LEGAL_DEVELOPMENT_DEFAULTS
from app.schools.invitations import KEEP_DAYS as INVITATION_DAYS

bp = Blueprint("legal", __name__, url_prefix="/legal")


def missing_legal_settings(config) -> list[str]:
    """The environment variables still to set: identity values empty or left at their placeholder."""
    return [
        f"CADRE_{key}"
        for key, placeholder in LEGAL_DEVELOPMENT_DEFAULTS.items()
        if not str(config.get(key) or "").strip() or config.get(key) == placeholder
    ]


@bp.record_once
def warn_operator(state) -> None:
    """Say at start-up, in the operator's log, which legal details a public server still lacks.

    The server still starts: the pages then show the operator a warning naming each variable,
    rather than a half-configured site refusing to serve anyone.
    """
    app = state.app
    missing = missing_legal_settings(app.config)
    if missing and app.config["ENV_NAME"] == "production":
        app.logger.warning(
            "The legal notice and privacy notice lack the operator's details: set %s.", ", ".join(missing)
        )


def render_legal(template: str, **values):
    """A legal page with the configured details and any missing ones flagged for the operator."""
    config = current_app.config
    return render_template(
        template,
        legal={key.lower(): config.get(key) for key in LEGAL_DEVELOPMENT_DEFAULTS},
        registration=config.get("OPERATOR_REGISTRATION") or "",
        data_transfers=config.get("DATA_TRANSFERS") or "",
        log_days=int(config["RETENTION_LOG_DAYS"]),
        invitation_days=INVITATION_DAYS,
        remember_days=int(config["REMEMBER_COOKIE_DURATION"]) // 86400,
        device_cookie=limits.DEVICE_COOKIE,
        device_days=limits.DEVICE_DAYS,
        missing=missing_legal_settings(config),
        production=config["ENV_NAME"] == "production",
        **values,
    )


@bp.get("/notice")
def notice():
    """Mentions légales: who publishes and who hosts the site (LCEN, art. 6 III)."""
    return render_legal("legal/notice.html")


@bp.get("/privacy")
def privacy():
    """What personal data Cadre keeps, why, for how long, and the rights over it (GDPR, art. 13)."""
    return render_legal("legal/privacy.html")


@bp.get("/cookies")
def cookies():
    """The only cookies Cadre sets, and why they need no consent."""
    return render_legal("legal/cookies.html")


# When the accessibility statement was last written: change it with the page's text.
ACCESSIBILITY_WRITTEN = date(2026, 12, 5)


@bp.get("/accessibility")
def accessibility():
    """Where Cadre stands on accessibility, what is checked, what is known wrong, whom to tell."""
    return render_legal("legal/accessibility.html", written=ACCESSIBILITY_WRITTEN)

"""Locale selection and the language switcher."""

from flask import Blueprint, abort, current_app, has_request_context, redirect, request, session, url_for
from flask_babel import get_locale

from app.extensions import babel
from app.urls import safe_next

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    """The learner's explicit choice, else the browser's preference, else French.

    Outside a request (the command line, a background job) there is no learner: the default.
    """
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


@bp.post("/language/<code>")
def set_language(code: str):
    """Remember the chosen interface language (POST, so it carries a CSRF token)."""
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["locale"] = code
    return redirect(safe_next(request.form.get("next")) or url_for("catalog.index"))


def init_app(app) -> None:
    """Bind Flask-Babel and expose the current language to templates."""
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories="translations",
    )
    app.register_blueprint(bp)

    @app.context_processor
    def inject_locale():
        return {"current_locale": str(get_locale()), "languages": app.config["LANGUAGES"]}

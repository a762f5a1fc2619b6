"""Template filters: durations, levels, languages and dates, all translated."""

from flask_babel import format_date, format_time
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app.content.checker import FINAL

LEVELS = {
    "beginner": _l("Beginner"),
    "intermediate": _l("Intermediate"),
    "advanced": _l("Advanced"),
}
LANGUAGES = {"fr": _l("French"), "en": _l("English")}


def duration(minutes: int) -> str:
    """45 → "45 min", 150 → "2 h 30"."""
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return f"{rest}\u00a0min"
    return f"{hours}\u00a0h\u00a0{rest:02d}" if rest else f"{hours}\u00a0h"


def hidden_fields(form) -> Markup:
    """A form's hidden fields (its CSRF token first of all) without their ``id``.

    ``form.hidden_tag()`` gives every CSRF field ``id="csrf_token"``: a page with several forms
    would repeat an id, which HTML forbids. Nothing points at hidden fields by id.
    """
    return Markup("").join(f(id=False) for f in form if f.type in ("HiddenField", "CSRFTokenField"))


def init_app(app) -> None:
    """Register the filters."""
    app.jinja_env.filters["duration"] = duration
    app.jinja_env.filters["level"] = lambda key: LEVELS.get(key, key)
    app.jinja_env.filters["language"] = lambda code: LANGUAGES.get(code, code)
    app.jinja_env.filters["date"] = lambda d: format_date(d, "long") if d else ""
    # "18 December 2026, 6:00 PM" / "18 décembre 2026, 18:00": no seconds, in the user's time zone.
    app.jinja_env.filters["datetime"] = lambda d: (
        f"{format_date(d, 'long')}, {format_time(d, 'short')}" if d else ""
    )
    app.jinja_env.filters["shortdate"] = lambda d: format_date(d, "short") if d else ""
    # A course's final test in quiz and attempt URLs (no module may take this slug).
    app.jinja_env.globals["final_slug"] = FINAL
    app.jinja_env.globals["hidden_fields"] = hidden_fields

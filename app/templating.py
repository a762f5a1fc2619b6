"""Template filters: durations, levels, languages and dates, all translated."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from babel.dates import parse_pattern
from flask import g
from flask_babel import get_locale, get_timezone
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


class Dates:
    """Days and times as the reader reads them, as Flask-Babel's ``format_date`` and
    ``format_time`` give them: in their language's formats (Babel's ``short``, ``long``…), a
    moment first put in their time zone.

    Each format's pattern is found once: Flask-Babel looks up the locale, the zone and the pattern
    on every call, several times the cost of applying it (a class table formats a hundred dates).
    """

    def __init__(self, locale, zone):
        self.locale, self.zone_name = locale, str(zone)
        self.zone = ZoneInfo(self.zone_name)  # the same zone as pytz's, several times faster
        self._patterns: dict[tuple[str, str], object] = {}

    def _pattern(self, kind: str, width: str):
        found = self._patterns.get((kind, width))
        if found is None:
            formats = self.locale.date_formats if kind == "date" else self.locale.time_formats
            found = self._patterns[(kind, width)] = parse_pattern(formats[width])
        return found

    def local(self, moment: datetime) -> datetime:
        """``moment`` in the reader's zone (a moment without one is UTC, as the database keeps it)."""
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(self.zone)

    def day(self, value: date | datetime, width: str = "long") -> str:
        """« 18 décembre 2026 » (long), « 18/12/2026 » (short): a moment's day in the reader's zone."""
        if isinstance(value, datetime):
            value = self.local(value).date()
        return self._pattern("date", width).apply(value, self.locale)

    def time(self, moment: datetime, width: str = "short") -> str:
        """« 18:00 » / "6:00 PM": a moment's time of day in the reader's zone."""
        return self._pattern("time", width).apply(self.local(moment), self.locale)

    def moment(self, moment: datetime) -> str:
        """« 18 décembre 2026, 18:00 » / "18 December 2026, 6:00 PM"."""
        local = self.local(moment)
        return f"{self.day(local.date())}, {self._pattern('time', 'short').apply(local, self.locale)}"


def dates() -> Dates:
    """The reader's ``Dates``, made once per request (and again if the language or zone changes
    within it, as ``force_locale`` does for a mail in its recipient's language)."""
    locale, zone = get_locale(), get_timezone()
    kept = g.get("_cadre_dates") if g else None
    if kept is not None and kept.locale is locale and kept.zone_name == str(zone):
        return kept
    made = Dates(locale, zone)
    if g:
        g._cadre_dates = made
    return made


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
    app.jinja_env.filters["date"] = lambda d: dates().day(d, "long") if d else ""
    # "18 December 2026, 6:00 PM" / "18 décembre 2026, 18:00": no seconds, in the user's time zone.
    app.jinja_env.filters["datetime"] = lambda d: dates().moment(d) if d else ""
    app.jinja_env.filters["shortdate"] = lambda d: dates().day(d, "short") if d else ""
    # A course's final test in quiz and attempt URLs (no module may take this slug).
    app.jinja_env.globals["final_slug"] = FINAL
    app.jinja_env.globals["hidden_fields"] = hidden_fields

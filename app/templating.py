"""Template filters: durations, levels, languages and dates, all translated."""

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from babel.dates import get_timezone_location, parse_pattern
from flask_babel import get_locale, get_timezone
from markupsafe import Markup, escape

from app.catalog.cards import course_card
from app.content.checker import FINAL
from app.date_formats import SHORT_DAY_WIDTH, date_locale, first_of_month
from app.forms import forms_have_errors
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.i18n import number

LEVELS = {
    "beginner": _l("Beginner"),
    "intermediate": _l("Intermediate"),
    "advanced": _l("Advanced"),
}
LANGUAGES = {"fr": _l("French"), "en": _l("English")}


def duration(minutes: int, language: str = "fr") -> str:
    """45 → "45 min"; 150 → "2 h 30" in French, "2 h 30 min" in English (where "2 h 30" is no usage)."""
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return f"{rest}\u00a0min"
    if not rest:
        return f"{hours}\u00a0h"
    return f"{hours}\u00a0h\u00a0{rest:02d}" if language == "fr" else f"{hours}\u00a0h\u00a0{rest}\u00a0min"


MAX_KEPT_TEXTS = 10_000  # dates kept written, per language and time zone (emptied when full)


class Dates:
    """Days and times as the reader reads them, as Flask-Babel's ``format_date`` and
    ``format_time`` give them: in their language's formats (Babel's ``short``, ``long``…), a
    moment first put in their time zone.

    One per language and time zone, kept by the process (``dates()``): each format's pattern is
    found once, and each date written once and kept (a few thousand at most). Flask-Babel looks
    up the locale, the zone and the pattern on every call, several times the cost of applying
    it, and a class table or a dashboard writes the same dates on every visit.
    """

    def __init__(self, language: str, zone):
        self.language, self.zone_name = language, str(zone)  # the interface's ("fr", "en")
        self.locale = date_locale(language)  # whose formats it writes (app.date_formats)
        self.zone = ZoneInfo(self.zone_name)  # the same zone as pytz's, several times faster
        self._patterns: dict[tuple[str, str], object] = {}
        self._texts: dict[tuple, str] = {}
        self._city: str | None = None  # the zone's city in this language (« La Réunion »), found once

    def _pattern(self, kind: str, width: str):
        found = self._patterns.get((kind, width))
        if found is None:
            formats = self.locale.date_formats if kind == "date" else self.locale.time_formats
            found = self._patterns[(kind, width)] = parse_pattern(formats[width])
        return found

    def _keep(self, key: tuple, text: str) -> str:
        if len(self._texts) >= MAX_KEPT_TEXTS:
            self._texts.clear()
        self._texts[key] = text
        return text

    def local(self, moment: datetime) -> datetime:
        """``moment`` in the reader's zone (a moment without one is UTC, as the database keeps it)."""
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(self.zone)

    def day(self, value: date | datetime, width: str = "long") -> str:
        """« 18 décembre 2026 » (long), « 18/12/2026 » (short): a moment's day in the reader's zone."""
        key = ("day", width, value)
        text = self._texts.get(key)
        if text is None:
            day = self.local(value).date() if isinstance(value, datetime) else value
            text = self._pattern("date", width).apply(day, self.locale)
            text = self._keep(key, first_of_month(text, day, self.locale) if width == "long" else text)
        return text

    def short_day(self, value: date | datetime) -> str:
        """« 18/12/2026 » / "18 Dec 2026": a day in a table (app.date_formats.SHORT_DAY_WIDTH)."""
        return self.day(value, SHORT_DAY_WIDTH.get(self.language, "short"))

    def time(self, moment: datetime, width: str = "short") -> str:
        """« 18:00 » / "18:00": a moment's time of day in the reader's zone."""
        key = ("time", width, moment)
        text = self._texts.get(key)
        if text is None:
            text = self._keep(key, self._pattern("time", width).apply(self.local(moment), self.locale))
        return text

    def moment(self, moment: datetime) -> str:
        """« 18 décembre 2026, 18:00 » / "18 December 2026, 18:00"."""
        key = ("moment", moment)
        text = self._texts.get(key)
        if text is None:
            text = self._keep(key, f"{self.day(moment)}, {self.time(moment)}")
        return text

    def city(self) -> str:
        """The zone's city in this language (« Paris », « La Réunion »), to say whose time a page shows."""
        if self._city is None:
            self._city = get_timezone_location(self.zone_name, self.locale, return_city=True)
        return self._city

    def deadline(self, moment: datetime) -> str:
        """« 18 décembre 2026, 18:00 (heure de Paris) » / "18 December 2026, 18:00 (Paris time)": a
        moment someone must keep to, from anywhere (a student in Réunion reads Paris's 18:00)."""
        key = ("deadline", moment)
        text = self._texts.get(key)
        if text is None:
            # In the interface's language: dates() keeps one Dates per language, the current one here.
            written = _("%(moment)s (%(city)s time)", moment=self.moment(moment), city=self.city())
            text = self._keep(key, written)
        return text


_DATES: dict[tuple[str, str], Dates] = {}


def dates() -> Dates:
    """The reader's ``Dates``: for the language and time zone of the moment (``force_locale``
    gives a mail its recipient's language), shared by every request in them."""
    locale, zone = get_locale(), get_timezone()
    key = (str(locale), str(zone))
    found = _DATES.get(key)
    if found is None:
        found = _DATES[key] = Dates(str(locale), zone)
    return found


def hidden_fields(form) -> Markup:
    """A form's hidden fields (its CSRF token first of all) without their ``id``.

    ``form.hidden_tag()`` gives every CSRF field ``id="csrf_token"``: a page with several forms
    would repeat an id, which HTML forbids. Nothing points at hidden fields by id.
    """
    return Markup("").join(f(id=False) for f in form if f.type in ("HiddenField", "CSRFTokenField"))


def _moment(value: datetime | str) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


_HEADING_TAG = re.compile(r"<(/?)h([1-5])\b")


def demote_headings(html: str) -> Markup:
    """Sanitised HTML with its headings one level down (h2 becomes h3...): shown under a heading of
    the page's own, as the reviewer's reading page shows each module under its title."""
    demoted = _HEADING_TAG.sub(lambda m: f"<{m.group(1)}h{int(m.group(2)) + 1}", str(html or ""))
    return Markup(demoted)  # noqa: S704 - sanitised at import (app.content), only tag names change


_TAG = re.compile(r"(<[^>]*>)")
_E_MAIL = re.compile(r"\b[eE]-mails?\b")


def unbroken(text) -> Markup:
    """A heading's « e-mail » kept on one line, in a span that does not wrap: a phone's narrow
    line broke it into « e- » and « mail » (UX walk). The real hyphen stays, for find-in-page and
    screen readers. Plain or lazy text is escaped first; in Markup, only text between tags changes."""
    html = text if isinstance(text, Markup) else escape("" if text is None else str(text))
    parts = _TAG.split(str(html))
    kept = (
        part
        if part.startswith("<")
        else _E_MAIL.sub(lambda m: f'<span class="nowrap">{m.group(0)}</span>', part)
        for part in parts
    )
    return Markup("".join(kept))  # noqa: S704 - escaped text, or the caller's Markup, with spans added


def init_app(app) -> None:
    """Register the filters."""
    app.jinja_env.filters["demote_headings"] = demote_headings
    app.jinja_env.filters["unbroken"] = unbroken
    app.jinja_env.filters["duration"] = lambda minutes: duration(minutes, get_locale().language)
    app.jinja_env.filters["level"] = lambda key: LEVELS.get(key, key)
    app.jinja_env.filters["language"] = lambda code: LANGUAGES.get(code, code)
    app.jinja_env.filters["date"] = lambda d: dates().day(d, "long") if d else ""
    # "18 December 2026, 18:00" / "18 décembre 2026, 18:00": no seconds, in the user's time zone.
    # ISO 8601 text too, as the personal data export writes its moments.
    app.jinja_env.filters["datetime"] = lambda d: dates().moment(_moment(d)) if d else ""
    # A due date: the same, with the time zone named (the site's, Paris by default).
    app.jinja_env.filters["deadline"] = lambda d: dates().deadline(_moment(d)) if d else ""
    app.jinja_env.filters["shortdate"] = lambda d: dates().short_day(d) if d else ""
    app.jinja_env.filters["time"] = lambda d: dates().time(d) if d else ""
    app.jinja_env.filters["number"] = number  # « 12 345 » / "12,345"
    # A course's final test in quiz and attempt URLs (no module may take this slug).
    app.jinja_env.globals["zone_city"] = lambda: dates().city()
    app.jinja_env.globals["final_slug"] = FINAL
    app.jinja_env.globals["hidden_fields"] = hidden_fields
    app.jinja_env.globals["forms_have_errors"] = forms_have_errors
    app.jinja_env.globals["course_card"] = course_card

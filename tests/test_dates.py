"""Dates as stored and as shown: SQLite's texts read back as UTC, and the templates' date filters
(app/templating.py ``Dates``) giving what Babel's own formatting gives, English in British formats."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel import dates as babel_dates
from flask_babel import force_locale, get_locale
from sqlalchemy.dialects import sqlite
from sqlalchemy.types import TypeDecorator

from app.date_formats import SHORT_DAY_WIDTH, date_locale
from app.models_base import UTCDateTime

PARIS = ZoneInfo("Europe/Paris")


def format_date(day, width):
    """What Babel writes for the request's language (Flask-Babel's own would be American), with
    French's ordinal first of the month (« 1er mars »), which Babel's patterns cannot write."""
    text = babel_dates.format_date(day, width, locale=date_locale(str(get_locale())))
    if width == "long" and day.day == 1 and str(get_locale()) == "fr":
        assert text.startswith("1 ")
        return "1er " + text[2:]
    return text


def format_time(moment, width):
    return babel_dates.format_time(moment, width, tzinfo=PARIS, locale=date_locale(str(get_locale())))


@pytest.mark.parametrize(
    "stored",
    [
        "2026-12-04 03:55:30.123456",  # as SQLAlchemy writes it
        "2026-12-04 03:55:30",  # CURRENT_TIMESTAMP
        "2026-12-04 03:55:30.5",
        "2026-12-04 03:55",
        "2026-12-04T03:55:30",
        "2026-12-04T03:55:30+02:00",  # an offset already
        "2026-12-04",  # a date alone, which Python parses without a zone
        None,
    ],
)
def test_sqlite_texts_read_back_as_sqlalchemy_reads_them_in_utc(stored):
    dialect = sqlite.dialect()
    column = UTCDateTime().dialect_impl(dialect)
    fast = column.result_processor(dialect, None)
    general = TypeDecorator.result_processor(column, dialect, None)
    assert fast(stored) == general(stored)
    if stored is not None:
        assert fast(stored).utcoffset() == general(stored).utcoffset()
        assert fast(stored).tzinfo is not None


def test_a_time_read_back_in_another_zone_is_handed_over_in_utc():
    """PostgreSQL hands a timestamptz back in its session's zone (PGTZ=Europe/Paris): in UTC, so
    that a time written as text, or its day, is the one stored (a mailed invitation's token)."""
    from sqlalchemy.dialects import postgresql

    column = UTCDateTime()
    paris = datetime(2026, 12, 4, 13, 0, tzinfo=PARIS)
    read = column.process_result_value(paris, postgresql.dialect())
    assert read == paris and read.tzinfo is UTC and read.strftime("%H:%M") == "12:00"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_date_filters_read_as_flask_babel_formats(app, language):
    """Every hour of a year (both changes of time included), on each side of midnight in Paris."""
    filters = app.jinja_env.filters
    with app.test_request_context(headers={"Accept-Language": language}):
        for hour in range(0, 366 * 24, 5):
            moment = datetime(2026, 1, 1, 0, 17, tzinfo=UTC) + timedelta(hours=hour)
            local_day = moment.astimezone(PARIS).date()
            assert filters["date"](moment) == format_date(local_day, "long")
            short = SHORT_DAY_WIDTH.get(language, "short")
            assert filters["shortdate"](moment) == format_date(local_day, short)
            time_of_day = format_time(moment, "short")
            assert filters["datetime"](moment) == f"{format_date(local_day, 'long')}, {time_of_day}"
            assert filters["date"](moment.date()) == format_date(moment.date(), "long")
        assert filters["date"](None) == filters["datetime"](None) == filters["shortdate"](None) == ""
        # Half past midnight in Paris on the 4th is still the 3rd in UTC.
        late = datetime(2026, 12, 3, 23, 30, tzinfo=UTC)
        expected = {"fr": "4 décembre 2026, 00:30", "en": "4 December 2026, 00:30"}
        assert filters["datetime"](late) == expected[language]
        # A mail in its recipient's language, sent from this request: the filters follow.
        other = "en" if language == "fr" else "fr"
        with force_locale(other):
            assert filters["date"](date(2026, 12, 18)) == format_date(date(2026, 12, 18), "long")
        in_language = {"fr": "18 décembre 2026", "en": "18 December 2026"}[language]
        assert filters["shortdate"](date(2026, 12, 5)) == {"fr": "05/12/2026", "en": "5 Dec 2026"}[language]
        assert filters["date"](date(2026, 12, 18)) == in_language
        # A due date names the zone it is read in, for those who live in another.
        deadline = {
            "fr": "4 décembre 2026, 00:30 (heure de Paris)",
            "en": "4 December 2026, 00:30 (Paris time)",
        }
        assert filters["deadline"](late) == deadline[language] and filters["deadline"](None) == ""
        with force_locale(other):
            assert filters["deadline"](late) == deadline[other]
        first = {"fr": "1er mars 2027", "en": "1 March 2027"}[language]
        assert filters["date"](date(2027, 3, 1)) == first and filters["date"](date(2027, 3, 11)).startswith(
            "11 "
        )


def test_written_dates_are_kept_within_a_bound(app, monkeypatch):
    from app import templating

    monkeypatch.setattr(templating, "MAX_KEPT_TEXTS", 3)
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        written = templating.dates()
        written._texts.clear()  # what earlier tests had written
        days = [date(2026, 12, day) for day in range(1, 11)]
        assert [written.day(day) for day in days] == [format_date(day, "long") for day in days]
        assert len(written._texts) <= 3
        assert templating.dates() is written  # one per language and zone, shared by requests
        with force_locale("en"):
            assert templating.dates() is not written and templating.dates().day(days[0]) == "1 December 2026"


def test_summer_time_after_2037_in_exports_and_due_dates(app):
    """pytz's zones, which Babel hands back, have no summer time after 2037; zoneinfo's do."""
    from app.attestation.evidence import local
    from app.schools.services import local_to_utc

    summer = datetime(2040, 7, 1, 10, 0, tzinfo=UTC)
    with app.test_request_context():
        assert local(summer) == "01/07/2040 12:00:00"
        assert local(datetime(2040, 1, 1, 10, 0, tzinfo=UTC)) == "01/01/2040 11:00:00"
        assert local_to_utc(datetime(2040, 7, 1, 12, 0)) == summer


def test_the_certificate_writes_the_first_of_the_month_as_french_does():
    from app.certificates.pdf import format_long_date

    assert format_long_date(date(2027, 3, 1), "fr") == "1er mars 2027"
    assert format_long_date(date(2027, 3, 21), "fr") == "21 mars 2027"
    assert format_long_date(date(2027, 3, 1), "en") == "1 March 2027"

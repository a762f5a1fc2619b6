"""Column helpers shared by the models."""

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

MAX_ID = 2**31 - 1  # the largest id an integer column holds on every database
ID = f"int(max={MAX_ID})"  # a URL rule's converter for an id: larger numbers are a 404, not an overflow


def utcnow() -> datetime:
    """Timezone-aware now, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Store UTC, always hand back aware datetimes (SQLite forgets the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value, dialect):
        """In UTC whatever the database's session zone: PostgreSQL hands a ``timestamptz`` back in
        its ``TimeZone`` (PGTZ=Europe/Paris gave 13:00+01:00 for 12:00 UTC), and code that writes a
        time as text, or takes its day, expects UTC."""
        if value is not None:
            value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value

    def result_processor(self, dialect, coltype):
        """On SQLite, which stores the text ``2026-12-04 03:55:30.123456`` (in UTC), one parse of
        that text as UTC: a class table reads thousands of them, and parsing then adding the zone
        (``replace``) cost seven times as much. Any other text goes the general way."""
        general = super().result_processor(dialect, coltype)
        if dialect.name != "sqlite":
            return general

        def process(value):
            if value is None:
                return None
            try:
                found = _from_iso(value + "+00:00")
            except (TypeError, ValueError):  # an offset already, say: SQLAlchemy's parser
                return general(value)
            # A date alone parses, but without the zone: SQLAlchemy's parser too.
            return found if found.tzinfo is not None else general(value)

        return process


_from_iso = datetime.fromisoformat

"""The class table as CSV that opens right in a French or an English spreadsheet."""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

from flask import Response
from flask_babel import force_locale

from app.content.render import slugify
from app.i18n import gettext as _
from app.i18n import local_zone
from app.models_base import utcnow
from app.schools.models import SchoolClass
from app.schools.services import Cell, ClassTable, item_title

# Spreadsheets run a cell starting with one of these as a formula: a student named
# "=HYPERLINK(...)" must stay text (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Style:
    locale: str
    delimiter: str
    date_format: str


# Excel in French reads ";" as the separator and dd/mm/yyyy dates; ISO dates read everywhere else.
FRENCH = Style("fr", ";", "%d/%m/%Y")
ENGLISH = Style("en", ",", "%Y-%m-%d")


def as_text(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value


class _Days:
    """Moments as days in the site's time zone, in the style's format: the zone looked up once
    per export (zoneinfo: the same zone as Babel's pytz one, faster) and each day formatted once."""

    def __init__(self, style: Style):
        self.zone = local_zone()
        self.date_format = style.date_format
        self.days: dict[date, str] = {}

    def __call__(self, moment: datetime | None) -> str:
        if not moment:
            return ""
        day = moment.astimezone(self.zone).date()
        text = self.days.get(day)
        if text is None:
            text = self.days[day] = day.strftime(self.date_format)
        return text


def rows(table: ClassTable, style: Style, now: datetime | None = None) -> list[list[str]]:
    """Header and one line per student; headers in the style's language. ``now``: the moment work
    not finished is late after its due date (by default, this one)."""
    _day = _Days(style)
    with force_locale(style.locale):
        header = [_("Student"), _("E-mail")]
        for item in table.items:
            title = as_text(item_title(item))
            header += [
                _("%(item)s: completed on", item=title),
                # The due date in the heading, not in every row: the cells say who was late.
                _("%(item)s: late (due %(date)s)", item=title, date=_day(item.due_at))
                if item.due_at
                else _("%(item)s: late (no due date)", item=title),
                _("%(item)s: best score (%%)", item=title),
                _("%(item)s: attempts", item=title),
                _("%(item)s: last activity", item=title),
            ]
        header += [_("Items completed"), _("Items assigned"), _("Last activity")]
        yes, no = _("yes"), _("no")
    now = now or utcnow()
    lines = [header]
    for row in table.rows:
        line = [as_text(row.student.full_name), as_text(row.student.email)]
        for item, cell in zip(table.items, row.cells, strict=True):
            line += [
                _day(cell.completed_at),
                _late(item.due_at, cell, now, yes, no),
                "" if cell.best_score is None else str(cell.best_score),
                str(cell.attempts),
                _day(cell.last_activity),
            ]
        # Two numbers, not "2/3": a French spreadsheet would read that as the 2nd of March.
        line += [str(row.done), str(row.live), _day(row.last_activity)]
        lines.append(line)
    return lines


def _late(due_at: datetime | None, cell: Cell, now: datetime, yes: str, no: str) -> str:
    """« yes » for work finished after its due date, or not finished once it has passed; « no »
    for work on time so far; nothing without a due date, nor for a withdrawn module (nobody can
    finish it: the class page says it was withdrawn)."""
    if due_at is None or cell.total == 0:
        return ""
    return yes if (cell.completed_at or now) > due_at else no


def csv_text(table: ClassTable, style: Style, now: datetime | None = None) -> str:
    """The file's text: ``rows`` as the style's spreadsheet reads them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=style.delimiter, lineterminator="\r\n")
    writer.writerows(rows(table, style, now))
    # UTF-8 with a byte-order mark: without it, Excel reads accented names as Latin-1.
    return "\ufeff" + buffer.getvalue()


def csv_response(school_class: SchoolClass, text: str, style: Style) -> Response:
    """``csv_text`` as a download named after the class, the day and the style."""
    name = f"{slugify(school_class.name) or 'classe'}-{utcnow():%Y%m%d}-{style.locale}.csv"
    return Response(
        text.encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )

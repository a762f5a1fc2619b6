"""The record as a funder or a store reads it: xAPI JSON (an array of statements) and CSV.

Both stream: rows are read from the database a batch at a time and written out as they come,
so a course with a million events takes no more memory than one with ten.
"""

import csv
import io
import json
from collections.abc import Iterable, Iterator

from flask import Response, stream_with_context
from flask_babel import force_locale
from sqlalchemy import Select, select

from app.accounts.models import User
from app.catalog.models import Course, Module
from app.content.render import slugify
from app.extensions import db
from app.i18n import gettext as _
from app.i18n import local_zone
from app.models_base import utcnow
from app.record.models import LearningEvent
from app.record.reading import LABELS
from app.schools.export import ENGLISH, FRENCH, Style, as_text

BATCH = 500
STYLES = {"fr": FRENCH, "en": ENGLISH}
DATE_TIME = {"fr": "%d/%m/%Y %H:%M:%S", "en": "%Y-%m-%d %H:%M:%S"}


def events_query(*conditions) -> Select:
    """The events matching ``conditions`` with who, which course and which module, in order."""
    return (
        select(LearningEvent, User.full_name, User.email, Course.title, Course.version, Module.title)
        .join(User, User.id == LearningEvent.user_id)
        .join(Course, Course.id == LearningEvent.course_id)
        .outerjoin(Module, Module.id == LearningEvent.module_id)
        .where(*conditions)
        .order_by(LearningEvent.id)
        .execution_options(yield_per=BATCH)
    )


def measured(event: LearningEvent) -> int | str:
    """The seconds an ``experienced`` event measured; "" on other events, even those whose
    statement carries a running total (a module read, the course completed), so that summing the
    column in a spreadsheet counts each second once."""
    return event.duration_seconds if event.verb == "experienced" and event.duration_seconds else ""


def score_of(statement: dict) -> tuple[str, str, str, str]:
    """Success, score in percent, raw score and maximum, as CSV cells ("" when absent)."""
    result = statement.get("result", {})
    success = {True: "1", False: "0"}.get(result.get("success"), "")
    score = result.get("score")
    if not score:
        return success, "", "", ""
    return success, str(round(score["scaled"] * 100)), str(score["raw"]), str(score["max"])


def csv_lines(rows: Iterable, style: Style) -> Iterator[str]:
    """Header, then one line per event."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=style.delimiter, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    with force_locale(style.locale):
        writer.writerow(
            [
                _("Date and time"),
                _("Learner"),
                _("E-mail"),
                _("Course"),
                _("Course version"),
                _("Module"),
                _("Event"),
                _("Success (1/0)"),
                _("Score (percent)"),
                _("Right answers"),
                _("Questions"),
                _("Duration (seconds)"),
                _("Statement id"),
                _("xAPI verb"),
            ]
        )
        # The event in the spreadsheet's language; its xAPI short name stays in the last column.
        labels = {verb: str(label) for verb, label in LABELS.items()}
    yield "\ufeff" + flush()  # a byte-order mark: Excel reads UTF-8 right only with it
    zone = local_zone()
    for event, name, email, course, version, module in rows:
        success, percent, raw, maximum = score_of(event.statement)
        writer.writerow(
            [
                event.occurred_at.astimezone(zone).strftime(DATE_TIME[style.locale]),
                as_text(name),
                as_text(email),
                as_text(course),
                version,
                as_text(module or ""),
                labels.get(event.verb, event.verb),
                success,
                percent,
                raw,
                maximum,
                measured(event),
                event.statement_id,
                event.verb,
            ]
        )
        yield flush()


def json_chunks(rows: Iterable) -> Iterator[str]:
    """A JSON array of the statements, as a store receives them."""
    yield "["
    first = True
    for event, *_rest in rows:
        yield ("" if first else ",\n") + json.dumps(event.statement, ensure_ascii=False)
        first = False
    yield "]\n"


def response(query: Select, name: str, kind: str, locale: str = "fr") -> Response:
    """Stream the events as ``kind`` ("json" or "csv") in a download named after ``name``."""

    def rows():
        yield from db.session.execute(query)

    stem = f"{slugify(name) or 'cadre'}-record-{utcnow():%Y%m%d}"
    if kind == "json":
        body, mimetype, filename = json_chunks(rows()), "application/json", f"{stem}.json"
    else:
        style = STYLES.get(locale, FRENCH)
        body, mimetype, filename = csv_lines(rows(), style), "text/csv", f"{stem}-{style.locale}.csv"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"}
    return Response(stream_with_context(body), mimetype=mimetype, headers=headers)

"""``flask --app wsgi content stats SLUG [--version N] [--csv FILE]``: question statistics in a terminal.

For the courses bundled with Cadre, which have no publisher's workspace to show them (it works
for any course: the operator sees everything anyway). The report is in the language of --lang or
of the terminal (app.cli_language); the CSV file has its own, that of --csv-format.
"""

import textwrap
from pathlib import Path

import click
from flask_babel import format_decimal
from sqlalchemy import select

from app.catalog.models import Course
from app.cli_language import localised
from app.extensions import db
from app.i18n import gettext
from app.learning.statistics import QuizStats, item_statistics, versions_with_answers
from app.learning.statistics_csv import STYLES, csv_bytes

WIDTH = 60  # question and option texts are cut to this many characters
NUMERIC = {2, 3, 4}  # right-aligned columns


def _cut(text: str) -> str:
    return text if len(text) <= WIDTH else text[: WIDTH - 1] + "…"


def _percent(share: float | None) -> str:
    if share is None:
        return "-"
    rounded = f"{share * 100:.0f}"
    return gettext("%(percent)s%%", percent=rounded)  # "45 %" in French


def _header() -> tuple[str, ...]:
    return (
        "#",
        gettext("Question / option"),
        gettext("Shown"),
        gettext("Right %"),
        gettext("Discr."),
        gettext("Flags"),
    )


def _rows(quiz: QuizStats) -> list[tuple[str, ...]]:
    """A row per question, then a row per option: times chosen and share of the times shown."""
    rows = [_header()]
    for q in quiz.questions:
        r = "-" if q.discrimination is None else format_decimal(q.discrimination, "0.00")
        flags = "; ".join(f.text() for f in q.flags if f.option == "")
        retired = " " + gettext("(removed since)") if q.retired else ""
        rows.append(
            (
                str(q.position),
                _cut(f"[{q.key}]{retired} {q.prompt_text}"),
                str(q.shown),
                _percent(q.right_share),
                r,
                flags,
            )
        )
        for o in q.options:
            mark = "[?]" if o.right is None else ("[x]" if o.right else "[ ]")
            rows.append(
                (
                    "",
                    _cut(f"{o.letter} {mark} {o.label_text}"),
                    str(o.chosen),
                    _percent(o.share),
                    "",
                    gettext("almost never chosen") if o.rare else "",
                )
            )
    return rows


def _aligned(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [
            cell.rjust(w) if i in NUMERIC else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def report(course: Course, version: int, quizzes: list[QuizStats], answered: list[int]) -> str:
    """The whole plain-text report, in the current language (flags included)."""
    versions = ", ".join(map(str, answered)) or gettext("none")
    lines = [
        gettext(
            "%(slug)s: version %(version)d (current: %(current)d; answered in: %(versions)s)",
            slug=course.slug,
            version=version,
            current=course.version,
            versions=versions,
        )
    ]
    if not any(quiz.shown for quiz in quizzes):
        lines.append(gettext("No answer recorded for version %(version)d yet.", version=version))
        return "\n".join(lines)
    legend = gettext(
        "Question rows start with [key]; option rows give the times chosen and their share of the"
        " times the question was shown; [x] marks a right option."
    )
    lines += textwrap.wrap(legend, 90)
    for quiz in quizzes:
        title = gettext("%(title)s (final test)", title=quiz.title) if quiz.is_final else quiz.title
        lines += ["", title, _aligned(_rows(quiz))]
    return "\n".join(lines)


@click.command("stats")
@click.argument("slug")
@click.option("--version", type=click.IntRange(min=1), help="Course version (default: the current one).")
@click.option(
    "--csv", "csv_path", type=click.Path(dir_okay=False), help="Also write the figures as CSV to FILE."
)
@click.option(
    "--csv-format",
    type=click.Choice(sorted(STYLES)),
    default="fr",
    show_default=True,
    help="fr: ';' and decimal commas (French spreadsheet); en: ',' and decimal points.",
)
@localised
def stats_command(slug: str, version: int | None, csv_path: str | None, csv_format: str) -> None:
    """Question statistics of the course SLUG: times shown, share right, discrimination, options."""
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        raise click.ClickException(gettext("no course '%(slug)s'", slug=slug))
    version = version or course.version
    if version > course.version:
        raise click.ClickException(
            gettext(
                "%(slug)s has no version %(version)d (current: %(current)d)",
                slug=slug,
                version=version,
                current=course.version,
            )
        )
    quizzes = item_statistics(course, version)
    click.echo(report(course, version, quizzes, versions_with_answers(course)))
    if csv_path:
        try:
            Path(csv_path).write_bytes(csv_bytes(quizzes, STYLES[csv_format]))
        except OSError as exc:  # a missing folder, no permission, a full disk
            raise click.ClickException(
                gettext("cannot write %(path)s: %(reason)s", path=csv_path, reason=exc.strerror)
            ) from None
        click.echo(gettext("CSV written to %(path)s", path=csv_path))

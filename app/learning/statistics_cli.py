"""``flask --app wsgi content stats SLUG [--version N] [--csv FILE]``: question statistics in a terminal.

For the courses bundled with Cadre, which have no publisher's workspace to show them (it works
for any course: the operator sees everything anyway).
"""

from pathlib import Path

import click
from flask_babel import force_locale
from sqlalchemy import select

from app.catalog.models import Course
from app.extensions import db
from app.learning.statistics import QuizStats, item_statistics, versions_with_answers
from app.learning.statistics_csv import STYLES, csv_bytes

WIDTH = 60  # question and option texts are cut to this many characters
HEADER = ("#", "Question / option", "Shown", "Right %", "Discr.", "Flags")
NUMERIC = {2, 3, 4}  # right-aligned columns


def _cut(text: str) -> str:
    return text if len(text) <= WIDTH else text[: WIDTH - 1] + "…"


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{share * 100:.0f}%"


def _rows(quiz: QuizStats) -> list[tuple[str, ...]]:
    """A row per question, then a row per option: times chosen and share of the times shown."""
    rows = [HEADER]
    for q in quiz.questions:
        r = "-" if q.discrimination is None else f"{q.discrimination:.2f}"
        flags = "; ".join(f.text() for f in q.flags if f.option == "")
        retired = " (removed since)" if q.retired else ""
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
                    "almost never chosen" if o.rare else "",
                )
            )
    return rows


def _aligned(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    lines = []
    for row in rows:
        cells = [
            cell.rjust(w) if i in NUMERIC else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def report(course: Course, version: int, quizzes: list[QuizStats], answered: list[int]) -> str:
    """The whole plain-text report (English, like the rest of the command line)."""
    versions = ", ".join(map(str, answered)) or "none"
    lines = [f"{course.slug}: version {version} (current: {course.version}; answered in: {versions})"]
    if not any(quiz.shown for quiz in quizzes):
        lines.append(f"No answer recorded for version {version} yet.")
        return "\n".join(lines)
    lines.append("Question rows start with [key]; option rows give the times chosen and their share of the")
    lines.append("times the question was shown; [x] marks a right option.")
    with force_locale("en"):  # the flags' texts
        for quiz in quizzes:
            lines += ["", quiz.title + (" (final test)" if quiz.is_final else ""), _aligned(_rows(quiz))]
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
def stats_command(slug: str, version: int | None, csv_path: str | None, csv_format: str) -> None:
    """Question statistics of the course SLUG: times shown, share right, discrimination, options."""
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        raise click.ClickException(f"no course '{slug}'")
    version = version or course.version
    if version > course.version:
        raise click.ClickException(f"{slug} has no version {version} (current: {course.version})")
    quizzes = item_statistics(course, version)
    click.echo(report(course, version, quizzes, versions_with_answers(course)))
    if csv_path:
        try:
            Path(csv_path).write_bytes(csv_bytes(quizzes, STYLES[csv_format]))
        except OSError as exc:  # a missing folder, no permission, a full disk
            raise click.ClickException(f"cannot write {csv_path}: {exc.strerror}") from None
        click.echo(f"CSV written to {csv_path}")

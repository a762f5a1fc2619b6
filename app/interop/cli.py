"""``flask --app wsgi content export-gift <course>``: a published course's quizzes for Moodle.

Registered in the ``content`` group (app/cli.py). The file goes to standard output (for scripts,
so nothing else is written there) or to ``-o FILE``; messages go to standard error.
"""

from pathlib import Path

import click
from sqlalchemy import select

from app.catalog.models import Course
from app.cli_language import localised
from app.extensions import db
from app.i18n import gettext, ngettext

from .export import FORMATS, GIFT, export_file
from .quizzes import from_course


@click.command("export-gift")
@click.argument("course_slug")
@click.option(
    "--module", "module_slug", help="Only this module's quiz (its slug, or 'final' for the final test)."
)
@click.option("--format", "file_format", type=click.Choice(FORMATS), default=GIFT, show_default=True)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to FILE, not stdout."
)
@localised
def export_gift_command(
    course_slug: str, module_slug: str | None, file_format: str, output: str | None
) -> None:
    """Export the quizzes of a published course (bundled or a publisher's) as GIFT or Moodle XML."""
    course = db.session.scalar(select(Course).where(Course.slug == course_slug))
    if course is None:
        raise click.ClickException(
            gettext("%(slug)s: no published course has this short name", slug=course_slug)
        )
    quizzes = [quiz for quiz in from_course(course) if module_slug in (None, quiz.slug)]
    if not quizzes:
        message = (
            gettext("%(slug)s: the course has no quiz", slug=course_slug)
            if module_slug is None
            else gettext("%(module)s: no module of this course has this slug and a quiz", module=module_slug)
        )
        raise click.ClickException(message)
    exported = export_file(course.title, course.slug, quizzes, file_format)
    if output is None:
        click.echo(exported.data, nl=False)
        return
    Path(output).write_bytes(exported.data)
    count = sum(len(quiz.questions) for quiz in quizzes)
    written = ngettext(
        "%(num)d question written to %(path)s", "%(num)d questions written to %(path)s", count, path=output
    )
    click.echo(written, err=True)

"""``flask --app wsgi content render-again``: publishers' courses rendered by this version of Cadre.

Registered in the ``content`` group (app/cli.py). ``content import`` does it for the bundled
courses; a publisher's course is rendered from the files of its latest published version.
"""

import click
from sqlalchemy import select

from app.catalog.models import Course
from app.cli_language import localised
from app.content.messages import N_
from app.extensions import db
from app.i18n import gettext, ngettext

from . import services

RENDERED = {
    "refreshed": N_("%(name)s: rendered again (version %(version)d)"),
    "unchanged": N_("%(name)s: unchanged (version %(version)d)"),
    "updated": N_(
        "%(name)s: this version of Cadre names its questions differently; the same files are now "
        "version %(version)d"
    ),
    "refused": N_(
        "%(name)s: its files no longer pass the checker; the course stays as it was (version %(version)d)"
    ),
    "no_files": N_(
        "%(name)s: no published files to render it from; it stays as it was (version %(version)d)"
    ),
    "busy": N_("%(name)s: every checking slot is taken; run the command again (version %(version)d)"),
}


@click.command("render-again")
@localised
def render_again_command() -> None:
    """Render every publisher's course again from its published files, after an upgrade of Cadre
    that changed how Markdown becomes HTML. Versions, progress and certificates stay as they are,
    unless this Cadre names a course's questions otherwise: the same files then make a new version."""
    ids = db.session.scalars(select(Course.id).where(Course.organisation_id.is_not(None)).order_by(Course.id))
    counts = dict.fromkeys(RENDERED, 0)
    for course_id in list(ids):
        course = db.session.get(Course, course_id)
        try:
            status = services.render_again(course)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        counts[status] += 1
        name = course.slug or f"{db.session.get(Course, course.edition_of_id).slug} ({course.language})"
        message = gettext(RENDERED[status], name=name, version=course.version)
        click.echo(message, err=status in ("refused", "busy"))
    click.echo(
        ngettext(
            "%(num)d course rendered again.",
            "%(num)d courses rendered again.",
            counts["refreshed"] + counts["updated"],
        )
    )
    if counts["refused"] or counts["busy"]:
        raise SystemExit(1)

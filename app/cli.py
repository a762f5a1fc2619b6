"""Command line: ``flask --app wsgi content check|import [ROOT]`` (and ``org``, see app.orgs.cli)."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app.catalog.importer import import_course
from app.catalog.models import Course
from app.content.checker import check_root
from app.extensions import db
from app.publishing.models import CourseDraft

content = AppGroup("content", help="Check and import courses and quizzes written in Markdown.")


def _root(root: str | None) -> Path:
    return Path(root) if root else Path(current_app.config["CONTENT_ROOT"])


def _report(result) -> None:
    for problem in result.problems:
        click.echo(str(problem), err=True)


@content.command("check")
@click.argument("root", required=False, type=click.Path(file_okay=False))
def check_command(root: str | None) -> None:
    """Validate ROOT (a folder with courses/ and quizzes/; default: the repository)."""
    path = _root(root)
    if not (path / "courses").is_dir():
        raise click.ClickException(f"{path}: no courses/ folder here")
    result = check_root(path)
    _report(result)
    if result.problems:
        click.echo(f"{len(result.problems)} problem(s); refused: {', '.join(result.refused)}", err=True)
        raise SystemExit(1)
    click.echo(f"OK: {len(result.courses)} course(s), no problem found.")


@content.command("import")
@click.argument("root", required=False, type=click.Path(file_okay=False))
def import_command(root: str | None) -> None:
    """Import or update the valid courses of ROOT; courses with problems stay as they were."""
    path = _root(root)
    if not (path / "courses").is_dir():
        raise click.ClickException(f"{path}: no courses/ folder here")
    result = check_root(path)
    _report(result)
    owned = set(db.session.scalars(select(Course.slug).where(Course.organisation_id.is_not(None))))
    owned |= set(db.session.scalars(select(CourseDraft.slug)))
    for doc in result.courses:
        if doc.slug in owned:  # a publisher's course is changed from its workspace only
            click.echo(f"{doc.slug}: refused, a publisher's course already has this slug", err=True)
            continue
        # One transaction per course: a failure leaves that course's live version untouched.
        try:
            outcome = import_course(doc)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        click.echo(f"{outcome.slug}: {outcome.status} (version {outcome.version})")
    for slug in result.refused:
        click.echo(f"{slug}: refused, the live version (if any) is unchanged", err=True)
    if result.problems:
        raise SystemExit(1)


def init_app(app) -> None:
    """Register the command groups."""
    from app.orgs.cli import org

    app.cli.add_command(content)
    app.cli.add_command(org)

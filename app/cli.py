"""Command line: ``flask --app wsgi content check|import [ROOT]``; ``org``, ``user``: own modules."""

import os
from collections.abc import Mapping
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale, gettext
from sqlalchemy import select

from app.catalog.importer import import_course
from app.catalog.models import Course
from app.content.checker import check_root
from app.content.parser import LANGUAGES
from app.extensions import db
from app.publishing.models import CourseDraft

content = AppGroup("content", help="Check and import courses and quizzes written in Markdown.")


def _root(root: str | None) -> Path:
    return Path(root) if root else Path(current_app.config["CONTENT_ROOT"])


def _report(result) -> None:
    for problem in result.problems:
        click.echo(str(problem), err=True)


@content.command("check")
@click.option("--strict", is_flag=True, help="Exit with status 1 on warnings too, not only on problems.")
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    help="Language of the warnings (default: from LC_ALL, LC_MESSAGES or LANG, else the app's).",
)
@click.argument("root", required=False, type=click.Path(file_okay=False))
def check_command(root: str | None, strict: bool, lang: str | None) -> None:
    """Validate ROOT (a folder with courses/ and quizzes/; default: the repository)."""
    path = _root(root)
    if not (path / "courses").is_dir():
        raise click.ClickException(f"{path}: no courses/ folder here")
    result = check_root(path)
    _report(result)
    language = lang or environment_language(os.environ) or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(language):
        for notice in result.warnings:
            click.echo(f"{notice.path}:{notice.line}: warning: {notice.text(gettext)}", err=True)
    warnings = f"{len(result.warnings)} warning(s)"
    if result.problems:
        refused = ", ".join(result.refused)
        click.echo(f"{len(result.problems)} problem(s), {warnings}; refused: {refused}", err=True)
        raise SystemExit(1)
    if strict and result.warnings:
        click.echo(f"{len(result.courses)} course(s), no problem found; {warnings} (--strict)", err=True)
        raise SystemExit(1)
    click.echo(f"OK: {len(result.courses)} course(s), no problem found, {warnings}.")


def environment_language(environ: Mapping[str, str]) -> str | None:
    """fr or en when the locale variables ask for it (LC_ALL, then LC_MESSAGES, then LANG)."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name)
        if value:  # the first one set wins, as in gettext; "C" or "de_DE" means no choice here
            language = value.split(".")[0].split("@")[0].split("_")[0].lower()
            return language if language in LANGUAGES else None
    return None


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
    from app.accounts.cli import user
    from app.admin.cli import audit_log, certificate
    from app.backup import backup_command, restore_command
    from app.jobs import jobs
    from app.learning.statistics_cli import stats_command
    from app.orgs.cli import org

    content.add_command(stats_command)
    app.cli.add_command(content)
    app.cli.add_command(org)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(user)
    app.cli.add_command(jobs)
    app.cli.add_command(certificate)
    app.cli.add_command(audit_log)

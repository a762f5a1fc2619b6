"""Command line: ``flask --app wsgi content check|import [ROOT]``; ``org``, ``user``: own modules.

Every command speaks French or English: see app.cli_language.
"""

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app.catalog.importer import import_course
from app.catalog.models import Course
from app.cli_language import environment_language, localised  # noqa: F401 - also imported from here
from app.content.checker import check_root
from app.content.messages import N_
from app.extensions import db
from app.i18n import fillable, gettext, ngettext
from app.publishing.models import CourseDraft

content = AppGroup("content", help="Check and import courses and quizzes written in Markdown.")

# Told in the language chosen with --lang (app.cli_language): authors may read them as well as operators.
IMPORTED = {
    "created": N_("%(slug)s: created (version %(version)d)"),
    "updated": N_("%(slug)s: updated (version %(version)d)"),
    "unchanged": N_("%(slug)s: unchanged (version %(version)d)"),
    "refreshed": N_("%(slug)s: unchanged (version %(version)d), rendered again by this version of Cadre"),
}
EDITION_IMPORTED = {
    "created": N_("%(slug)s (%(language)s): edition created (version %(version)d)"),
    "updated": N_("%(slug)s (%(language)s): edition updated (version %(version)d)"),
    "unchanged": N_("%(slug)s (%(language)s): edition unchanged (version %(version)d)"),
    "refreshed": N_(
        "%(slug)s (%(language)s): edition unchanged (version %(version)d),"
        " rendered again by this version of Cadre"
    ),
}


def _root(root: str | None) -> Path:
    path = Path(root) if root else Path(current_app.config["CONTENT_ROOT"])
    if not (path / "courses").is_dir():
        raise click.ClickException(gettext("%(path)s: no courses/ folder here", path=path))
    return path


def _report(result) -> None:
    """Every problem, then every warning, as ``path:line: message`` in the current locale."""
    for problem in result.problems:
        click.echo(problem.located(fillable), err=True)
    for notice in result.warnings:
        warning = gettext("warning: %(message)s", message=notice.text(fillable))
        click.echo(f"{notice.path}:{notice.line}: {warning}", err=True)


@content.command("check")
@click.option("--strict", is_flag=True, help="Exit with status 1 on warnings too, not only on problems.")
@click.argument("root", required=False, type=click.Path(file_okay=False))
@localised
def check_command(root: str | None, strict: bool) -> None:
    """Validate ROOT (a folder with courses/ and quizzes/; default: the repository)."""
    result = check_root(_root(root))
    _report(result)
    courses = ngettext("%(num)d course", "%(num)d courses", len(result.courses))
    problems = ngettext("%(num)d problem", "%(num)d problems", len(result.problems))
    warnings = ngettext("%(num)d warning", "%(num)d warnings", len(result.warnings))
    if result.problems:
        refused = ", ".join(result.refused)
        summary = gettext(
            "%(problems)s, %(warnings)s; refused: %(refused)s",
            problems=problems,
            warnings=warnings,
            refused=refused,
        )
        click.echo(summary, err=True)
        raise SystemExit(1)
    if strict and result.warnings:
        click.echo(
            gettext(
                "%(courses)s, no problem found; %(warnings)s (--strict)",
                courses=courses,
                warnings=warnings,
            ),
            err=True,
        )
        raise SystemExit(1)
    click.echo(
        gettext("OK: %(courses)s, no problem found, %(warnings)s.", courses=courses, warnings=warnings)
    )


@content.command("import")
@click.argument("root", required=False, type=click.Path(file_okay=False))
@localised
def import_command(root: str | None) -> None:
    """Import or update the valid courses of ROOT; courses with problems stay as they were.

    A folder of ROOT named after a language (en/, fr/) holding courses/ and quizzes/ holds those
    courses in that language: each is imported as an edition of the course with the same slug.
    """
    path = _root(root)
    result = check_root(path)
    _report(result)
    _import_valid(result)
    failed = bool(result.problems)
    for language in current_app.config["LANGUAGES"]:
        if (path / language / "courses").is_dir():
            editions = check_root(path / language)
            _report(editions)
            _import_editions(editions, language)
            failed = failed or bool(editions.problems)
    if failed:
        raise SystemExit(1)


def _import_valid(result) -> None:
    """Import each valid course in its own transaction and say what became of every course."""
    owned = set(db.session.scalars(select(Course.slug).where(Course.organisation_id.is_not(None))))
    owned |= set(db.session.scalars(select(CourseDraft.slug)))
    for doc in result.courses:
        if doc.slug in owned:  # a publisher's course is changed from its workspace only
            click.echo(
                gettext("%(slug)s: refused, a publisher's course already has this slug", slug=doc.slug),
                err=True,
            )
            continue
        outcome = _import_one(doc)
        click.echo(gettext(IMPORTED[outcome.status], slug=outcome.slug, version=outcome.version))
    _report_refused(result)


def _import_one(doc, edition_of: Course | None = None):
    """One course in its own transaction: a failure leaves that course's live version untouched."""
    try:
        outcome = import_course(doc, edition_of=edition_of)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return outcome


def _report_refused(result) -> None:
    for slug in result.refused:
        click.echo(gettext("%(slug)s: refused, the live version (if any) is unchanged", slug=slug), err=True)


def _import_editions(result, language: str) -> None:
    """Import each valid course of a language folder as an edition of the bundled course it shares
    its slug with; refuse those that have none, or that are not written in that language."""
    for doc in result.courses:
        original = db.session.scalar(
            select(Course).where(Course.slug == doc.slug, Course.organisation_id.is_(None))
        )
        if original is None or doc.language != language or original.language == language:
            click.echo(
                gettext(
                    "%(slug)s (%(language)s): refused, an edition needs a bundled course with the same "
                    "slug in another language, and %(language)s as its own language",
                    slug=doc.slug,
                    language=language,
                ),
                err=True,
            )
            continue
        outcome = _import_one(doc, edition_of=original)
        message = EDITION_IMPORTED[outcome.status]
        click.echo(gettext(message, slug=outcome.slug, language=language, version=outcome.version))
    _report_refused(result)


def init_app(app) -> None:
    """Register the command groups."""
    from app.accounts.cli import user
    from app.admin.cli import audit_log, certificate
    from app.backup import backup_command, restore_command
    from app.interop.cli import export_gift_command
    from app.jobs import jobs
    from app.learning.statistics_cli import stats_command
    from app.orgs.cli import org
    from app.publishing.cli import render_again_command

    content.add_command(stats_command)
    content.add_command(export_gift_command)
    content.add_command(render_again_command)
    app.cli.add_command(content)
    app.cli.add_command(org)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(user)
    app.cli.add_command(jobs)
    app.cli.add_command(certificate)
    app.cli.add_command(audit_log)

"""The publisher workspace's Moodle pages: a draft's quizzes as GIFT or Moodle XML, GIFT import.

Views on the publishing blueprint (imported at the end of app/publishing/routes.py, as its review
pages are), under the same access rule: outsiders get 404, members without the role 403. Answers
are secret: only the publisher's editors, reviewers and administrators may download them.
"""

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from app.content.bounded import Busy, TooSlow
from app.content.documents import Problem
from app.extensions import db
from app.i18n import gettext as _
from app.i18n import ngettext
from app.publishing import editor, services
from app.publishing.forms import GiftImportForm
from app.publishing.models import IN_REVIEW, CourseDraft
from app.publishing.routes import READ, WRITE, _draft_or_404, _publisher_or_404, bp

from .export import FORMATS, export_file
from .gift_import import MAX_GIFT_BYTES
from .quizzes import from_draft
from .services import import_into_draft


@bp.get("/<org_slug>/<slug>/moodle.<file_format>")
@login_required
def export_quizzes(org_slug: str, slug: str, file_format: str):
    """The draft's quizzes (modules in order, then the final test) as one GIFT or Moodle XML file."""
    org = _publisher_or_404(org_slug, *READ)
    found = _draft_or_404(org, slug)
    if file_format not in FORMATS:
        abort(404)
    back = redirect(url_for("publishing.draft", org_slug=org.slug, slug=slug))
    files = dict(found.files)
    db.session.rollback()  # reading the quizzes needs no database: hold no transaction meanwhile
    try:
        quizzes, problems = services.run_untrusted(from_draft, files, slug)
    except (TooSlow, Busy):
        flash(str(services.SERVER_BUSY), "error")
        return back
    if problems or not quizzes:
        located = "; ".join(problem.located(_) for problem in problems)
        said = (
            _("Fix the quizzes first: %(problems)s", problems=located)
            if problems
            else _("No quiz to export.")
        )
        flash(said, "error")
        return back
    title = str(editor.course_fields(files, slug)[0].get("title") or slug)
    exported = export_file(title, slug, quizzes, file_format)
    disposition = f'attachment; filename="{exported.name}"'
    headers = {"Content-Disposition": disposition, "Cache-Control": "no-store"}
    return Response(exported.data, mimetype=exported.mimetype, headers=headers)


@bp.post("/<org_slug>/<slug>/modules/<module_slug>/import-gift")
@login_required
def import_gift_file(org_slug: str, slug: str, module_slug: str):
    """Append a GIFT file's questions to the module's quiz, all of them or, on any problem, none."""
    org = _publisher_or_404(org_slug, *WRITE)
    found = _draft_or_404(org, slug)
    module = editor.find_module(found.files, slug, module_slug)
    if module is None:
        abort(404)
    editor_url = url_for("publishing.edit_module", org_slug=org.slug, slug=slug, module_slug=module_slug)
    if found.state == IN_REVIEW:
        flash(_("The course is in review: it can be changed again once published or sent back."), "error")
        return redirect(url_for("publishing.draft", org_slug=org.slug, slug=slug))
    form = GiftImportForm()
    if not form.validate_on_submit():
        return _refused(found, module, form, [])
    name = form.gift.data.filename or "questions.gift"
    data = form.gift.data.read(MAX_GIFT_BYTES + 1)
    if len(data) > MAX_GIFT_BYTES:
        form.gift.errors.append(_("The file is larger than %(kb)d KB.", kb=MAX_GIFT_BYTES // 1024))
        return _refused(found, module, form, [])
    try:
        outcome = import_into_draft(org, found, module, name, data, current_user)
    except services.PublishingError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(editor_url)
    if isinstance(outcome, list):
        db.session.rollback()
        return _refused(found, module, form, outcome)
    db.session.commit()
    flash(ngettext("%(num)d question imported.", "%(num)d questions imported.", outcome), "success")
    return redirect(editor_url)


def _refused(found: CourseDraft, module: editor.ModuleFile, form: GiftImportForm, problems: list[Problem]):
    """The import's problems, each with its line, and the form to try again: nothing was saved."""
    return (
        render_template(
            "interop/gift_import.html",
            org=found.organisation,
            draft=found,
            module=module,
            gift_form=form,
            problems=[problem.located(_) for problem in problems],
        ),
        400,
    )

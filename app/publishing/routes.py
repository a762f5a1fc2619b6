"""A publisher's workspace: upload and download course packages, submit, review, publish, history.

Everything is scoped to one organisation checked on the server: outsiders get 404 (nobody learns
which publishers or drafts exist), members without the needed role get 403.
"""

import math
from collections.abc import Callable
from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_login import current_user, login_required

from app import nav
from app.accounts.forms import PostForm
from app.admin.audit import record
from app.content import messages as content_messages
from app.content.bounded import Busy, TooSlow
from app.content.checker import FINAL
from app.content.documents import Message, Problem
from app.content.image_refs import course_images, shown_images
from app.extensions import db
from app.i18n import fillable
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.limits import throttled
from app.orgs import services as orgs
from app.orgs.access import organisation_or_404
from app.orgs.codes import display_code
from app.orgs.models import ADMIN, EDITOR, PUBLISHER, REVIEWER, Organisation
from app.publishing import comments, diffs, editor, images, imports, package, services
from app.publishing.forms import (
    AddModuleForm,
    CourseForm,
    FinalTestForm,
    GiftImportForm,
    ModuleTextForm,
    NewCourseForm,
    RenameModuleForm,
    SendBackForm,
    UploadForm,
)
from app.publishing.image_routes import ImageUploadForm
from app.publishing.models import DONE, FAILED, IN_REVIEW, CourseDraft
from app.urls import external_url

bp = Blueprint("publishing", __name__, url_prefix="/workspace")
PREVIEW_BUSY = _l("The server is busy with other previews: this one will show again in a moment.")
WRITE, REVIEW, READ = (ADMIN, EDITOR), (ADMIN, REVIEWER), (ADMIN, EDITOR, REVIEWER)


def _publisher_or_404(slug: str, *roles: str) -> Organisation:
    return organisation_or_404(slug, PUBLISHER, roles)[0]


def _errors(form) -> str:
    """A form's error messages as one line, for a flash after a redirect."""
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


def _draft_or_404(org: Organisation, slug: str) -> CourseDraft:
    draft = services.find_draft(org, slug)
    if draft is None:
        abort(404)
    return draft


@bp.get("/")
@login_required
def workspaces():
    """/workspace/ typed by hand (it was a 404): where the header's « Workspace » link leads."""
    found = nav.header_tools().workspaces
    if not found:
        abort(404)
    if len(found) == 1:
        return redirect(url_for("publishing.workspace", org_slug=found[0].slug))
    return redirect(url_for("learning.dashboard", _anchor="workspaces"))


@bp.get("/<org_slug>")
@login_required
def workspace(org_slug: str):
    org = _publisher_or_404(org_slug, *READ)
    return _workspace_page(org, UploadForm())


def _workspace_page(org: Organisation, form: UploadForm, problems=(), status: int = 200):
    role = orgs.role_in(current_user, org.id)
    drafts = services.drafts_of(org)
    return (
        render_template(
            "publishing/workspace.html",
            org=org,
            role=role,
            drafts=drafts,
            names={d.id: editor.course_name(d.files, d.slug) for d in drafts},
            archived_ids=services.archived_course_ids(org),
            translations={t.edition.id: t for t in services.translations(org)},
            form=form,
            upload_problems=problems,
            imports_under_way=imports.under_way(org) if role in WRITE else [],
            max_mb=current_app.config["PACKAGE_MAX_BYTES"] // (1024 * 1024),
            join_code=display_code(org.join_code) if org.join_code else None,
            join_url=external_url(url_for("schools.join_link", code=org.join_code))
            if org.join_code
            else None,
            post_form=PostForm(),
        ),
        status,
    )


@bp.post("/<org_slug>/upload")
@login_required
@throttled("upload")
def upload(org_slug: str):
    """Save an uploaded package as the draft of its course, only if it has no problem.

    A package with problems changes nothing (the draft in place stays as it was) and its problems
    are listed: uploading must never replace good work with broken work. The work is done by a
    job (app.publishing.imports); this page answers with its outcome if it has already ended,
    else with the page that follows it.
    """
    org = _publisher_or_404(org_slug, *WRITE)
    form = UploadForm()
    if not form.validate_on_submit():
        return _workspace_page(org, form, status=400)
    limits = imports.package_limits()
    data = form.package.data.read(limits.max_upload_bytes + 1)
    try:
        package.check_size(data, limits)  # refused at once: no use storing it
    except package.PackageError as exc:
        return _workspace_page(org, form, exc.problems, status=400)
    found = imports.start_import(
        org, current_user, form.package.data.filename, data, str(get_locale()), form.replace_changes.data
    )
    db.session.commit()
    imports.queue(found)
    db.session.refresh(found)  # a job run at once has moved it on
    return _import_outcome(org, found, status=400)


def _import_outcome(org: Organisation, found, status: int = 200):
    """The draft page once the import is done, the workspace with its problems once it failed,
    else the page that follows it."""
    if found.state == DONE:
        saved = _("The package was saved as a draft. It has no problem: submit it for review when ready.")
        flash(saved, "success")
        return redirect(url_for("publishing.draft", org_slug=org.slug, slug=found.draft_slug))
    if found.state == FAILED:
        return _workspace_page(org, UploadForm(), found.problems, status=status)
    if imports.stale(found):
        return _workspace_page(org, UploadForm(), [str(imports.STOPPED)], status=status)
    return redirect(url_for("publishing.package_import", org_slug=org.slug, import_id=found.id), 303)


def _import_or_404(org_slug: str, import_id: int):
    org = _publisher_or_404(org_slug, *WRITE)
    found = imports.import_of(org, import_id)
    if found is None:
        abort(404)
    return org, found


@bp.get("/<org_slug>/imports/<int(max=2147483647):import_id>")
@login_required
def package_import(org_slug: str, import_id: int):
    """An upload on its way: its steps while the job runs, then its outcome."""
    org, found = _import_or_404(org_slug, import_id)
    if found.finished or imports.stale(found):
        return _import_outcome(org, found)
    return render_template(
        "publishing/import.html",
        org=org,
        found=found,
        percent=imports.progress_percent(found),
        stage=imports.stage(found),
        status_url=url_for("publishing.package_import_status", org_slug=org.slug, import_id=found.id),
    )


@bp.get("/<org_slug>/imports/<int(max=2147483647):import_id>/status")
@login_required
def package_import_status(org_slug: str, import_id: int):
    """Where the import stands, for its page's script: it reloads the page once finished."""
    org, found = _import_or_404(org_slug, import_id)
    response = jsonify(
        state=found.state,
        finished=found.finished or imports.stale(found),
        percent=imports.progress_percent(found),
        stage=imports.stage(found),
        step=render_template("publishing/_import_step.html", found=found).strip(),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<org_slug>/<slug>")
@login_required
def draft(org_slug: str, slug: str):
    org = _publisher_or_404(org_slug, *READ)
    return _draft_page(org, _draft_or_404(org, slug))


def _file_places(slug: str, modules, module_names: dict[str, str]) -> dict[str, tuple]:
    """Each file of a draft or a version, by path, in the order the course is read in: what the
    pages where it is written call it (« Module “Le contrat” »), the endpoint of that page, its
    arguments, and the anchor of a line in it (None for the course's details, a form)."""
    files = {editor.course_path(slug): (_("Course details"), "publishing.edit_course", {}, None)}
    for module in modules:
        title, this = module_names[module.slug], {"module_slug": module.slug}
        files[module.path] = (_("Module “%(title)s”", title=title), "publishing.edit_module", this, "text")
        files[module.quiz_path] = (
            _("Quiz of the module “%(title)s”", title=title),
            "publishing.edit_module",
            this,
            "quiz",
        )
    files[editor.final_path(slug)] = (_("Final test"), "publishing.edit_final", {}, "quiz")
    return files  # in the order the course is read in


def _where(org: Organisation, found, modules, module_names: dict[str, str]) -> Callable[..., tuple]:
    """For a message about a path at a line: where it is fixed (the editor of that file at its line,
    where editor.js goes, the course's details, or the form that adds a module), and what the pages
    where that file is written call that place (« Module “Le contrat”, line 5: »; a path and a line
    mean something only to who works on a package, and the course's details have no lines). Both
    are None for what the draft page itself shows (images). The files are looked up once for all
    the messages."""
    names = {"org_slug": org.slug, "slug": found.slug}
    files = _file_places(found.slug, modules, module_names)

    def where(path: str, line: int, message: str = "") -> tuple[str | None, str | None]:
        if path not in files:
            return None, None
        place, endpoint, arguments, anchor = files[path]
        if anchor is None:  # the course's details are a form, not a file with lines
            place = _("%(place)s:", place=place)
            if message == content_messages.NO_MODULE:
                return "#add-module", place  # the fix is the form that adds one, on the same page
            return url_for(endpoint, **names), place
        place = _("%(place)s, line %(line)d:", place=place, line=line)
        return url_for(endpoint, **names, **arguments, line=line, _anchor=anchor), place

    return where


def _draft_page(
    org: Organisation,
    found,
    add_form: AddModuleForm | None = None,
    status: int = 200,
    send_back_form: SendBackForm | None = None,
):
    """The draft's page; with *add_form* or *send_back_form*, what a person sent, with what was
    wrong."""
    role = orgs.role_in(current_user, org.id)
    course = services.published_course(found)
    translations = services.translations(org)
    modules, titles = editor.modules(found.files, found.slug), editor.titles(found.files, found.slug)
    module_names = editor.module_names(modules, titles)
    where, said = _where(org, found, modules, module_names), _in_form_words(found)
    return render_template(
        "publishing/draft.html",
        # This draft's own translation (its course is an edition), or the translations of its course.
        translation=next((t for t in translations if course and t.edition.id == course.id), None),
        translations=[t for t in translations if course and t.original.id == course.id],
        languages=current_app.config["LANGUAGES"],
        org=org,
        role=role,
        draft=found,
        versions=services.versions(found.course_id) if found.course_id else [],
        may_publish=role in REVIEW and found.state == IN_REVIEW and services.may_publish(found, current_user),
        post_form=PostForm(),
        send_back_form=send_back_form or SendBackForm(formdata=None),
        modules=modules,
        titles=titles,
        # Open comments name their module by its title.
        module_names=module_names,
        **editor.course_name(found.files, found.slug),
        files_hash=services.files_hash(found.files),
        course=course,
        # Renaming one of these starts it afresh for learners: the page asks first.
        published_slugs={m.slug for m in course.modules if not m.retired} if course else set(),
        add_form=add_form or AddModuleForm(formdata=None),
        rename_form=RenameModuleForm(),
        has_final=editor.final_path(found.slug) in found.files,
        course_file=editor.course_path(found.slug),
        unpublished_changes=services.has_unpublished_changes(found),
        open_comments=comments.open_comments(found),
        # Translated here, in the reader's language: the checker stores English templates.
        warnings=[
            (n.path, n.line, n.text(fillable), *where(n.path, n.line))
            for n in [*services.warnings_of(found), *services.namesakes(found)]
        ],
        problems=[
            (p.path, p.line, said(p), *where(p.path, p.line, p.message)) for p in services.problems_of(found)
        ],
        images=images.draft_images(found),
        image_form=ImageUploadForm(),
    ), status


@bp.get("/<org_slug>/<slug>/package.zip")
@login_required
def download(org_slug: str, slug: str):
    org = _publisher_or_404(org_slug, *READ)
    found = _draft_or_404(org, slug)
    return Response(
        package.write_package(
            found.files, images.package_images(found.files), draft_hash=services.files_hash(found.files)
        ),
        mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{found.slug}.zip"',
            "Cache-Control": "no-store",
        },
    )


def _act(org: Organisation, found: CourseDraft, action, success: str):
    try:
        action()
    except services.PublishingError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(success, "success")
    return redirect(url_for("publishing.draft", org_slug=org.slug, slug=found.slug))


def _draft_for_action(org_slug: str, slug: str, roles: tuple[str, ...]) -> tuple[Organisation, CourseDraft]:
    """The organisation and draft a one-button action (a POST with its CSRF token) applies to."""
    org = _publisher_or_404(org_slug, *roles)
    found = _draft_or_404(org, slug)
    if not PostForm().validate_on_submit():
        abort(400)
    return org, found


@bp.post("/<org_slug>/<slug>/submit")
@login_required
def submit(org_slug: str, slug: str):
    org, found = _draft_for_action(org_slug, slug, WRITE)
    return _act(org, found, lambda: services.submit(found, current_user), _("Submitted for review."))


@bp.post("/<org_slug>/<slug>/withdraw")
@login_required
def withdraw(org_slug: str, slug: str):
    org, found = _draft_for_action(org_slug, slug, WRITE)
    return _act(
        org,
        found,
        lambda: services.withdraw(found),
        _("Taken back from review: the course can be changed again."),
    )


@bp.post("/<org_slug>/<slug>/translate")
@login_required
def translate(org_slug: str, slug: str):
    """Start a translation of the published course: a new draft, linked to it, to rewrite."""
    org, found = _draft_for_action(org_slug, slug, WRITE)
    try:
        started = services.start_translation(found, request.form.get("language", ""), current_user)
    except services.PublishingError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("publishing.draft", org_slug=org.slug, slug=found.slug))
    db.session.commit()
    flash(
        _(
            "Translation started: rewrite each text in its language, keeping the names of modules "
            "and questions."
        ),
        "success",
    )
    return redirect(url_for("publishing.draft", org_slug=org.slug, slug=started.slug))


@bp.post("/<org_slug>/<slug>/publish")
@login_required
def publish(org_slug: str, slug: str):
    org, found = _draft_for_action(org_slug, slug, REVIEW)
    seen = request.form.get("files_hash", "")
    return _act(
        org,
        found,
        lambda: services.publish(found, current_user, seen),
        _("Published: learners see this version now."),
    )


@bp.post("/<org_slug>/<slug>/send-back")
@login_required
def send_back(org_slug: str, slug: str):
    org = _publisher_or_404(org_slug, *REVIEW)
    found = _draft_or_404(org, slug)
    form = SendBackForm()
    if not form.validate_on_submit():
        if form.comment.errors and found.state == IN_REVIEW:  # said at the field, as other forms do
            return _draft_page(org, found, send_back_form=form, status=400)
        flash(_errors(form) or _("Say what should change, so the editor knows."), "error")
        return redirect(url_for("publishing.draft", org_slug=org.slug, slug=found.slug))
    return _act(
        org,
        found,
        lambda: services.send_back(found, current_user, form.comment.data),
        _("Sent back to the editors."),
    )


@bp.post("/<org_slug>/<slug>/visibility")
@login_required
def visibility(org_slug: str, slug: str):
    org, found = _draft_for_action(org_slug, slug, REVIEW)
    value = request.form.get("visibility", "")
    return _act(org, found, lambda: services.set_visibility(found, value), _("Visibility saved."))


def _button(name: str, *values: str) -> str:
    """Which of a form's buttons was pressed: anything else was not sent by its page (400)."""
    value = request.form.get(name, "")
    if value not in values:
        abort(400)
    return value


@bp.post("/<org_slug>/<slug>/archive")
@login_required
def archive(org_slug: str, slug: str):
    org, found = _draft_for_action(org_slug, slug, REVIEW)
    if _button("action", "archive", "restore") == "restore":
        return _act(org, found, lambda: services.restore(found), _("The course is back in the catalogue."))
    return _act(
        org, found, lambda: services.archive(found), _("Archived: the course is out of the catalogue.")
    )


@bp.post("/<org_slug>/self-publishing")
@login_required
def self_publishing(org_slug: str):
    """The administrator's rule: may a person publish what they submitted (a one-person team)?"""
    org = _publisher_or_404(org_slug, ADMIN)
    if not PostForm().validate_on_submit():
        abort(400)
    allow = _button("allow", "yes", "no") == "yes"
    if allow != org.self_publish:  # the review rule is a safeguard: who changed it is kept
        org.self_publish = allow
        record("org.self_publishing", organisation=org, detail="allowed" if allow else "second reader")
    db.session.commit()
    flash(
        _("Self-publishing is allowed.")
        if org.self_publish
        else _("A second person now reviews before publishing."),
        "success",
    )
    return redirect(url_for("publishing.workspace", org_slug=org.slug))


@bp.post("/<org_slug>/joining")
@login_required
def joining(org_slug: str):
    """Open joining with a new members' code, or close it."""
    org = _publisher_or_404(org_slug, ADMIN)
    if not PostForm().validate_on_submit():
        abort(400)
    if _button("action", "open", "close") == "close":
        orgs.close_joining(org)
        flash(_("Joining is closed: the code no longer lets anyone in."), "success")
    else:
        orgs.open_joining(org)
        flash(_("New members' code: %(code)s.", code=display_code(org.join_code)), "success")
    db.session.commit()
    return redirect(url_for("publishing.workspace", org_slug=org.slug))


@bp.get("/<org_slug>/<slug>/versions/<int(max=2147483647):number>")
@login_required
def version(org_slug: str, slug: str, number: int):
    """One published version's files, and what changed since the previous one."""
    org = _publisher_or_404(org_slug, *READ)
    found = _draft_or_404(org, slug)
    if found.course_id is None:
        abort(404)
    history = {v.version: v for v in services.versions(found.course_id)}
    current = history.get(number)
    if current is None:
        abort(404)
    previous = max((v for n, v in history.items() if n < number), key=lambda v: v.version, default=None)
    changes = diffs.version_changes(previous, current)
    # Files are named as the workspace names them (a removed one as it was) and listed in the order
    # the course is read in, not the paths' (quizzes/ after courses/). Its comments name their
    # module by its title in this version (a module since removed too, by its last title).
    modules = editor.modules(current.files, found.slug)
    module_names = editor.module_names(modules, editor.titles(current.files, found.slug))
    if previous is not None:
        before = editor.modules(previous.files, found.slug)
        module_names = editor.module_names(before, editor.titles(previous.files, found.slug)) | module_names
        kept = {m.path for m in modules}
        modules = sorted(
            [*modules, *(m for m in before if m.path not in kept)], key=lambda m: (m.position, m.slug)
        )
    places = {path: named[0] for path, named in _file_places(found.slug, modules, module_names).items()}
    order = {path: position for position, path in enumerate(places)}

    def in_order(path: str) -> tuple[int, str]:
        return order.get(path, len(order)), path

    return render_template(
        "publishing/version.html",
        org=org,
        draft=found,
        current=current,
        previous=previous,
        changes=changes,
        changed_files=sorted(changes.files, key=lambda change: in_order(change.path)),
        texts=sorted(current.files.items(), key=lambda item: in_order(item[0])),
        review_comments=comments.of_version(found, previous, current),
        module_names=module_names,
        places=places,
        **editor.course_name(found.files, found.slug),
    )


# The browser editor ---------------------------------------------------------------------------


def _save(org: Organisation, found: CourseDraft, files: dict[str, str], message: str):
    """Save the draft (kept even with problems) and come back to its page."""
    try:
        services.save_files(org, found.slug, files, current_user)
    except services.PublishingError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(message, "success")


@bp.post("/<org_slug>/<slug>/files/remove")
@login_required
def remove_file(org_slug: str, slug: str):
    """Remove one file from the draft (a stray file, an unwanted quiz); the draft is checked again."""
    org = _publisher_or_404(org_slug, *WRITE)
    found = _draft_or_404(org, slug)
    path = request.form.get("path", "")
    if not PostForm().validate_on_submit() or path not in found.files:
        abort(400)
    if path == editor.course_path(slug):
        flash(_("A course cannot lose its course.md: edit it instead."), "error")
    else:
        files = {name: text for name, text in found.files.items() if name != path}
        _save(org, found, files, _("%(path)s was removed from the draft.", path=path))
    return redirect(url_for("publishing.draft", org_slug=org.slug, slug=slug))


@bp.post("/<org_slug>/<slug>/discard")
@login_required
def discard(org_slug: str, slug: str):
    """Throw the draft's changes away: back to the published version, or no draft at all."""
    org = _publisher_or_404(org_slug, *WRITE)
    found = _draft_or_404(org, slug)
    if not PostForm().validate_on_submit():
        abort(400)
    try:
        kept = services.discard(found, current_user)
    except services.PublishingError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("publishing.draft", org_slug=org.slug, slug=slug))
    db.session.commit()
    if kept:
        flash(_("The changes were discarded: the draft is the published version again."), "success")
        return redirect(url_for("publishing.draft", org_slug=org.slug, slug=slug))
    flash(_("The draft of %(slug)s was discarded.", slug=slug), "success")
    return redirect(url_for("publishing.workspace", org_slug=org.slug))


@bp.route("/<org_slug>/new", methods=["GET", "POST"])
@login_required
def new_course(org_slug: str):
    org = _publisher_or_404(org_slug, *WRITE)
    form = NewCourseForm()
    if form.validate_on_submit():
        slug = form.slug.data
        if services.find_draft(org, slug) is not None:
            form.slug.errors.append(_("You already have a course with this short name."))
        else:
            values = {
                "title": form.title.data,
                "language": "fr",
                "level": "beginner",
                "duration": 60,
                "publisher": org.name,
                "updated": date.today(),
            }
            files = editor.write_course({}, slug, values, "…")
            try:
                services.save_files(org, slug, files, current_user)
            except services.PublishingError as exc:
                db.session.rollback()
                form.slug.errors.append(str(exc))
            else:
                db.session.commit()
                flash(_("Draft created: fill in the course details, then add modules."), "success")
                return redirect(url_for("publishing.edit_course", org_slug=org.slug, slug=slug))
    return render_template("publishing/new_course.html", org=org, form=form)


def _field_of(form: CourseForm, message: str):
    """The course form's field a checker message on course.md is about, if any: the front-matter
    field it names, or the introduction for what is wrong with the text."""
    name = dict(getattr(message, "params", ())).get("name")
    if name in editor.COURSE_FIELDS and name in form:
        return form[name]
    if message in (content_messages.EMPTY_INTRO, content_messages.PLACEHOLDER):
        return form.intro
    return None


def _in_form_words(found: CourseDraft, form: CourseForm | None = None) -> Callable[[Problem], str]:
    """A checker message in the reader's language, one about a field of course.md naming it as the
    course details form does (« Résumé »), not by its key in the file (« summary »): whoever writes
    in the browser never sees the file. Messages about other files keep their keys, which their
    editor shows."""
    course_file, form = editor.course_path(found.slug), form or CourseForm(formdata=None)
    labels = {name: str(form[name].label.text) for name in editor.COURSE_FIELDS if name in form}

    def said(problem: Problem) -> str:
        message = problem.message
        params = dict(getattr(message, "params", ()))
        if problem.path == course_file and params.get("name") in labels:
            return Message(message.template, **(params | {"name": labels[params["name"]]})).text(fillable)
        return problem.text(fillable)

    return said


@bp.route("/<org_slug>/<slug>/course", methods=["GET", "POST"])
@login_required
def edit_course(org_slug: str, slug: str):
    """course.md as a form: its front matter fields and its introduction."""
    org = _publisher_or_404(org_slug, *WRITE)
    found = _draft_or_404(org, slug)
    if found.state == IN_REVIEW:
        flash(_("The course is in review: it can be changed again once published or sent back."), "error")
        return redirect(url_for("publishing.draft", org_slug=org.slug, slug=slug))
    values, body = editor.course_fields(found.files, slug)
    form = CourseForm(data={**values, "intro": body} if request.method == "GET" else None)
    for name in ("language", "level") if request.method == "GET" else ():
        # A value no choice offers (from a package) would be replaced silently on saving: say so.
        if name in values and values[name] not in {choice.value for choice in form[name].choices}:
            said = _("course.md says “%(value)s”, which is not one of these: choose one.", value=values[name])
            form[name].errors = [said]
    if form.validate_on_submit():
        fields = {name: form[name].data for name in editor.COURSE_FIELDS if name != "publisher"}
        fields |= {name: values[name] for name in editor.KEPT_FIELDS if name in values}
        files = editor.write_course(found.files, slug, {**fields, "publisher": org.name}, form.intro.data)
        _save(org, found, files, _("Course details saved."))
        return redirect(url_for("publishing.draft", org_slug=org.slug, slug=slug))
    # The last save's problems: notes under the field they are about, in the form's words; the
    # others in a list. Only on opening the page (after a refused save, the form's own errors are
    # current), and not as errors: the draft is saved, and a new one opens with them.
    problems, notes, said = [], {}, _in_form_words(found, form)
    for problem in services.problems_of(found, editor.course_path(slug)) if request.method == "GET" else ():
        target, text = _field_of(form, problem.message), said(problem)
        text = text[:1].upper() + text[1:]
        if problem.message == content_messages.NO_MODULE:  # with a link to the form that adds one
            problems.append((_("The course has no module yet."), True))
        elif target is None:
            problems.append((text, False))
        elif not target.errors:  # a value no choice offers is said above, as an error
            required = (
                getattr(problem.message, "template", "") == content_messages.missing_field("x").template
            )
            text = _("Required: fill it in.") if required else text
            notes[target.name] = " ".join(filter(None, (notes.get(target.name), text)))
    return render_template(
        "publishing/edit_course.html",
        org=org,
        draft=found,
        form=form,
        problems=problems,
        notes=notes,
        **editor.course_name(found.files, found.slug),
    )


@bp.route("/<org_slug>/<slug>/modules/<module_slug>", methods=["GET", "POST"])
@login_required
def edit_module(org_slug: str, slug: str, module_slug: str):
    """A module and its quiz as Markdown, with a live preview and the checker's messages."""
    org = _publisher_or_404(org_slug, *WRITE)
    found = _draft_or_404(org, slug)
    if found.state == IN_REVIEW:
        flash(_("The course is in review: it can be changed again once published or sent back."), "error")
        return redirect(url_for("publishing.draft", org_slug=org.slug, slug=slug))
    module = editor.find_module(found.files, slug, module_slug)
    if module is None:
        abort(404)
    # A module without a quiz starts from a commented example, saved only once changed.
    quiz = found.files.get(module.quiz_path) or editor.quiz_starter()
    form = ModuleTextForm(
        data={"text": found.files[module.path], "quiz": quiz} if request.method == "GET" else None
    )
    if form.validate_on_submit():
        quiz = "" if editor.is_quiz_starter(form.quiz.data) else form.quiz.data
        try:
            files = editor.set_text(found.files, module.path, form.text.data)
            files = editor.set_quiz_text(files, module.quiz_path, quiz)
        except editor.EditError as exc:
            flash(str(exc), "error")
        else:
            _save(org, found, files, _("Draft saved."))
        return redirect(
            url_for("publishing.edit_module", org_slug=org.slug, slug=slug, module_slug=module_slug)
        )
    return render_template(
        "publishing/edit_module.html",
        org=org,
        draft=found,
        module=module,
        **_names(found, module),
        form=form,
        has_quiz=module.quiz_path in found.files,
        open_comments=comments.open_count(found, module.slug),
        gift_form=GiftImportForm(),
        **_messages(found, module.path, module.quiz_path),
    )


def _names(found: CourseDraft, module: editor.ModuleFile) -> dict[str, str | None]:
    """What a module's page calls it and its course: their titles, else their short names."""
    name = editor.front_title(found.files.get(module.path, "")) or module.slug
    return {"name": name, **editor.course_name(found.files, found.slug)}


@bp.route("/<org_slug>/<slug>/final", methods=["GET", "POST"])
@login_required
def edit_final(org_slug: str, slug: str):
    """The course's final test as Markdown, with the quizzes' live preview; emptied, it is removed."""
    org = _publisher_or_404(org_slug, *WRITE)
    found = _draft_or_404(org, slug)
    if found.state == IN_REVIEW:
        flash(_("The course is in review: it can be changed again once published or sent back."), "error")
        return redirect(url_for("publishing.draft", org_slug=org.slug, slug=slug))
    path = editor.final_path(slug)
    # A course without a final test starts from a valid example rather than an empty field.
    start = found.files.get(path) or editor.final_starter()
    form = FinalTestForm(data={"quiz": start} if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            files = editor.set_quiz_text(found.files, path, form.quiz.data)
        except editor.EditError as exc:
            flash(str(exc), "error")
        else:
            saved = _("Final test saved.") if path in files else _("The course has no final test.")
            _save(org, found, files, saved)
        return redirect(url_for("publishing.edit_final", org_slug=org.slug, slug=slug))
    return render_template(
        "publishing/edit_final.html",
        org=org,
        draft=found,
        **editor.course_name(found.files, found.slug),
        form=form,
        path=path,
        exists=path in found.files,
        open_comments=comments.open_count(found, FINAL),
        **_messages(found, path),
    )


def _messages(found: CourseDraft, *paths: str) -> dict[str, dict]:
    """The checker's problems and (translated) warnings kept with the draft, as (line, text) per file."""
    problems = {
        path: [(p.line, p.text(fillable)) for p in services.problems_of(found, path)] for path in paths
    }
    warnings = {
        path: [(n.line, n.text(fillable)) for n in services.warnings_of(found, path)] for path in paths
    }
    return {"problems": problems, "warnings": warnings}


def _preview_payload() -> tuple[str, str]:
    """The path and text a preview request carries (400 for anything else)."""
    payload = request.get_json(silent=True)
    path, text = (payload.get("path"), payload.get("text")) if isinstance(payload, dict) else (None, None)
    if (
        not isinstance(path, str)
        or not isinstance(text, str)
        or not path.startswith(("courses/", "quizzes/"))
    ):
        abort(400)
    try:
        text.encode("utf-8")  # JSON may carry lone surrogates, which no file can hold
    except UnicodeEncodeError:
        abort(400)
    return path, text[: editor.MAX_TEXT]


@bp.post("/<org_slug>/<slug>/preview")
@login_required
@throttled("preview")
def preview(org_slug: str, slug: str):
    """The live preview: one file rendered by the import's parser and sanitiser, with its problems."""
    org = _publisher_or_404(org_slug, *WRITE)
    found = _draft_or_404(org, slug)
    path, text = _preview_payload()
    shown = shown_images(found.slug, course_images(found.files, found.slug))
    seconds = current_app.config["CONTENT_CHECK_SECONDS"]
    # Rendering reads nothing from the database: end the transaction first, so that a slow
    # preview never holds SQLite's write lock (taken when a transaction begins) from others.
    db.session.rollback()
    try:
        result = services.run_untrusted(editor.preview, path, text, shown)
    except TooSlow:
        result = editor.Preview("", [Problem(path, 1, services.too_slow(seconds))])
    except Busy:  # every slot is taken by other previews or checks: refuse rather than queue
        response = jsonify(html="", problems=[{"line": 1, "message": str(PREVIEW_BUSY)}])
        response.status_code = 503
        response.headers["Retry-After"] = str(math.ceil(seconds))  # a slot frees within that
        return response
    html = result.html
    if result.quiz is not None or result.items:  # rendered here, in the reader's language
        sections = editor.quiz_sections(result.quiz) if result.quiz else []
        html = render_template(
            "publishing/_quiz_preview.html", quiz=result.quiz, sections=sections, partial=result
        )
    return jsonify(
        html=html, problems=[{"line": p.line, "message": p.text(fillable)} for p in result.problems]
    )


@bp.post("/<org_slug>/<slug>/modules")
@login_required
def add_module(org_slug: str, slug: str):
    org = _publisher_or_404(org_slug, *WRITE)
    found = _draft_or_404(org, slug)
    form = AddModuleForm()
    if not form.validate_on_submit():  # the page again, the title typed kept, the errors by their fields
        return _draft_page(org, found, add_form=form, status=400)
    try:
        files = editor.add_module(found.files, slug, form.slug.data, form.title.data, date.today())
    except editor.EditError as exc:
        form.slug.errors.append(str(exc))
        return _draft_page(org, found, add_form=form, status=400)
    _save(org, found, files, _("Module added."))
    return redirect(
        url_for("publishing.edit_module", org_slug=org.slug, slug=slug, module_slug=form.slug.data)
    )


@bp.post("/<org_slug>/<slug>/modules/<module_slug>/<action>")
@login_required
def change_module(org_slug: str, slug: str, module_slug: str, action: str):
    """Move up or down, rename, or delete a module (its quiz follows)."""
    org = _publisher_or_404(org_slug, *WRITE)
    found = _draft_or_404(org, slug)
    if action not in ("up", "down", "rename", "delete"):
        abort(404)
    rename = RenameModuleForm()
    if not rename.validate_on_submit() if action == "rename" else not PostForm().validate_on_submit():
        flash(_errors(rename) or _("Try again."), "error")
        return redirect(url_for("publishing.draft", org_slug=org.slug, slug=slug))
    try:
        if action == "rename":
            files = editor.rename_module(found.files, slug, module_slug, rename.slug.data)
        elif action == "delete":
            files = editor.delete_module(found.files, slug, module_slug)
        else:
            files = editor.move_module(found.files, slug, module_slug, -1 if action == "up" else 1)
    except editor.EditError as exc:
        flash(str(exc), "error")
    else:
        if files == found.files:  # the first module moved up, a module renamed as it was…
            flash(_("Nothing to change: the draft is as it was."), "info")
        else:
            _save(org, found, files, _("Draft saved."))
    return redirect(url_for("publishing.draft", org_slug=org.slug, slug=slug))


# The reading page and the review comments, and the team, live in their own modules, on this
# blueprint; imported last because they take the blueprint from here (Flask's pattern for views
# split over modules).
from app.interop import routes as interop_routes  # noqa: E402, F401 - Moodle export, GIFT import
from app.publishing import review_routes, team_routes  # noqa: E402, F401

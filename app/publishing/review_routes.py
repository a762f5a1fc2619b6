"""The reading page of a draft and the review comments attached to its modules.

On the workspace's blueprint, with its rule: outsiders get 404, members without a role 403.
Every member of the team (administrators, editors, reviewers) may read and comment; a comment
is resolved, and reopened, by the course's editors or by its author.
"""

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from app.accounts.forms import PostForm
from app.content.bounded import Busy
from app.content.checker import FINAL
from app.extensions import db, start_writing
from app.forms import Form
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.limits import throttled
from app.notifications import events
from app.orgs.access import organisation_or_404
from app.orgs.models import PUBLISHER, Organisation
from app.publishing import comments, editor, reading, services
from app.publishing.models import CourseDraft, ReviewComment
from app.publishing.routes import READ, WRITE, bp


def _remark(label, empty, too_long) -> TextAreaField:
    """A comment's or a reply's text: required, at most comments.MAX_COMMENT characters, trimmed."""
    return TextAreaField(
        label,
        validators=[DataRequired(empty), Length(max=comments.MAX_COMMENT, message=too_long)],
        # Its line breaks are one character each already (app.forms.one_line_break).
        filters=[lambda value: value.strip() if value else value],
    )


class CommentForm(Form):
    """One comment; the page renders its field once per module, each with an id of its own."""

    body = _remark(
        _l("Your comment"),
        _l("Write a comment first."),
        _l("A comment may hold at most %(max)d characters."),
    )
    # Checked by comments.add once its spaces are collapsed; the selection fills it in (static/js/review.js).
    quote = TextAreaField(
        _l("The passage it is about (optional)"),
        description=_l(
            "Copy a few words of the module here, or select them on the page and press “Quote the selection”."
        ),
    )


class ReplyForm(Form):
    """An answer to one comment; the page renders it under each open comment, with its own ids."""

    body = _remark(
        _l("Your reply"), _l("Write a reply first."), _l("A reply may hold at most %(max)d characters.")
    )


def _draft_of(org_slug: str, slug: str) -> tuple[Organisation, str, CourseDraft]:
    """The organisation, the reader's role in it and the draft (404 / 403 as the workspace)."""
    org, role = organisation_or_404(org_slug, PUBLISHER, READ)
    found = services.find_draft(org, slug)
    if found is None:
        abort(404)
    return org, role, found


def _back_to(org: Organisation, found: CourseDraft, module_slug: str):
    anchor = f"comments-{module_slug}"
    return redirect(url_for("publishing.read", org_slug=org.slug, slug=found.slug, _anchor=anchor))


def _readable(found: CourseDraft):
    """The draft parsed, or None when it has problems or the server is too busy to read it."""
    try:
        return reading.parsed(found.files)
    except Busy:
        return None


def _titles(course) -> dict[str, str]:
    """What each thread of comments is about, by slug: the modules shown, and the final test."""
    if course is None:
        return {}
    titles = {module.slug: module.title for module in course.modules}
    if course.final:
        titles[FINAL] = _("Final test")
    return titles


def _module_title(found: CourseDraft, module_slug: str) -> str:
    """A module's title as its file gives it (its short name otherwise); "" for the final test,
    which each notification names in its reader's language (app.notifications.texts)."""
    if module_slug == FINAL:
        return ""
    module = next((m for m in editor.modules(found.files, found.slug) if m.slug == module_slug), None)
    return (module and editor.front_title(found.files[module.path])) or module_slug


@dataclass(frozen=True)
class RefusedComment:
    """A comment the rules refused: shown again in its module's form, with why."""

    slug: str
    form: CommentForm
    message: str


@dataclass(frozen=True)
class RefusedReply:
    """A reply the rules refused: shown again under its comment, with why."""

    comment_id: int
    form: ReplyForm
    message: str


@bp.get("/<org_slug>/<slug>/read")
@login_required
def read(org_slug: str, slug: str):
    """The draft as learners will read it, answers shown, what it changes, and its comments."""
    org, role, found = _draft_of(org_slug, slug)
    if events.comments_unseen(found, current_user):
        start_writing()  # now and then: a GET that reads only takes no write lock
        events.comments_seen(found, current_user)  # read here: no longer "new" in the notifications
        db.session.commit()
    return _reading_page(org, role, found)


def _reading_page(
    org: Organisation, role: str, found: CourseDraft, refused: RefusedComment | RefusedReply | None = None
):
    """The reading page; with *refused*, a comment or a reply shown again in its form (status 400)."""
    slug = found.slug
    try:
        course = reading.parsed(found.files)
        live_files = services.published_files(found)
        live = reading.parsed(live_files) if live_files and live_files != found.files else None
    except Busy:
        flash(str(services.SERVER_BUSY), "error")
        return redirect(url_for("publishing.draft", org_slug=org.slug, slug=slug))
    texts = comments.passages(course) if course else None  # a draft with problems: nothing to look in
    return render_template(
        "publishing/read.html",
        org=org,
        draft=found,
        **editor.course_name(found.files, found.slug),
        course=course,
        changes=reading.changes(live, course) if live and course else None,
        course_changed=bool(live and course and reading.course_changed(live, course)),
        course_file=editor.course_path(found.slug),
        lines=reading.line_changes(live_files, found.files, found.slug) if live and course else {},
        published=found.course_id is not None,
        threads=comments.threads(found, comments.current(found), texts),
        titles=_titles(course),
        editing=role in WRITE,
        comment_form=CommentForm(formdata=None),
        reply_form=ReplyForm(formdata=None),
        max_comment=comments.MAX_COMMENT,
        refused=refused,
        post_form=PostForm(),
    ), 400 if refused else 200


@bp.post("/<org_slug>/<slug>/comments/<module_slug>")
@login_required
@throttled("remark")
def add_comment(org_slug: str, slug: str, module_slug: str):
    """Attach a comment to a module of the draft (FINAL: to its final test)."""
    org, role, found = _draft_of(org_slug, slug)
    form = CommentForm()
    if not form.validate_on_submit():
        # What was typed is shown again in its form, with why: nothing a reviewer wrote is lost.
        message = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return _reading_page(org, role, found, RefusedComment(module_slug, form, message))
    try:
        quote = form.quote.data or ""
        texts = comments.passages(course) if quote and (course := _readable(found)) else None
        comment = comments.add(found, module_slug, form.body.data, current_user, quote, texts)
    except comments.CommentError as exc:
        return _reading_page(org, role, found, RefusedComment(module_slug, form, str(exc)))
    if comment.id is None:  # a new comment, not the same one sent twice: the editor is told
        db.session.flush()
        events.commented(found, comment, _module_title(found, module_slug), current_user)
    db.session.commit()
    flash(_("Comment added."), "success")
    return _back_to(org, found, module_slug)


def _comment_of(found: CourseDraft, comment_id: int) -> ReviewComment:
    """A comment of this draft (404 for any other)."""
    comment = db.session.get(ReviewComment, comment_id)
    if comment is None or comment.draft_id != found.id:
        abort(404)
    return comment


@bp.post("/<org_slug>/<slug>/comments/<int(max=2147483647):comment_id>/replies")
@login_required
@throttled("remark")
def reply_to_comment(org_slug: str, slug: str, comment_id: int):
    """Answer a comment: anyone who may read the draft (its editors, reviewers, administrators)."""
    org, role, found = _draft_of(org_slug, slug)
    comment = _comment_of(found, comment_id)
    form = ReplyForm()
    if not form.validate_on_submit():
        message = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return _reading_page(org, role, found, RefusedReply(comment.id, form, message))
    try:
        answer = comments.reply(found, comment, form.body.data, current_user)
    except comments.CommentError as exc:
        hashes = comments.module_hashes(found.files, found.slug)
        if comment.module_slug not in hashes or not comments.in_round(found, comment):
            # Its module gone, or the course published since the page was opened: the comment has
            # no reply form on the page any more; the reason is said at the top of it.
            flash(str(exc), "error")
            return _back_to(org, found, comment.module_slug)
        return _reading_page(org, role, found, RefusedReply(comment.id, form, str(exc)))
    if answer.id is None:  # a new reply, not the same one sent twice: its thread is told
        db.session.flush()
        events.replied(found, comment, _module_title(found, comment.module_slug), answer.body, current_user)
    db.session.commit()
    flash(_("Reply added."), "success")
    return redirect(
        url_for("publishing.read", org_slug=org.slug, slug=found.slug, _anchor=f"comment-{comment.id}")
    )


@bp.post("/<org_slug>/<slug>/comments/<int(max=2147483647):comment_id>/resolve")
@login_required
def resolve_comment(org_slug: str, slug: str, comment_id: int):
    """Mark a comment resolved: by the course's editors, or by the person who wrote it."""
    org, role, found = _draft_of(org_slug, slug)
    comment = _comment_of(found, comment_id)
    if not PostForm().validate_on_submit():
        abort(400)
    if comment.resolved_at is None:  # resolving twice (two tabs) changes nothing
        if not comments.may_resolve(comment, current_user, role in WRITE):
            abort(403)
        comments.resolve(comment, current_user)
        db.session.commit()
    flash(_("Comment resolved."), "success")
    return _back_to(org, found, comment.module_slug)


@bp.post("/<org_slug>/<slug>/comments/<int(max=2147483647):comment_id>/reopen")
@login_required
def reopen_comment(org_slug: str, slug: str, comment_id: int):
    """Open a resolved comment again: by those who may resolve it."""
    org, role, found = _draft_of(org_slug, slug)
    comment = _comment_of(found, comment_id)
    if not PostForm().validate_on_submit():
        abort(400)
    if comment.resolved_at is not None:  # reopening twice (two tabs) changes nothing
        if not comments.may_reopen(comment, current_user, role in WRITE):
            abort(403)
        try:
            comments.reopen(found, comment)
        except comments.CommentError as exc:
            flash(str(exc), "error")
            return _back_to(org, found, comment.module_slug)
        db.session.commit()
    flash(_("Comment reopened."), "success")
    return _back_to(org, found, comment.module_slug)

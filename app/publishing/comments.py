"""Review comments: remarks on one module of a draft (or its final test), resolved by its editors
(and reopened if need be).

A comment belongs to the review round it was written in: the time since the course was last
published. The reading page shows the current round; a version's page shows the round that led
to it. Comments are keyed by module slug and carry the module's hash, so a comment on text that
has changed since says so.
"""

import html
import re
from dataclasses import dataclass, field

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.accounts.models import User
from app.content.checker import FINAL, content_hash
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models_base import utcnow
from app.publishing import editor
from app.publishing.models import CourseDraft, CourseVersion, ReviewComment, ReviewReply

MAX_COMMENT = 2000  # characters: a remark, not a rewrite of the module
MAX_QUOTE = 300  # characters: a passage, not the module
QUOTE_MARKS = "\"'«»“”‘’„ \u00a0\u202f"  # stripped from a quote's ends: a pasted passage may bring them


class CommentError(ValueError):
    """A comment the rules refuse; ``str()`` is a message for the person."""


def module_hashes(files: dict[str, str], course_slug: str) -> dict[str, str]:
    """Each module's hash (its text and its quiz), and the final test's under FINAL.

    Keyed by role rather than path, so moving a module (which renames its file) is not a change.
    """
    hashes = {
        m.slug: content_hash({"module": files[m.path], "quiz": files.get(m.quiz_path, "")})
        for m in editor.modules(files, course_slug)
    }
    final = files.get(editor.final_path(course_slug))
    if final is not None:
        hashes[FINAL] = content_hash({"quiz": final})
    return hashes


def _since_last_publication(draft: CourseDraft):
    """The condition "written after the course was last published" (always true if never)."""
    last = (
        select(func.max(CourseVersion.published_at))
        .where(CourseVersion.course_id == draft.course_id)
        .scalar_subquery()
    )
    return or_(last.is_(None), ReviewComment.created_at > last)


def _comments(*conditions) -> list[ReviewComment]:
    """Comments with their authors and their replies (with theirs), oldest first: two queries."""
    query = (
        select(ReviewComment)
        .where(*conditions)
        .options(
            joinedload(ReviewComment.author),
            joinedload(ReviewComment.resolved_by),
            selectinload(ReviewComment.replies).joinedload(ReviewReply.author),
        )
        .order_by(ReviewComment.created_at, ReviewComment.id)
    )
    return list(db.session.scalars(query))


def current(draft: CourseDraft) -> list[ReviewComment]:
    """The comments of the round under way (written since the last publication)."""
    return _comments(ReviewComment.draft_id == draft.id, _since_last_publication(draft))


def open_comments(draft: CourseDraft) -> list[ReviewComment]:
    """The current round's comments nobody has resolved yet."""
    return [c for c in current(draft) if c.resolved_at is None]


def open_count(draft: CourseDraft, module_slug: str) -> int:
    """How many comments on one module are still open in the current round."""
    return db.session.scalar(
        select(func.count(ReviewComment.id)).where(
            ReviewComment.draft_id == draft.id,
            ReviewComment.module_slug == module_slug,
            ReviewComment.resolved_at.is_(None),
            _since_last_publication(draft),
        )
    )


def of_version(
    draft: CourseDraft, previous: CourseVersion | None, version: CourseVersion
) -> list[ReviewComment]:
    """The comments written during the review that led to *version*."""
    written = ReviewComment.created_at <= version.published_at
    if previous is not None:
        written = and_(written, ReviewComment.created_at > previous.published_at)
    return _comments(ReviewComment.draft_id == draft.id, written)


@dataclass
class Thread:
    """One module's comments, open first and resolved apart; ``stale`` holds the ids of comments
    written on an earlier text of the module, ``lost`` those whose quoted passage it no longer holds."""

    open: list[ReviewComment] = field(default_factory=list)
    resolved: list[ReviewComment] = field(default_factory=list)
    stale: set[int] = field(default_factory=set)
    lost: set[int] = field(default_factory=set)


def threads(
    draft: CourseDraft, comments: list[ReviewComment], texts: dict[str, str] | None = None
) -> dict[str, Thread]:
    """The comments grouped by module slug. *texts*: each module's text as read (``passages``),
    to tell which quoted passages changed; a changed module's passages are looked for only there."""
    hashes = module_hashes(draft.files, draft.slug)
    grouped: dict[str, Thread] = {}
    for comment in comments:
        thread = grouped.setdefault(comment.module_slug, Thread())
        (thread.open if comment.resolved_at is None else thread.resolved).append(comment)
        if hashes.get(comment.module_slug) != comment.module_hash:
            thread.stale.add(comment.id)
            text = None if texts is None else texts.get(comment.module_slug)
            if comment.quote and text is not None and not quoted_in(comment.quote, text):
                thread.lost.add(comment.id)
    return grouped


# Apostrophes, quotation marks and spaces of either kind are the same letter to a reader.
SAME = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"',
                      "\u00a0": " ", "\u202f": " "})  # fmt: skip
BLOCK = "\x00"  # between the page's blocks: a quote is looked for within one of them


def passages(course) -> dict[str, str]:
    """Each module's text (its quiz's too; the final test's under FINAL) as the reading page shows
    it, block by block in the page's order (title, body, then each question's prompt, options with
    their feedback, explanation): where quoted passages are looked for."""

    def blocks(quiz) -> list[str]:
        found = []
        for q in quiz.questions if quiz else ():
            found.append(q.prompt_html)
            found += [part for c in q.choices for part in (c.html, c.feedback_html)]
            found.append(q.explanation_html)
        return found

    def text(parts: list[str]) -> str:
        return BLOCK.join(plain_text(part).translate(SAME) for part in parts if part)

    texts = {m.slug: text([html.escape(m.title), m.body_html, *blocks(m.quiz)]) for m in course.modules}
    if course.final is not None:
        texts[FINAL] = text(blocks(course.final))
    return texts


def quoted_in(quote: str, text: str) -> bool:
    """Whether the passage is in a module's text (``passages``), apostrophes and spaces aside."""
    return as_quoted(quote).translate(SAME) in text


def as_quoted(text: str | None) -> str:
    """A passage as it is kept and searched for: spaces collapsed, quotation marks at its ends off."""
    return " ".join((text or "").split()).strip(QUOTE_MARKS)


BLOCK_TAG = re.compile(
    r"</?(?:p|li|ul|ol|h[1-6]|blockquote|table|thead|tbody|tr|td|th|div|br|hr|pre|dl|dt|dd)\b[^>]*>"
)
TAG = re.compile(r"<[^>]*>")


def plain_text(html_text: str) -> str:
    """What a reader sees of some (sanitised) HTML, as selecting it on the page gives it: blocks
    apart, inline markup gone."""
    return as_quoted(html.unescape(TAG.sub("", BLOCK_TAG.sub(" ", html_text))))


def add(
    draft: CourseDraft,
    module_slug: str,
    body: str,
    by: User,
    quote: str = "",
    texts: dict[str, str] | None = None,
) -> ReviewComment:
    """Attach a comment to a module of the draft (or to its final test), perhaps on a passage,
    which must be in the module's text (*texts*, from ``passages``, when the draft can be read)."""
    module_hash = module_hashes(draft.files, draft.slug).get(module_slug)
    if module_hash is None:
        raise CommentError(_l("This module is no longer in the draft."))
    body = body.strip()
    if not body:
        raise CommentError(_l("Write a comment first."))
    if len(body) > MAX_COMMENT:
        raise CommentError(_l("A comment may hold at most %(max)d characters.", max=MAX_COMMENT))
    quote = as_quoted(quote) or None
    if quote and len(quote) > MAX_QUOTE:
        raise CommentError(_l("A quoted passage may hold at most %(max)d characters.", max=MAX_QUOTE))
    if quote and texts is not None and module_slug in texts and not quoted_in(quote, texts[module_slug]):
        raise CommentError(
            _l(
                "The passage is not in the module as the page shows it: select words within one"
                " paragraph, option or explanation, and quote them again."
            )
        )
    # The same words by the same person on the same text, still open: a form sent twice (a double
    # click, a page reloaded), not a second remark. Kept once.
    same = db.session.scalar(
        select(ReviewComment).where(
            ReviewComment.draft_id == draft.id,
            ReviewComment.module_slug == module_slug,
            ReviewComment.module_hash == module_hash,
            ReviewComment.author_id == by.id,
            ReviewComment.resolved_at.is_(None),
            ReviewComment.body == body,
            ReviewComment.quote.is_(None) if quote is None else ReviewComment.quote == quote,
        )
    )
    if same is not None:
        return same
    comment = ReviewComment(
        draft_id=draft.id,
        module_slug=module_slug,
        module_hash=module_hash,
        body=body,
        quote=quote,
        author_id=by.id,
    )
    db.session.add(comment)
    return comment


def in_round(draft: CourseDraft, comment: ReviewComment) -> bool:
    """Whether *comment* belongs to the round under way (a published version's review is history)."""
    return (
        db.session.scalar(
            select(ReviewComment.id).where(ReviewComment.id == comment.id, _since_last_publication(draft))
        )
        is not None
    )


def reply(draft: CourseDraft, comment: ReviewComment, body: str, by: User) -> ReviewReply:
    """Answer an open comment of the round under way (anyone who may read the draft may)."""
    body = body.strip()
    if not body:
        raise CommentError(_l("Write a reply first."))
    if len(body) > MAX_COMMENT:
        raise CommentError(_l("A reply may hold at most %(max)d characters.", max=MAX_COMMENT))
    if comment.module_slug not in module_hashes(draft.files, draft.slug):  # as add() refuses it
        raise CommentError(_l("This module is no longer in the draft."))
    if comment.resolved_at is not None:
        raise CommentError(_l("This comment was resolved meanwhile: reopen it to reply."))
    if not in_round(draft, comment):
        raise CommentError(
            _l("This comment belongs to the review of a published version: it is history now.")
        )
    # The same words by the same person as the thread's last reply: a form sent twice, kept once.
    last = comment.replies[-1] if comment.replies else None
    if last is not None and last.author_id == by.id and last.body == body:
        return last
    found = ReviewReply(comment_id=comment.id, body=body, author_id=by.id)
    db.session.add(found)
    return found


def _may_settle(comment: ReviewComment, user: User, editing: bool) -> bool:
    """Its author may resolve a comment or reopen it, and so may the course's editors (*editing*)."""
    return editing or comment.author_id == user.id


def may_resolve(comment: ReviewComment, user: User, editing: bool) -> bool:
    return comment.resolved_at is None and _may_settle(comment, user, editing)


def may_reopen(comment: ReviewComment, user: User, editing: bool) -> bool:
    return comment.resolved_at is not None and _may_settle(comment, user, editing)


def resolve(comment: ReviewComment, by: User) -> None:
    comment.resolved_at = utcnow()
    comment.resolved_by_id = by.id


def reopen(draft: CourseDraft, comment: ReviewComment) -> None:
    """Open a resolved comment again; who resolved it is forgotten, as if it never had been.

    Only in the round under way: a published version's review is history, left as it was.
    """
    if not in_round(draft, comment):
        raise CommentError(
            _l("This comment belongs to the review of a published version: it stays resolved.")
        )
    comment.resolved_at = None
    comment.resolved_by_id = None

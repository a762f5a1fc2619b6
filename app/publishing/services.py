"""Drafts, review and publication of a publisher's courses.

Every path in goes through the one checker (app.content.checker.check_files) and the one
importer (app.catalog.importer.import_course), as the bundled courses do: a published version is
exactly what `flask content import` would make of the same files.
"""

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.admin.audit import record
from app.catalog.importer import import_course, refresh_rendering
from app.catalog.models import MEMBERS, ORIGINALS, PUBLIC, Course
from app.catalog.search import name_order, one_space, sort_key
from app.content.bounded import Busy, Pool, Slots, TooSlow, run_bounded
from app.content.checker import check_files, content_hash
from app.content.documents import CheckResult, Message, Notice, Problem
from app.content.frontmatter import MAX_SLUG
from app.content.messages import N_
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models_base import utcnow
from app.notifications import events as notifications
from app.orgs.models import Organisation
from app.publishing import editor
from app.publishing.models import DRAFT, IN_REVIEW, PUBLISHED, CourseDraft, CourseVersion


class PublishingError(ValueError):
    """A request the publishing rules refuse; ``str()`` is a message for the person."""


def drafts_of(org: Organisation) -> list[CourseDraft]:
    return list(
        db.session.scalars(
            select(CourseDraft).where(CourseDraft.organisation_id == org.id).order_by(CourseDraft.slug)
        )
    )


def archived_course_ids(org: Organisation) -> set[int]:
    return set(
        db.session.scalars(
            select(Course.id).where(Course.organisation_id == org.id, Course.archived_at.is_not(None))
        )
    )


def find_draft(org: Organisation, slug: str) -> CourseDraft | None:
    return db.session.scalar(
        select(CourseDraft).where(CourseDraft.organisation_id == org.id, CourseDraft.slug == slug)
    )


def _slug_taken_elsewhere(org: Organisation, slug: str) -> bool:
    """True if another publisher's draft, or a course this publisher does not own, has this slug."""
    other_draft = db.session.scalar(
        select(CourseDraft.id).where(CourseDraft.slug == slug, CourseDraft.organisation_id != org.id)
    )
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    return other_draft is not None or (course is not None and course.organisation_id != org.id)


def untrusted_slots() -> Slots:
    """The host's slots for untrusted work: lock files in the instance folder, shared by every process."""
    config = current_app.config
    directory = config["UNTRUSTED_WORK_DIR"] or os.path.join(current_app.instance_path, "untrusted-slots")
    return Slots(directory, config["UNTRUSTED_WORK_SLOTS"], config["UNTRUSTED_WORK_WAIT_SECONDS"])


# This web process's workers for untrusted work, ready with the content code imported (a new
# process costs far more than a preview). Jobs still take one of the host's slots to run.
UNTRUSTED_POOL = Pool(imports=("app.publishing.editor", "app.content.checker"))


def untrusted_pool() -> Pool | None:
    """The process's pool, keeping UNTRUSTED_WORKERS_KEPT idle workers (0: a process per job)."""
    kept = current_app.config["UNTRUSTED_WORKERS_KEPT"]
    if not kept:
        return None
    UNTRUSTED_POOL.keep = kept
    return UNTRUSTED_POOL


def run_untrusted(function: Callable[..., Any], *args: Any) -> Any:
    """``function(*args)`` in a child process, in one of the host's slots, under the time limit.

    Raises TooSlow when stopped, Busy when no slot freed in time (then nothing ran).
    """
    seconds = current_app.config["CONTENT_CHECK_SECONDS"]
    return run_bounded(function, *args, seconds=seconds, slots=untrusted_slots(), pool=untrusted_pool())


def check_untrusted(files: Mapping[str, str]):
    """The checker's result for a publisher's files, or one problem if they take too long to render.

    Busy (every slot taken) goes to the caller: a draft is saved unchecked, a publication refused.
    """
    try:
        return run_untrusted(check_files, dict(files))
    except TooSlow:
        return _one_problem(files, too_slow(current_app.config["CONTENT_CHECK_SECONDS"]))


def _one_problem(files: Mapping[str, str], message: Message) -> CheckResult:
    course = next((p.rsplit("/", 1)[0] for p in sorted(files) if p.endswith("/course.md")), "courses")
    result = CheckResult()
    result.problems = [Problem(course, 1, message)]
    return result


# Problems are stored with the draft as English templates (Problem.to_json), translated where
# shown. This one is not about the text, so saving the same files again must check them (see save_files).
NOT_CHECKED = Message(
    N_("the server was busy checking other courses and did not check this one: save it again in a moment")
)
SERVER_BUSY = _l("The server is busy checking other courses. Try again in a moment.")


def too_slow(seconds: float) -> Message:
    return Message(
        N_(
            "this course took more than %(seconds)s seconds to check and was stopped: look for very long"
            " paragraphs, or many '<' or '[' that are never closed"
        ),
        seconds=f"{seconds:g}",
    )


def _not_checked(draft: CourseDraft) -> bool:
    return any(problem.message == NOT_CHECKED for problem in problems_of(draft))


def problems_of(draft: CourseDraft, path: str | None = None) -> list[Problem]:
    """The checker's problems kept with the draft (about one file when *path* is given).

    Drafts saved before problems were stored as templates hold "path:line: message" strings:
    they are read back as untranslatable problems and shown as they are.
    """
    problems = [Problem.from_json(data) for data in draft.problems or []]
    return [p for p in problems if path is None or p.path == path]


def warnings_of(draft: CourseDraft, path: str | None = None) -> list[Notice]:
    """The checker's warnings kept with the draft (about one file when *path* is given)."""
    notices = [Notice.from_json(data) for data in draft.warnings or []]
    return [n for n in notices if path is None or n.path == path]


NAMESAKE = N_(
    "another course in the catalogue is already called '%(title)s' (%(publisher)s): learners may take"
    " one for the other; give this one a title that sets it apart"
)


def namesakes(draft: CourseDraft) -> list[Notice]:
    """A warning for each course of the catalogue whose title reads as the draft's (accents, case
    and spaces set aside): two « Le doublage et l'IA » side by side leave learners to guess. One
    query on the titles' index, its few rows compared again with every letter kept (the index's
    key keeps only Latin ones: two Cyrillic titles would fold alike). Courses of other publishers
    open to their members only are not named (their titles are not the catalogue's); the draft's
    own course, archived ones and, for a translation, its original count for nothing. Worked out
    when the draft is shown, as the catalogue changes under it."""
    values = editor.course_fields(draft.files, draft.slug)[0]
    title = values.get("title")
    if not isinstance(title, str) or not title.strip() or values.get("translation_of"):
        return []
    found = db.session.execute(
        select(Course.title, Course.publisher)
        .where(
            ORIGINALS,
            Course.sort_title == sort_key(one_space(title)),
            Course.slug != draft.slug,
            Course.archived_at.is_(None),
            or_(Course.visibility == PUBLIC, Course.organisation_id == draft.organisation_id),
        )
        .order_by(Course.id)
        .limit(20)
    )
    same = [(other, publisher) for other, publisher in found if _read_as(other) == _read_as(title)][:3]
    path = editor.course_path(draft.slug)
    lines = draft.files.get(path, "").split("\n", 60)[:60]
    line = next((n for n, text in enumerate(lines, 1) if text.startswith("title:")), 1)
    return [
        Notice(path, line, NAMESAKE, tuple(sorted({"title": other, "publisher": publisher}.items())))
        for other, publisher in same
    ]


def _read_as(title: str) -> str:
    """A title as a reader tells it from another: accents, case, spaces and apostrophes aside."""
    return name_order(one_space(title).replace("’", "'"))


# Words the workspace's own addresses use at the place of a course's short name.
RESERVED_SLUGS = frozenset({"new", "upload", "joining", "self-publishing"})


def save_files(
    org: Organisation,
    slug: str,
    files: dict[str, str],
    by: User,
    from_package: bool = False,
    made_from: str | None = None,
) -> CourseDraft:
    """Create or replace the draft of course ``slug`` with these files; the checker's problems and
    warnings are kept with it, and whether a package (``from_package``, made from the draft whose
    hash is ``made_from``) wrote them.

    A draft with problems is saved all the same (work is never lost); it cannot be submitted.
    """
    if slug in RESERVED_SLUGS:
        raise PublishingError(_l("The short name %(slug)s is reserved. Choose another.", slug=slug))
    if _slug_taken_elsewhere(org, slug):
        raise PublishingError(
            _l(
                "The short name %(slug)s is already used by another course on Cadre. Choose another.",
                slug=slug,
            )
        )
    draft = find_draft(org, slug)
    if draft is not None and draft.state == IN_REVIEW:
        raise PublishingError(
            _l("This course is in review: ask the reviewer to send it back before changing it.")
        )
    if draft is not None and draft.files == dict(sorted(files.items())) and not _not_checked(draft):
        return draft  # nothing changed: not a new draft, and not a new author for the review rule
    new = draft is None
    if new:
        # Added to the session only in the savepoint below: a query on the way (the checker's
        # slots, an expired user reloading) would otherwise write it early, where a course created
        # at the same moment by another request breaks the whole transaction.
        draft = CourseDraft(organisation_id=org.id, slug=slug, updated_by_id=by.id)
    draft.files = dict(sorted(files.items()))
    try:
        result = check_untrusted(files)
    except Busy:  # saved all the same (work is never lost), but it cannot be submitted unchecked
        result = _one_problem(files, NOT_CHECKED)
    draft.problems = [problem.to_json() for problem in result.problems]
    draft.warnings = [notice.to_json() for notice in result.warnings]
    draft.state = DRAFT
    draft.updated_at = utcnow()
    draft.updated_by_id = by.id
    if from_package:  # kept through browser edits: undone, the files are a package's again
        draft.package_hash, draft.package_base = files_hash(draft.files), made_from
    try:
        with db.session.begin_nested():
            if new:
                db.session.add(draft)
            db.session.flush()
    except IntegrityError:  # someone took the slug between the check and now
        ours = db.session.scalar(
            select(CourseDraft.id).where(CourseDraft.organisation_id == org.id, CourseDraft.slug == slug)
        )
        if ours is not None:  # this publisher's own: the same form sent twice, or a colleague
            raise PublishingError(
                _l(
                    "The course %(slug)s was created a moment ago, in another tab or by a colleague: "
                    "open it from the workspace.",
                    slug=slug,
                )
            ) from None
        raise PublishingError(
            _l(
                "The short name %(slug)s is already used by another course on Cadre. Choose another.",
                slug=slug,
            )
        ) from None
    return draft


def submit(draft: CourseDraft, by: User) -> None:
    if draft.state != DRAFT:
        raise PublishingError(_l("Only a draft can be submitted for review."))
    if draft.problems:
        raise PublishingError(_l("Fix the problems listed before submitting the course for review."))
    draft.state = IN_REVIEW
    draft.submitted_by_id = by.id
    draft.review_comment = ""
    notifications.review_requested(draft, by)


def withdraw(draft: CourseDraft) -> None:
    """Take a course back from review to change it (a mistake seen after submitting): a draft again,
    with its review comments, until it is submitted anew. A reviewer's page opened before then can
    no longer publish it (``publish`` wants it in review)."""
    if draft.state != IN_REVIEW:
        raise PublishingError(_l("Only a course in review can be taken back."))
    draft.state = DRAFT
    notifications.review_withdrawn(draft)


def send_back(draft: CourseDraft, by: User, comment: str) -> None:
    if draft.state != IN_REVIEW:
        raise PublishingError(_l("Only a course in review can be sent back."))
    if not comment.strip():
        raise PublishingError(_l("Say what should change, so the editor knows."))
    draft.state = DRAFT
    draft.review_comment = comment.strip()
    draft.sent_back_by_id, draft.sent_back_at = by.id, utcnow()
    notifications.sent_back(draft, by, draft.review_comment)


def may_publish(draft: CourseDraft, user: User) -> bool:
    """A reviewer publishes what someone else wrote and submitted, unless the organisation allows
    self-publishing (a one-person team)."""
    return draft.organisation.self_publish or user.id not in (draft.submitted_by_id, draft.updated_by_id)


def files_hash(files: Mapping[str, str]) -> str:
    """What a reviewer saw: the publish form carries it, so a stale page cannot publish newer text."""
    return content_hash(files)


def publish(draft: CourseDraft, by: User, seen_hash: str | None = None) -> Course:
    """Import the reviewed files as the course's new version and keep a frozen copy of them."""
    if draft.state != IN_REVIEW:
        raise PublishingError(_l("Only a course in review can be published."))
    if not may_publish(draft, by):
        raise PublishingError(_l("Someone other than the person who wrote or submitted it must publish it."))
    if seen_hash is not None and seen_hash != files_hash(draft.files):
        raise PublishingError(_l("The course changed since you opened it: read it again before publishing."))
    try:
        result = check_untrusted(draft.files)
    except Busy:
        raise PublishingError(SERVER_BUSY) from None
    draft.warnings = [notice.to_json() for notice in result.warnings]
    docs = [doc for doc in result.courses if doc.slug == draft.slug]
    if result.problems or not docs:
        draft.problems = [problem.to_json() for problem in result.problems]
        raise PublishingError(_l("The course has problems and was not published."))
    if _slug_taken_elsewhere(draft.organisation, draft.slug):
        raise PublishingError(
            _l("The short name %(slug)s is already used by another course on Cadre.", slug=draft.slug)
        )
    # The organisation's name, not what the files say, goes on the course and on any certificate
    # the import issues: a publisher cannot sign as someone else.
    doc = replace(docs[0], publisher=draft.organisation.name)
    original = translated_course(draft, doc)
    if original is None and draft.course_id is not None:
        clash = db.session.scalar(
            select(Course.id).where(Course.edition_of_id == draft.course_id, Course.language == doc.language)
        )
        if clash is not None:
            raise PublishingError(
                _l("The course has a translation in this language: it cannot take that language itself.")
            )
    outcome = import_course(doc, edition_of=original)
    if original is None:
        course = db.session.scalar(select(Course).where(Course.slug == draft.slug))
    else:
        course = db.session.scalar(
            select(Course).where(Course.edition_of_id == original.id, Course.language == doc.language)
        )
    course.organisation_id = draft.organisation_id
    course.publisher = draft.organisation.name  # the name on the course page and its certificates
    course.visibility = draft.visibility if original is None else original.visibility
    if outcome.status in ("created", "updated") or latest_version(course) is None:
        db.session.add(
            CourseVersion(
                course_id=course.id,
                version=course.version,
                files=draft.files,
                published_by_id=by.id,
                submitted_by_id=draft.submitted_by_id,
            )
        )
    draft.state = PUBLISHED
    draft.course_id = course.id
    course.archived_at = None
    draft.problems = []
    version = f"{draft.slug} v{course.version}"
    record("course.published", organisation=draft.organisation, detail=version, actor=by)
    notifications.published(draft, course, by)
    db.session.flush()
    return course


def translated_course(draft: CourseDraft, doc) -> Course | None:
    """The course a draft translates (front matter ``translation_of``), or None for a course of
    its own; refused unless it names a published course of the same publisher in another language,
    not translated into that language by another draft, and the draft was not published otherwise."""
    published = db.session.get(Course, draft.course_id) if draft.course_id is not None else None
    if not doc.translation_of:
        if published is not None and published.edition_of_id is not None:
            raise PublishingError(
                _l("This course was published as a translation: keep translation_of in course.md.")
            )
        return None
    original = db.session.scalar(
        select(Course).where(
            ORIGINALS, Course.slug == doc.translation_of, Course.organisation_id == draft.organisation_id
        )
    )
    if original is None:
        raise PublishingError(
            _l(
                "translation_of names %(slug)s, which is not a published course of %(org)s.",
                slug=doc.translation_of,
                org=draft.organisation.name,
            )
        )
    if original.language == doc.language:
        raise PublishingError(_l("A translation must be in another language than the course it translates."))
    if published is not None and published.edition_of_id != original.id:
        raise PublishingError(
            _l("This course was published on its own: it cannot become a translation. Start a new draft.")
        )
    if published is not None and published.language != doc.language:
        raise PublishingError(
            _l("A published translation keeps its language: start a new translation for another one.")
        )
    edition = db.session.scalar(
        select(Course.id).where(Course.edition_of_id == original.id, Course.language == doc.language)
    )
    other = db.session.scalar(
        select(CourseDraft.slug).where(CourseDraft.course_id == edition, CourseDraft.id != draft.id)
    )
    if edition is not None and other is not None:
        raise PublishingError(
            _l("%(slug)s already holds this course's translation into this language.", slug=other)
        )
    return original


@dataclass(frozen=True)
class Translation:
    """A published translation and how far behind its original it is."""

    draft_slug: str | None  # None for an edition not published from a draft (the bundled en/)
    edition: Course
    original: Course

    @property
    def lagging(self) -> bool:
        return (self.edition.source_version or 0) < self.original.version


def translations(org: Organisation) -> list[Translation]:
    """The publisher's published translations with their originals and drafts (two queries)."""
    editions = list(
        db.session.scalars(
            select(Course)
            .options(joinedload(Course.original))
            .where(Course.organisation_id == org.id, Course.edition_of_id.is_not(None))
        )
    )
    drafts = (
        dict(
            db.session.execute(
                select(CourseDraft.course_id, CourseDraft.slug).where(
                    CourseDraft.course_id.in_([e.id for e in editions])
                )
            ).all()
        )
        if editions
        else {}
    )
    return [Translation(drafts.get(e.id), e, e.original) for e in editions]


def start_translation(draft: CourseDraft, language: str, by: User) -> CourseDraft:
    """A new draft holding a copy of the published course's files, marked as its translation into
    ``language``: the translator rewrites its texts, keeping module names and question keys."""
    course = published_course(draft)
    if course is None or course.edition_of_id is not None:
        raise PublishingError(_l("Publish the course before starting a translation of it."))
    if language == course.language or language not in current_app.config["LANGUAGES"]:
        raise PublishingError(_l("Choose a language other than the course's own."))
    slug = f"{draft.slug}-{language}"
    if len(slug) > MAX_SLUG or find_draft(draft.organisation, slug) is not None:
        raise PublishingError(_l("A draft named %(slug)s exists already: open it to go on.", slug=slug))
    files = {}
    for path, text in draft.files.items():
        top, _, rest = path.partition(f"/{draft.slug}/")
        files[f"{top}/{slug}/{rest}" if rest else path] = text
    values, body = editor.course_fields(files, slug)
    files = editor.write_course(
        files, slug, {**values, "language": language, "translation_of": draft.slug}, body
    )
    return save_files(draft.organisation, slug, files, by)


def render_again(course: Course) -> str:
    """Render a publisher's live course again from the files of its latest version, after an
    upgrade of Cadre changed how Markdown becomes HTML (catalog.importer.refresh_rendering). Says
    what became of it; the caller commits:
    - "refreshed": some HTML changed, same version;
    - "unchanged": nothing to change, or a version was published meanwhile (rendered by this Cadre);
    - "updated": this Cadre names its questions otherwise, so it is now a new version of the
      same files, as publishing them again would make;
    - "refused": the files no longer pass the checker; "no_files": nothing was ever published to
      render from; "busy": no slot to check them in. The course then stays as it was.
    Call it with nothing pending: the transaction ends before the check, which takes seconds and
    would hold SQLite's write lock all along (every writer of the site waiting on it)."""
    version = latest_version(course)
    if version is None:
        return "no_files"
    files = dict(version.files)
    db.session.rollback()  # nothing written yet; what matters is read again under the lock below
    try:
        result = check_untrusted(files)
    except Busy:
        return "busy"
    if result.problems or not result.courses:
        return "refused"
    # Checking took a while: a version published meanwhile is this Cadre's already.
    db.session.refresh(course, with_for_update=True)
    docs = [doc for doc in result.courses if doc.content_hash == course.content_hash]
    if not docs:
        return "unchanged"
    doc = replace(docs[0], publisher=course.publisher)  # the organisation's name, as publish keeps it
    refreshed = refresh_rendering(course, doc)
    if refreshed is not None:
        return "refreshed" if refreshed else "unchanged"
    original = db.session.get(Course, course.edition_of_id) if course.edition_of_id else None
    import_course(doc, edition_of=original)
    db.session.add(
        CourseVersion(
            course_id=course.id,
            version=course.version,
            files=files,
            published_by_id=version.published_by_id,
            submitted_by_id=version.submitted_by_id,
        )
    )
    return "updated"


def versions(course_id: int) -> list[CourseVersion]:
    return list(
        db.session.scalars(
            select(CourseVersion)
            .where(CourseVersion.course_id == course_id)
            .options(joinedload(CourseVersion.published_by), joinedload(CourseVersion.submitted_by))
            .order_by(CourseVersion.version.desc())
        )
    )


def latest_version(course: Course) -> CourseVersion | None:
    return db.session.scalar(
        select(CourseVersion)
        .where(CourseVersion.course_id == course.id)
        .order_by(CourseVersion.version.desc())
    )


def published_files(draft: CourseDraft) -> dict[str, str] | None:
    """The files of the course's latest published version; None if it was never published."""
    if draft.course_id is None:
        return None
    return db.session.scalar(
        select(CourseVersion.files)
        .where(CourseVersion.course_id == draft.course_id)
        .order_by(CourseVersion.version.desc())
        .limit(1)
    )


def package_would_lose_work(
    draft: CourseDraft, files: Mapping[str, str], made_from: str | None, by: User
) -> bool:
    """Whether saving a package's ``files`` over ``draft`` would lose work found nowhere else.

    Nothing is lost when the draft holds nothing unpublished (published versions are kept), when
    the package holds the same files, or when it was made from the draft as it is now (its
    cadre-draft.txt names that draft's hash: changes since the download are its own). Nor when it
    is the next step of the package that left the draft as it is, by the person who uploaded that
    one and from the same download (upload, fix, upload again). Anything else (changes made in the
    browser, a colleague's package, a package made from an older state) would be lost.
    """
    current = files_hash(draft.files)
    if made_from == current or files_hash(files) == current or not has_unpublished_changes(draft):
        return False
    return not (
        draft.package_hash == current and draft.updated_by_id == by.id and draft.package_base == made_from
    )


def has_unpublished_changes(draft: CourseDraft) -> bool:
    """Whether the draft holds anything learners do not see yet (always, if never published)."""
    return draft.files != published_files(draft)


def discard(draft: CourseDraft, by: User) -> bool:
    """Throw the draft's changes away; True if it is back to the published version, False if it
    was never published and is gone."""
    if draft.state == IN_REVIEW:
        raise PublishingError(_l("This course is in review: ask the reviewer to send it back first."))
    published = published_files(draft)
    if published is None:
        notifications.draft_discarded(draft)
        db.session.delete(draft)
        db.session.flush()
        return False
    save_files(draft.organisation, draft.slug, published, by)  # checked again: its warnings come back
    if draft.problems:  # a published version has none: the check could not run (no slot free)
        raise PublishingError(SERVER_BUSY)
    draft.state = PUBLISHED
    draft.review_comment = ""
    return True


def set_visibility(draft: CourseDraft, visibility: str) -> None:
    """Public (in the catalogue) or members only; applies at once to the published course."""
    if visibility not in (PUBLIC, MEMBERS):
        raise PublishingError(_l("Choose public or members only."))
    draft.visibility = visibility
    if draft.course_id is not None:
        db.session.get(Course, draft.course_id).visibility = visibility


def published_course(draft: CourseDraft) -> Course | None:
    return db.session.get(Course, draft.course_id) if draft.course_id is not None else None


def archive(draft: CourseDraft) -> None:
    """Take the published course out of the catalogue; learners who started it may finish it.

    The draft goes on (it may be edited); publishing a new version puts the course back.
    """
    course = published_course(draft)
    if course is None or course.archived_at is not None:
        raise PublishingError(_l("Only a published course can be archived."))
    course.archived_at = utcnow()
    record("course.archived", organisation=draft.organisation, detail=draft.slug)


def restore(draft: CourseDraft) -> None:
    """Put an archived course back in the catalogue, as it was."""
    course = published_course(draft)
    if course is None or course.archived_at is None:
        raise PublishingError(_l("Only an archived course can be restored."))
    record("course.restored", organisation=draft.organisation, detail=draft.slug)
    course.archived_at = None

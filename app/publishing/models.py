"""A publisher's working copy of a course, and the immutable versions it published."""

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.extensions import db
from app.models_base import UTCDateTime, utcnow
from app.orgs.models import Organisation

DRAFT, IN_REVIEW, PUBLISHED = "draft", "in_review", "published"


class CourseDraft(db.Model):
    """The files of a course as its editors last saved them, with what the checker said.

    ``files`` maps repository paths ("courses/<slug>/course.md", "quizzes/<slug>/x.md") to text:
    the same layout as the repository and the zip packages, read by the same checker.
    """

    __tablename__ = "course_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    # Unique across publishers: a slug names one course on the whole platform.
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    files: Mapped[dict] = mapped_column(JSON)
    problems: Mapped[list] = mapped_column(JSON, default=list)
    # What the checker warned about (Notice.to_json()): shown beside the draft, never blocking.
    warnings: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    state: Mapped[str] = mapped_column(String(20), default=DRAFT)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"), index=True)  # once published
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    review_comment: Mapped[str] = mapped_column(Text, default="")
    # Who sent it back last, and when: the editors' page names them beside the comment.
    sent_back_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sent_back_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    visibility: Mapped[str] = mapped_column(String(20), default="public")  # copied to the course
    # The files' hash when a package last saved them (None: never uploaded), and the hash of the
    # draft that package was made from (its cadre-draft.txt; None if it had none). While the files
    # still have the first, the person who uploaded that package may upload its next step.
    package_hash: Mapped[str | None] = mapped_column(String(64))
    package_base: Mapped[str | None] = mapped_column(String(64))

    organisation: Mapped[Organisation] = relationship()
    sent_back_by: Mapped[User | None] = relationship(foreign_keys=[sent_back_by_id])


class CourseVersion(db.Model):
    """What a course's files were when a version was published; never changed afterwards."""

    __tablename__ = "course_versions"
    __table_args__ = (UniqueConstraint("course_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    files: Mapped[dict] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    published_by: Mapped[User] = relationship(foreign_keys=[published_by_id])
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])


class ReviewComment(db.Model):
    """A remark on one module of a draft (or on its final test), written while reviewing it,
    perhaps on a passage of it (``quote``).

    Comments are kept with the draft and the module's slug, so the history of a published version
    still shows what was said about it; ``module_hash`` is the module's text (and quiz) when the
    comment was written, to tell when the module has changed since.
    """

    __tablename__ = "review_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    # A draft discarded before it was ever published takes its comments with it.
    draft_id: Mapped[int] = mapped_column(ForeignKey("course_drafts.id", ondelete="CASCADE"), index=True)
    module_slug: Mapped[str] = mapped_column(String(80))  # a module's slug, or "final"
    module_hash: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    # The words of the module the comment is about, as the reviewer selected them on the page
    # (None: the module as a whole). Found again in the module's text, or said to be gone.
    quote: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
    # Read with the comments, in one more query for all of them (app.publishing.comments._comments).
    replies: Mapped[list["ReviewReply"]] = relationship(
        order_by="(ReviewReply.created_at, ReviewReply.id)", passive_deletes=True
    )


class ReviewReply(db.Model):
    """An answer to a review comment, by anyone of the team who may read the draft: the editor
    saying why the passage stays, the reviewer adding a source. The comment is still resolved or
    reopened as a whole."""

    __tablename__ = "review_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("review_comments.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship()


QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
READING, IMAGES, CHECKING = "reading", "images", "checking"  # the steps of a running import


class PackageImport(db.Model):
    """An uploaded package on its way to becoming a draft (app.publishing.imports).

    Reading a package, encoding its images and checking its course can take seconds: the upload
    stores the zip here and a job does the work, noting each step so the person who uploaded it
    can follow it. Once the job ends the zip is dropped; the row keeps the outcome: the draft's
    slug, or the problems (in the language of the person who uploaded it) with nothing changed.
    """

    __tablename__ = "package_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    locale: Mapped[str] = mapped_column(String(10))  # what its problems are written in
    data: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # the zip, until read
    state: Mapped[str] = mapped_column(String(10), default=QUEUED)
    step: Mapped[str] = mapped_column(String(10), default="")
    done: Mapped[int] = mapped_column(Integer, default=0)  # images encoded so far…
    total: Mapped[int] = mapped_column(Integer, default=0)  # …out of this many
    problems: Mapped[list] = mapped_column(JSON, default=list)  # messages for the person
    draft_slug: Mapped[str | None] = mapped_column(String(80))
    # Ticked on the upload form: replace a draft's changes made in the browser and not published.
    replaces_changes: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def finished(self) -> bool:
        return self.state in (DONE, FAILED)

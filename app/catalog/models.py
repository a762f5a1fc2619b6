"""Courses, modules and quiz questions as imported from Markdown."""

from datetime import date, datetime

from sqlalchemy import (
    DDL,
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
    func,
    literal_column,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.catalog.search import fold, sort_key
from app.content.checker import FINAL
from app.content.licences import ALL_RIGHTS_RESERVED
from app.extensions import db
from app.models_base import UTCDateTime, utcnow

PUBLIC, MEMBERS = "public", "members"
FINAL_SLUG = "_final"  # stored slug of a final test: not a slug a module file can have


class Course(db.Model):
    """A course; ``version`` goes up each time an import changes its content.

    A course in another language is an *edition* of the original: a row of its own, with its own
    modules, questions and version, pointing at the original with ``edition_of_id``. It has no slug,
    so no URL and no listing finds it by itself; pages show its texts on the original's modules and
    questions, which keep every learner's progress, attempts and certificate (app.catalog.editions).
    """

    __tablename__ = "courses"
    __table_args__ = (
        # One edition per language of a course.
        UniqueConstraint("edition_of_id", "language"),
        # The catalogue's listing read from the index alone, without the rows' long texts (on SQLite
        # reaching a column stored after intro_html walks its overflow pages).
        Index(
            "ix_courses_listing",
            "edition_of_id",
            "language",
            "archived_at",
            "visibility",
            "sort_title",
            "duration",
            "level",
            "publisher",
            "organisation_id",
            "content_updated",
        ),
        # Originals in order of title, read from the start (the dashboard's suggestions).
        Index("ix_courses_title", "edition_of_id", "sort_title", "slug"),
        # The same for PostgreSQL, whose planner takes ``edition_of_id IS NULL`` for a filter, not
        # for the equality that would let it read ix_courses_title in title order (made on both
        # databases alike; SQLite's planner keeps to ix_courses_title).
        Index(
            "ix_courses_originals_title",
            "sort_title",
            "slug",
            "id",
            postgresql_where=literal_column("edition_of_id IS NULL"),
            sqlite_where=literal_column("edition_of_id IS NULL"),
        ),
        # The catalogue's search on PostgreSQL: full text of the folded words (app.catalog.listing).
        Index(
            "ix_courses_search",
            func.to_tsvector(literal_column("'simple'"), literal_column("search_text")),
            postgresql_using="gin",
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str | None] = mapped_column(String(80), unique=True)  # None on an edition
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    level: Mapped[str] = mapped_column(String(20))
    duration: Mapped[int] = mapped_column(Integer)
    audience: Mapped[str] = mapped_column(Text)
    publisher: Mapped[str] = mapped_column(String(200))
    content_updated: Mapped[date] = mapped_column(Date)
    intro_html: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    content_hash: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The publishing organisation; None for the courses bundled with Cadre (courses/ on disk).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    # "public" (in the catalogue) or "members" (only the publishing organisation's members see it).
    visibility: Mapped[str] = mapped_column(String(20), default="public", server_default="public")
    # Archived by its publisher: out of the catalogue; learners who started it may still finish.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The licence its publisher states (front matter "licence"): an SPDX identifier, or
    # "all-rights-reserved", which is also what a course that states none means.
    licence: Mapped[str] = mapped_column(
        String(40), default=ALL_RIGHTS_RESERVED, server_default=ALL_RIGHTS_RESERVED
    )

    # The title and the searched texts (title, summary, audience, publisher) folded
    # (app.catalog.search), kept up to date on every flush: the catalogue sorts and searches them.
    sort_title: Mapped[str] = mapped_column(String(200), default="", server_default="")
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")

    # The original this course translates (None on originals), and the original's version it was
    # last made from: an edition whose source_version is behind the original's lags behind it.
    edition_of_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"), index=True)
    source_version: Mapped[int | None] = mapped_column(Integer)
    original: Mapped["Course | None"] = relationship(
        remote_side="Course.id", foreign_keys="Course.edition_of_id", viewonly=True
    )

    modules: Mapped[list["Module"]] = relationship(
        back_populates="course",
        order_by="Module.position",
        primaryjoin=(
            "and_(Course.id == Module.course_id, Module.retired.is_(False), Module.is_final.is_(False))"
        ),
        viewonly=True,
    )


@event.listens_for(Course, "before_insert")
@event.listens_for(Course, "before_update")
def _fold_for_listing(mapper, connection, course: Course) -> None:
    course.sort_title = sort_key(course.title)
    course.search_text = fold(" ".join((course.title, course.summary, course.audience, course.publisher)))


# The catalogue's search on SQLite: a full-text (FTS5) table of each course's folded texts, row id
# = course id, kept by triggers so that every write counts, through the ORM or not. The migration
# (d4a7c9e1b250) makes it; so do these statements when ``create_all`` makes ``courses`` (tests).
# Rebuilding ``courses`` (Alembic's batch mode on SQLite copies, drops and renames it) drops the
# triggers: such a migration must run these again (tests/test_security_and_schema.py checks).
SEARCH_TABLE = "course_search"
SQLITE_SEARCH_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS course_search USING fts5(search_text, tokenize = 'ascii')",
    "CREATE TRIGGER IF NOT EXISTS course_search_insert AFTER INSERT ON courses BEGIN"
    " INSERT OR REPLACE INTO course_search (rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS course_search_update AFTER UPDATE OF id, search_text ON courses BEGIN"
    " DELETE FROM course_search WHERE rowid = old.id;"
    " INSERT OR REPLACE INTO course_search (rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS course_search_delete AFTER DELETE ON courses BEGIN"
    " DELETE FROM course_search WHERE rowid = old.id; END",
)
for _statement in SQLITE_SEARCH_DDL:
    event.listen(Course.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
event.listen(
    Course.__table__, "after_drop", DDL("DROP TABLE IF EXISTS course_search").execute_if(dialect="sqlite")
)


# The search table and the tables FTS5 keeps behind it.
SEARCH_TABLES = {SEARCH_TABLE} | {
    f"{SEARCH_TABLE}_{part}" for part in ("data", "idx", "content", "docsize", "config")
}


def compared_with_models(name: str | None, type_: str, parent_names) -> bool:
    """Alembic's ``include_name``: whether its comparison of the models with the database looks
    at this table. Not at the search tables, which no model describes."""
    return not (type_ == "table" and name in SEARCH_TABLES)


# Courses that are not an edition of another: the ones listings, pickers and counts show.
ORIGINALS = Course.edition_of_id.is_(None)


class Module(db.Model):
    """One module; identified by its slug within the course across edits.

    A module removed from the files is retired, not deleted, so attempts and progress keep
    pointing at something. A course's final test (quizzes/<course>/final.md) is a module row too,
    with ``is_final`` set and the slug FINAL_SLUG, which no module file can take; it is never
    among ``Course.modules``.
    """

    __tablename__ = "modules"
    __table_args__ = (UniqueConstraint("course_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    slug: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    duration: Mapped[int] = mapped_column(Integer)
    objectives: Mapped[list] = mapped_column(JSON)
    content_updated: Mapped[date | None] = mapped_column(Date)
    body_html: Mapped[str] = mapped_column(Text)
    has_quiz: Mapped[bool] = mapped_column(Boolean, default=False)
    pass_mark: Mapped[int | None] = mapped_column(Integer)
    shuffle: Mapped[bool] = mapped_column(Boolean, default=False)
    # Questions per attempt (None: all), when the key is shown, failed attempts allowed a day,
    # and the groups a draw takes from ([{"key", "title", "draw"}], empty without groups).
    draw: Mapped[int | None] = mapped_column(Integer)
    review: Mapped[str] = mapped_column(String(20), default="after-pass", server_default="after-pass")
    attempts_per_day: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    groups: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    is_final: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    course: Mapped[Course] = relationship()
    questions: Mapped[list["Question"]] = relationship(
        order_by="Question.position",
        primaryjoin="and_(Module.id == Question.module_id, Question.retired.is_(False))",
        viewonly=True,
    )

    @property
    def quiz_slug(self) -> str:
        """The module's name in quiz and attempt URLs: the final test is "final" (FINAL)."""
        return FINAL if self.is_final else self.slug

    @property
    def questions_per_attempt(self) -> int:
        """How many questions one attempt asks (the pool's size when nothing is drawn)."""
        if self.groups:
            return sum(group["draw"] for group in self.groups)
        return self.draw or len(self.questions)


class Question(db.Model):
    """A quiz question; ``key`` keeps its identity when the quiz file is edited."""

    __tablename__ = "questions"
    __table_args__ = (UniqueConstraint("module_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    key: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))  # a key of app.learning.grading.QUESTION_TYPES
    prompt_html: Mapped[str] = mapped_column(Text)
    # [{"html": "...", "correct": true, "feedback_html": "..."}, ...] in the author's order;
    # never sent to a quiz page.
    choices: Mapped[list] = mapped_column(JSON)
    explanation_html: Mapped[str] = mapped_column(Text)
    group_key: Mapped[str] = mapped_column(String(120), default="", server_default="")
    retired: Mapped[bool] = mapped_column(Boolean, default=False)


class CourseLanguageChoice(db.Model):
    """The language a learner chose to read a course in (app.catalog.editions)."""

    __tablename__ = "course_language_choices"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    language: Mapped[str] = mapped_column(String(8))

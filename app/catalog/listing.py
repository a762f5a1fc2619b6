"""The catalogue as a reader browses it: searched, filtered and one page at a time.

A course is listed once, in the language its reader gets: with a language chosen, its edition in
that language where it has one; otherwise its edition in the interface's language where it has one,
else its own. Sorting, searching, counting and paging happen in the database on folded texts
(app.catalog.search), so a page costs the same few queries with 7 courses or 10,000: one for the
totals per language, two for the page's courses, one for the publishers offered in the filter.
Searching uses a full-text index: PostgreSQL's (Course ``ix_courses_search``), SQLite's FTS5 table
(``course_search``); a word of the query matches the start of a word of the texts.
"""

import functools
from dataclasses import dataclass, field, replace

from sqlalchemy import (
    Integer,
    String,
    and_,
    bindparam,
    case,
    column,
    func,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy.orm import aliased

from app.catalog.models import ORIGINALS, PUBLIC, SEARCH_TABLE, Course
from app.catalog.search import terms
from app.extensions import db

PER_PAGE = 24  # two, three or four cards a row all end a page on a full row
# How long a course takes, in minutes: (more than, at most); None is no bound.
LENGTHS = {"short": (None, 60), "medium": (60, 120), "long": (120, None)}
CHECKED = "checked"  # the sort that lists the courses most recently checked first
MAX_QUERY = 200
MAX_PAGE = 10_000
# A course's edition in the language it is listed in, if any. Made once: SQLAlchemy adapts an
# alias's columns on first use, which costs more than the queries themselves when done per request.
SHOWN = aliased(Course, name="shown")


def _number(text: str) -> bool:
    """True for a page number worth reading (« ² » is a digit to str.isdigit, not to int)."""
    return text.isascii() and text.isdigit() and len(text) <= 6


@dataclass(frozen=True)
class Filters:
    """What the reader asked for; anything unknown or malformed is ignored, never an error."""

    q: str = ""
    language: str = ""
    level: str = ""
    publisher: str = ""
    length: str = ""  # a key of LENGTHS
    sort: str = ""  # "" by title, CHECKED the most recently checked first
    page: int = 1

    @classmethod
    def from_args(cls, args, languages, levels) -> "Filters":
        def text(name: str) -> str:
            return " ".join(args.get(name, "").split())[:MAX_QUERY]

        page = args.get("page", "")
        return cls(
            q=text("q"),
            language=args.get("language", "") if args.get("language") in languages else "",
            level=args.get("level", "") if args.get("level") in levels else "",
            publisher=text("publisher"),
            length=args.get("length", "") if args.get("length") in LENGTHS else "",
            sort=CHECKED if args.get("sort") == CHECKED else "",
            page=min(int(page), MAX_PAGE) if _number(page) and int(page) > 0 else 1,
        )

    @property
    def narrowed(self) -> bool:
        """True when something other than the page narrows the list."""
        return bool(self.q or self.language or self.level or self.publisher or self.length)

    @property
    def chosen(self) -> int:
        """How many of the lists (language, level, publisher, length, order) are set: shown beside
        their folded box, so a filter is not forgotten once out of sight."""
        return sum(map(bool, (self.language, self.level, self.publisher, self.length, self.sort)))

    def args(self, **changes) -> dict:
        """Query arguments for a link to these filters (a page of them, say), empty ones left out."""
        chosen = replace(self, **changes)
        values = {
            "q": chosen.q,
            "language": chosen.language,
            "level": chosen.level,
            "publisher": chosen.publisher,
            "length": chosen.length,
            "sort": chosen.sort,
            "page": chosen.page if chosen.page > 1 else "",
        }
        return {name: value for name, value in values.items() if value}


@dataclass
class Group:
    """The listed courses in one language: how many and how long in all, and this page's."""

    language: str
    count: int
    duration: int
    courses: list = field(default_factory=list)


@dataclass
class Listing:
    filters: Filters
    groups: list[Group]  # every language with courses matching, the reader's first
    courses: list[Course]  # this page's, in order (originals; the caller presents them)
    total: int
    pages: int
    languages: dict[int, str]  # the language each course of the page is counted and sorted in


def _matching(postgresql: bool):
    """The ids of the courses (originals and editions) whose folded texts have a word starting with
    each word of the query, from the full-text index: bound as ``tsquery`` on PostgreSQL, as
    ``fts`` on SQLite."""
    if postgresql:
        found = aliased(Course, name="found")
        # The same expression as the index's, so the index answers it.
        vector = func.to_tsvector(literal_column("'simple'"), found.search_text)
        query = func.to_tsquery(literal_column("'simple'"), bindparam("tsquery", type_=String))
        return select(found.id).where(vector.op("@@")(query))
    return select(_SEARCH.c.rowid).where(_SEARCH.c[SEARCH_TABLE].op("MATCH")(bindparam("fts", type_=String)))


_SEARCH = table(SEARCH_TABLE, column("rowid", Integer), column(SEARCH_TABLE, String))


# The one rule for who sees a course: originals that are public, or of an organisation the reader
# belongs to (their ids bound as ``orgs``, from nav.organisation_ids()); archived ones too only
# where a learner who started them keeps them (the dashboard).
READABLE = (
    ORIGINALS,
    or_(Course.visibility == PUBLIC, Course.organisation_id.in_(bindparam("orgs", expanding=True))),
)
VISIBLE = (*READABLE, Course.archived_at.is_(None))  # what the catalogue lists


@dataclass(frozen=True)
class _Shape:
    """What a listing's statements depend on besides the values bound into them."""

    postgresql: bool
    language: bool
    level: bool
    publisher: bool
    length: str  # a key of LENGTHS, or ""
    words: int  # 1: words to search (bound as one query), 0: none, -1: punctuation only, matching nothing
    newest: bool


@functools.lru_cache(maxsize=1024)  # every shape: 2 × 2 × 2 × 2 × 4 × 3 × 2 = 384 at most
def _statements(shape: _Shape):
    """The totals per language and the page's ids, built once per shape: building a statement
    costs SQLAlchemy more than SQLite takes to run it."""
    shown = SHOWN
    joined = and_(
        shown.edition_of_id == Course.id,
        shown.language == bindparam("listed_in"),
        shown.archived_at.is_(None),
    )
    language = func.coalesce(shown.language, Course.language)
    conditions = list(VISIBLE)
    if shape.language:
        conditions.append(or_(Course.language == bindparam("language"), shown.id.is_not(None)))
    if shape.level:
        conditions.append(Course.level == bindparam("level"))
    if shape.publisher:
        conditions.append(Course.publisher == bindparam("publisher"))
    if shape.length:  # the length of the edition listed, as its card shows it
        above, at_most = LENGTHS[shape.length]
        minutes = func.coalesce(shown.duration, Course.duration)
        conditions += [minutes > above] if above is not None else []
        conditions += [minutes <= at_most] if at_most is not None else []
    if shape.words > 0:
        # The courses and editions whose texts match, from the full-text index (a condition across
        # the join would keep PostgreSQL's planner from using it: 30 ms instead of 2 at 1,000
        # courses).
        matching = _matching(shape.postgresql)
        conditions.append(or_(Course.id.in_(matching), shown.id.in_(matching)))
    elif shape.words < 0:
        conditions.append(Course.id.is_(None))
    totals = (
        select(language, func.count(Course.id), func.sum(func.coalesce(shown.duration, Course.duration)))
        .select_from(Course)
        .outerjoin(shown, joined)
        .where(*conditions)
        .group_by(language)
    )
    newest = [func.coalesce(shown.content_updated, Course.content_updated).desc()] if shape.newest else []
    ids = (
        select(Course.id, language)
        .outerjoin(shown, joined)
        .where(*conditions)
        .order_by(
            case((language == bindparam("interface"), 0), else_=1),
            language,
            *newest,
            func.coalesce(shown.sort_title, Course.sort_title),
            Course.id,
        )
        .offset(bindparam("offset", type_=Integer))
        .limit(bindparam("limit", type_=Integer))
    )
    return totals, ids


def browse(
    filters: Filters, orgs: list[int], interface: str, per_page: int = PER_PAGE, newest: bool = False
) -> Listing:
    """The page of the catalogue ``filters`` ask for, as a member of the organisations ``orgs``
    (ids) may see it, in three queries: by title, or the most recently checked first (``newest``,
    or the filters' sort)."""
    words = terms(filters.q)
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    shape = _Shape(
        postgresql,
        bool(filters.language),
        bool(filters.level),
        bool(filters.publisher),
        filters.length,
        1 if words else (-1 if filters.q else 0),
        newest or filters.sort == CHECKED,
    )
    totals_statement, ids_statement = _statements(shape)
    values = {
        "orgs": orgs,
        "listed_in": filters.language or interface,
        "interface": interface,
        "language": filters.language,
        "level": filters.level,
        "publisher": filters.publisher,
        "tsquery": " & ".join(f"{word}:*" for word in words),
        "fts": " ".join(f'"{word}"*' for word in words),  # FTS5: each a prefix, all of them
    }

    groups = [
        Group(code, count, duration or 0)
        for code, count, duration in db.session.execute(totals_statement, values)
    ]
    groups.sort(key=lambda group: (group.language != interface, group.language))
    total = sum(group.count for group in groups)
    pages = max(1, -(-total // per_page))
    filters = replace(filters, page=min(filters.page, pages))

    # The page's ids first, from the listing index alone; then those courses' rows.
    page = {"offset": (filters.page - 1) * per_page, "limit": per_page}
    listed = dict(db.session.execute(ids_statement, {**values, **page}).all())  # id: language
    rows = {course.id: course for course in db.session.scalars(select(Course).where(Course.id.in_(listed)))}
    courses = [rows[course_id] for course_id in listed if course_id in rows]  # none gone meanwhile
    return Listing(filters, groups, courses, total, pages, listed)


def publishers(orgs: list[int]) -> list[str]:
    """The publishers of the courses a member of ``orgs`` may see, for the catalogue's filter."""
    query = select(Course.publisher).where(*VISIBLE).distinct().order_by(Course.publisher)
    return list(db.session.scalars(query, {"orgs": orgs}))


def group_page(listing: Listing, views) -> list[Group]:
    """The groups with courses on this page, each holding its presented courses in page order.

    A course goes under the language it is counted and sorted in, even when its reader chose to
    read it in another (its card says which, with its own ``lang``): the headings' totals hold."""
    groups = {group.language: Group(group.language, group.count, group.duration) for group in listing.groups}
    for view in views:
        language = listing.languages[view.id]  # not among the totals: published between the two queries
        groups.setdefault(language, Group(language, 0, 0)).courses.append(view)
    return [group for group in groups.values() if group.courses]

"""The catalogue as a reader browses it: searched, filtered and one page at a time.

A course is listed once, in the language its reader gets: with a language chosen, its edition in
that language where it has one; otherwise its edition in the interface's language where it has one,
else its own. Sorting, searching, counting and paging happen in the database on folded texts
(app.catalog.search), so a page costs the same few queries with 7 courses or 10,000: one for the
totals per language, one for the page's courses, one for the publishers offered in the filter.
Searching uses PostgreSQL's full-text index (Course ``ix_courses_search``); on SQLite, the
embedded default for one machine, it compares the folded texts directly.
"""

from dataclasses import dataclass, field, replace

from sqlalchemy import and_, case, func, literal_column, or_, select
from sqlalchemy.orm import aliased

from app.catalog.models import ORIGINALS, Course
from app.catalog.search import terms
from app.catalog.services import _visible
from app.extensions import db

PER_PAGE = 24  # two, three or four cards a row all end a page on a full row
MAX_QUERY = 200
MAX_PAGE = 10_000


@dataclass(frozen=True)
class Filters:
    """What the reader asked for; anything unknown or malformed is ignored, never an error."""

    q: str = ""
    language: str = ""
    level: str = ""
    publisher: str = ""
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
            page=min(int(page), MAX_PAGE) if page.isdigit() and int(page) > 0 else 1,
        )

    @property
    def narrowed(self) -> bool:
        """True when something other than the page narrows the list."""
        return bool(self.q or self.language or self.level or self.publisher)

    def args(self, **changes) -> dict:
        """Query arguments for a link to these filters (a page of them, say), empty ones left out."""
        chosen = replace(self, **changes)
        values = {
            "q": chosen.q,
            "language": chosen.language,
            "level": chosen.level,
            "publisher": chosen.publisher,
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
    publishers: list[str]

    @property
    def page(self) -> int:
        return self.filters.page


def _matches(course, words: list[str]):
    """``course``'s folded texts contain every word (as a word's start on PostgreSQL)."""
    if db.session.get_bind().dialect.name == "postgresql":
        # The same expression as the index's, so the index answers it.
        vector = func.to_tsvector(literal_column("'simple'"), course.search_text)
        query = func.to_tsquery(literal_column("'simple'"), " & ".join(f"{word}:*" for word in words))
        return vector.op("@@")(query)
    return and_(*(course.search_text.contains(word, autoescape=True) for word in words))


def browse(filters: Filters, user, interface: str, per_page: int = PER_PAGE, newest: bool = False) -> Listing:
    """The page of the catalogue ``filters`` ask for, as ``user`` may see it (three queries, one
    more for a signed-in user's organisations): by title, or the most recently checked first."""
    listed_in = filters.language or interface
    shown = aliased(Course)  # the course's edition in the language it is listed in, if any
    joined = and_(shown.edition_of_id == Course.id, shown.language == listed_in, shown.archived_at.is_(None))
    language = func.coalesce(shown.language, Course.language)
    visible = [ORIGINALS, _visible(user), Course.archived_at.is_(None)]
    conditions = list(visible)
    if filters.language:
        conditions.append(or_(Course.language == filters.language, shown.id.is_not(None)))
    if filters.level:
        conditions.append(Course.level == filters.level)
    if filters.publisher:
        conditions.append(Course.publisher == filters.publisher)
    if words := terms(filters.q):
        conditions.append(or_(_matches(Course, words), and_(shown.id.is_not(None), _matches(shown, words))))
    elif filters.q:  # only punctuation: nothing can match it
        conditions.append(Course.id.is_(None))

    totals = db.session.execute(
        select(language, func.count(Course.id), func.sum(func.coalesce(shown.duration, Course.duration)))
        .select_from(Course)
        .outerjoin(shown, joined)
        .where(*conditions)
        .group_by(language)
    ).all()
    groups = [Group(code, count, duration or 0) for code, count, duration in totals]
    groups.sort(key=lambda group: (group.language != interface, group.language))
    total = sum(group.count for group in groups)
    pages = max(1, -(-total // per_page))
    filters = replace(filters, page=min(filters.page, pages))

    courses = list(
        db.session.scalars(
            select(Course)
            .outerjoin(shown, joined)
            .where(*conditions)
            .order_by(
                case((language == interface, 0), else_=1),
                language,
                *([func.coalesce(shown.content_updated, Course.content_updated).desc()] if newest else []),
                func.coalesce(shown.sort_title, Course.sort_title),
                Course.id,
            )
            .offset((filters.page - 1) * per_page)
            .limit(per_page)
        )
    )
    publishers = list(
        db.session.scalars(select(Course.publisher).where(*visible).distinct().order_by(Course.publisher))
    )
    return Listing(filters, groups, courses, total, pages, publishers)


def group_page(listing: Listing, views) -> list[Group]:
    """The groups with courses on this page, each holding its presented courses in page order.

    A course the reader chose to read in another language is shown in that group."""
    by_language = {group.language: group for group in listing.groups}
    for view in views:
        group = by_language.setdefault(view.language, Group(view.language, 0, 0))
        group.courses.append(view)
    order = [group.language for group in listing.groups]
    return sorted(
        (group for group in by_language.values() if group.courses),
        key=lambda group: order.index(group.language) if group.language in order else len(order),
    )

"""The catalogue searched, filtered and paged in the database: the same few queries at any size."""

import html
import re
from datetime import date

import pytest
from sqlalchemy import delete, select, text, update

from app.catalog import listing
from app.catalog.models import Course
from app.catalog.search import MAX_TERMS, fold, terms
from app.extensions import db
from app.templating import duration
from tests.catalog.test_editions import import_edition
from tests.conftest import counted_statements, text_of


def add_courses(count: int, start: int = 0, **fields) -> None:
    """``count`` bare public courses (no modules), numbered from ``start``."""
    for n in range(start, start + count):
        values = {
            "content_updated": date(2026, 11, 1),
            "title": f"Cours généré {n:04d}",
            "summary": "Un cours de plus.",
            "language": "fr",
            "level": "intermediate",
            "duration": 30,
            "audience": "Monteurs et étudiants",
            "publisher": "Cadre",
            **fields,
        }
        db.session.add(
            Course(
                slug=f"genere-{n:04d}",
                intro_html="<p>Intro</p>",
                content_hash=f"{n:064d}",
                **values,
            )
        )
    db.session.commit()


def titles(response) -> list[str]:
    page = response.get_data(as_text=True)
    found = re.findall(r'class="course-card-title"><a href="[^"]+">([^<]+)</a>', page)
    return [html.unescape(title) for title in found]


def test_folding_and_terms():
    assert fold("Cœur À l’écran, ÉCRIRE") == "coeur a l'ecran, ecrire"
    assert terms("  Comédien·nes de DOUBLAGE ! ") == ["comediennes", "de", "doublage"]
    assert terms("%_' OR 1=1 --") == ["or", "1", "1"]
    assert len(terms("mot " * 50)) == MAX_TERMS


def test_the_folded_texts_follow_every_change(course):
    assert course.sort_title == "la voix et l'ia"
    assert "comediens" in course.search_text and "cadre" in course.search_text
    course.title = "Éthique"
    db.session.commit()
    assert db.session.scalar(select(Course.sort_title).where(Course.id == course.id)) == "ethique"


@pytest.mark.parametrize(
    "query",
    ["voix", "VOIX ia", "comédiens", "comediens son", "ingénieurs", "cadre", "clone", "transf"],
)
def test_a_search_finds_a_course_by_title_trade_summary_or_publisher(client, course, query):
    add_courses(3, publisher="Syndicat des monteurs")
    response = client.get("/courses", query_string={"q": query})
    assert titles(response) == ["La voix et l'IA"]
    assert "1 course found." in text_of(response)
    assert "<title>1 course found · Courses · Cadre</title>" in text_of(response)  # said first (a11y walk)


def test_a_search_that_finds_nothing_says_so_and_changes_nothing(client, course):
    for query in ["dinosaure", "!!!", "' OR 1=1 --", "x" * 5000]:
        response = client.get("/courses", query_string={"q": query})
        assert response.status_code == 200
        assert "No courses match this search." in text_of(response)
        assert "<title>No courses match this search · Courses · Cadre</title>" in text_of(response)
        assert titles(response) == []
    assert db.session.scalar(select(Course.title).where(Course.id == course.id)) == "La voix et l'IA"


def test_an_english_reader_finds_a_course_by_its_english_title(client, course):
    import_edition(course)
    db.session.commit()
    english = {"Accept-Language": "en"}
    assert titles(client.get("/courses?q=voice", headers=english)) == ["Voice and AI"]
    # A French reader searches the French texts.
    assert titles(client.get("/courses?q=voice", headers={"Accept-Language": "fr"})) == []
    assert titles(client.get("/courses?q=voice&language=en", headers={"Accept-Language": "fr"})) == [
        "Voice and AI"
    ]


def test_an_edition_is_listed_filtered_and_shown_with_its_own_length(client, course):
    edition = import_edition(course)
    edition.duration = course.duration + 60  # English texts that take longer to read, say
    db.session.commit()
    english = {"Accept-Language": "en"}
    card = text_of(client.get("/courses?length=medium&language=en", headers=english))
    assert "Voice and AI" in card and f"Duration: </span>{duration(edition.duration, 'en')}</li>" in card
    assert titles(client.get("/courses?length=short&language=en", headers=english)) == []
    assert titles(client.get("/courses?length=short&language=fr")) == ["La voix et l'IA"]


def test_filters_by_level_and_publisher(client, course):
    add_courses(2, publisher="Syndicat des monteurs")
    page = client.get("/courses").get_data(as_text=True)
    assert '<select id="publisher" name="publisher">' in page
    assert titles(client.get("/courses?level=beginner")) == ["La voix et l'IA"]
    assert titles(client.get("/courses?publisher=Syndicat des monteurs")) == [
        "Cours généré 0000",
        "Cours généré 0001",
    ]
    assert titles(client.get("/courses?level=advanced")) == []
    # An unknown level is ignored, as is anything malformed.
    assert len(titles(client.get("/courses?level=expert&page=-3&language=xx"))) == 3


def test_filters_by_length_and_orders_by_the_last_check(client, course):
    add_courses(1, title="Court", duration=45)
    add_courses(1, start=1, title="Moyen", duration=90)
    add_courses(1, start=2, title="Long", duration=150, content_updated=date(2026, 12, 3))
    assert titles(client.get("/courses?q=plus")) == ["Court", "Long", "Moyen"]
    assert titles(client.get("/courses?q=plus&length=short")) == ["Court"]
    assert titles(client.get("/courses?q=plus&length=medium")) == ["Moyen"]
    assert titles(client.get("/courses?q=plus&length=long")) == ["Long"]
    assert titles(client.get("/courses?q=plus&sort=checked")) == ["Long", "Court", "Moyen"]
    assert "1 course found." in text_of(client.get("/courses?length=long"))
    assert "No courses match this search." in text_of(
        client.get("/courses?q=plus&length=long&level=advanced")
    )
    # Unknown values are ignored; the chosen ones are kept in the pages' links.
    assert titles(client.get("/courses?q=plus&length=forever&sort=random")) == ["Court", "Long", "Moyen"]
    chosen = listing.Filters.from_args({"length": "long", "sort": "checked"}, ["fr"], ["beginner"])
    assert chosen.args(page=2) == {"length": "long", "sort": "checked", "page": 2}
    page = text_of(client.get("/courses?sort=checked&length=medium"))
    assert '<option value="medium" selected>1 to 2 hours</option>' in page
    assert '<option value="checked" selected>Recently checked first</option>' in page


def test_the_lists_fold_away_until_one_is_chosen_and_then_say_how_many(client, course):
    """On a phone the five lists would push the first course out of sight: folded unless set."""
    page = text_of(client.get("/courses?q=voix"))
    assert '<details class="catalogue-filters" data-open-wide>' in page and "chosen</span>" not in page
    page = text_of(client.get("/courses?level=beginner&sort=checked"))
    assert '<details class="catalogue-filters" data-open-wide open>' in page
    assert '<summary>Filters and order <span class="badge">2 chosen</span></summary>' in page
    french = text_of(client.get("/courses?length=short", headers={"Accept-Language": "fr"}))
    assert '<summary>Filtres et tri <span class="badge">1 choisi</span></summary>' in french


def test_the_length_choices_are_the_listings():
    from app.catalog.routes import LENGTH_NAMES

    assert list(LENGTH_NAMES) == list(listing.LENGTHS)


def test_one_publisher_needs_no_publisher_filter(client, course):
    assert 'name="publisher"' not in client.get("/courses").get_data(as_text=True)


def test_courses_are_in_reader_order_accents_folded(client, course):
    add_courses(1, title="Écrire avec l'IA")
    add_courses(1, start=1, title="Zoom sur le doublage")
    add_courses(1, start=2, title="Droit d'auteur")
    add_courses(1, start=3, title="Atelier 10")
    add_courses(1, start=4, title="Atelier 2")
    assert titles(client.get("/courses")) == [
        "Atelier 2",
        "Atelier 10",
        "Droit d'auteur",
        "Écrire avec l'IA",
        "La voix et l'IA",
        "Zoom sur le doublage",
    ]


def test_the_catalogue_is_paged_and_keeps_its_filters(client, course):
    add_courses(30)
    first = client.get("/courses?q=genere")
    assert len(titles(first)) == listing.PER_PAGE
    assert "30 courses found." in text_of(first)
    assert "Page 1 of 2" in text_of(first)
    assert 'rel="prev"' not in first.get_data(as_text=True)
    assert 'href="/courses?q=genere&amp;page=2"' in first.get_data(as_text=True)
    second = client.get("/courses?q=genere&page=2")
    assert titles(second) == [f"Cours généré {n:04d}" for n in range(24, 30)]
    assert 'href="/courses?q=genere"' in second.get_data(as_text=True)  # back to page 1
    assert 'rel="next"' not in second.get_data(as_text=True)
    # The total per language counts every page, not just this one.
    assert "30 courses, 15\u00a0h of reading and quizzes in all." in text_of(second)
    # Past the end: the last page; not a number: the first.
    assert titles(client.get("/courses?q=genere&page=999")) == titles(second)
    assert titles(client.get("/courses?q=genere&page=deux")) == titles(first)


def test_the_home_page_shows_the_latest_checked_courses_and_links_to_all(client, course):
    add_courses(3)
    page = text_of(client.get("/"))
    assert "See all" not in page
    add_courses(10, start=3)
    add_courses(1, start=13, title="Zoom sur le doublage", content_updated=date(2026, 12, 1))
    response = client.get("/")
    # The most recently checked first, then by title; the course checked in 2025 waits its turn.
    assert titles(response) == ["Zoom sur le doublage"] + [f"Cours généré {n:04d}" for n in range(8)]
    assert "See all 15 courses" in text_of(response)


def _count(client, url: str) -> int:
    client.get(url)  # the first request of a test warms what is cached per process
    with counted_statements() as seen:
        assert client.get(url).status_code == 200
    return len(seen)


@pytest.mark.parametrize("signed_in", [False, True])
def test_catalogue_and_home_do_the_same_queries_at_any_size(client, course, make_user, auth, signed_in):
    if signed_in:
        auth.login(make_user().email)
    urls = [
        "/",
        "/courses",
        "/courses?q=cours&level=intermediate&page=2",
        "/courses?language=en",
        "/courses?length=short&sort=checked&page=2",
    ]
    add_courses(5)
    small = {url: _count(client, url) for url in urls}
    add_courses(200, start=5)
    large = {url: _count(client, url) for url in urls}
    assert large == small
    assert max(small.values()) <= (11 if signed_in else 5), small


def test_the_search_uses_the_full_text_index(app, course):
    add_courses(50)
    postgresql = db.engine.dialect.name == "postgresql"
    # The page's ids for a search, as the catalogue runs it.
    shape = listing._Shape(
        postgresql, language=False, level=False, publisher=False, length="", words=1, newest=False
    )
    values = {
        "orgs": [],
        "listed_in": "en",
        "interface": "en",
        "tsquery": "comediens:*",
        "fts": '"comediens"*',
        "offset": 0,
        "limit": 24,
    }
    query = listing._statements(shape)[1]
    assert [row.id for row in db.session.execute(query, values)] == [course.id]
    compiled = query.params(**values).compile(
        db.engine, compile_kwargs={"literal_binds": True, "render_postcompile": True}
    )
    if postgresql:
        # On a table this small the planner may rightly prefer a scan; without one, the index serves.
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(db.session.scalars(text(f"EXPLAIN {compiled}")))
        assert "ix_courses_search" in plan, plan
    else:
        plan = "\n".join(row[-1] for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
        assert "course_search VIRTUAL TABLE INDEX" in plan, plan  # "SCAN TABLE …" before SQLite 3.36
    db.session.rollback()


def test_the_sqlite_search_table_follows_every_write(app, client, course):
    """Triggers keep SQLite's full-text table in step with the courses, however they are written."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")

    def found(word: str) -> set[int]:
        query = text("SELECT rowid FROM course_search WHERE course_search MATCH :q")
        return set(db.session.scalars(query, {"q": f'"{word}"*'}))

    add_courses(2)
    generated = set(db.session.scalars(select(Course.id).where(Course.slug.like("genere-%"))))
    assert found("genere") == generated and found("voix") == {course.id}
    course.title = "Éthique du doublage"  # through the ORM
    db.session.commit()
    assert found("ethique") == {course.id}
    indexed = text("SELECT search_text FROM course_search WHERE rowid = :id")
    assert db.session.scalar(indexed, {"id": course.id}) == course.search_text
    db.session.execute(update(Course).where(Course.id.in_(generated)).values(search_text="tout autre"))
    db.session.commit()  # a bulk statement, as a migration or a script would write
    assert found("genere") == set() and found("autre") == generated
    db.session.commit()  # the test's reads end their transaction, as a request's would
    shown = titles(client.get("/courses", query_string={"q": "autre"}))  # what a reader finds
    assert shown == ["Cours généré 0000", "Cours généré 0001"]
    db.session.execute(delete(Course).where(Course.id.in_(generated)))
    db.session.commit()
    assert found("autre") == set()
    count = "SELECT (SELECT count(*) FROM courses), (SELECT count(*) FROM course_search)"
    assert db.session.execute(text(count)).one() == (1, 1)


def test_a_course_read_in_another_language_stays_counted_under_its_heading(client, course, make_user, auth):
    from tests.catalog.test_editions import FRENCH, switch

    import_edition(course)
    db.session.commit()
    auth.login(make_user().email)
    switch(client, "en", headers=FRENCH)  # a French reader chose to read this course in English
    page = client.get("/courses", headers=FRENCH)
    assert titles(page) == ["Voice and AI"]
    text = text_of(page)
    assert "Formations en français" in text and "1 formation, " in text
    assert "Formations en anglais" not in text and "0 formation" not in text


@pytest.mark.parametrize("page", ["²", "9" * 5000, "-1", "0", "1.5", " 2"])
def test_a_page_number_that_is_not_one_shows_the_first_page(client, course, page):
    response = client.get("/courses", query_string={"page": page})
    assert response.status_code == 200 and titles(response) == ["La voix et l'IA"]

"""Catalogue pages kept for visitors not signed in (app.page_cache): served without a render,
each visitor with their own form token, never to someone signed in or with a message waiting,
dropped when the catalogue changes, in every process when they share Redis."""

import pytest
import redis
from sqlalchemy import update

from app.catalog.models import Course
from app.extensions import db
from tests.conftest import PASSWORD, counted_statements, csrf_token_from, fresh_schema, make_app
from tests.test_jobs import REDIS_URL


@pytest.fixture
def app(database_url):
    """With CSRF protection on: the header's language switch is a form with a token."""
    with fresh_schema(make_app(database_url, WTF_CSRF_ENABLED=True)) as app:
        yield app


def kept(app) -> int:
    return len(app.extensions["page_cache"].pages)


def visit(client, url: str, language: str = "fr") -> tuple[str, list[str]]:
    """The page a visitor whose browser prefers *language* gets, and the SQL it cost."""
    db.session.commit()  # the test's own transaction ends: each request starts afresh
    with counted_statements() as statements:
        response = client.get(url, headers={"Accept-Language": language})
    assert response.status_code == 200
    return response.get_data(as_text=True), statements


def test_a_visitor_gets_the_kept_page_with_a_form_token_of_their_own(app, course):
    url = f"/courses/{course.slug}"
    first, rendered = visit(app.test_client(), url)
    assert kept(app) == 1 and rendered
    other = app.test_client()
    page, statements = visit(other, url)
    assert statements == []  # not rendered: no query at all
    mine, theirs = csrf_token_from(page), csrf_token_from(first)
    assert mine != theirs and theirs not in page
    assert page.replace(mine, theirs) == first
    # The token is this visitor's: the header's language switch takes it.
    response = other.post("/language/en", data={"csrf_token": mine, "next": url})
    assert response.status_code == 302
    english, statements = visit(other, url)  # another language: another page, rendered
    assert statements and 'lang="fr">Version française' in english and kept(app) == 2


def test_each_language_and_address_has_its_own_page(app, course):
    client = app.test_client()
    french, _ = visit(client, "/courses")
    english, statements = visit(client, "/courses", "en")
    assert statements and "English version" in french and "Version française" in english
    visit(client, "/courses?q=voix")
    assert kept(app) == 3


def test_nobody_signed_in_or_with_a_message_waiting_gets_a_kept_page(app, course, make_user):
    url = f"/courses/{course.slug}"
    visit(app.test_client(), url)
    make_user("Zoé Lefèvre", "zoe@example.org")
    client = app.test_client()
    token = csrf_token_from(client.get("/account/login").get_data(as_text=True))
    signed_in = {"email": "zoe@example.org", "password": PASSWORD, "csrf_token": token}
    client.post("/account/login", data=signed_in)
    page, statements = visit(client, url, "en")
    assert statements and "Log out" in page
    token = csrf_token_from(page)
    client.post("/account/logout", data={"csrf_token": token})  # flashes a message for the next page
    page, statements = visit(client, url, "en")
    assert statements and "Log out" not in page
    assert kept(app) == 1  # neither page was kept


def test_a_change_to_the_catalogue_drops_the_kept_pages(app, course):
    client = app.test_client()
    url = f"/courses/{course.slug}"
    visit(client, url)
    course.title = "Voix de synthèse et contrats"
    db.session.commit()
    page, statements = visit(client, url)
    assert statements and "Voix de synthèse et contrats" in page
    db.session.execute(update(Course).where(Course.id == course.id).values(title="Voix et IA, 2027"))
    db.session.commit()
    assert "Voix et IA, 2027" in visit(client, url)[0]
    db.session.execute(update(Course).where(Course.id == course.id).values(title="Ignored"))
    db.session.rollback()  # nothing changed: the page stays
    assert visit(client, url)[1] == []


def test_a_page_is_kept_a_while_only(app, course):
    client = app.test_client()
    visit(client, "/")
    store = app.extensions["page_cache"]
    for key, page in list(store.pages.items()):
        store.pages[key] = page.__class__(page.generation, 0.0, page.html, page.token)  # its time is up
    assert visit(client, "/")[1]
    app.config["PAGE_CACHE_SECONDS"] = 0
    store.pages.clear()
    visit(client, "/")
    assert kept(app) == 0


def test_with_redis_a_change_in_one_process_drops_the_pages_of_the_others(database_url, course):
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        connection.ping()
    except redis.RedisError:
        pytest.skip("no Redis at TEST_REDIS_URL")
    url, course_id = f"/courses/{course.slug}", course.id
    db.session.commit()  # and this test's app reads nothing more: SQLite's lock stays free
    # Two processes' apps on the same database and the same Redis.
    web, worker = make_app(database_url, REDIS_URL=REDIS_URL), make_app(database_url, REDIS_URL=REDIS_URL)
    client = web.test_client()
    with web.app_context():
        visit(client, url)
        assert visit(client, url)[1] == []
    with worker.app_context():
        db.session.get(Course, course_id).title = "Changée dans un autre processus"
        db.session.commit()
    with web.app_context():
        page, statements = visit(client, url)
        assert statements and "Changée dans un autre processus" in page
    for other in (web, worker):
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def test_only_the_outermost_commit_drops_the_pages(app, course):
    """A savepoint released is not in the database yet; one rolled back may follow writes the
    transaction still commits."""
    store = app.extensions["page_cache"]
    before = store.generation
    course.title = "Voix et IA, revu"
    with db.session.begin_nested():  # flushes the title first, then is released
        pass
    assert store.generation == before
    savepoint = db.session.begin_nested()
    course.summary = "Jamais enregistré"
    db.session.flush()
    savepoint.rollback()
    assert store.generation == before
    db.session.commit()  # the title is saved: now the pages go
    assert store.generation == before + 1


def test_without_an_answer_from_redis_pages_are_rendered_and_redis_left_alone_a_while(
    database_url, course, caplog
):
    url = f"/courses/{course.slug}"
    db.session.commit()
    web = make_app(database_url, REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens there
    client = web.test_client()
    with web.app_context():
        for _ in range(3):
            assert visit(client, url)[1]  # rendered each time: the generation cannot be known
        db.session.remove()
        db.engine.dispose()
    assert caplog.text.count("Redis unreachable: catalogue pages rendered") == 1  # then it rests

"""Catalogue pages kept for visitors not signed in (app.page_cache): served without a render,
each visitor with their own form token, never to someone signed in or with a message waiting,
dropped when the catalogue changes, in every process (through Redis, or a file on one machine)."""

import contextlib
import dataclasses
import secrets
from datetime import UTC, datetime

import pytest
import redis
from flask import request, request_started
from flask_login.signals import user_accessed
from sqlalchemy import update

from app.catalog.editions import SESSION_KEY as COURSE_LANGUAGES
from app.catalog.images import CourseImage, delete_unreferenced, reuse_images, store_image
from app.catalog.models import Course
from app.content.images import prepare_image
from app.extensions import db
from app.models_base import utcnow
from app.page_cache import Front
from tests.conftest import PASSWORD, counted_statements, csrf_token_from, fresh_schema, make_app
from tests.content.test_images import encoded
from tests.test_jobs import REDIS_URL


@pytest.fixture
def app(database_url):
    """With CSRF protection on: the header's language switch is a form with a token."""
    with fresh_schema(make_app(database_url, WTF_CSRF_ENABLED=True)) as app:
        yield app


def kept(app) -> int:
    store = app.extensions["page_cache"]
    return len(store.pages) + len(store.others)


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
    # Another host or scheme: the page's links and canonical address are theirs.
    for base in ("http://cadre.example/", "https://localhost/"):
        db.session.commit()
        with counted_statements() as statements:
            assert client.get("/courses", base_url=base).status_code == 200
        assert statements
    # A course shown in another of its languages: the visitor's choice is in the key.
    with client.session_transaction() as session:
        session[COURSE_LANGUAGES] = {str(course.id): "en"}
    assert visit(client, "/courses")[1]
    assert kept(app) == 6


@pytest.mark.parametrize("who", ["signed in", "message waiting"])
def test_nobody_signed_in_or_with_a_message_waiting_gets_a_kept_page(app, course, make_user, who):
    """Not even with a session Flask-Login has already noted as not a fresh login's, in the
    kept page's language: only Flask serves them, and their own page."""
    url = f"/courses/{course.slug}"
    visit(app.test_client(), url)
    make_user("Zoé Lefèvre", "zoe@example.org")
    client = app.test_client()
    token = csrf_token_from(client.get("/account/login").get_data(as_text=True))
    signed_in = {"email": "zoe@example.org", "password": PASSWORD, "csrf_token": token}
    client.post("/account/login", data=signed_in)
    if who == "message waiting":
        token = csrf_token_from(visit(client, url)[0])
        french = {"Accept-Language": "fr"}
        # The logout leaves a message for the next page.
        client.post("/account/logout", data={"csrf_token": token}, headers=french)
    with client.session_transaction() as session:
        session["_fresh"] = False  # as Flask-Login notes it
    with entered_flask(app) as handled:
        page, statements = visit(client, url)
    assert handled == [url] and statements
    assert ("Se déconnecter" in page) == (who == "signed in")
    assert ("Vous êtes déconnecté." in page) == (who == "message waiting")
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


def test_images_stored_stamped_or_pruned_leave_the_kept_pages(app, course):
    """An author's draft stores or stamps images as it is saved, pruning deletes those nothing
    refers to: no kept page shows them until a course or module written anew does."""
    client = app.test_client()
    url = f"/courses/{course.slug}"
    visit(client, url)
    stored = store_image(prepare_image(encoded("PNG")))
    db.session.commit()
    assert visit(client, url)[1] == []
    db.session.execute(update(CourseImage).values(created_at=datetime(2020, 1, 1, tzinfo=UTC)))
    db.session.commit()
    reuse_images([stored.sha256])  # stamped again, as a draft that shows it is saved
    db.session.commit()
    assert visit(client, url)[1] == []
    db.session.execute(update(CourseImage).values(created_at=datetime(2020, 1, 1, tzinfo=UTC)))
    assert delete_unreferenced(set(), utcnow()) == 1
    db.session.commit()
    assert visit(client, url)[1] == []
    course.title = "Voix de synthèse et contrats"  # a course written anew: the page goes
    db.session.commit()
    assert visit(client, url)[1]


def test_a_page_is_kept_a_while_only(app, course):
    client = app.test_client()
    visit(client, "/")
    store = app.extensions["page_cache"]
    for shelf in (store.pages, store.others):
        for key, page in list(shelf.items()):
            shelf[key] = dataclasses.replace(page, until=0.0)  # its time is up
    assert visit(client, "/")[1]  # rendered, and kept again
    app.config["PAGE_CACHE_SECONDS"] = 0
    assert visit(client, "/")[1]  # rendered: not the page kept before
    store.changed()
    visit(client, "/")
    assert kept(app) == 0


def test_with_redis_a_change_in_one_process_drops_the_pages_of_the_others(database_url, course):
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        connection.ping()
    except redis.RedisError:
        pytest.skip("no Redis at TEST_REDIS_URL")
    a_change_in_one_process_shows_in_the_other(database_url, course, REDIS_URL=REDIS_URL)


def test_with_redis_a_site_counts_its_changes_under_its_own_key(database_url, course):
    """Two sites on one Redis (PAGE_CACHE_GENERATION_KEY): a course saved on one leaves the other's
    kept pages alone."""
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        connection.ping()
    except redis.RedisError:
        pytest.skip("no Redis at TEST_REDIS_URL")
    url, course_id = f"/courses/{course.slug}", course.id
    db.session.commit()
    keys = [f"cadre-test-pages-{secrets.token_hex(6)}" for _ in range(2)]
    one, other = (make_app(database_url, REDIS_URL=REDIS_URL, PAGE_CACHE_GENERATION_KEY=key) for key in keys)
    try:
        client = other.test_client()
        with other.app_context():
            visit(client, url)
        with one.app_context():
            db.session.get(Course, course_id).title = "Changée sur l’autre site"
            db.session.commit()
        assert [connection.get(key) for key in keys] == [b"1", None]
        with other.app_context():
            page, statements = visit(client, url)
            assert statements == [] and "Changée sur l’autre site" not in page
    finally:
        connection.delete(*keys)
        for app in (one, other):
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def test_without_redis_a_change_in_one_process_drops_the_pages_of_the_others_of_the_machine(
    database_url, course, tmp_path
):
    """gunicorn's workers, or the command line, and no Redis: the generation file they share."""
    folder = tmp_path / "pages"
    folder.mkdir()
    shared = str(folder / "page-cache-generation")
    a_change_in_one_process_shows_in_the_other(database_url, course, PAGE_CACHE_GENERATION_FILE=shared)
    assert [path.name for path in folder.iterdir()] == ["page-cache-generation"]  # no temporary left


def a_change_in_one_process_shows_in_the_other(database_url, course, **settings) -> None:
    """Two processes' apps on the same database and these settings: a page the web process kept
    is rendered again once the other changed the course, then kept again."""
    url, course_id = f"/courses/{course.slug}", course.id
    db.session.commit()  # and this test's app reads nothing more: SQLite's lock stays free
    web, worker = make_app(database_url, **settings), make_app(database_url, **settings)
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
        assert visit(client, url)[1] == []  # kept again, under the new generation
    for other in (web, worker):
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_generation_file_that_cannot_be_written_is_said_and_the_process_drops_its_own_pages(
    database_url, course, tmp_path, caplog
):
    url, course_id = f"/courses/{course.slug}", course.id
    db.session.commit()
    web = make_app(database_url, PAGE_CACHE_GENERATION_FILE=str(tmp_path / "nowhere" / "generation"))
    client = web.test_client()
    with web.app_context():
        visit(client, url)
        assert visit(client, url)[1] == []
        db.session.get(Course, course_id).title = "Changée ici"
        db.session.commit()
        page, statements = visit(client, url)
        assert statements and "Changée ici" in page
        db.session.remove()
        db.engine.dispose()
    assert "not written: other processes keep pages until their time is up" in caplog.text


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


def served_by_flask(app):
    """The app without its front (app.page_cache.Front): Flask serves kept pages itself."""
    from werkzeug.test import Client

    layer = app.wsgi_app
    while not isinstance(layer, Front):
        layer = layer.wsgi_app
    return Client(layer.wsgi_app)


def without_token(response) -> tuple:
    """A response as a visitor's browser reads it, their own form token and cookie aside."""
    html = response.get_data(as_text=True)
    token = csrf_token_from(html) if 'name="csrf_token"' in html else None
    headers = sorted((k, v) for k, v in response.headers if k not in ("Set-Cookie", "Content-Length"))
    cookies = sorted(c.split(";", 1)[1] for c in response.headers.getlist("Set-Cookie"))
    return response.status_code, headers, cookies, html.replace(token, "TOKEN") if token else html


@contextlib.contextmanager
def entered_flask(app):
    """The requests Flask handled inside the block (the front's answers are not among them)."""
    handled = []

    def note(sender, **extra):
        handled.append(request.path)

    with request_started.connected_to(note, app):
        yield handled


@pytest.mark.parametrize(
    ("url", "language", "chosen"),
    [("/", "fr", None), ("/courses?q=voix", "en", None), ("/courses/{slug}", "en-GB,en;q=0.8", "fr")],
)
def test_the_front_serves_what_flask_serves(app, course, url, language, chosen):
    """Before Flask is entered (a new visitor, a returning one, another language asked for, one
    chosen), the page, its headers and its cookie's attributes are Flask's."""
    url = url.format(slug=course.slug)
    headers = {"Accept-Language": language}
    visitor = app.test_client()
    if chosen:
        token = csrf_token_from(visitor.get("/").get_data(as_text=True))
        visitor.post(f"/language/{chosen}", data={"csrf_token": token})
    rendered = visitor.get(url, headers=headers)
    assert kept(app) and ("Set-Cookie" in rendered.headers) != bool(chosen)  # rendered and kept
    visitor.get(url, headers=headers)  # Flask-Login notes once the session is not a fresh login's
    flask = served_by_flask(app)
    flask.set_cookie("session", visitor.get_cookie("session").value)
    with counted_statements() as statements, entered_flask(app) as handled:
        front = visitor.get(url, headers=headers)
        assert handled == []
        by_flask = flask.get(url, headers=headers)
    assert statements == [] and handled == [url.split("?")[0]]  # both from the kept page
    assert without_token(front) == without_token(by_flask)
    assert front.headers["Content-Length"] == str(len(front.get_data()))
    vary = set(front.headers["Vary"].replace(" ", "").split(","))
    assert vary == ({"Cookie"} if chosen else {"Cookie", "Accept-Language"})
    assert front.headers.getlist("Set-Cookie") == []  # the returning visitor's session is unchanged
    if chosen:
        return
    # A new visitor: Flask's page and headers, with a token and a session of their own.
    with counted_statements() as statements, entered_flask(app) as handled:
        new = app.test_client().get(url, headers=headers)
    assert statements == handled == []
    assert without_token(new)[:3] == without_token(rendered)[:3]
    assert without_token(new)[3] == without_token(front)[3]
    assert csrf_token_from(new.get_data(as_text=True)) != csrf_token_from(front.get_data(as_text=True))
    kept_session = new.headers["Set-Cookie"].split(";")[0].removeprefix("session=")
    with app.test_request_context():
        opened = app.session_interface.get_signing_serializer(app).loads(kept_session)
    assert list(opened) == ["csrf_token"]


def test_the_front_leaves_to_flask_whoever_it_must_not_serve(app, course, make_user):
    url = f"/courses/{course.slug}"
    visit(app.test_client(), url, "en")
    make_user("Zoé Lefèvre", "zoe@example.org")
    client = app.test_client()
    token = csrf_token_from(client.get("/account/login").get_data(as_text=True))
    client.post(
        "/account/login",
        data={"email": "zoe@example.org", "password": PASSWORD, "csrf_token": token, "remember": "y"},
    )
    client.delete_cookie("session")  # the browser closed: only the remember-me cookie is left
    page, statements = visit(client, url, "en")
    assert statements and "Log out" in page  # signed in again by Flask-Login, their own page
    # Someone told when Flask-Login looks the user up: Flask does, for every visitor.
    with user_accessed.connected_to(lambda sender: None, app), entered_flask(app) as handled:
        assert "Log out" not in visit(app.test_client(), url, "en")[0]
    assert handled == [url]
    # A loader reading requests (an API token, say) could sign anyone in: Flask looks.
    try:
        app.login_manager.request_loader(lambda request: None)
        with entered_flask(app) as handled:
            visit(app.test_client(), url, "en")
        assert handled == [url]
    finally:
        app.login_manager._request_callback = None  # the login manager is shared by every app
    head = app.test_client().head(url, headers={"Accept-Language": "en"})
    assert head.status_code == 200 and head.get_data() == b""


def test_the_addresses_of_kept_pages_follow_the_pages(app, course, monkeypatch):
    monkeypatch.setattr("app.page_cache.MAX_PAGES", 1)
    monkeypatch.setattr("app.page_cache.MAX_OTHER_PAGES", 2)
    store = app.extensions["page_cache"]
    client = app.test_client()
    for url in ("/", "/courses", "/courses?q=voix"):
        visit(client, url)
    visit(client, "/courses?q=voix", "en")  # a second page at one address
    assert len(store.pages) == 1 and len(store.others) == 2
    assert sorted(store.addresses.values()) == [1, 2]
    visit(client, "/courses?q=son")  # the least recently served other page goes
    assert sorted(store.addresses.values()) == [1, 1, 1]
    course.title = "Voix de synthèse, revue"
    db.session.commit()
    assert store.pages == {} and store.others == {} and store.addresses == {}


def test_made_up_query_strings_do_not_push_out_the_pages_without_one(app, course, monkeypatch):
    monkeypatch.setattr("app.page_cache.MAX_OTHER_PAGES", 3)
    client = app.test_client()
    bare = ("/", "/courses", f"/courses/{course.slug}")
    for url in bare:
        visit(client, url)
    for n in range(10):
        visit(client, f"/courses?utm={n}")
    store = app.extensions["page_cache"]
    assert len(store.pages) == 3 and len(store.others) == 3
    for url in bare:
        assert visit(client, url)[1] == []  # still served without a render
    assert visit(client, "/courses?utm=0")[1]  # pushed out by the later ones


def test_with_trusted_hosts_a_made_up_host_is_refused_and_kept_nowhere(app, course):
    """Made-up Host headers could still push the kept pages out (the Host is in the key): with
    ``TRUSTED_HOSTS`` (``CADRE_TRUSTED_HOSTS``) they get a plain 400 and nothing is kept."""
    app.config["TRUSTED_HOSTS"] = ["cadre.example"]
    client = app.test_client()
    db.session.commit()
    assert client.get("/", base_url="https://cadre.example").status_code == 200
    refused = client.get("/", base_url="https://made-up.example")
    assert refused.status_code == 400 and refused.mimetype == "text/plain"
    assert "could not be understood" in refused.get_data(as_text=True)
    assert [key[1] for key in app.extensions["page_cache"].pages] == ["cadre.example"]

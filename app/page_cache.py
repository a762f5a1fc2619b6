"""Whole catalogue pages kept for visitors who are not signed in: the home page, the catalogue and
a course's page, the pages most visits land on, cost a render once a minute instead of every time.

Only what every such visitor would be shown alike is kept, so nobody sees another's data:
- only for a GET by someone not signed in whose session holds nothing of theirs but their
  language, their course language choices and their form token (a flashed message, anything
  else, and the page is rendered for them);
- keyed by host, path with query, interface language and course language choices;
- the form token (the header's language switch) is the one thing of a visitor's in the page: the
  page keeps the token it was rendered with and each visitor gets theirs in its place.

A page is kept ``PAGE_CACHE_SECONDS`` (0: never) and dropped sooner when the catalogue changes:
any commit that wrote a course, a module, a question, an image or an organisation moves a generation on,
in Redis when ``REDIS_URL`` is set (shared by every process), else in this process (``make run``
is one). A change made elsewhere without Redis (the command line while the server runs) shows
once the page's time is up.
"""

import functools
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from flask import current_app, g, make_response, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.catalog.editions import SESSION_KEY as COURSE_LANGUAGES
from app.catalog.models import CourseLanguageChoice
from app.orgs.models import Organisation

MAX_PAGES = 256  # per process: a search's every query string must not fill the memory
# What a visitor's session may hold for a page to be kept for them: their form token, language and
# course language choices, and what Flask-Login notes for anyone ("_fresh": False).
VISITOR_KEYS = frozenset({"csrf_token", "locale", COURSE_LANGUAGES, "_permanent", "_fresh"})
# Rows shown on the cached pages (app.catalog's models, and publishers' names): a commit that
# writes one drops every kept page. Drafts, progress, imports' steps are not shown there.
CATALOGUE_MODULES = ("app.catalog.",)
GENERATION_KEY = "cadre:page-cache:generation"


@dataclass(frozen=True)
class Page:
    generation: int
    until: float  # time.monotonic()
    html: str
    token: str | None  # the form token it was rendered with


class Store:
    """One app's kept pages in this process, least recently used dropped first."""

    def __init__(self):
        self.pages: OrderedDict[tuple, Page] = OrderedDict()
        self.generation = 0  # without Redis
        self.redis_resting_until = 0.0  # time.monotonic()
        self.lock = threading.Lock()

    def get(self, key: tuple) -> Page | None:
        with self.lock:
            page = self.pages.get(key)
            if page is not None:
                self.pages.move_to_end(key)
            return page

    def put(self, key: tuple, page: Page) -> None:
        with self.lock:
            self.pages[key] = page
            self.pages.move_to_end(key)
            while len(self.pages) > MAX_PAGES:
                self.pages.popitem(last=False)


def init_app(app) -> None:
    app.extensions["page_cache"] = Store()


def for_visitors(view):
    """Serve the view's page from the cache to visitors not signed in (see the module's rules)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        key = _key()
        generation = _generation() if key is not None else None
        if generation is None:
            return view(*args, **kwargs)
        store: Store = current_app.extensions["page_cache"]
        page = store.get(key)
        if page is not None and page.generation == generation and page.until > time.monotonic():
            if page.token is None:
                return page.html
            return page.html.replace(page.token, generate_csrf())
        response = make_response(view(*args, **kwargs))
        if response.status_code == 200 and response.mimetype == "text/html" and not response.is_streamed:
            seconds = current_app.config["PAGE_CACHE_SECONDS"]
            token = g.get("csrf_token")  # Flask-WTF's for this request, if the page has a form
            html = response.get_data(as_text=True)
            kept = token if token and token in html else None
            store.put(key, Page(generation, time.monotonic() + seconds, html, kept))
        return response

    return wrapper


def _key() -> tuple | None:
    """What the page depends on, for a visitor it may be kept for; None for anyone else."""
    if not current_app.config["PAGE_CACHE_SECONDS"] or request.method != "GET":
        return None
    if current_user.is_authenticated or not VISITOR_KEYS.issuperset(session.keys()):
        return None
    choices = tuple(sorted((session.get(COURSE_LANGUAGES) or {}).items()))
    return (request.host, request.full_path, str(get_locale()), choices)


REDIS_RESTING = 5.0  # seconds without asking a Redis that did not answer: pages are rendered


def _redis():
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    clients = current_app.extensions.setdefault("page_cache_redis", {})
    if url not in clients:
        from redis import Redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        # One try, briefly: a Redis away must not hold pages that do not need it.
        clients[url] = Redis.from_url(
            url, socket_connect_timeout=0.25, socket_timeout=0.25, retry=Retry(NoBackoff(), 0)
        )
    return clients[url]


def _generation() -> int | None:
    """The catalogue's generation; None when it cannot be known (Redis not answering)."""
    client = _redis()
    store: Store = current_app.extensions["page_cache"]
    if client is None:
        return store.generation
    if store.redis_resting_until > time.monotonic():
        return None
    from redis import RedisError

    try:
        return int(client.get(GENERATION_KEY) or 0)
    except RedisError:
        store.redis_resting_until = time.monotonic() + REDIS_RESTING
        current_app.logger.warning("Redis unreachable: catalogue pages rendered for every visitor")
        return None  # render: better slower than stale


def changed() -> None:
    """The catalogue changed: every kept page is out of date, in every process."""
    store = current_app.extensions.get("page_cache")
    if store is None:
        return
    with store.lock:
        store.generation += 1
        store.pages.clear()
    client = _redis()
    if client is not None:
        from redis import RedisError

        try:
            client.incr(GENERATION_KEY)
        except RedisError:
            current_app.logger.exception(
                "Redis unreachable: other processes keep pages until their time is up"
            )


def _shown(cls) -> bool:
    if issubclass(cls, CourseLanguageChoice):  # a signed-in reader's own choice, not on these pages
        return False
    return cls.__module__.startswith(CATALOGUE_MODULES) or issubclass(cls, Organisation)


@event.listens_for(Session, "after_flush")
def _note_flush(session, _context) -> None:
    if any(_shown(type(o)) for o in (*session.new, *session.dirty, *session.deleted)):
        session.info["catalogue_changed"] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state) -> None:
    if (state.is_update or state.is_delete or state.is_insert) and state.bind_mapper is not None:
        if _shown(state.bind_mapper.class_):
            state.session.info["catalogue_changed"] = True


# Savepoints (begin_nested) commit and roll back too: only the outermost transaction counts. A
# savepoint released is not yet in the database (pages rendered meanwhile would be kept under the
# new generation), and one rolled back may follow writes the transaction still commits.
@event.listens_for(Session, "after_commit")
def _after_commit(session) -> None:
    if session.in_nested_transaction():
        return
    if session.info.pop("catalogue_changed", False):
        from flask import has_app_context

        if has_app_context():
            changed()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session) -> None:
    if not session.in_nested_transaction():
        session.info.pop("catalogue_changed", None)

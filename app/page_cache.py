"""Whole catalogue pages kept for visitors who are not signed in: the home page, the catalogue and
a course's page, the pages most visits land on, cost a render once a minute instead of every time.

Only what every such visitor would be shown alike is kept, so nobody sees another's data:
- only for a GET by someone not signed in whose session holds nothing of theirs but their
  language, their course language choices and their form token (a flashed message, anything
  else, and the page is rendered for them);
- keyed by the address as sent (scheme, host, path, query), the interface language and whether the
  browser chose it, and the course language choices;
- the form token (the header's language switch) is the one thing of a visitor's in the page: the
  page keeps the token it was rendered with and each visitor gets theirs in its place.

A kept page is served before Flask is entered (``Front``, a WSGI middleware): a visitor's request
costs about what a Flask hello world costs. Flask serves it itself when the middleware leaves the
request to it (a session's second request, which Flask-Login marks as not a fresh login's); either
way the response is the same (tests/test_page_cache.py).

Each process keeps at most ``MAX_PAGES`` pages at addresses without a query string and
``MAX_OTHER_PAGES`` at addresses with one, the least recently served going first on each side:
query strings made up by the thousand cannot push out the pages most visits land on. Made-up
Host headers could (the host is part of the address) unless ``TRUSTED_HOSTS`` names the site's.

A page is kept ``PAGE_CACHE_SECONDS`` (0: never) and dropped sooner when the catalogue changes:
any commit that wrote a course, a module, a question or an organisation moves a generation on,
in Redis when ``REDIS_URL`` is set (shared by every process of every machine), else in this process
and in a file of the instance folder that every process of this machine reads before serving a
kept page (gunicorn's workers, the command line). A page is kept with the generation read before
it was rendered, and a change writes the new one after its commit: a page rendered meanwhile is
rendered again. Several machines without Redis see each other's changes once a page's time is up.
"""

import contextlib
import functools
import hashlib
import os
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from flask import current_app, g, make_response, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_login.config import COOKIE_NAME as REMEMBER_COOKIE
from flask_login.signals import session_protected, user_accessed
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header, parse_set_header
from werkzeug.sansio.response import Response as SansIOResponse

from app.catalog.editions import SESSION_KEY as COURSE_LANGUAGES
from app.catalog.images import CourseImage
from app.catalog.models import CourseLanguageChoice
from app.i18n import LOCALE_OF, choose_locale
from app.lti.cookies import Serializer
from app.orgs.models import Organisation

# Pages kept per process, at addresses without a query string and with one: bounded, so that a
# search's every query string cannot fill the memory.
MAX_PAGES = 256
MAX_OTHER_PAGES = 64
# What a visitor's session may hold for a page to be kept for them: their form token, language
# (and which account it came from, app.i18n) and course language choices, and what Flask-Login
# notes for anyone ("_fresh": False).
VISITOR_KEYS = frozenset({"csrf_token", "locale", LOCALE_OF, COURSE_LANGUAGES, "_permanent", "_fresh"})
# Rows shown on the cached pages (app.catalog's models, and publishers' names): a commit that
# writes one drops every kept page. Drafts, progress, imports' steps are not shown there, nor
# images' rows: a page names an image by its hash, whose bytes never change, and only a course or
# module written anew refers to another.
CATALOGUE_MODULES = ("app.catalog.",)
GENERATION_FILE = "page-cache-generation"  # in the instance folder, without Redis


@dataclass(frozen=True)
class Page:
    generation: int | tuple[int, str]  # as _generation gives it
    until: float  # time.monotonic()
    parts: list[bytes]  # the page in UTF-8, split where its form token was (one part: no token)
    headers: list[tuple[str, str]]  # as Flask sent them, but for the length and cookie
    vary: frozenset[str]  # what its Vary header names

    def body(self, token: str | None) -> bytes:
        return token.encode().join(self.parts) if len(self.parts) > 1 else self.parts[0]


class Store:
    """One app's kept pages in this process, on two shelves that each drop their least recently
    used page first: pages at addresses without a query string (the home page, the catalogue, the
    courses), and the others, whose number anyone can make up, so that these never push the
    former out."""

    def __init__(self):
        self.pages: OrderedDict[tuple, Page] = OrderedDict()  # at addresses without a query string
        self.others: OrderedDict[tuple, Page] = OrderedDict()
        self.addresses: dict[tuple, int] = {}  # how many kept pages each address has
        self.generation = 0  # without Redis
        self.redis_resting_until = 0.0  # time.monotonic()
        self.lock = threading.Lock()

    def shelf(self, key: tuple) -> tuple[OrderedDict, int]:
        """Where a page at this key is kept, and how many that shelf holds at most."""
        return (self.others, MAX_OTHER_PAGES) if key[QUERY] else (self.pages, MAX_PAGES)

    def get(self, key: tuple) -> Page | None:
        shelf, _ = self.shelf(key)
        with self.lock:
            page = shelf.get(key)
            if page is not None:
                shelf.move_to_end(key)
            return page

    def put(self, key: tuple, page: Page) -> None:
        shelf, most = self.shelf(key)
        with self.lock:
            if key not in shelf:
                address = key[:ADDRESS]
                self.addresses[address] = self.addresses.get(address, 0) + 1
            shelf[key] = page
            shelf.move_to_end(key)
            while len(shelf) > most:
                address = shelf.popitem(last=False)[0][:ADDRESS]
                self.addresses[address] -= 1
                if not self.addresses[address]:
                    del self.addresses[address]

    def changed(self) -> None:
        """Every kept page is out of date."""
        with self.lock:
            self.generation += 1
            self.pages.clear()
            self.others.clear()
            self.addresses.clear()


def init_app(app) -> None:
    app.extensions["page_cache"] = Store()
    app.wsgi_app = Front(app, app.wsgi_app)


def for_visitors(view):
    """Serve the view's page from the cache to visitors not signed in (see the module's rules)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        key = _key()
        generation = _generation(current_app) if key is not None else None
        if generation is None:
            return view(*args, **kwargs)
        store: Store = current_app.extensions["page_cache"]
        page = store.get(key)
        if page is not None and page.generation == generation and page.until > time.monotonic():
            return page.body(generate_csrf() if len(page.parts) > 1 else None)
        response = make_response(view(*args, **kwargs))
        if response.status_code == 200 and response.mimetype == "text/html" and not response.is_streamed:
            html = response.get_data()
            token = g.get("csrf_token")  # Flask-WTF's for this request, if the page has a form
            parts = html.split(token.encode()) if token else [html]
            # Kept by the front once Flask has finished the response: with its headers as sent.
            request.environ[TO_KEEP] = (key, generation, parts)
        return response

    return wrapper


def _key() -> tuple | None:
    """What the page depends on, for a visitor it may be kept for; None for anyone else."""
    if not current_app.config["PAGE_CACHE_SECONDS"] or request.method != "GET":
        return None
    if current_user.is_authenticated or not VISITOR_KEYS.issuperset(session.keys()):
        return None
    get_locale()  # chosen now as for any page, which then says if the browser chose it (app.i18n)
    return _key_of(request.environ, current_app.config, session, request.accept_languages)


def _address(environ) -> tuple:
    """The address asked for, as sent: a kept page was rendered for exactly that."""
    return (
        environ["wsgi.url_scheme"],
        environ.get("HTTP_HOST", ""),
        environ.get("SCRIPT_NAME", ""),
        environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
    )


ADDRESS = 5  # a key's first items
QUERY = 4  # where the address has it
TO_KEEP = "cadre.page_cache.to_keep"  # the WSGI environ's page rendered to be kept, if any


def _key_of(environ, config, visitor, accepted) -> tuple:
    """The address, the language and whether the browser chose it (the page then varies on
    Accept-Language), and the course language choices."""
    locale, negotiated = choose_locale(config, visitor.get("locale"), accepted)
    choices = tuple(sorted((visitor.get(COURSE_LANGUAGES) or {}).items()))
    return (*_address(environ), locale, negotiated, choices)


class _SessionSaved:
    """What a session interface asks of a response to save a session in it, with Werkzeug's own
    ``set_cookie``: the cookie's headers, and what the response varies on. A kept page's headers
    are ready to send; building a whole response around them again would cost a third of it."""

    set_cookie = SansIOResponse.set_cookie
    delete_cookie = SansIOResponse.delete_cookie

    class Headers(list):
        def add(self, name: str, value: str) -> None:
            self.append((name, value))

    def __init__(self, max_cookie_size: int):
        self.max_cookie_size = max_cookie_size
        self.headers = self.Headers()
        self.vary: set[str] = set()


class _Accepted:
    """An Accept-Language header as ``choose_locale`` reads it, its best match found once (Werkzeug
    builds two more headers' worth of objects to find it)."""

    def __init__(self, accepted: LanguageAccept):
        self.accepted = accepted
        self.matches: dict[tuple, str | None] = {}

    def best_match(self, languages) -> str | None:
        key = tuple(languages)
        if key not in self.matches:
            self.matches[key] = self.accepted.best_match(languages)
        return self.matches[key]


class Front:
    """WSGI middleware: a kept page served to a visitor without entering Flask.

    It takes a GET only from a visitor Flask would serve the kept page to: no remember-me cookie
    (Flask-Login would sign them in from it), a session that Flask's own session interface opens,
    that holds nothing but ``VISITOR_KEYS`` and that Flask-Login's session protection would leave
    as it is. It gives them their form token as Flask-WTF would and lets the session interface
    write their cookie. Anything else goes to Flask, which keeps the pages it renders here, with
    the headers it sent.
    """

    def __init__(self, app, wsgi_app):
        self.app, self.wsgi_app = app, wsgi_app
        self.accepted: dict[str, _Accepted] = {}  # Accept-Language headers parsed, bounded
        self.signers: dict[tuple, Serializer] = {}

    def __call__(self, environ, start_response):
        store: Store | None = self.app.extensions.get("page_cache")
        if environ["REQUEST_METHOD"] != "GET" or store is None:
            return self.wsgi_app(environ, start_response)
        if _address(environ) in store.addresses:
            served = self.serve(store, environ, start_response)
            if served is not None:
                return served
        sent = []

        def starting(status, headers, exc_info=None):
            sent[:] = status, headers
            return start_response(status, headers, *((exc_info,) if exc_info else ()))

        body = self.wsgi_app(environ, starting)
        keep = environ.pop(TO_KEEP, None)
        if keep is not None and sent and sent[0].startswith("200 "):
            key, generation, parts = keep
            headers = [(k, v) for k, v in sent[1] if k not in ("Content-Length", "Set-Cookie")]
            vary = frozenset(v for k, value in headers if k == "Vary" for v in parse_set_header(value))
            seconds = self.app.config["PAGE_CACHE_SECONDS"]
            store.put(key, Page(generation, time.monotonic() + seconds, parts, headers, vary))
        return body

    def serve(self, store: "Store", environ, start_response):
        app = self.app
        if not app.config["PAGE_CACHE_SECONDS"]:
            return None
        request = app.request_class(environ)
        if app.config.get("REMEMBER_COOKIE_NAME", REMEMBER_COOKIE) in request.cookies:
            return None
        sessions = app.session_interface
        visitor = sessions.open_session(app, request)
        if visitor is None or not VISITOR_KEYS.issuperset(visitor.keys()) or self.protected(visitor):
            return None
        key = _key_of(environ, app.config, visitor, self.accept_languages(environ))
        page = store.get(key)
        if page is None or page.until <= time.monotonic() or page.generation != _generation(app):
            return None
        body = page.body(self.form_token(visitor) if len(page.parts) > 1 else None)
        saved = _SessionSaved(app.config["MAX_COOKIE_SIZE"])
        sessions.save_session(app, visitor, saved)
        if not saved.vary <= page.vary:  # Flask's render read the session: it varies on Cookie
            return None
        start_response("200 OK", [*page.headers, ("Content-Length", str(len(body))), *saved.headers])
        return [body]

    def protected(self, visitor) -> bool:
        """Whether Flask-Login would do more than find nobody signed in: its session protection
        act on this visitor's session (mark it not fresh, empty it, tell its listeners), a loader
        read the request, someone listen to its user being looked up. Then Flask does."""
        manager = self.app.login_manager
        if manager._request_callback or manager._header_callback or user_accessed.receivers:
            return True
        mode = self.app.config.get("SESSION_PROTECTION", manager.session_protection)
        if not visitor or mode not in ("basic", "strong"):
            return False
        return mode == "strong" or visitor.get("_fresh") is not False or bool(session_protected.receivers)

    def accept_languages(self, environ) -> "_Accepted":
        header = environ.get("HTTP_ACCEPT_LANGUAGE", "")
        accepted = self.accepted.get(header)
        if accepted is None:
            if len(self.accepted) >= 256:
                self.accepted.clear()
            accepted = self.accepted[header] = _Accepted(parse_accept_header(header, LanguageAccept))
        return accepted

    def form_token(self, visitor) -> str:
        """Flask-WTF's ``generate_csrf`` for this visitor's session: their raw token, signed."""
        config = self.app.config
        field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        if field not in visitor:
            visitor[field] = hashlib.sha1(os.urandom(64)).hexdigest()  # noqa: S324 - as Flask-WTF
        secret = config.get("WTF_CSRF_SECRET_KEY", self.app.secret_key)
        signer = self.signers.get(secret)
        if signer is None:
            signer = self.signers[secret] = Serializer(
                secret, salt="wtf-csrf-token", signer_kwargs={"digest_method": hashlib.sha1}
            )
        return signer.dumps(visitor[field])


REDIS_RESTING = 5.0  # seconds without asking a Redis that did not answer: pages are rendered


def _redis(app):
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    clients = app.extensions.setdefault("page_cache_redis", {})
    if url not in clients:
        from redis import Redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        # One try, briefly: a Redis away must not hold pages that do not need it.
        clients[url] = Redis.from_url(
            url, socket_connect_timeout=0.25, socket_timeout=0.25, retry=Retry(NoBackoff(), 0)
        )
    return clients[url]


def _generation(app) -> int | tuple[int, str] | None:
    """The catalogue's generation; None when it cannot be known (Redis not answering)."""
    client = _redis(app)
    store: Store = app.extensions["page_cache"]
    if client is None:
        return store.generation, _machine_generation(app)
    if store.redis_resting_until > time.monotonic():
        return None
    from redis import RedisError

    try:
        return int(client.get(app.config["PAGE_CACHE_GENERATION_KEY"]) or 0)
    except RedisError:
        store.redis_resting_until = time.monotonic() + REDIS_RESTING
        app.logger.warning("Redis unreachable: catalogue pages rendered for every visitor")
        return None  # render: better slower than stale


def _generation_file(app) -> str:
    return app.config.get("PAGE_CACHE_GENERATION_FILE") or os.path.join(app.instance_path, GENERATION_FILE)


def _machine_generation(app) -> str:
    """What the last change made by a process of this machine wrote ("" before any): a file of a
    few bytes, read in a few microseconds."""
    try:
        with open(_generation_file(app), encoding="ascii") as file:
            return file.read()
    except (OSError, ValueError):  # none yet, or unreadable: this process's own changes count
        return ""


def _machine_changed(app) -> None:
    """A new generation for the processes of this machine: random, so never one seen before,
    written whole then renamed into place, so never read half written."""
    path = _generation_file(app)
    token = secrets.token_hex(8)
    temporary = f"{path}.{os.getpid()}.{token}"
    try:
        with open(temporary, "x", encoding="ascii") as file:
            file.write(token)
        os.replace(temporary, path)
    except OSError:
        app.logger.exception("%s not written: other processes keep pages until their time is up", path)
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def changed() -> None:
    """The catalogue changed: every kept page is out of date, in every process."""
    store = current_app.extensions.get("page_cache")
    if store is None:
        return
    store.changed()
    if not current_app.config["PAGE_CACHE_SECONDS"]:
        return  # no process keeps pages
    client = _redis(current_app)
    if client is None:
        _machine_changed(current_app)
    else:
        from redis import RedisError

        try:
            client.incr(current_app.config["PAGE_CACHE_GENERATION_KEY"])
        except RedisError:
            current_app.logger.exception(
                "Redis unreachable: other processes keep pages until their time is up"
            )


def _shown(cls) -> bool:
    if issubclass(cls, CourseLanguageChoice):  # a signed-in reader's own choice, not on these pages
        return False
    if issubclass(cls, CourseImage):  # stored or stamped as a draft is saved, pruned unreferenced
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

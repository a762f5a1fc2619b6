"""A real server in a thread, visitors that each keep their own session, and a starting gun."""

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from werkzeug.serving import make_server

from app.catalog.importer import import_course
from app.content.checker import check_root
from app.extensions import db
from tests.conftest import FIXTURES, make_app

TIMEOUT = 120  # seconds: SQLite queues writers, and a loaded machine is slow


@dataclass(frozen=True)
class Answer:
    status: int
    location: str
    text: str


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    """Hand back a redirect as it came: the test reads where it leads."""

    def redirect_request(self, *args, **kwargs):
        return None


class Visitor:
    """One person's browser: its own cookies, forms posted with the CSRF token of its session."""

    def __init__(self, base: str):
        self.base = base
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _KeepRedirects()
        )

    def request(self, path: str, form: dict | None = None) -> Answer:
        data = urllib.parse.urlencode(form, doseq=True).encode() if form is not None else None
        try:
            with self._opener.open(self.base + path, data=data, timeout=TIMEOUT) as response:
                return Answer(response.status, "", response.read().decode())
        except urllib.error.HTTPError as error:  # 3xx, 4xx and 5xx alike
            return Answer(error.code, error.headers.get("Location", ""), error.read().decode())

    def form_of(self, path: str) -> dict:
        """The hidden fields (CSRF token, draw, version) of the form on a page."""
        page = self.request(path)
        assert page.status == 200, (path, page.status)
        return dict(re.findall(r'name="(csrf_token|draw|version)" type="hidden" value="([^"]*)"', page.text))


def all_at_once(calls) -> list:
    """Run the calls in as many threads, released together; their results in order."""
    calls = list(calls)
    gun = threading.Barrier(len(calls), timeout=TIMEOUT)

    def fire(call):
        gun.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(fire, calls))


def seed_pools(app) -> None:
    """Fresh tables with the pools fixture course (two quiz modules and a final test)."""
    with app.app_context():
        db.drop_all()
        db.create_all()
        for doc in check_root(FIXTURES / "content" / "pools").courses:
            import_course(doc)
        db.session.commit()


@pytest.fixture
def served(database_url):
    """The app (CSRF on) on a free port with the pools fixture course, on a fresh schema.

    Throttling is off: these tests are about simultaneous requests, not about how many.
    """
    app = make_app(database_url, WTF_CSRF_ENABLED=True, SERVER_BASE_URL=None, RATELIMIT_ENABLED=False)
    seed_pools(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app
    finally:
        server.shutdown()
        thread.join()
        with app.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()

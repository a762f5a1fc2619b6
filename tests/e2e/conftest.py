"""A live server in a thread and Debian's Chromium for end-to-end journeys."""

import os
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from app.catalog.importer import import_course
from app.content.checker import check_root
from app.extensions import db
from tests.conftest import VALID_CONTENT, make_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
BROWSER_HINT = (
    "browser tests need Debian's Chromium at /usr/bin/chromium: apt-get install -y chromium "
    "(Playwright's own download does not work here)"
)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Point pytest-playwright at Debian's Chromium, or skip (fail in CI) without it."""
    if not shutil.which(CHROMIUM):
        if os.environ.get("CADRE_REQUIRE_BROWSER"):
            pytest.fail(BROWSER_HINT)
        pytest.skip(BROWSER_HINT)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A French-speaking visitor, as most of ours are."""
    return {**browser_context_args, "locale": "fr-FR"}


@pytest.fixture
def live_server(tmp_path):
    """The real app (CSRF on) on a free port, with the fixture and bundled courses imported."""
    app = make_app(f"sqlite:///{tmp_path / 'e2e.sqlite'}", WTF_CSRF_ENABLED=True, SERVER_BASE_URL=None)
    with app.app_context():
        db.create_all()
        for root in (VALID_CONTENT, app.config["CONTENT_ROOT"]):
            for doc in check_root(Path(root)).courses:
                import_course(doc)
        db.session.commit()
    with serve(app) as base:
        yield base, app


_BODY = "cadre.e2e.body"  # where the served app leaves its response's body for the handler


class _ClosedOnce:
    """A response's body that may be closed twice, the second time doing nothing."""

    def __init__(self, body):
        self.body, self.closed = body, False

    def __iter__(self):
        return iter(self.body)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            if hasattr(self.body, "close"):
                self.body.close()


class _ClosingHandler(WSGIRequestHandler):
    """Werkzeug's handler, which leaves a response unclosed (a static file open, warned about when
    collected) if the browser drops the connection while it reads what follows: it closes it then."""

    def run_wsgi(self) -> None:
        try:
            super().run_wsgi()
        finally:
            body = getattr(self, "environ", {}).pop(_BODY, None)
            if body is not None:
                body.close()


def _with_closable_body(app):
    def served(environ, start_response):
        body = environ[_BODY] = _ClosedOnce(app(environ, start_response))
        return body

    return served


@contextmanager
def serve(app):
    """Serve ``app`` from a thread on a free port; yields its base URL."""
    served = _with_closable_body(app)
    server = make_server("127.0.0.1", 0, served, threaded=True, request_handler=_ClosingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()

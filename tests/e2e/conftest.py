"""A live server in a thread and Debian's Chromium for end-to-end journeys."""

import os
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

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


@contextmanager
def serve(app):
    """Serve ``app`` from a thread on a free port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()

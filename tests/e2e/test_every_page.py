"""Every page type, as each kind of person meets it, at 320 and 1280 px: no sideways scrolling,
room around the main area, no axe-core violation of any impact, and the server's HTML without a
Nu Html Checker error; in English too, at 320 px.

The pages come from the app's url_map: a GET page that is neither visited (page_world.visits)
nor excluded below with a reason fails the test, so a new page cannot escape these checks.
"""

import json
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page
from werkzeug.exceptions import HTTPException
from werkzeug.serving import make_server

from tests.conftest import PASSWORD, make_app
from tests.e2e.page_world import build_world, visits

WIDTHS = (320, 1280)
ROOT = Path(__file__).resolve().parents[2]
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
VNU_HINT = "the Nu Html Checker needs Java 17 and `npm ci` (node_modules/vnu-jar): run `make install-test`"

# GET routes that are not pages, or not pages of their own, and why they are not visited.
EXCLUDED = {
    "static": "files (CSS, JavaScript, images), not pages",
    "images.image": "course images (PNG, JPEG, WebP), not pages",
    "certificates.pdf": "a PDF (tests/certificates/test_pdf.py)",
    # Open Badges 3.0 (issue 13): JSON, tested in tests/certificates/test_open_badges.py and tests/ob3/
    "certificates.credential": "JSON, the holder's signed Open Badge",
    "credentials.issuer": "JSON, the issuer's keys",
    "credentials.revocation_list": "JSON, the signed revocation list",
    "learning.due_dates": "a calendar file (.ics) of the dashboard's due dates, not a page",
    "me.data_json": "JSON, the machine-readable copy of /account/me/data.html",
    # The learning record's exports (issue 13): tested in tests/record/test_pages.py
    "record.class_export": "CSV or xAPI JSON, a class's learning record",
    "record.course_export": "CSV or xAPI JSON, a course's learning record",
    # Attestations for funders: tests/attestation/test_attestation.py
    "attestation.for_learner": "a PDF or a zip, a learner's attestation or evidence pack",
    "attestation.mine": "a PDF or a zip, the learner's own attestation or evidence pack",
    "admin.audit_csv": "CSV",
    "schools.export_csv": "CSV",
    "publishing.download": "a zip package",
    "publishing.package_import_status": "JSON, an import's progress (tests/publishing/test_imports.py)",
    "publishing.export_quizzes": "a GIFT or Moodle XML file (tests/interop/test_routes.py)",
    "publishing_statistics.item_statistics_csv": "CSV",
    # LTI 1.3 (issue 14): tests/lti/ and tests/e2e/test_lti_frame.py
    "lti.jwks": "JSON, the tool's public key set",
    "lti.login": "a redirect to the platform; without one, the 400 page visited below",
    "lti.pick": "reached from a platform's deep-linking launch only (tests/lti/test_advantage.py)",
    "lti.own_login": "a form for accounts made by a platform's launch only (tests/lti/test_registration.py)",
    "typed/login": "a redirect to /account/login (tests/accounts/test_accounts.py)",
    "typed/register": "a redirect to /account/register (tests/accounts/test_accounts.py)",
    "schools.class_message": "a redirect to the messages page showing it (tests/schools/test_messages.py)",
    "notifications.open_one": "a redirect to what it is about (tests/notifications/test_pages.py)",
    "publishing.workspaces": "a redirect to one's workspace(s) (tests/publishing/test_workflow.py)",
    "e2e.server_error": "visited, but a test-only route: it exists to show the 500 page",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The real app (CSRF on) with the world above, served from a thread: (base URL, app, world)."""
    path = tmp_path_factory.mktemp("every-page") / "pages.sqlite"
    app = make_app(
        f"sqlite:///{path}", WTF_CSRF_ENABLED=True, SERVER_BASE_URL=None, PROPAGATE_EXCEPTIONS=False
    )

    def server_error():
        raise RuntimeError("the 500 page, shown on purpose")

    app.add_url_rule("/e2e/server-error", "e2e.server_error", server_error)
    world = build_world(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", app, world
    server.shutdown()
    thread.join()


@pytest.fixture(scope="module")
def browser_context_args(browser_context_args):
    """The French interface, the one most people see (and the longer words)."""
    return {**browser_context_args, "locale": "fr-FR"}


# The checks ------------------------------------------------------------------------------------


def log_in(page: Page, base: str, email: str) -> None:
    """Through the real form (in French)."""
    page.context.clear_cookies()
    page.goto(f"{base}/account/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit], main form input[type=submit]").first.click()
    assert "/account/login" not in page.url, f"could not log in as {email}"


MAIN_PADDING = "parseFloat(getComputedStyle(document.querySelector('main')).paddingTop)"
NEXT_FRAMES = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
# The innermost elements whose right edge passes the viewport: where to look when a page scrolls.
WIDEST_ELEMENTS = """(width) => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > width + 0.5 && e.children.length === 0)
  .slice(0, 4)
  .map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ').join('.') : '')
            + ' (' + Math.round(e.getBoundingClientRect().right) + ')')"""
AXE = Axe()


def axe_violations(page: Page) -> list[dict]:
    """axe-core's violations of any impact; its script is put in the page once, not at each run."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.axe_script)
    return page.evaluate("axe.run({resultTypes: ['violations']}).then(results => results.violations)")


def layout_and_axe(page: Page, label: str, widths: tuple[int, ...] = WIDTHS) -> list[str]:
    """Sideways scrolling and axe violations of the page shown, at each width."""
    problems = []
    for width in widths:
        page.set_viewport_size({"width": width, "height": 800})
        page.evaluate(NEXT_FRAMES)  # the page's own resize handlers have run
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if page.evaluate(MAIN_PADDING) < 16:
            problems.append(f"{label} @{width}px: the main area touches the header (padding under 16 px)")
        if scroll > width:
            wide = page.evaluate(WIDEST_ELEMENTS, width)
            problems.append(f"{label} @{width}px: {scroll} px wide; too wide: {wide}")
        for violation in axe_violations(page):
            targets = [node["target"] for node in violation["nodes"]][:3]
            problems.append(f"{label} @{width}px: axe {violation['id']} ({violation['impact']}) {targets}")
    return problems


def nu_errors(pages: dict[str, str], folder: Path) -> list[str]:
    """Every page through the Nu Html Checker in one run of the JVM (one page at a time takes minutes)."""
    labels = {}
    for number, (label, html) in enumerate(pages.items()):
        file = folder / f"page-{number:03d}.html"
        file.write_text(html, encoding="utf-8")
        labels[f"file:{file.resolve()}"] = label  # how the checker names the file it read
    result = subprocess.run(  # noqa: S603 - our own files, through the jar npm installed
        ["java", "-jar", str(VNU_JAR), "--format", "json", "--errors-only", "--stdout",  # noqa: S607
         *(url.removeprefix("file:") for url in labels)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )  # fmt: skip
    assert result.stdout, result.stderr  # no JSON: the checker itself failed
    return [
        f"{labels.get(m.get('url'), m.get('url'))}: vnu {m['message']} "
        f"(line {m.get('lastLine')}: {m.get('extract', '').strip()!r})"
        for m in json.loads(result.stdout)["messages"]
    ]


def vnu_available() -> bool:
    if shutil.which("java") and VNU_JAR.exists():
        return True
    if os.environ.get("CADRE_REQUIRE_BROWSER"):
        pytest.fail(VNU_HINT)
    return False


def endpoint_of(app, path: str) -> str | None:
    try:
        endpoint, _ = app.url_map.bind("localhost").match(path.split("?")[0], method="GET")
    except HTTPException:
        return None
    return endpoint


def walk(page: Page, site, language: str, widths: tuple[int, ...]) -> tuple[dict, list[str], set]:
    """Every page of page_world.visits(), each as its person meets it, in the interface
    ``language`` the browser asks for: (their HTML by label, problems, endpoints visited)."""
    base, app, world = site
    pages, problems, visited = {}, [], set()
    who_now = "nobody"
    for who, path, status in visits(world):
        if who != who_now:
            if who is None:
                page.context.clear_cookies()
            else:
                log_in(page, base, world["emails"][who])
            who_now = who
        label = f"{who or 'visitor'} {path}"
        response = page.goto(base + path)
        if response.status != status or response.url.split("?")[0] != (base + path).split("?")[0]:
            problems.append(f"{label}: answered {response.status} at {response.url} (expected {status})")
            continue
        if status == 200:
            visited.add(endpoint_of(app, path))
        if (shown := page.evaluate("document.documentElement.lang")) != language:
            problems.append(f"{label}: the interface in {shown!r}, not {language!r}")
        pages[label] = response.text()
        problems += layout_and_axe(page, label, widths)
    return pages, problems, visited


def test_every_page_type_is_clean_at_320_and_1280_px(page: Page, site, tmp_path):
    base, app, _ = site
    pages, problems, visited = walk(page, site, "fr", WIDTHS)

    # States reached by a POST: a form with errors, and an expired form (400).
    page.context.clear_cookies()
    page.goto(f"{base}/account/register")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.locator("main form [type=submit]").first.click()
    page.wait_for_load_state()
    pages["visitor POST /account/register (errors)"] = answer.value.text()
    problems += layout_and_axe(page, "visitor POST /account/register (errors)")
    page.goto(f"{base}/account/login")
    page.evaluate("document.querySelector('input[name=csrf_token]').value = 'expired'")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.locator("main form [type=submit]").first.click()
    assert answer.value.status == 400
    page.wait_for_load_state()
    pages["visitor POST /account/login (400)"] = answer.value.text()
    problems += layout_and_axe(page, "visitor POST /account/login (400)")

    if vnu_available():
        problems += nu_errors(pages, tmp_path)

    get_routes = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    for endpoint in sorted(get_routes - set(EXCLUDED) - visited):
        problems.append(
            f"{endpoint}: a page neither visited nor excluded (add it to page_world.visits() or to EXCLUDED)"
        )
    assert problems == [], f"{len(problems)} problems:\n" + "\n".join(problems)


def test_every_page_type_in_english_is_clean_on_a_phone(browser, browser_context_args, site):
    """The same pages in English, whose words are not those the layout was first drawn for: at
    320 px, the narrowest phone. The Nu Html Checker reads the French run's HTML: the markup is
    the same, only the words change."""
    context = browser.new_context(**{**browser_context_args, "locale": "en-GB"})
    try:
        _, problems, _ = walk(context.new_page(), site, "en", (320,))
    finally:
        context.close()
    assert problems == [], f"{len(problems)} problems:\n" + "\n".join(problems)

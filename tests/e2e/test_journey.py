"""The learner's journey in a real browser: register, read, pass the quiz, get the certificate."""

import os
import re
from io import BytesIO
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from pypdf import PdfReader

SHOTS = os.environ.get("CADRE_SCREENSHOTS")  # a folder: save a PNG of each step to look at


def shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def assert_accessible(page: Page) -> None:
    """No serious or critical axe-core violation on the current page."""
    results = Axe().run(page)
    violations = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert violations == [], f"{page.url}: {violations}"


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """This journey reads the English interface, whose strings are the source ones."""
    return {**browser_context_args, "locale": "en-GB"}


def test_register_read_quiz_certificate(page: Page, live_server):
    base, app = live_server
    page.goto(f"{base}/courses")
    assert_accessible(page)
    page.get_by_role("link", name="La voix et l'IA").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("La voix et l'IA")

    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Full name, as it will appear on your certificates").fill("Zoé Lefèvre-Œuvray")
    page.get_by_label("E-mail address").fill("zoe@example.org")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Confirm the password").fill("short")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_text("Choose a password of at least 10 characters.", exact=True)).to_be_visible()
    assert_accessible(page)
    shot(page, "01-register-error")
    page.get_by_label("Password", exact=True).fill("violet quartz mountain river")
    page.get_by_label("Confirm the password").fill("violet quartz mountain river")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_text("Your account is ready. We mailed a link to zoe@example.org")).to_be_visible()
    # The address is confirmed from the link mailed to it, as the person would.
    expect(page.get_by_text("Confirm your e-mail address", exact=True)).to_be_visible()
    [mail] = [m for m in app.extensions["cadre_outbox"] if m["To"] == "zoe@example.org"]
    page.goto(base + re.search(r"https?://[^/]+(/account/confirm/\S+)", mail.get_content()).group(1))
    page.get_by_role("button", name="Confirm my e-mail address").click()
    expect(page.get_by_text("Your e-mail address zoe@example.org is confirmed.")).to_be_visible()
    expect(page.get_by_text("Confirm your e-mail address", exact=True)).to_have_count(0)

    page.goto(f"{base}/courses/voix-et-ia")
    page.get_by_role("link", name="Start the course").click()
    expect(page.get_by_role("heading", name="Objectives")).to_be_visible()
    assert_accessible(page)
    shot(page, "02-module")
    page.get_by_role("link", name="Take the quiz").click()
    assert_accessible(page)
    # Nothing in the quiz page tells the right answers before grading.
    assert "correct" not in page.content()
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.get_by_role("alert")).to_contain_text("Answer every question")
    shot(page, "03-quiz-errors")
    page.get_by_label("Le refus, exprimé par l'ayant droit, de la fouille de ses œuvres").check()
    page.get_by_label("Le Code civil (article 9)").check()
    page.get_by_label("Le RGPD, car la voix est une donnée personnelle").check()
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your result: 100%")
    expect(page.get_by_text("Passed.")).to_be_visible()
    assert_accessible(page)
    shot(page, "04-result")

    page.get_by_role("link", name="Next module").click()
    page.get_by_role("button", name="Mark as read").click()
    expect(page.get_by_text("You marked this module as read.")).to_be_visible()
    page.get_by_role("link", name=re.compile("Next")).click()
    page.get_by_role("button", name="Mark as read").click()
    expect(page.get_by_text("earned its certificate")).to_be_visible()

    page.get_by_role("link", name="My learning").click()
    expect(page.get_by_text("100% done (3 of 3 modules)")).to_be_visible()
    assert_accessible(page)
    shot(page, "05-dashboard")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the PDF").click()
    pdf = PdfReader(BytesIO(Path(download_info.value.path()).read_bytes()))
    pdf_text = " ".join(pdf.pages[0].extract_text().split())
    assert "Zoé Lefèvre-Œuvray" in pdf_text

    page.get_by_role("link", name="Public verification page").click()
    verify_url = page.url
    assert verify_url.replace(" ", "") in pdf_text.replace(" ", "")
    # Anyone can verify, signed in or not.
    page.get_by_role("button", name="Log out").click()
    page.goto(verify_url)
    expect(page.get_by_text("Valid certificate")).to_be_visible()
    expect(page.get_by_text("Zoé Lefèvre-Œuvray")).to_be_visible()
    assert_accessible(page)
    shot(page, "06-verify")


def test_phone_layout_has_no_horizontal_scroll(page: Page, live_server):
    base, _ = live_server
    page.set_viewport_size({"width": 375, "height": 740})
    for path in (
        "/",
        "/courses",
        "/courses/ia-droit-auteur",
        "/courses/ia-droit-auteur/fouille-de-textes-et-opt-out",
        "/courses/ia-droit-auteur/fouille-de-textes-et-opt-out/model",
    ):
        page.goto(base + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} is {width}px wide on a phone"
        shot(page, "phone" + path.replace("/", "_"))


def test_a_model_document_is_found_from_its_module_and_prints_alone(page: Page, live_server):
    base, _ = live_server
    page.goto(f"{base}/courses/ia-droit-auteur/fouille-de-textes-et-opt-out")
    assert_accessible(page)
    page.get_by_role("link", name="Open it on its own page to print it").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("fouille")
    assert_accessible(page)
    expect(page.get_by_role("button", name="Print")).to_be_visible()  # shown by static/js/print.js
    shot(page, "model-document")
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    expect(page.locator("article.model-document")).to_be_visible()

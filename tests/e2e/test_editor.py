"""The editor helps in a real browser: line numbers that follow the text, the line of a problem
marked, a message that takes the caret to its line, a preview that still shows the rest, a quiz
started from the commented example, and the authoring guide one link away."""

import re
import time
from datetime import date

from playwright.sync_api import Browser, expect

from app.extensions import db
from app.orgs import services as orgs
from app.publishing import editor, services
from tests.e2e.test_journey import assert_accessible, shot
from tests.e2e.test_school import account, log_in

SLUG = "voix-sous-contrat"
MODULE = """---
title: Le contrat de doublage
duration: 15
objectives:
  - Lire une clause sur la voix
---
# Ce que dit le contrat

Une clause **précise** l’usage de la voix, et une ligne assez longue pour dépasser la largeur
de la boîte de texte sans jamais passer à la ligne : {}.
""".replace("\n" + "de la boîte", " de la boîte").format("la suite " * 8)
BROKEN_QUIZ = """---
pass_mark: 50
---
## Bonne

- [x] Oui
- [ ] Non

> Car.

## Cassée

- [x] Seule
"""


def a_draft_with_one_module(app) -> None:
    """What an editor has after « Write a new course » and « Add the module »."""
    account(app, "Éva Autrice", "editor@syndicat.example")
    with app.app_context(), app.test_request_context():
        org = orgs.create_organisation("syndicat", "Syndicat des comédiens", "publisher")
        user = orgs.find_user_by_email("editor@syndicat.example")
        orgs.set_role(org, user, "editor")
        values = {"title": "La voix sous contrat", "summary": "Lire les clauses.", "language": "fr"}
        values |= {"level": "beginner", "duration": 60, "audience": "Comédiens", "publisher": org.name}
        files = editor.write_course({}, SLUG, {**values, "updated": date(2026, 11, 20)}, "Un cours court.")
        files = editor.add_module(files, SLUG, "contrat", "Le contrat de doublage", date(2026, 11, 20))
        services.save_files(org, SLUG, files, user)
        db.session.commit()


def test_a_broken_line_is_marked_and_the_preview_still_shows_the_rest(browser: Browser, live_server):
    base, app = live_server
    a_draft_with_one_module(app)
    page = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, base, "editor@syndicat.example")
    # Arriving from a message on the draft's page: the caret is at the message's line.
    page.goto(f"{base}/workspace/syndicat/{SLUG}/modules/contrat?line=3#text")
    text = page.get_by_label("Module (Markdown with its front matter)")
    expect(text).to_be_focused()
    assert page.locator("#text").evaluate("t => t.selectionStart") == len(
        "---\ntitle: Le contrat de doublage\n"
    )

    gutter = page.locator("#text").locator("xpath=preceding-sibling::div[@class='line-gutter']")
    text.fill(MODULE)
    preview = page.get_by_role("region", name="Preview: Module")
    expect(preview).to_contain_text("Une clause précise")
    expect(gutter.locator("div")).to_have_count(MODULE.count("\n") + 1)
    assert page.locator("#text").evaluate("t => t.scrollWidth > t.clientWidth")  # no wrapping

    # A broken line typed on line 3: its number is marked, the body is still previewed.
    started = time.monotonic()
    text.fill(MODULE.replace("duration: 15", "duration: quinze"))
    expect(page.locator("#text-problems")).to_contain_text("Line 3: 'duration' must be")
    waited = time.monotonic() - started
    expect(gutter.locator("div.line-problem")).to_have_text(["3"])
    expect(preview).to_contain_text("Une clause précise")
    expect(page.locator("#text-status")).to_be_visible()
    print(f"\npreview shown {waited:.2f} s after typing (0.3 s of it waiting for typing to stop)")
    assert waited < 2

    # The message takes the caret to its line.
    page.locator("#text-problems a.problem-link").first.click()
    expect(text).to_be_focused()
    offset = len("---\ntitle: Le contrat de doublage\n")
    assert page.locator("#text").evaluate("t => t.selectionStart") == offset

    # The quiz starts from the example, which previews as a quiz.
    quiz = page.get_by_label("Quiz (Markdown with its front matter; leave empty for no quiz)")
    expect(quiz).to_have_value(editor_starter_prefix())
    expect(page.get_by_role("region", name="Preview: Quiz")).to_contain_text("Write the question here")
    quiz.fill(BROKEN_QUIZ)
    quiz_preview = page.get_by_role("region", name="Preview: Quiz")
    expect(quiz_preview).to_contain_text("Not shown: this question has problems (from line 11)")
    expect(quiz_preview).to_contain_text("Oui")
    assert_accessible(page)
    shot(page, "editor-01-problem-1280")

    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # On a phone the text wraps: the long line's number is as tall as its rows, so that the next
    # numbers stay beside their lines (the UX walk of session 40 found them drifting).
    page.wait_for_function(
        "() => document.querySelector('#text').previousElementSibling.firstChild.style.height"
    )
    heights = gutter.locator("div").evaluate_all("numbers => numbers.map(n => n.offsetHeight)")
    row = min(heights)
    long_line = next(i for i, line in enumerate(MODULE.split("\n")) if "la suite" in line)
    assert heights[long_line] >= 3 * row and heights.count(row) == len(heights) - 1, heights
    shot(page, "editor-02-problem-375")

    page.get_by_role("link", name="Authoring guide").first.click()  # opens a new tab
    guide = page.context.wait_for_event("page") if len(page.context.pages) == 1 else page.context.pages[-1]
    expect(guide.get_by_role("heading", level=1)).to_have_text("Writing courses for Cadre")
    guide.get_by_role("link", name="Groups of questions").first.click()
    expect(guide.locator("#groups-of-questions")).to_be_in_viewport()


def editor_starter_prefix():
    """The starter's start, in the interface's language (English here)."""
    import re

    return re.compile(r"^---\n# An example to adapt\.", re.S)


def test_the_short_name_is_suggested_from_the_title_until_one_is_typed(browser: Browser, live_server):
    base, app = live_server
    a_draft_with_one_module(app)
    page = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844}).new_page()
    log_in(page, base, "editor@syndicat.example", french=True)
    page.goto(f"{base}/workspace/syndicat/{SLUG}")
    form = page.locator("#add-module")
    title, slug = form.get_by_label("Titre du nouveau module"), form.get_by_label("Son nom court")
    title.fill("Doublage & voix de synthèse : l'œuvre")
    expect(slug).to_have_value("doublage-voix-de-synthese-l-oeuvre")
    slug.fill("voix")  # a name of one's own is kept, whatever the title becomes
    title.fill("Un autre titre")
    expect(slug).to_have_value("voix")
    slug.fill("")  # emptied: suggested again
    title.fill("Le droit de retrait")
    expect(slug).to_have_value("le-droit-de-retrait")


def test_leaving_the_editor_with_unsaved_text_asks_first(browser: Browser, live_server):
    base, app = live_server
    a_draft_with_one_module(app)
    page = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, base, "editor@syndicat.example")
    editor_url = f"{base}/workspace/syndicat/{SLUG}/modules/contrat"
    page.goto(editor_url)
    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.dismiss()  # « Stay on the page »

    page.on("dialog", answer)
    # Nothing typed: leaving asks nothing.
    page.locator(".breadcrumb a").click()
    expect(page).to_have_url(f"{base}/workspace/syndicat/{SLUG}")
    assert asked == []
    page.goto(editor_url)
    # A sentence typed (the UX walk lost one this way), then a link followed: the browser asks,
    # and staying keeps the text.
    text = page.get_by_label("Module (Markdown with its front matter)")
    text.click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\nUne phrase pas encore enregistrée.")
    page.locator(".breadcrumb a").click(no_wait_after=True)
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    assert page.url == editor_url
    expect(text).to_have_value(re.compile("Une phrase pas encore enregistrée"))
    # Saving sends it without asking; after it, leaving asks nothing either.
    page.get_by_role("button", name="Save").click()
    expect(text).to_have_value(re.compile("Une phrase pas encore enregistrée"))
    page.locator(".breadcrumb a").click()
    expect(page).to_have_url(f"{base}/workspace/syndicat/{SLUG}")
    assert asked == ["beforeunload"]


def test_a_refused_save_or_a_stopped_send_still_asks_before_leaving(browser: Browser, live_server):
    """Second reading: the page a refused save shows holds text that is not saved, and a send the
    page itself stopped (an unreadable date) sent nothing."""
    base, app = live_server
    a_draft_with_one_module(app)
    page = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, base, "editor@syndicat.example")
    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", answer)
    course_url = f"{base}/workspace/syndicat/{SLUG}/course"
    page.goto(course_url)
    page.get_by_label("Duration (minutes)").fill("")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".error-summary")).to_be_visible()  # refused: nothing was saved
    page.locator(".breadcrumb a").click(no_wait_after=True)
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"] and page.url == course_url

    # A send stopped on the way leaves the page guarded (another tab: this one rightly holds on).
    page = page.context.new_page()
    page.on("dialog", answer)
    page.goto(course_url)
    page.get_by_label("Duration (minutes)").click()
    page.keyboard.type("5")
    page.evaluate(
        """() => { const form = document.querySelector('form[data-warn-unsaved]');
        form.addEventListener('submit', e => e.preventDefault(), { once: true });
        form.requestSubmit(); }"""
    )
    page.locator(".breadcrumb a").click(no_wait_after=True)
    page.wait_for_timeout(500)
    assert asked == ["beforeunload", "beforeunload"] and page.url == course_url

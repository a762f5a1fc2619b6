"""Review in a real browser: an editor changes a module of a published course, the reviewer reads
it rendered with the comparison, comments on the module and sends the draft back; the editor
finds the comment from the draft page, resolves it and resubmits; the reviewer publishes."""

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from app.extensions import db
from app.orgs import services as orgs
from app.publishing import services
from tests.e2e.test_journey import shot
from tests.e2e.test_school import account, log_in
from tests.publishing.test_workflow import valid_files

SLUG = "voix-en-revue"
MODULE_PATH = f"courses/{SLUG}/03-bonnes-pratiques.md"
CHANGED = """---
title: Bonnes pratiques
duration: 15
objectives:
  - Documenter chaque usage
  - Informer le public
---
Tenez à jour un registre des voix clonées, de leurs autorisations et de leur durée.
"""
REMARK = "Préciser combien de temps le registre est conservé.\nEt qui peut le consulter."


def publish_first_version(app) -> None:
    """The course as the union published it: written by the editor, published by the reviewer."""
    account(app, "Éva Autrice", "editor@syndicat.example")
    account(app, "Rémi Relecteur", "reviewer@syndicat.example")
    with app.app_context():
        org = orgs.create_organisation("syndicat", "Syndicat des comédiens", "publisher")
        editor, reviewer = (orgs.find_user_by_email(f"{r}@syndicat.example") for r in ("editor", "reviewer"))
        orgs.set_role(org, editor, "editor")
        orgs.set_role(org, reviewer, "reviewer")
        files = {path.replace("voix-et-ia", SLUG): text for path, text in valid_files().items()}
        draft = services.save_files(org, SLUG, files, editor)
        services.submit(draft, editor)
        services.publish(draft, reviewer)
        db.session.commit()


def assert_no_axe_violation(page: Page) -> None:
    """axe-core finds nothing, whatever the impact (the issue asks for none at all)."""
    violations = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in Axe().run(page).response["violations"]
    ]
    assert violations == [], f"{page.url}: {violations}"


def assert_well_formed(page: Page) -> None:
    """Headings never skip a level, and no id is used twice."""
    levels = page.evaluate(
        "Array.from(document.querySelectorAll('h1,h2,h3,h4,h5,h6')).map(h => +h.tagName[1])"
    )
    assert levels[0] == 1 and all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), levels
    ids = page.evaluate("Array.from(document.querySelectorAll('[id]')).map(e => e.id)")
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


def assert_fits(page: Page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= width, width


def test_review_with_comments_send_back_resolve_publish(browser: Browser, live_server):
    base, app = live_server
    publish_first_version(app)
    draft_url = f"{base}/workspace/syndicat/{SLUG}"

    # The editor changes a module of the live course and submits it.
    editor = browser.new_context(locale="en-GB").new_page()
    log_in(editor, base, "editor@syndicat.example")
    editor.goto(draft_url)
    editor.get_by_role("link", name="3. Bonnes pratiques").click()
    editor.get_by_label("Module (Markdown with its front matter)").fill(CHANGED)
    editor.get_by_role("button", name="Save the draft").click()
    expect(editor.get_by_text("Draft saved.")).to_be_visible()
    editor.goto(draft_url)
    editor.get_by_role("button", name="Submit for review").click()
    expect(editor.get_by_text("Submitted for review.")).to_be_visible()

    # The reviewer reaches the reading page from the workspace, reads the module and the changes.
    reviewer = browser.new_context(locale="en-GB").new_page()
    log_in(reviewer, base, "reviewer@syndicat.example")
    reviewer.goto(f"{base}/workspace/syndicat")
    reviewer.get_by_role("link", name=f"Read La voix et l'IA ({SLUG})").click()
    expect(reviewer.get_by_role("heading", level=1)).to_have_text("Read the draft")
    changes = reviewer.get_by_role("region", name="Changes from the live version")
    expect(changes).to_contain_text("bonnes-pratiques — changed")
    expect(changes).to_contain_text("consentement — unchanged")
    module = reviewer.get_by_role("region", name="3. Bonnes pratiques")
    expect(module).to_contain_text("Tenez à jour un registre des voix clonées")
    quiz = reviewer.get_by_role("region", name="1. Le cadre légal")
    expect(quiz.get_by_text("right answer").first).to_be_visible()  # the key, for the reviewer
    # An empty comment reaches the server, which answers in the reader's language (no browser bubble).
    module.get_by_role("button", name="Add the comment").click()
    module = reviewer.get_by_role("region", name="3. Bonnes pratiques")
    expect(module.locator("#comment-error-bonnes-pratiques")).to_have_text("Write a comment first.")
    module.get_by_label("Your comment on Bonnes pratiques").fill(REMARK)
    module.get_by_role("button", name="Add the comment").click()
    expect(reviewer.get_by_text("Comment added.")).to_be_visible()
    module = reviewer.get_by_role("region", name="3. Bonnes pratiques")
    expect(module.locator(".comment-body")).to_have_text(REMARK)
    # Its line break shown: read once the stylesheet applies (on a loaded machine the text was read
    # before it did, the line break then laid out as a space).
    expect(module.locator(".comment-body")).to_have_css("white-space", "pre-wrap")
    assert module.locator(".comment-body").inner_text() == REMARK
    expect(module.locator(".comment-meta")).to_contain_text("Rémi Relecteur")
    expect(reviewer.get_by_text("1 open comment.")).to_be_visible()
    changes.get_by_text("The changed lines").click()  # the module's lines, before and after
    expect(changes.locator("pre.diff del")).to_contain_text("-Tenez un registre des voix utilisées")
    expect(changes.locator("pre.diff ins")).to_contain_text("+Tenez à jour un registre des voix clonées")
    assert_no_axe_violation(reviewer)
    assert_well_formed(reviewer)
    assert_fits(reviewer, 320)
    assert_fits(reviewer, 375)
    shot(reviewer, "review-01-read-375")
    assert_no_axe_violation(reviewer)
    reviewer.set_viewport_size({"width": 1280, "height": 800})
    shot(reviewer, "review-02-read-1280")

    reviewer.get_by_role("link", name="Back to the draft’s page").click()
    expect(reviewer.get_by_text("1 open comment on the modules goes with it.")).to_be_visible()
    # Sent empty: the form's summary takes the focus, beside the field marked (not a banner above).
    reviewer.get_by_role("button", name="Send back to the editors").click()
    summary = reviewer.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("What should change: Say what should change, so the editor knows.")
    expect(reviewer.get_by_label("What should change")).to_have_attribute("aria-invalid", "true")
    assert_no_axe_violation(reviewer)
    reviewer.get_by_label("What should change").fill("Une remarque sur le module 3.")
    reviewer.get_by_role("button", name="Send back to the editors").click()
    expect(reviewer.get_by_text("Sent back to the editors.")).to_be_visible()

    # The editor finds the comment from the draft page, resolves it and submits again.
    editor.goto(draft_url)
    sent_back = editor.get_by_role("status").filter(has_text="Sent back by the reviewer")
    expect(sent_back).to_contain_text("Une remarque sur le module 3.")
    expect(sent_back).to_contain_text("Préciser combien de temps le registre est conservé.")
    assert_no_axe_violation(editor)
    shot(editor, "review-03-sent-back")
    sent_back.get_by_role("link", name="Bonnes pratiques").click()
    comments = editor.locator("#comments-bonnes-pratiques")
    expect(comments).to_contain_text("Préciser combien de temps")
    # The editor answers before resolving: the reply form opens from « Reply », the reply lands
    # under the comment, at it.
    comments.locator(".reply-form summary").first.click()
    comments.get_by_label("Your reply to Rémi Relecteur").fill("Cinq ans : c'est ajouté.")
    comments.get_by_role("button", name="Send the reply").click()
    expect(editor.get_by_text("Reply added.")).to_be_visible()
    assert "#comment-" in editor.url
    comments = editor.locator("#comments-bonnes-pratiques")
    expect(comments.locator(".reply .comment-body")).to_have_text("Cinq ans : c'est ajouté.")
    assert_no_axe_violation(editor)
    comments.get_by_role("button", name="Mark as resolved").click()
    expect(editor.get_by_text("Comment resolved.")).to_be_visible()
    comments = editor.locator("#comments-bonnes-pratiques")
    expect(comments.get_by_text("1 resolved comment")).to_be_visible()
    expect(comments.get_by_text("Préciser combien de temps")).to_be_hidden()  # folded away
    expect(editor.get_by_text("0 open comments.")).to_be_visible()
    shot(editor, "review-04-resolved")
    editor.goto(draft_url)
    expect(editor.get_by_text("open review comment")).to_have_count(0)
    editor.get_by_role("button", name="Submit for review").click()
    expect(editor.get_by_text("Submitted for review.")).to_be_visible()

    # The reviewer publishes; the comment stays with version 2 in the history.
    reviewer.goto(draft_url)
    reviewer.once("dialog", lambda dialog: dialog.accept())
    reviewer.get_by_role("button", name="Publish this version").click()
    expect(reviewer.get_by_text("Published: learners see this version now.")).to_be_visible()
    reviewer.get_by_role("link", name="Version 2").click()
    history = reviewer.get_by_role("region", name="Review comments on this version")
    expect(history).to_contain_text("Préciser combien de temps le registre est conservé.")
    assert_no_axe_violation(reviewer)
    reviewer.goto(f"{base}/courses/{SLUG}/bonnes-pratiques")
    expect(reviewer.get_by_text("Tenez à jour un registre des voix clonées")).to_be_visible()

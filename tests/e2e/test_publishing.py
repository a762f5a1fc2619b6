"""Publishing in a real browser: an editor writes a module with a quiz and a final test (live
preview included), a reviewer publishes it, a learner passes the quiz."""

from playwright.sync_api import Browser, expect

from app.extensions import db
from app.orgs import services as orgs
from tests.e2e.test_journey import assert_accessible, shot
from tests.e2e.test_school import account, log_in

MODULE = """---
title: Le contrat de doublage
duration: 15
objectives:
  - Lire une clause sur la voix
updated: 2026-11-20
---
# Ce que dit le contrat

Une clause **précise** l’usage de la voix.
"""
QUIZ = """---
pass_mark: 50
---
## Que doit préciser la clause ?

- [x] L’usage exact de la voix
- [ ] Rien de particulier

> Une clause précise décrit chaque usage.
"""

FINAL = """---
pass_mark: 50
---
## Qui doit autoriser l’usage de la voix ?

- [x] Le comédien
  > Oui : la voix est un attribut de sa personnalité.
- [ ] Le studio
  > Non : le studio ne peut céder ce qu’il ne détient pas.

> Seul le comédien autorise l’usage de sa voix.
"""


def test_editor_writes_reviewer_publishes_learner_passes(browser: Browser, live_server):
    base, app = live_server
    account(app, "Éva Autrice", "editor@syndicat.example")
    account(app, "Rémi Relecteur", "reviewer@syndicat.example")
    account(app, "Léa Apprenante", "learner@example.org")
    with app.app_context():  # what the operator does with `flask org create --type publisher`
        org = orgs.create_organisation("syndicat", "Syndicat des comédiens", "publisher")
        for email, role in (("editor@syndicat.example", "editor"), ("reviewer@syndicat.example", "reviewer")):
            orgs.set_role(org, orgs.find_user_by_email(email), role)
        db.session.commit()

    editor = browser.new_context(locale="en-GB").new_page()
    log_in(editor, base, "editor@syndicat.example")
    editor.goto(f"{base}/dashboard")
    editor.get_by_role("link", name="Workspace of Syndicat des comédiens").click()
    assert_accessible(editor)
    editor.get_by_role("link", name="Write a new course").click()
    editor.get_by_label("Title").fill("La voix sous contrat")
    editor.get_by_label("Short name").fill("voix-sous-contrat")
    editor.get_by_role("button", name="Create the draft").click()
    editor.get_by_label("Summary").fill("Lire et négocier les clauses qui touchent à la voix.")
    editor.get_by_label("Audience").fill("Comédiens de doublage")
    editor.get_by_label("Facts checked on").fill("2026-11-20")
    editor.get_by_label("Introduction (Markdown)").fill("Un cours court sur les contrats.")
    assert_accessible(editor)
    editor.get_by_role("button", name="Save").click()
    expect(editor.get_by_text("Course details saved.")).to_be_visible()
    editor.get_by_label("Title of the new module").fill("Le contrat de doublage")
    editor.get_by_label("Its short name").fill("contrat")
    editor.get_by_role("button", name="Add the module").click()

    # Typing shows the server's rendering and its messages, before anything is saved.
    module_text = editor.get_by_label("Module (Markdown with its front matter)")
    module_text.fill(MODULE)
    expect(editor.get_by_role("region", name="Preview").first).to_contain_text("Une clause précise")
    quiz_text = editor.get_by_label("Quiz (Markdown with its front matter; leave empty for no quiz)")
    quiz_text.fill("---\npass_mark: 50\n---\n## Sans choix\n")
    expect(editor.locator("#quiz-problems")).to_contain_text("Line 4")
    quiz_text.fill(QUIZ)
    expect(editor.get_by_role("region", name="Preview").nth(1)).to_contain_text("L’usage exact de la voix")
    assert_accessible(editor)
    shot(editor, "publishing-01-editor")
    editor.get_by_role("button", name="Save the draft").click()
    expect(editor.get_by_text("Draft saved.")).to_be_visible()
    editor.get_by_role("link", name="La voix sous contrat").click()

    # The final test: one field, starting from an example, with the quizzes' preview and feedback.
    editor.get_by_role("link", name="Add a final test").click()
    preview = editor.get_by_role("region", name="Preview")
    expect(preview).to_contain_text("Why it is right")
    editor.get_by_label("Final test (Markdown with its front matter)").fill(FINAL)
    expect(preview).to_contain_text("Non : le studio ne peut céder ce qu’il ne détient pas.")
    assert_accessible(editor)
    editor.set_viewport_size({"width": 375, "height": 800})
    assert editor.evaluate("document.documentElement.scrollWidth") <= 375
    shot(editor, "publishing-02-final-test")
    editor.set_viewport_size({"width": 1280, "height": 800})
    editor.get_by_role("button", name="Save the final test").click()
    expect(editor.get_by_text("Final test saved.")).to_be_visible()
    editor.get_by_role("link", name="La voix sous contrat").click()
    expect(editor.get_by_role("link", name="Final test", exact=True)).to_be_visible()
    editor.get_by_role("button", name="Submit for review").click()
    expect(editor.get_by_text("Submitted for review.")).to_be_visible()

    reviewer = browser.new_context(locale="en-GB").new_page()
    log_in(reviewer, base, "reviewer@syndicat.example")
    reviewer.goto(f"{base}/workspace/syndicat/voix-sous-contrat")
    assert_accessible(reviewer)
    asked = []
    reviewer.once("dialog", lambda dialog: asked.append(dialog.message) or dialog.dismiss())
    reviewer.get_by_role("button", name="Publish this version").click()  # asked first; "no" changes nothing
    expect(reviewer.get_by_role("button", name="Publish this version")).to_be_visible()
    # What is still open is said with it: here the warnings on the course, as many as the page lists.
    assert len(asked) == 1 and asked[0].startswith("Publish this version? Learners will see it at once.")
    listed = reviewer.locator("section[aria-labelledby=warnings-heading] li").count()
    said = f"{listed} warnings are" if listed > 1 else "1 warning is"
    assert listed and asked[0].endswith(f" {said} still shown on this page."), asked
    reviewer.once("dialog", lambda dialog: dialog.accept())
    reviewer.get_by_role("button", name="Publish this version").click()
    expect(reviewer.get_by_text("Published: learners see this version now.")).to_be_visible()
    reviewer.get_by_role("link", name="Version 1").click()
    reviewer.get_by_text("courses/voix-sous-contrat/01-contrat.md").click()  # opens the file's text
    expect(reviewer.get_by_text("Une clause **précise**")).to_be_visible()
    assert_accessible(reviewer)

    learner = browser.new_context(locale="en-GB").new_page()
    log_in(learner, base, "learner@example.org")
    learner.goto(f"{base}/courses/voix-sous-contrat")
    expect(learner.get_by_text("Syndicat des comédiens").first).to_be_visible()
    learner.goto(f"{base}/courses/voix-sous-contrat/contrat/quiz")
    learner.get_by_label("L’usage exact de la voix").check()
    learner.get_by_role("button", name="Submit my answers").click()
    expect(learner.get_by_role("heading", level=1)).to_have_text("Your result: 100%")

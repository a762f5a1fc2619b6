"""Uploading a package in a real browser, on a phone: the page follows the import's steps, then
shows the draft (app.publishing.imports, static/js/import-progress.js)."""

import io
import re
import time
import zipfile

from playwright.sync_api import Browser, expect

from app.extensions import db
from app.orgs import services as orgs
from app.publishing import imports
from app.publishing.package import write_package
from tests.e2e.test_journey import assert_accessible, shot
from tests.e2e.test_school import account, log_in
from tests.publishing.test_imports import photo
from tests.publishing.test_workflow import valid_files

SLUG = "voix-sous-contrat"


def test_the_upload_page_follows_the_import_to_the_draft(browser: Browser, live_server, monkeypatch):
    base, app = live_server
    app.config["JOBS_INLINE"] = "after-response"  # as `make run` does: the job once the page is sent
    account(app, "Éva Autrice", "editor@syndicat.example")
    with app.app_context():
        org = orgs.create_organisation("syndicat", "Syndicat des comédiens", "publisher")
        orgs.set_role(org, orgs.find_user_by_email("editor@syndicat.example"), "editor")
        db.session.commit()
    step = imports._step

    def slow_step(*args):  # slow enough for the page to show each step
        step(*args)
        time.sleep(1.0)  # longer than the script's second between questions

    monkeypatch.setattr(imports, "_step", slow_step)
    # The live server has the fixture course already: this package is its copy under another name.
    files = {path.replace("/voix-et-ia/", f"/{SLUG}/"): text for path, text in valid_files().items()}
    buffer = io.BytesIO(write_package(files))
    with zipfile.ZipFile(buffer, "a") as archive:
        for n in range(3):
            archive.writestr(f"courses/{SLUG}/images/photo-{n}.jpg", photo((40 * n, 90, 120), "JPEG"))

    page = browser.new_context(locale="fr-FR", viewport={"width": 375, "height": 740}).new_page()
    log_in(page, base, "editor@syndicat.example", french=True)
    page.goto(f"{base}/workspace/syndicat")
    page.get_by_label("Paquet de cours (.zip)").set_input_files(
        files=[{"name": "voix.zip", "mimeType": "application/zip", "buffer": buffer.getvalue()}]
    )
    page.get_by_role("button", name="Envoyer", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Import de voix.zip")
    # The step shown follows the job; the page may have been drawn at any step already.
    expect(page.locator("#import-step")).to_contain_text("Images réencodées", timeout=5000)
    # Screen readers hear a change of step (the check, at the latest), not every image.
    announced = re.compile(r"Images réencodées|Vérification")
    expect(page.get_by_role("status")).to_contain_text(announced, timeout=10000)
    shot(page, "import-progress-phone")
    assert_accessible(page)
    # The script reloads the page once the import has finished: the draft, saved, by its title.
    expect(page.get_by_role("heading", level=1)).to_have_text("La voix et l'IA", timeout=15000)
    expect(page.locator(".lead code")).to_have_text(SLUG)
    expect(page.get_by_text("Le paquet a été enregistré comme brouillon")).to_be_visible()

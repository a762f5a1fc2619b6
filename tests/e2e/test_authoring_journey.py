"""The whole authoring round in a real browser, in French, with a real SMTP server listening.

A union's editor adds a module to its live course, with an image and a quiz started from the
editor's example; a broken package uploaded over the draft changes nothing. The reviewer reads the
draft rendered and its comparison with the live version, comments and sends it back; the editor is
told (on the site and by e-mail), fixes the module and submits again; the reviewer, told in turn,
publishes. A teacher then assigns the course to a class, and its students are told.
"""

import re
import zipfile
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from PIL import Image
from playwright.sync_api import Browser, expect

from app.extensions import db
from app.orgs import services as orgs
from app.schools import services as schools
from tests.e2e.test_journey import shot
from tests.e2e.test_review import assert_fits, assert_no_axe_violation, publish_first_version
from tests.e2e.test_school import account, log_in
from tests.notifications.test_smtp import Inbox, free_port, mail_config

SLUG = "voix-en-revue"  # version 1 is live (see publish_first_version)
NEW_MODULE = """---
title: Le registre des voix
duration: 10
objectives:
  - Tenir un registre des voix clonées
---
# Un registre, pour quoi faire ?

Chaque voix clonée est inscrite au registre avec l’autorisation qui la couvre et sa durée.

![Un registre ouvert sur une table de mixage](images/registre.png)
"""
FIXED = NEW_MODULE + "\nLe registre est conservé cinq ans après la fin du contrat.\n"
REMARK = "Dire combien de temps le registre est conservé."
QUESTION = "Que note-t-on au registre pour chaque voix clonée ?"
ANSWERS = {
    "Une bonne réponse": "L’autorisation qui la couvre et sa durée",
    "Une mauvaise réponse": "Le nom du logiciel qui l’a produite",
}


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


def a_class_of_two(app) -> None:
    """A school's teacher and a class of two students, made as `flask org` and the join code do."""
    for name, email in (
        ("Théo Prof", "prof@ecole.example"),
        ("Sami Élève", "sami@ecole.example"),
        ("Lina Élève", "lina@ecole.example"),
    ):
        account(app, name, email)
    with app.app_context():
        school = orgs.create_organisation("ecole-image", "École de l’image", "school")
        teacher = orgs.find_user_by_email("prof@ecole.example")
        orgs.set_role(school, teacher, "teacher")
        klass = schools.create_class(school, teacher, "BTS 2", "2026-2027", "")
        for email in ("sami@ecole.example", "lina@ecole.example"):
            schools.join_class(orgs.find_user_by_email(email), klass.join_code)
        db.session.commit()


def a_png(path: Path) -> Path:
    image = Image.new("RGB", (320, 200), (40, 90, 160))
    image.save(path, format="PNG")
    return path


def mails_to(inbox: Inbox, address: str) -> list:
    return [m for m in inbox.messages if m["To"] == address]


# Four browsers: one closed while the development server still sends it the favicon makes the
# server drop the file unclosed, a warning from its thread that is not about Cadre (CI saw it once).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_write_review_send_back_fix_publish_assign(browser: Browser, live_server, smtp, tmp_path):
    base, app = live_server
    # E-mails go in the site's default language to people who chose none: French, as in production.
    app.config.update(mail_config(smtp.port), BABEL_DEFAULT_LOCALE="fr")
    publish_first_version(app)
    a_class_of_two(app)
    draft_url = f"{base}/workspace/syndicat/{SLUG}"

    # The editor adds a module, an image it shows, and a quiz adapted from the example.
    editor = browser.new_context(locale="fr-FR").new_page()
    log_in(editor, base, "editor@syndicat.example", french=True)
    editor.goto(draft_url)
    editor.get_by_label("Titre du nouveau module").fill("Le registre des voix")
    editor.get_by_label("Son nom court").fill("registre")
    editor.get_by_role("button", name="Ajouter le module").click()
    editor.goto(draft_url)
    editor.get_by_label("Image (PNG, JPEG ou WebP)").set_input_files(a_png(tmp_path / "registre.png"))
    editor.get_by_role("button", name="Ajouter l’image").click()
    expect(editor.locator(".image-list")).to_contain_text("registre.png")
    editor.get_by_role("link", name=re.compile(r"\d\. Le registre des voix$")).click()
    editor.get_by_label("Module (Markdown avec son en-tête)").fill(NEW_MODULE)
    quiz_box = editor.get_by_label(re.compile(r"^Quiz \(Markdown avec son en-tête"))
    example = quiz_box.input_value()
    assert example.startswith("---\n# Un exemple à adapter"), example[:80]
    quiz = example.replace("Écrivez la question ici", QUESTION)
    for placeholder, answer in ANSWERS.items():
        quiz = quiz.replace(placeholder, answer)
    assert quiz != example and QUESTION in quiz
    quiz_box.fill(quiz)
    preview = editor.get_by_role("region", name="Aperçu : Module")
    expect(preview.get_by_role("img", name="Un registre ouvert sur une table de mixage")).to_be_visible()
    editor.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(editor.get_by_text("Brouillon enregistré.")).to_be_visible()

    # A package edited offline and broken on the way is refused, and the draft stays as it was.
    editor.goto(draft_url)
    with editor.expect_download() as download:
        editor.get_by_role("link", name="Télécharger le paquet (.zip)").click()
    broken = broken_copy(Path(download.value.path()), tmp_path / "casse.zip")
    editor.goto(f"{base}/workspace/syndicat")
    editor.get_by_label("Paquet de cours (.zip)").set_input_files(broken)
    editor.get_by_role("button", name="Envoyer").click()
    expect(editor.get_by_text("Rien n’a été modifié", exact=False).first).to_be_visible()
    refused = editor.get_by_text("« duration » doit être un nombre entier positif de minutes", exact=False)
    expect(refused.first).to_be_visible()  # in French, with its file and line
    editor.goto(f"{draft_url}/modules/registre")
    expect(editor.get_by_label("Module (Markdown avec son en-tête)")).to_have_value(NEW_MODULE)
    editor.goto(draft_url)
    editor.get_by_role("button", name="Soumettre à la relecture").click()
    expect(editor.get_by_text("Soumis à la relecture.")).to_be_visible()

    # The reviewer is told, reads the new module rendered with its image, and the comparison.
    reviewer = browser.new_context(locale="fr-FR").new_page()
    log_in(reviewer, base, "reviewer@syndicat.example", french=True)
    reviewer.goto(f"{base}/notifications/")
    submitted = reviewer.get_by_role("link", name="Éva Autrice a soumis « La voix et l'IA » à la relecture.")
    submitted.first.click()  # the newest first: version 1 was submitted too
    expect(reviewer).to_have_url(draft_url)
    reviewer.get_by_role("link", name="Lire le brouillon").click()
    changes = reviewer.get_by_role("region", name="Changements par rapport à la version en ligne")
    expect(changes).to_contain_text("registre")
    expect(changes).to_contain_text(QUESTION)
    module = reviewer.get_by_role("region", name=re.compile(r"\d\. Le registre des voix"))
    image = module.get_by_role("img", name="Un registre ouvert sur une table de mixage")
    expect(image).to_be_visible()
    image.scroll_into_view_if_needed()
    image.evaluate("i => i.decode()")  # served and decoded, not a broken link
    assert image.evaluate("i => i.naturalWidth") == 320
    expect(module).to_contain_text(ANSWERS["Une bonne réponse"])
    # The reviewer selects the words the remark is about, and quotes them.
    paragraph = module.locator(".prose p").first
    paragraph.evaluate(
        "p => { const r = document.createRange(); r.selectNodeContents(p);"
        " getSelection().removeAllRanges(); getSelection().addRange(r); }"
    )
    module.get_by_role("button", name="Citer la sélection").click()
    passage = " ".join(paragraph.inner_text().split())
    expect(module.get_by_label(re.compile("Le passage concerné"))).to_have_value(passage)
    module.get_by_label(re.compile("Votre commentaire")).fill(REMARK)
    module.get_by_role("button", name="Ajouter le commentaire").click()
    expect(reviewer.get_by_text("Commentaire ajouté.")).to_be_visible()
    expect(reviewer.locator("#comments-registre .comment-quote")).to_have_text(passage)
    assert_no_axe_violation(reviewer)
    assert_fits(reviewer, 320)
    shot(reviewer, "authoring-01-read-320")
    reviewer.set_viewport_size({"width": 1280, "height": 800})
    reviewer.goto(draft_url)
    reviewer.get_by_label("Ce qui doit changer").fill("Une précision manque au module sur le registre.")
    reviewer.get_by_role("button", name="Renvoyer aux auteurs").click()
    expect(reviewer.get_by_text("Renvoyé aux auteurs.")).to_be_visible()

    # The editor is told on the site and by e-mail, with the comment, and fixes the module.
    [mail] = [m for m in mails_to(smtp, "editor@syndicat.example") if m["Subject"].startswith("Renvoyé")]
    assert "Une précision manque au module sur le registre." in mail.get_content()
    editor.goto(f"{base}/dashboard")
    expect(editor.locator(".site-nav .badge")).to_be_visible()  # unread notifications
    editor.get_by_role("link", name=re.compile("^Notifications")).click()
    notice = editor.locator("li.card").filter(has_text="Une précision manque")
    expect(notice).to_be_visible()
    assert_no_axe_violation(editor)
    shot(editor, "authoring-02-notified")
    notice.get_by_role("link").first.click()
    sent_back = editor.get_by_role("status").filter(has_text="Renvoyé après relecture")
    expect(sent_back).to_contain_text(REMARK)
    sent_back.get_by_role("link", name="registre").click()  # the comment, on the reading page
    expect(editor.locator("#comments-registre")).to_contain_text(REMARK)
    editor.goto(f"{draft_url}/modules/registre")
    callout = editor.get_by_role("link", name="1 commentaire de relecture ouvert sur ce module")
    expect(callout).to_be_visible()
    editor.get_by_label("Module (Markdown avec son en-tête)").fill(FIXED)
    editor.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(editor.get_by_text("Brouillon enregistré.")).to_be_visible()
    callout.click()
    editor.locator("#comments-registre").get_by_role("button", name="Marquer comme résolu").click()
    expect(editor.get_by_text("Commentaire résolu.")).to_be_visible()
    editor.goto(draft_url)
    editor.get_by_role("button", name="Soumettre à la relecture").click()
    expect(editor.get_by_text("Soumis à la relecture.")).to_be_visible()

    # The reviewer publishes; the editor is told.
    reviewer.goto(draft_url)
    reviewer.once("dialog", lambda dialog: dialog.accept())
    reviewer.get_by_role("button", name="Publier cette version").click()
    expect(reviewer.get_by_text("Publié : les apprenants voient désormais cette version.")).to_be_visible()
    published = [m["Subject"] for m in mails_to(smtp, "editor@syndicat.example")]
    assert published.count("Publié\u00a0: La voix et l'IA") == 2, published  # versions 1 and 2

    # A teacher assigns the course to her class: both students are told, on the site and by e-mail.
    teacher = browser.new_context(locale="fr-FR").new_page()
    log_in(teacher, base, "prof@ecole.example", french=True)
    teacher.goto(f"{base}/dashboard")
    teacher.get_by_role("link", name="Enseignement").first.click()
    teacher.get_by_role("link", name="BTS 2").first.click()
    teacher.get_by_role("link", name=re.compile("Assigner une formation")).click()
    # Two courses share the title: the list tells them apart by publisher and short name.
    ours = f"La voix et l'IA (Syndicat des comédiens, {SLUG})"
    teacher.get_by_label("Formation", exact=True).select_option(label=ours)
    teacher.get_by_role("button", name="Suivant").click()
    teacher.get_by_role("button", name="Assigner").click()
    expect(
        teacher.get_by_text("La formation « La voix et l'IA » est assignée à la classe BTS 2. Sans échéance.")
    ).to_be_visible()
    for email in ("sami@ecole.example", "lina@ecole.example"):
        [mail] = mails_to(smtp, email)
        assert mail["Subject"] == "Nouveau dans BTS 2\u00a0: La voix et l'IA"
        assert f"{base}/courses/{SLUG}" in mail.get_content()
    student = browser.new_context(locale="fr-FR", viewport={"width": 375, "height": 800}).new_page()
    log_in(student, base, "sami@ecole.example", french=True)
    student.goto(f"{base}/notifications/")
    student.get_by_role("link", name=re.compile("^Travail assigné dans la classe BTS 2")).click()
    expect(student).to_have_url(re.compile(f"/courses/{SLUG}"))
    student.get_by_role("link", name=re.compile("Le registre des voix")).first.click()
    expect(student.get_by_text("Le registre est conservé cinq ans")).to_be_visible()
    expect(student.get_by_role("img", name="Un registre ouvert sur une table de mixage")).to_be_visible()
    assert_fits(student, 320)
    shot(student, "authoring-03-student-module-320")
    for page in (editor, reviewer, teacher, student):  # closed once idle, not in the middle of a request
        page.wait_for_load_state("networkidle")
        page.context.close()


def broken_copy(package: Path, target: Path) -> Path:
    """The downloaded package with the new module's duration written in words."""
    with zipfile.ZipFile(package) as source, zipfile.ZipFile(target, "w") as broken:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.endswith("-registre.md"):
                data = data.replace(b"duration: 10", b"duration: dix")
            broken.writestr(item, data)
    return target

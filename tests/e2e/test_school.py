"""A school in a real browser: a teacher creates a class and assigns a module, a student joins
with the code and completes it, and the teacher sees it done."""

import re
from datetime import date

from playwright.sync_api import Browser, Page, expect

from app.accounts.models import User
from app.extensions import db
from app.models_base import utcnow
from app.orgs import services as orgs
from app.schools import services as schools
from tests.conftest import PASSWORD
from tests.e2e.test_journey import assert_accessible, shot


def account(app, name: str, email: str) -> None:
    with app.app_context():
        user = User(full_name=name, email=email, email_confirmed_at=utcnow())
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()


def log_in(page: Page, base: str, email: str, french: bool = False) -> None:
    e_mail, password, log_in = ("Adresse e-mail", "Mot de passe", "Se connecter") if french else LOG_IN
    page.goto(f"{base}/account/login")
    page.get_by_label(e_mail).fill(email)
    page.get_by_label(password).fill(PASSWORD)
    page.get_by_role("button", name=log_in).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


LOG_IN = ("E-mail address", "Password", "Log in")


def test_teacher_assigns_student_joins_and_completes(browser: Browser, live_server):
    base, app = live_server
    account(app, "Théo Prof", "teacher@example.org")
    account(app, "Sami Élève", "student@example.org")
    with app.app_context():  # what the operator does with `flask org create` and `org add-member`
        school = orgs.create_organisation("ecole-image", "École de l’image", "school")
        orgs.set_role(
            school, db.session.scalar(db.select(User).filter_by(email="teacher@example.org")), "teacher"
        )
        db.session.commit()

    teacher = browser.new_context(locale="en-GB").new_page()
    log_in(teacher, base, "teacher@example.org")
    teacher.goto(f"{base}/dashboard")
    teacher.get_by_role("link", name="Teaching").click()
    teacher.get_by_role("link", name="Create a class").click()
    teacher.get_by_role("button", name="Create the class").click()
    expect(teacher.get_by_text("Give the class a name.", exact=True)).to_be_visible()
    assert_accessible(teacher)
    teacher.get_by_label("Name of the class").fill("BTS 2, groupe B")
    teacher.get_by_label("School year").fill("2026-2027")
    teacher.get_by_role("button", name="Create the class").click()
    expect(teacher.get_by_role("heading", level=1)).to_have_text("BTS 2, groupe B")
    code = teacher.locator(".join-code").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    # The join link has a button that copies it, and says so.
    teacher.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    teacher.get_by_role("button", name="Copy: Join link").click()
    expect(teacher.get_by_role("status").filter(has_text="Copied.")).to_be_visible()
    link = teacher.get_by_role("textbox", name="Join link").input_value()
    assert link == f"{base}/join/{code.replace('-', '')}"
    assert teacher.evaluate("navigator.clipboard.readText()") == link

    teacher.get_by_role("link", name="Assign a course or a module").click()
    teacher.get_by_label("Course").select_option(label="La voix et l'IA")
    teacher.get_by_role("button", name="Next").click()
    assert_accessible(teacher)
    teacher.get_by_label("2. Recueillir le consentement").check()
    expect(teacher.get_by_label("Chosen modules")).to_be_checked()  # a tick chooses what it means
    teacher.get_by_label("Due (optional)").fill("2000-01-01T10:00")
    teacher.get_by_role("button", name="Assign").click()
    expect(
        teacher.get_by_text("The due date is in the past. Choose a later date.", exact=True)
    ).to_be_visible()
    assert_accessible(teacher)
    next_year = date.today().year + 1
    teacher.get_by_label("Due (optional)").fill(f"{next_year}-06-30T18:00")
    teacher.get_by_role("button", name="Assign").click()
    assigned = f"1 module of La voix et l'IA is assigned to BTS 2, groupe B. Due 30 June {next_year}, 18:00"
    expect(teacher.get_by_text(assigned)).to_be_visible()  # what, to whom, for when (UX walk)
    # Typed as Paris time (summer: UTC+2), shown back as Paris time.
    expect(teacher.locator("li", has_text=f"due 30 June {next_year}, 18:00")).to_be_visible()

    student = browser.new_context(locale="en-GB").new_page()
    log_in(student, base, "student@example.org")
    student.goto(f"{base}/dashboard")
    student.get_by_role("link", name="Join a class").click()
    student.get_by_label("Code", exact=True).fill("WRONG-CODE")
    student.get_by_role("button", name="Join", exact=True).click()
    expect(
        student.get_by_text(
            "No class or organisation has this code. Check it with whoever gave it to you.", exact=True
        )
    ).to_be_visible()
    assert_accessible(student)
    student.get_by_label("Code", exact=True).fill(code.lower())
    student.get_by_role("button", name="Join", exact=True).click()
    expect(student.get_by_text("You joined the class BTS 2, groupe B.")).to_be_visible()
    assigned = student.get_by_role("region", name="Assigned to me")
    expect(assigned).to_contain_text("To do")
    assert_accessible(student)
    shot(student, "school-01-assigned")
    assigned.get_by_role("link", name="La voix et l'IA — 2. Recueillir le consentement").click()
    student.get_by_role("button", name="Mark as read").click()
    student.goto(f"{base}/dashboard")
    expect(student.get_by_role("region", name="Assigned to me")).to_contain_text("Done")

    teacher.reload()
    row = teacher.get_by_role("row", name=re.compile("Sami Élève"))
    expect(row).to_contain_text("Done")
    expect(row).to_contain_text("1/1")
    assert_accessible(teacher)
    shot(teacher, "school-02-class")
    teacher.get_by_role("link", name="Sami Élève").click()
    expect(teacher.get_by_role("heading", level=1)).to_have_text("Sami Élève")
    assert_accessible(teacher)


def test_a_new_invitation_link_is_where_the_eye_and_the_focus_go_on_a_phone(browser: Browser, live_server):
    """The link is shown once: on a phone it was below the fold, the page seeming unchanged (UX walk)."""
    base, app = live_server
    account(app, "Claire Directrice", "claire@lycee.example")
    account(app, "Paul Syndicat", "paul@syndicat.example")
    with app.app_context():
        school = orgs.create_organisation("lycee", "Lycée Lumière", "school")
        publisher = orgs.create_organisation("syndicat", "Syndicat des comédiens", "publisher")
        orgs.set_role(school, orgs.find_user_by_email("claire@lycee.example"), "admin")
        orgs.set_role(publisher, orgs.find_user_by_email("paul@syndicat.example"), "admin")
        db.session.commit()
    for email, path, button in (
        ("claire@lycee.example", "/schools/lycee", "Create an invitation link"),
        ("paul@syndicat.example", "/workspace/syndicat/team", "Create an invitation link"),
    ):
        page = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844}).new_page()
        log_in(page, base, email)
        page.goto(base + path)
        page.get_by_role("button", name=button).click()
        link = page.get_by_role("textbox", name="Invitation link")
        expect(link).to_have_value(re.compile(r"/invitations/"))
        focused = page.locator(":focus")
        expect(focused).to_contain_text("Send this link")
        expect(link).to_be_in_viewport()
        page.context.close()


def test_a_text_longer_than_its_field_allows_is_told_and_kept_not_cut(browser: Browser, live_server):
    """The browser used to drop what was pasted past a field's maxlength without a word (UX walk):
    now the page counts, says how many characters are too many, and the server refuses with the text
    kept. A line break is one character on both sides."""
    base, app = live_server
    account(app, "Théo Prof", "theo@ecole.example")
    with app.app_context():
        school = orgs.create_organisation("ecole-longue", "École longue", "school")
        orgs.set_role(school, orgs.find_user_by_email("theo@ecole.example"), "teacher")
        db.session.commit()
    page = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844}).new_page()
    log_in(page, base, "theo@ecole.example", french=True)
    page.goto(f"{base}/schools/ecole-longue/classes/new")
    description = page.get_by_label("Description (facultative)")
    expect(description).to_have_accessible_description(re.compile(r"Jusqu’à 2\s000 caractères"))
    page.get_by_label("Nom de la classe").fill("Terminale cinéma")
    page.get_by_label("Année scolaire").fill("2026-2027")
    too_long = "Une ligne de trente caractères\n" * 64 + "x" * 19  # 64 × 31 + 19 = 2 003
    description.fill(too_long)
    expect(page.get_by_text("3 caractères de trop", exact=True)).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="3 caractères de trop")).to_have_count(1)
    page.get_by_role("button", name="Créer la classe").click()
    expect(page.locator(".error-summary")).to_contain_text(re.compile(r"2\s000 caractères"))
    expect(description).to_have_value(too_long)  # nothing lost
    expect(page.get_by_text("3 caractères de trop", exact=True)).to_be_visible()
    description.fill(too_long[:-3])
    expect(page.get_by_text("0 caractère restant", exact=True)).to_be_visible()
    page.get_by_role("button", name="Créer la classe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Terminale cinéma")
    page.context.close()


def test_a_half_typed_due_date_is_stopped_and_a_removal_is_its_own_button(browser: Browser, live_server):
    """A date picker half filled in sent an empty value, read as « no due date »: the date was lost and
    the students told (a11y walk). The page stops it with a word, the date is taken away only by its
    own button, and the message saying what was done is where the page opens, with the focus."""
    from datetime import datetime

    from app.catalog.models import Course
    from app.schools import services as schools
    from app.schools.models import Assignment

    base, app = live_server
    account(app, "Théo Prof", "theo@ecole.example")
    account(app, "Sami Élève", "sami@ecole.example")
    with app.app_context():
        school = orgs.create_organisation("ecole-dates", "École des dates", "school")
        teacher = orgs.find_user_by_email("theo@ecole.example")
        orgs.set_role(school, teacher, "teacher")
        klass = schools.create_class(school, teacher, "Terminale", "2026-2027", "")
        db.session.flush()
        schools.join_class(orgs.find_user_by_email("sami@ecole.example"), klass.join_code)
        course = db.session.scalar(db.select(Course).order_by(Course.id))
        for module in [m for m in course.modules if not m.is_final][:3]:
            item = schools.assign(klass, course, module, datetime(2099, 6, 30, 18, 0), teacher)
        db.session.commit()
        class_id, item_id, course_id = klass.id, item.id, course.id
    page = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844}).new_page()
    log_in(page, base, "theo@ecole.example", french=True)

    # The students' names stay in view as the table scrolls; a link focused under them comes out.
    page.goto(f"{base}/classes/{class_id}")
    headings = page.locator(".class-table thead a")
    headings.last.focus()
    for _ in range(headings.count() - 1):
        page.keyboard.press("Shift+Tab")
        hidden = page.evaluate(
            "document.querySelector('.class-table tr > :first-child').getBoundingClientRect().right"
            " - document.activeElement.getBoundingClientRect().left"
        )
        assert hidden <= 0 or page.evaluate("!!document.activeElement.closest('tr > :first-child')")
    # A click in the scrolled table (which focuses its frame) leaves it where it is.
    frame, cell = page.locator(".table-scroll"), page.locator(".class-table tbody td").last
    cell.scroll_into_view_if_needed()
    scrolled = frame.evaluate("box => box.scrollLeft")
    assert scrolled > 0
    cell.click()
    assert frame.evaluate("box => box.scrollLeft") == scrolled
    headings.first.focus()
    # Sorting by a column brings the page back with that column's link focused, not the page's top.
    page.keyboard.press("Enter")
    expect(page.locator("th[aria-sort] a")).to_be_focused()
    assert "sort=" in page.url

    page.goto(f"{base}/classes/{class_id}/assignments/{item_id}/due")
    due = page.get_by_label("Échéance")
    due.fill("")
    due.click()
    page.keyboard.type("01072099")  # the day, month and year; not the time
    page.get_by_role("button", name="Enregistrer l’échéance").click()
    expect(page.get_by_text("Cette date est incomplète", exact=False)).to_be_visible()
    expect(due).to_be_focused()
    assert page.url.endswith("/due")
    with app.app_context():
        assert db.session.get(Assignment, item_id).due_at is not None

    page.get_by_role("button", name="Retirer l’échéance").click()
    flash = page.locator(".flashes")
    expect(flash).to_contain_text("n’a plus d’échéance")
    expect(flash).to_be_focused()
    expect(flash).to_be_in_viewport()
    with app.app_context():
        assert db.session.get(Assignment, item_id).due_at is None

    # The error summary's link to a group of choices focuses that group (it focused nothing).
    page.goto(f"{base}/classes/{class_id}/assign?course={course_id}")
    page.get_by_label("Des modules choisis").check()
    page.get_by_role("button", name="Assigner", exact=True).click()
    page.locator(".error-summary a[href='#modules']").click()
    expect(page.locator("fieldset#modules")).to_be_focused()
    page.context.close()


def test_a_teacher_invites_by_file_on_a_phone_and_the_invited_student_joins(browser: Browser, live_server):
    """In French on a phone: a spreadsheet's addresses, one of them wrong, come back to be corrected;
    then each is mailed the class's link, and whoever follows it joins (UX walk, teacher tools)."""
    base, app = live_server
    account(app, "Théo Prof", "teacher@example.org")
    account(app, "Inès Durand", "ines@example.org")
    with app.app_context():
        school = orgs.create_organisation("ecole-image", "École de l’image", "school")
        orgs.set_role(school, orgs.find_user_by_email("teacher@example.org"), "teacher")
        db.session.commit()
        school_class = schools.create_class(
            school, orgs.find_user_by_email("teacher@example.org"), "BTS 2", "2026-2027", ""
        )
        db.session.commit()
        class_id = school_class.id

    teacher = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844}).new_page()
    log_in(teacher, base, "teacher@example.org", french=True)
    teacher.goto(f"{base}/classes/{class_id}")
    teacher.get_by_role("link", name="Inviter des élèves par e-mail").click()
    sheet = "Nom;Prénom;Courriel\r\nDurand;Inès;ines@example.org\r\nMartin;Léa;lea@exemple\r\n"
    teacher.get_by_label("Ou un fichier d’adresses (facultatif)").set_input_files(
        files=[{"name": "classe.csv", "mimeType": "text/csv", "buffer": sheet.encode("cp1252")}]
    )
    teacher.get_by_role("button", name="Envoyer les invitations").click()
    expect(teacher.locator(".error-summary")).to_be_focused()
    expect(teacher.locator(".error-summary")).to_contain_text("lea@exemple")
    addresses = teacher.get_by_label("Adresses e-mail")
    expect(addresses).to_have_value("ines@example.org\nlea@exemple")  # the file's, to correct here
    assert_accessible(teacher)
    addresses.fill("ines@example.org\nlea@example.org")
    teacher.get_by_role("button", name="Envoyer les invitations").click()
    expect(teacher.get_by_text("2 invitations envoyées")).to_be_visible()
    expect(teacher.locator(".invitation-list li")).to_have_count(2)
    assert teacher.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(teacher)
    shot(teacher, "school-03-invited")

    [mail] = [m for m in app.extensions["cadre_outbox"] if m["To"] == "ines@example.org"]
    link = re.search(r"(http\S+/join/\S+)", mail.get_content()).group(1)
    student = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844}).new_page()
    log_in(student, base, "ines@example.org", french=True)
    assert link.startswith(base)
    student.goto(link)
    student.get_by_role("button", name="Rejoindre la classe").click()
    expect(student.get_by_text("Vous avez rejoint la classe BTS 2.")).to_be_visible()

    teacher.reload()
    joined = teacher.locator(".invitation-list li", has_text="ines@example.org")
    expect(joined).to_contain_text("a rejoint la classe")
    expect(teacher.locator(".invitation-list li", has_text="lea@example.org")).to_contain_text(
        "pas encore rejoint"
    )

"""A course in two languages, in a real browser: begun in French, switched to English mid-course,
progress kept, the final test passed in English, and an English certificate naming its language
and version."""

import html
import re
import shutil
from io import BytesIO
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from sqlalchemy import select

from app.catalog.importer import import_course
from app.catalog.models import Course, Module, Question
from app.certificates.models import Certificate
from app.content.checker import check_root
from app.extensions import db
from tests.conftest import make_app
from tests.e2e.conftest import serve
from tests.e2e.test_journey import assert_accessible, shot
from tests.e2e.test_school import account, log_in

REPOSITORY = Path(__file__).resolve().parents[2]
SLUG = "esprit-critique"


def one_course(source: Path, target: Path) -> Path:
    """A content root holding only this course (the whole catalogue takes seconds to check)."""
    for part in ("courses", "quizzes"):
        shutil.copytree(source / part / SLUG, target / part / SLUG)
    return target


@pytest.fixture
def server(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'e2e.sqlite'}", WTF_CSRF_ENABLED=True, SERVER_BASE_URL=None)
    with app.app_context():
        db.create_all()
        (french,) = check_root(one_course(REPOSITORY, tmp_path / "fr")).courses
        (english,) = check_root(one_course(REPOSITORY / "en", tmp_path / "en")).courses
        import_course(french)
        db.session.flush()
        import_course(english, edition_of=db.session.scalar(select(Course).where(Course.slug == SLUG)))
        db.session.commit()
    with serve(app) as base:
        yield base, app


def plain(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def right_options(app) -> set[str]:
    """The text of every right option, in both languages: what a learner who knows would tick."""
    with app.app_context():
        return {
            plain(choice["html"])
            for question in db.session.scalars(select(Question))
            for choice in question.choices
            if choice["correct"]
        }


def answer_right(page: Page, rights: set[str]) -> None:
    """Tick, in each question of the quiz page, the options whose text is a right option's."""
    for option in page.locator("form.quiz li label").all():
        if " ".join(option.inner_text().split()) in rights:
            option.locator("input").check()
    page.locator("form.quiz button[type=submit], form.quiz input[type=submit]").click()


def test_begun_in_french_finished_in_english(page: Page, server):
    base, app = server
    account(app, "Inès Martin", "ines@example.org")
    rights = right_options(app)
    with app.app_context():
        modules = db.session.scalars(
            select(Module)
            .join(Course, Course.id == Module.course_id)
            .where(Course.slug == SLUG, Module.is_final.is_(False))
            .order_by(Module.position)
        ).all()
        english_titles = {
            m.slug: m.title
            for m in db.session.scalars(
                select(Module)
                .join(Course, Course.id == Module.course_id)
                .where(Course.edition_of_id.is_not(None))
            )
        }
        french_titles = {m.slug: m.title for m in modules}

    page.set_viewport_size({"width": 375, "height": 800})
    log_in(page, base, "ines@example.org", french=True)
    page.goto(f"{base}/courses/{SLUG}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Esprit critique face à l’IA générative")
    expect(page.get_by_role("button", name="English", exact=True)).to_be_visible()
    shot(page, "editions-01-course-fr")

    # The first module and its quiz, in French.
    first = modules[0]
    page.goto(f"{base}/courses/{SLUG}/{first.slug}")
    expect(page.get_by_role("heading", level=1)).to_have_text(french_titles[first.slug])
    page.get_by_role("link", name="Faire le quiz").click()
    answer_right(page, rights)
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre résultat\u00a0: 100\u202f%")

    # Mid-course, on the second module's page: switched to English.
    second = modules[1]
    page.goto(f"{base}/courses/{SLUG}/{second.slug}")
    page.get_by_role("button", name="English", exact=True).click()
    expect(page.get_by_text("Vous lisez désormais cette formation en anglais.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(english_titles[second.slug])
    assert page.locator("article.module").get_attribute("lang") == "en"
    assert_accessible(page)
    shot(page, "editions-02-module-en")

    # The course page keeps the progress made in French, now in English.
    page.goto(f"{base}/courses/{SLUG}")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Critical thinking in the face of generative AI"
    )
    expect(page.get_by_role("button", name="Français", exact=True)).to_be_visible()
    expect(page.locator(".module-list li").first).to_contain_text("réussi")

    for module in modules[1:]:
        page.goto(f"{base}/courses/{SLUG}/{module.slug}/quiz")
        assert page.locator("form.quiz").get_attribute("lang") == "en"
        answer_right(page, rights)
        expect(page.get_by_role("heading", level=1)).to_have_text("Votre résultat\u00a0: 100\u202f%")

    # The final test, in English.
    page.goto(f"{base}/courses/{SLUG}/final/quiz")
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Critical thinking in the face of generative AI"
    )
    shot(page, "editions-03-final-en")
    answer_right(page, rights)
    expect(page.get_by_text("Félicitations")).to_be_visible()
    page.get_by_role("link", name="Voir mon certificat").click()

    # The certificate names the language and the version it was earned on.
    with app.app_context():
        certificate = db.session.scalar(select(Certificate))
        edition = db.session.scalar(select(Course).where(Course.edition_of_id.is_not(None)))
        assert (certificate.language, certificate.course_version) == ("en", edition.version)
    expect(page.locator(".certificate-page")).to_contain_text(
        "Critical thinking in the face of generative AI"
    )
    expect(page.locator(".certificate-page")).to_contain_text("Suivi en")
    expect(page.locator(".certificate-page")).to_contain_text("Anglais")
    expect(page.locator(".certificate-page")).to_contain_text(f"version {edition.version}")
    assert_accessible(page)
    shot(page, "editions-04-certificate")
    # Its PDF is in the language the course was taken in, though the interface is French.
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le PDF").click()
    text = " ".join(
        PdfReader(BytesIO(Path(download.value.path()).read_bytes())).pages[0].extract_text().split()
    )
    assert "Critical thinking in the face of generative AI" in text and "Taken in English" in text

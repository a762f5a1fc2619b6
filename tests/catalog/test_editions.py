"""A course in two languages: the reader's choice, pages in that language, progress kept whatever
the language, certificates naming the language and version they were earned in."""

import re

import pytest
from sqlalchemy import func, select

from app.catalog.importer import import_course
from app.catalog.models import Course, CourseLanguageChoice, Module
from app.certificates.models import Certificate
from app.content.checker import check_root
from app.extensions import db
from app.learning.forms import _choice_value
from tests.conftest import FIXTURES, VALID_CONTENT, counted_statements, text_of

EDITION = FIXTURES / "content" / "edition-en"
COURSE = "/courses/voix-et-ia"
QUIZ = f"{COURSE}/cadre-legal/quiz"
FRENCH = {"Accept-Language": "fr"}


def import_edition(course: Course, root=EDITION) -> Course:
    result = check_root(root)
    assert result.problems == []
    import_course(result.courses[0], edition_of=course)
    db.session.commit()
    return db.session.scalar(select(Course).where(Course.edition_of_id == course.id))


@pytest.fixture
def edition(course) -> Course:
    return import_edition(course)


@pytest.fixture
def learner(make_user, auth, course):
    user = make_user(full_name="Zoé Lefèvre")
    auth.login(user.email)
    return user


def right_answers(client, headers=None) -> dict:
    """The quiz page's form, filled in right (first question: option 1; "textes": options 0 and 1)."""
    page = client.get(QUIZ, headers=headers).get_data(as_text=True)
    token = re.search(r'name="draw" type="hidden" value="([^"]+)"', page).group(1)
    module = db.session.scalar(
        select(Module)
        .join(Course, Course.id == Module.course_id)
        .where(Course.slug == "voix-et-ia", Module.slug == "cadre-legal")
    )
    keys = {q.key: q for q in module.questions}
    first, textes = keys["qu-est-ce-que-l-opt-out"], keys["textes"]
    return {
        f"q{first.id}": _choice_value(token, first, 1),
        f"q{textes.id}": [_choice_value(token, textes, 0), _choice_value(token, textes, 1)],
        "version": str(module.course.version),
        "draw": token,
    }


def offers(page: str, code: str, name: str) -> bool:
    """True when the page's language switch has a button for ``code``, named in that language."""
    return (
        re.search(
            rf'<button type="submit" name="language" value="{code}"[^>]*lang="{code}">{name}</button>', page
        )
        is not None
    )


def switch(client, language: str, next_path: str = COURSE, headers=None):
    page = client.get(next_path, headers=headers).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post(
        f"{COURSE}/language",
        data={"csrf_token": token, "language": language, "next": next_path},
        headers=headers,
    )


def test_an_edition_is_imported_beside_its_original_and_listed_once(client, edition, course):
    assert edition.slug is None and edition.language == "en" and edition.source_version == course.version
    assert {m.slug for m in edition.modules} == {"cadre-legal", "consentement"}
    catalogue = text_of(client.get("/courses"))
    assert catalogue.count("Voice and AI") == 1 and "La voix et l'IA" not in catalogue  # English reader
    french = text_of(client.get("/courses", headers=FRENCH))
    assert french.count("La voix et l'IA") == 1 and "Voice and AI" not in french
    # Asked for English, a French reader gets the course under its English title.
    assert "Voice and AI" in text_of(client.get("/courses?language=en", headers=FRENCH))


def test_the_course_page_is_in_the_interface_language_and_offers_the_other(client, edition):
    english = text_of(client.get(COURSE))
    assert "Voice and AI" in english and "The legal framework" in english and "La voix et l'IA" not in english
    assert "This course is also in:" in english and offers(english, "fr", "Français")
    french = text_of(client.get(COURSE, headers=FRENCH))
    assert (
        "La voix et l'IA" in french
        and "Cette formation existe aussi en" in french
        and offers(french, "en", "English")
    )


def test_an_untranslated_module_is_shown_in_the_original_and_says_so(client, edition):
    page = client.get(f"{COURSE}/bonnes-pratiques").get_data(as_text=True)
    assert '<article class="module" lang="fr">' in page and "This module is not translated yet" in page
    translated = client.get(f"{COURSE}/consentement").get_data(as_text=True)
    assert '<article class="module" lang="en">' in translated and "not translated yet" not in translated


def test_a_visitor_switches_language_and_the_choice_holds(client, edition):
    response = switch(client, "fr", f"{COURSE}/cadre-legal")
    assert response.status_code == 302 and response.location == f"{COURSE}/cadre-legal"
    page = text_of(client.get(f"{COURSE}/cadre-legal"))
    assert "Le cadre légal" in page and "The legal framework" not in page
    assert "Voice and AI" not in text_of(client.get("/courses"))  # the catalogue follows the choice


def test_a_switch_to_a_language_the_course_lacks_or_elsewhere_changes_nothing(client, edition, learner):
    assert switch(client, "de").status_code == 400
    assert db.session.scalar(select(func.count(CourseLanguageChoice.id))) == 0
    assert switch(client, "fr", "https://evil.example/").location == COURSE


def test_switching_mid_course_keeps_progress_and_the_certificate_names_the_language(client, edition, learner):
    # Begun in French: a module read, the quiz page served in French.
    switch(client, "fr")
    client.post(f"{COURSE}/consentement/read")
    french_quiz = text_of(client.get(QUIZ))
    assert "Qu'est-ce que l'opt-out ?" in french_quiz
    # Switched to English: the same draw, now in English, and the progress is still there.
    switch(client, "en", QUIZ)
    english_quiz = text_of(client.get(QUIZ))
    assert "What is the opt-out?" in english_quiz and "The right holder's refusal" in english_quiz
    assert "Opt-out" not in english_quiz
    response = client.post(QUIZ, data=right_answers(client), follow_redirects=True)
    result = text_of(response)
    assert "Your result: 100%" in result and "The opt-out lets a right holder" in result
    response = client.post(f"{COURSE}/bonnes-pratiques/read", follow_redirects=True)
    assert "earned its certificate" in text_of(response)
    certificate = db.session.scalar(select(Certificate))
    assert (certificate.language, certificate.course_title, certificate.course_version) == (
        "en",
        "Voice and AI",
        edition.version,
    )
    page = text_of(client.get(f"/certificates/{certificate.code}", headers=FRENCH))
    assert "Voice and AI" in page and "Suivi en" in page and "Anglais" in page
    # Its modules as the English edition named them; the one it lacks, in French, marked so.
    html = client.get(f"/certificates/{certificate.code}", headers=FRENCH).get_data(as_text=True)
    listed = re.search(r'<ol class="certified-modules"[^>]*>(.*?)</ol>', html, re.S).group(1)
    assert re.findall(r'<li lang="(\w+)">([^<]+)</li>', listed) == [
        ("en", "The legal framework"),
        ("en", "Obtaining consent"),
        ("fr", "Bonnes pratiques"),
    ]
    assert f"/certificates/{certificate.code}/credential-en.json" in page


def test_the_certificate_pdf_is_in_the_language_the_course_was_taken_in(client, edition, learner):
    import subprocess

    switch(client, "en")
    client.post(QUIZ, data=right_answers(client))
    client.post(f"{COURSE}/consentement/read")
    client.post(f"{COURSE}/bonnes-pratiques/read")
    certificate = db.session.scalar(select(Certificate))
    pdf = client.get(f"/certificates/{certificate.code}/pdf", headers=FRENCH)
    assert pdf.status_code == 200
    text = subprocess.run(
        ["/usr/bin/pdftotext", "-", "-"], input=pdf.data, capture_output=True, check=True
    ).stdout
    assert b"Voice and AI" in text and b"Taken in English" in text


def test_a_lagging_edition_says_so_and_a_question_whose_options_changed_is_shown_in_the_original(
    client, edition, course, tmp_path
):
    import shutil

    # The original changes one question's options (a new wrong one): the edition lags behind.
    shutil.copytree(VALID_CONTENT, tmp_path / "fr")
    quiz = tmp_path / "fr" / "quizzes" / "voix-et-ia" / "cadre-legal.md"
    quiz.write_text(
        quiz.read_text().replace("- [ ] Une licence libre", "- [ ] Une licence libre\n- [ ] Un contrat")
    )
    import_course(check_root(tmp_path / "fr").courses[0])
    db.session.commit()
    page = text_of(client.get(COURSE))
    assert "This edition was made from version 1 of the original, which is now at version 2" in page
    from app.catalog import editions

    view = editions.present(course, language="en").module(
        db.session.scalar(select(Module).where(Module.course_id == course.id, Module.slug == "cadre-legal"))
    )
    by_key = {q.key: q for q in view.questions}
    assert "A company" in by_key["textes"].prompt_html  # options unchanged: translated
    assert by_key["qu-est-ce-que-l-opt-out"].content_language == "fr"  # changed: the original's


def test_pages_of_a_translated_course_do_a_bounded_number_of_queries(client, edition, learner):
    with counted_statements() as statements:
        for url, bound in [
            (COURSE, 12),
            (f"{COURSE}/cadre-legal", 12),
            # The draw: on SQLite, what it depends on read again under the lock. The user's row is
            # read by the loader's own statement, as in a real request (Session.get found it in the
            # tests' shared session without one).
            (QUIZ, 22),
            (QUIZ, 13),
            ("/dashboard", 13),
        ]:
            statements.clear()
            assert client.get(url).status_code == 200
            assert len(statements) <= bound, (url, len(statements), statements)


def test_the_readers_choices_are_read_only_for_a_course_in_several_languages(client, course, learner):
    def asked_for_choices() -> bool:
        with counted_statements() as statements:
            assert client.get(f"{COURSE}/cadre-legal").status_code == 200
        return any("course_language_choices" in statement for statement in statements)

    assert not asked_for_choices()  # in French only: read in French, whatever was chosen
    import_edition(course)
    assert asked_for_choices()


def test_each_learner_gets_their_own_language_outside_a_request(app, edition, course, make_user):
    """Certificates issued by an import or a command are named in each learner's own language."""
    from app.catalog import editions

    chose_english, chose_nothing = make_user(), make_user()
    editions.choose(chose_english, course, "en")
    db.session.commit()
    assert editions.present(course, user=chose_english).language == "en"
    assert editions.present(course, user=chose_nothing).language == "fr"  # no interface: the original's


def test_an_edition_never_takes_the_originals_place(app, edition, course):
    from app.catalog import editions

    course.language = "en"  # as if its publisher had changed the original's language
    assert editions.editions_by_course([course])[course.id] == {"en": course}


def test_the_import_command_reads_a_language_folder_as_editions(cli, tmp_path):
    import shutil

    shutil.copytree(VALID_CONTENT, tmp_path, dirs_exist_ok=True)
    shutil.copytree(EDITION, tmp_path / "en")
    (tmp_path / "en" / "courses" / "sans-original").mkdir()
    shutil.copy(
        EDITION / "courses" / "voix-et-ia" / "course.md", tmp_path / "en" / "courses" / "sans-original"
    )
    shutil.copy(
        EDITION / "courses" / "voix-et-ia" / "02-consentement.md",
        tmp_path / "en" / "courses" / "sans-original",
    )
    first = cli("content", "import", str(tmp_path))
    assert "voix-et-ia (en): edition created (version 1)" in first.output
    assert "sans-original (en): refused, an edition needs a bundled course" in first.output
    assert first.exit_code == 0
    again = cli("content", "import", str(tmp_path))
    assert "voix-et-ia (en): edition unchanged (version 1)" in again.output
    assert db.session.scalar(select(func.count(Course.id)).where(Course.edition_of_id.is_not(None))) == 1

"""Importing content: idempotent, versioned, refusing broken courses whole, keeping progress."""

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.catalog.importer import import_course
from app.catalog.models import Course, Module, Question
from app.certificates.models import Certificate
from app.content.checker import check_root
from app.extensions import db
from app.learning.models import ModuleProgress, QuizAttempt
from app.learning.services import courses_progress, mark_read, submit_quiz
from tests.conftest import VALID_CONTENT

COURSE_DIR = "courses/voix-et-ia"


@pytest.fixture
def content(tmp_path):
    """A writable copy of the valid fixture content root."""
    root = tmp_path / "content"
    shutil.copytree(VALID_CONTENT, root)
    return root


def run_import(runner, root):
    return runner.invoke(args=["content", "import", str(root)])


def test_import_is_idempotent(app, runner, content):
    first = run_import(runner, content)
    assert first.exit_code == 0, first.output
    assert "voix-et-ia: created (version 1)" in first.output
    counts = [db.session.scalar(select(func.count(m.id))) for m in (Course, Module, Question)]
    second = run_import(runner, content)
    assert "voix-et-ia: unchanged (version 1)" in second.output
    assert [db.session.scalar(select(func.count(m.id))) for m in (Course, Module, Question)] == counts


def test_update_keeps_progress_and_attempts(app, runner, content, make_user):
    run_import(runner, content)
    user = make_user()
    course = db.session.scalar(select(Course))
    legal = db.session.scalar(select(Module).where(Module.slug == "cadre-legal"))
    consent = db.session.scalar(select(Module).where(Module.slug == "consentement"))
    answers = {q.key: [i for i, c in enumerate(q.choices) if c["correct"]] for q in legal.questions}
    submit_quiz(user, legal, answers)
    mark_read(user, consent)
    db.session.commit()
    question_ids = {q.key: q.id for q in legal.questions}

    # The author rewrites a module, fixes a quiz explanation and reorders questions.
    module_file = content / COURSE_DIR / "02-consentement.md"
    module_file.write_text(module_file.read_text() + "\nUn paragraphe ajouté.\n")
    quiz = content / "quizzes/voix-et-ia/cadre-legal.md"
    quiz.write_text(quiz.read_text().replace("**s'opposer**", "**refuser**"))
    result = run_import(runner, content)
    assert "voix-et-ia: updated (version 2)" in result.output

    db.session.expire_all()
    course = db.session.scalar(select(Course))
    assert course.version == 2
    legal = db.session.scalar(select(Module).where(Module.slug == "cadre-legal"))
    assert {q.key: q.id for q in legal.questions} == question_ids
    assert "refuser" in legal.questions[0].explanation_html
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 1
    assert db.session.scalar(select(func.count(ModuleProgress.id))) == 2
    assert courses_progress(user, [course.id])[course.id].completed == 2


def test_broken_update_is_refused_whole_and_live_version_stays(app, runner, content):
    run_import(runner, content)
    before = db.session.scalar(select(Course)).title
    (content / COURSE_DIR / "course.md").write_text(
        (content / COURSE_DIR / "course.md").read_text().replace("La voix et l'IA", "Nouveau titre")
    )
    (content / "quizzes/voix-et-ia/cadre-legal.md").write_text(
        "---\npass_mark: 70\n---\n## Une question sans bonne réponse ?\n\n- [ ] a\n- [ ] b\n\n> Non.\n"
    )
    result = run_import(runner, content)
    assert result.exit_code == 1
    assert "quizzes/voix-et-ia/cadre-legal.md:4:" in result.output
    assert "voix-et-ia: refused" in result.output
    db.session.expire_all()
    course = db.session.scalar(select(Course))
    assert (course.title, course.version) == (before, 1)


def test_removed_module_is_retired_not_deleted(app, runner, content, make_user):
    run_import(runner, content)
    user = make_user()
    practice = db.session.scalar(select(Module).where(Module.slug == "bonnes-pratiques"))
    mark_read(user, practice)
    db.session.commit()
    (content / COURSE_DIR / "03-bonnes-pratiques.md").unlink()
    assert run_import(runner, content).exit_code == 0
    db.session.expire_all()
    course = db.session.scalar(select(Course))
    assert [m.slug for m in course.modules] == ["cadre-legal", "consentement"]
    assert db.session.scalar(select(func.count(ModuleProgress.id))) == 1
    # Progress counts live modules only.
    assert courses_progress(user, [course.id])[course.id].total == 2


def test_check_command_prints_path_line_message(app, runner, content):
    (content / COURSE_DIR / "01-cadre-legal.md").write_text("no front matter\n")
    result = runner.invoke(args=["content", "check", str(content)])
    assert result.exit_code == 1
    assert "courses/voix-et-ia/01-cadre-legal.md:1: missing front matter" in result.output


def test_check_command_on_bundled_catalogue(app, runner):
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 0, result.output
    assert "no problem found" in result.output


def test_bundled_course_imports(app):
    result = check_root(Path(app.config["CONTENT_ROOT"]))
    assert result.problems == []
    for doc in result.courses:
        import_course(doc)
    db.session.commit()
    course = db.session.scalar(select(Course).where(Course.slug == "ia-droit-auteur"))
    assert len(course.modules) >= 3
    assert all(m.has_quiz and len(m.questions) >= 8 for m in course.modules)


def test_module_read_before_its_quiz_existed(app, runner, content, make_user, client, auth):
    """Adding a quiz to a module already read keeps it completed and never breaks its page."""
    run_import(runner, content)
    user = make_user()
    consent = db.session.scalar(select(Module).where(Module.slug == "consentement"))
    mark_read(user, consent)
    db.session.commit()
    (content / "quizzes/voix-et-ia/consentement.md").write_text(
        "---\npass_mark: 50\n---\n## Une question ?\n\n- [x] oui\n- [ ] non\n\n> Parce que.\n"
    )
    assert run_import(runner, content).exit_code == 0
    # A visitor is told the quiz needs an account before being sent to log in (the UX walk).
    assert "Log in to take the quiz" in client.get("/courses/voix-et-ia/consentement").get_data(as_text=True)
    auth.login(user.email)
    response = client.get("/courses/voix-et-ia/consentement")
    assert response.status_code == 200
    assert "Take the quiz" in response.get_data(as_text=True)


def test_update_that_completes_a_course_issues_the_certificate(app, runner, content, make_user):
    run_import(runner, content)
    user = make_user()
    for slug in ("consentement", "bonnes-pratiques"):
        mark_read(user, db.session.scalar(select(Module).where(Module.slug == slug)))
    db.session.commit()
    assert db.session.scalar(select(func.count(Certificate.id))) == 0
    # The author removes the only module the learner had not done.
    (content / COURSE_DIR / "01-cadre-legal.md").unlink()
    (content / "quizzes/voix-et-ia/cadre-legal.md").unlink()
    assert run_import(runner, content).exit_code == 0
    certificate = db.session.scalar(select(Certificate))
    assert certificate is not None and certificate.course_version == 2


def test_catalogue_is_alphabetical_as_a_reader_expects(app):
    from app.catalog.services import list_courses
    from app.models_base import utcnow

    for slug, title in (("v", "Voix"), ("e", "Écrire avec l’IA"), ("a", "Encadrer"), ("d", "droit")):
        db.session.add(
            Course(slug=slug, title=title, summary="", language="fr", level="beginner", duration=1,
                   audience="", publisher="", content_updated=utcnow().date(), intro_html="",
                   content_hash="x")
        )  # fmt: skip
    db.session.commit()
    assert [c.title for c in list_courses()] == ["droit", "Écrire avec l’IA", "Encadrer", "Voix"]


def _as_an_older_cadre_rendered_it(course: Course) -> dict:
    """Put older HTML in every rendered field of ``course``; return what was there (by place)."""
    kept = {"intro": course.intro_html}
    course.intro_html = "<p>rendu ancien</p>"
    for module in db.session.scalars(select(Module).where(Module.course_id == course.id)):
        kept[module.slug] = module.body_html
        if not module.is_final:  # a final test has no text of its own
            module.body_html = "<p>rendu ancien</p>"
        for question in module.questions:
            kept[question.key] = (question.prompt_html, question.explanation_html, question.choices)
            question.prompt_html = question.explanation_html = "<p>rendu ancien</p>"
            question.choices = [{**c, "html": "<p>rendu ancien</p>"} for c in question.choices]
    db.session.commit()
    return kept


@pytest.fixture
def with_final_test(tmp_path):
    """A content root with a bundled course that has a final test."""
    root, slug = tmp_path / "bundled", "ecrire-avec-l-ia"
    for folder in ("courses", "quizzes"):
        shutil.copytree(Path(__file__).parents[2] / folder / slug, root / folder / slug)
    return root, slug


def test_an_unchanged_course_is_rendered_again_when_cadre_renders_it_differently(
    app, runner, content, make_user
):
    """Existing databases kept the HTML of the Cadre that first imported a course, until its
    files changed: a sanitiser or Markdown upgrade never reached them."""
    run_import(runner, content)
    user = make_user()
    legal = db.session.scalar(select(Module).where(Module.slug == "cadre-legal"))
    submit_quiz(user, legal, {q.key: [0] for q in legal.questions})
    db.session.commit()
    course = db.session.scalar(select(Course))
    kept = _as_an_older_cadre_rendered_it(course)

    result = run_import(runner, content)
    assert "voix-et-ia: unchanged (version 1), rendered again by this version of Cadre" in result.output
    db.session.expire_all()
    course = db.session.scalar(select(Course))
    assert (course.version, course.intro_html) == (1, kept["intro"])
    modules = db.session.scalars(select(Module).where(Module.course_id == course.id)).all()
    assert all(m.body_html == kept[m.slug] for m in modules)
    questions = [q for m in modules for q in m.questions]
    assert questions and all((q.prompt_html, q.explanation_html, q.choices) == kept[q.key] for q in questions)
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 1  # nothing else touched
    assert "voix-et-ia: unchanged (version 1)\n" in run_import(runner, content).output


def test_a_final_test_is_rendered_again_too(app, runner, with_final_test):
    root, slug = with_final_test
    run_import(runner, root)
    course = db.session.scalar(select(Course))
    final = db.session.scalar(select(Module).where(Module.is_final.is_(True)))
    kept = _as_an_older_cadre_rendered_it(course)
    assert f"{slug}: unchanged (version 1), rendered again" in run_import(runner, root).output
    db.session.expire_all()
    assert final.questions and all(q.prompt_html == kept[q.key][0] for q in final.questions)


def test_the_same_files_whose_questions_this_cadre_names_otherwise_make_a_new_version(app, runner, content):
    """Second reading: a question's key is made from its rendered heading; a rendering change
    renamed one, and rendering again in place stopped the import with a KeyError."""
    run_import(runner, content)
    legal = db.session.scalar(select(Module).where(Module.slug == "cadre-legal"))
    question = legal.questions[0]
    key, question.key = question.key, "nom-d-une-version-anterieure"
    db.session.commit()
    result = run_import(runner, content)
    assert result.exit_code == 0, result.output
    assert "voix-et-ia: updated (version 2)" in result.output
    db.session.expire_all()
    keys = {
        q.key: q.retired for q in db.session.scalars(select(Question).where(Question.module_id == legal.id))
    }
    assert keys[key] is False and keys["nom-d-une-version-anterieure"] is True

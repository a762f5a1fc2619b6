"""The valid fixture root gives zero problems and exactly the expected documents."""

from datetime import date
from pathlib import Path

from app.content.checker import check_root, content_hash, load_tree

VALID = Path(__file__).parents[1] / "fixtures" / "content" / "valid"


def test_valid_root_has_no_problem():
    result = check_root(VALID)
    assert result.problems == []
    assert result.refused == []
    assert [c.slug for c in result.courses] == ["voix-et-ia"]


def test_course_fields():
    course = check_root(VALID).courses[0]
    assert course.title == "La voix et l'IA"
    assert course.summary == "Ce que le droit permet quand on clone ou transforme une voix."
    assert course.language == "fr"
    assert course.level == "beginner"
    assert course.duration == 50
    assert course.audience == "Comédiens, directeurs artistiques et ingénieurs du son"
    assert course.publisher == "Cadre"
    assert course.updated == date(2025, 3, 10)
    assert course.intro_html.startswith("<p>Ce cours présente le <strong>cadre juridique</strong>")
    assert "<table>" in course.intro_html
    assert course.source.startswith("---\ntitle: La voix et l'IA\n")


def test_modules_in_order():
    modules = check_root(VALID).courses[0].modules
    assert [(m.position, m.slug, m.title, m.duration) for m in modules] == [
        (1, "cadre-legal", "Le cadre légal", 20),
        (2, "consentement", "Recueillir le consentement", 15),
        (3, "bonnes-pratiques", "Bonnes pratiques", 15),
    ]
    first, second, third = modules
    assert first.objectives == (
        "Situer la voix parmi les attributs de la personnalité",
        "Repérer les textes applicables",
    )
    assert first.updated == date(2025, 3, 1)
    assert second.updated is None
    assert '<h2 id="la-voix-un-attribut-de-la-personnalite">' in first.body_html
    assert '<h3 id="les-textes">Les textes</h3>' in first.body_html
    assert '<img alt="Schéma" src="/static/img/favicon.svg">' in first.body_html
    assert 'rel="noopener noreferrer"' in first.body_html
    assert "&lt;Studio&gt;" in second.body_html
    assert [m.quiz is not None for m in modules] == [True, False, False]
    assert third.body_html == "<p>Tenez un registre des voix utilisées et de leurs autorisations.</p>"


def test_quiz():
    quiz = check_root(VALID).courses[0].modules[0].quiz
    assert quiz.pass_mark == 70
    assert quiz.shuffle is True
    assert quiz.source.startswith("---\npass_mark: 70\n")
    single, multiple = quiz.questions

    assert single.key == "qu-est-ce-que-l-opt-out"
    assert single.multiple is False
    assert single.prompt_html == "<p>Qu'est-ce que l'opt-out ?</p>"
    assert [(c.html, c.correct) for c in single.choices] == [
        ("Une clause d'exclusivité", False),
        ("Le refus, exprimé par l'ayant droit, de la fouille de ses œuvres", True),
        ("Une licence libre", False),
    ]
    assert single.explanation_html == (
        "<p>L'opt-out permet de <strong>s'opposer</strong> à la fouille de textes et de données.</p>"
    )

    assert multiple.key == "textes"
    assert multiple.multiple is True
    assert multiple.prompt_html == (
        "<p>Quels textes protègent la voix ?</p>\n"
        "<p>Une société veut cloner la voix d'un comédien décédé.</p>"
    )
    assert [c.correct for c in multiple.choices] == [True, True, False]
    assert multiple.explanation_html == (
        "<p>La voix relève de la vie privée <strong>et</strong> des données personnelles.</p>\n"
        "<p>Voir le module 1.</p>"
    )


def test_load_tree_skips_hidden_files_and_uses_forward_slashes():
    assert sorted(load_tree(VALID)) == [
        "courses/voix-et-ia/01-cadre-legal.md",
        "courses/voix-et-ia/02-consentement.md",
        "courses/voix-et-ia/03-bonnes-pratiques.md",
        "courses/voix-et-ia/course.md",
        "quizzes/voix-et-ia/cadre-legal.md",
    ]


def test_content_hash_covers_course_and_quiz_files():
    files = load_tree(VALID)
    course = check_root(VALID).courses[0]
    assert course.content_hash == content_hash(files)
    assert len(course.content_hash) == 64
    edited = dict(files)
    edited["quizzes/voix-et-ia/cadre-legal.md"] += "\n"
    assert content_hash(edited) != course.content_hash
    # Line ends do not count: a Windows checkout imports as "unchanged".
    crlf = {path: text.replace("\n", "\r\n") for path, text in files.items()}
    assert content_hash(crlf) == course.content_hash

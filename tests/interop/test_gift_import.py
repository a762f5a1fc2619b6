"""GIFT into Cadre's quiz Markdown: what Cadre can hold comes in exactly, the rest is refused on its
line, and every bundled quiz exported to GIFT comes back as the same questions."""

from pathlib import Path

import pytest

from app.content.checker import check_root
from app.content.parser import read_quiz
from app.interop.gift import write_gift
from app.interop.gift_import import Imported, decode, import_gift
from app.interop.quizzes import ExportedQuiz

GIFT = Path(__file__).parents[1] / "fixtures" / "moodle" / "gift"
REPOSITORY = Path(__file__).parents[2]
QUIZ = "quizzes/cours/module.md"


def imported(gift: str, language: str = "en", existing: str | None = None) -> Imported:
    files = {QUIZ: existing} if existing is not None else {}
    result = import_gift(files, QUIZ, "q.gift", gift, language)
    assert isinstance(result, Imported), [str(p) for p in result]
    return result


def refusals(gift: str) -> list[tuple[int, str]]:
    result = import_gift({}, QUIZ, "q.gift", gift, "en")
    assert not isinstance(result, Imported)
    return [(problem.line, str(problem.message)) for problem in result]


def quiz_of(result: Imported):
    parsed = read_quiz(QUIZ, result.files[QUIZ])
    assert parsed.problems == [], [str(p) for p in parsed.problems]
    return parsed.doc


def test_moodle_fixture_refuses_what_cadre_lacks_on_each_line():
    found = refusals((GIFT / "questions.gift.txt").read_text(encoding="utf-8"))
    assert found == [
        (2, "essay questions are not supported: Cadre has single and multiple choice only"),
        (5, "matching questions are not supported: Cadre has single and multiple choice only"),
        (31, "numerical questions are not supported: Cadre has single and multiple choice only"),
        (34, found[3][1]),
        (41, found[4][1]),
    ]
    assert found[3][1].startswith("short-answer questions are not supported")
    assert found[4][1].startswith("missing-word questions")


def test_category_is_reported_on_its_line():
    found = refusals((GIFT / "questions_in_category.gift.txt").read_text(encoding="utf-8"))
    assert found[0] == (
        2,
        "categories ($CATEGORY) are not supported: the questions go to this module's quiz; remove the line",
    )
    assert [line for line, _message in found] == [2, 5, 22]


def test_supported_fixture_questions_come_in_with_their_feedback():
    """Q2 and colours of Moodle's fixture: names become keys, feedback stays on its answer, 50 %
    shares become right answers; having no general feedback, they fail the explanation rule."""
    lines = (GIFT / "questions.gift.txt").read_text(encoding="utf-8").split("\n")
    result = imported("\n".join(lines[12:28]))
    q2 = (
        "## What's between orange and green in the spectrum? {#q2}\n\n- [x] yellow\n  > right; good!\n"
        "- [ ] red\n  > wrong, it's yellow\n- [ ] blue\n  > wrong, it's yellow\n"
    )
    colours = (
        "## What's between orange and green in the spectrum? {#colours}\n\n- [x] yellow\n"
        "  > right; good!\n- [ ] red\n  > wrong\n- [x] off-beige\n  > right; good!\n- [ ] blue\n  > wrong\n"
    )
    assert result.files[QUIZ] == f"---\npass_mark: 70\nshuffle: true\n---\n\n{q2}\n{colours}"
    problems = read_quiz(QUIZ, result.files[QUIZ]).problems
    assert [(p.line, str(p.message)) for p in problems] == [
        (6, "question has no explanation (a '>' block quote after the choices)"),
        (15, "question has no explanation (a '>' block quote after the choices)"),
    ]
    assert [gift_line for _first, _last, gift_line in result.places] == [2, 10]


def test_true_false_feedback_and_general_feedback():
    """Moodle's {FALSE#if wrong#if right####general}: "True" gets the first, "False" the second."""
    question = quiz_of(imported("::Q1:: 42 is it.{FALSE#No.#Yes.####Galaxy.}")).questions[0]
    assert [(c.html, c.correct, c.feedback_html) for c in question.choices] == [
        ("True", False, "<p>No.</p>"),
        ("False", True, "<p>Yes.</p>"),
    ]
    assert question.explanation_html == "<p>Galaxy.</p>"


def test_examples_control_characters_come_in_as_text():
    text = (GIFT / "examples.txt").read_text(encoding="utf-8").split("\n")
    gift = "\n".join(text[141:159])  # "Which answer equals 5?" and "GIFT Control Characters"
    # Given the explanation Cadre requires (the examples have none) before each closing brace:
    gift = gift.replace("+ 4  }", "+ 4 ####Five.}").replace("example).\n}", "example).\n####Escaped.}")
    equals, control = quiz_of(imported(gift)).questions
    assert [(c.html, c.correct) for c in equals.choices] == [
        ("= 2 + 2", False),
        ("= 2 + 3", True),
        ("= 2 + 4", False),
    ]
    assert control.key == "gift-control-characters"
    assert [(c.html, c.correct) for c in control.choices] == [
        ("~", False),
        ("=", False),
        ("#", False),
        ("{", False),
        ("}", False),
        ("\\", True),
    ]


@pytest.mark.parametrize(
    ("gift", "start"),
    [
        ("Q?{=a ~%50%b ~c}", "partial credit is not supported: Cadre grades all or nothing"),
        ("Q?{=a =%100%b ~c}", "several answers give full marks"),
        ("Q?{~%50%a ~%25%b ~%25%c}", "partial credit is not supported: the right answers"),
        ("Q?{~a ~b} then text", "missing-word questions"),
        ('[html]<img src="x.png" alt="x"> Q?{=a ~b}', "images cannot be imported"),
        ("Q?", "a description (text without answers)"),
    ],
)
def test_what_cadre_cannot_hold_is_refused(gift, start):
    assert [message[: len(start)] for _line, message in refusals(gift)] == [start]


def test_one_bad_question_refuses_the_whole_file():
    assert refusals("Good?{=a ~b ####Why.}\n\nBad?{=a =b}\n") == [(3, refusals("Q?{=a =b}")[0][1])]


def test_equal_shares_with_any_wrong_weight_are_all_or_nothing():
    quiz = quiz_of(imported("Q?{~%33.33333%a ~%33.33333%b ~%33.33333%c ~%-50%d ~e ####W.}"))
    assert [c.correct for c in quiz.questions[0].choices] == [True, True, True, False, False]


def test_true_false_speaks_the_course_language():
    quiz = quiz_of(imported("La Terre est ronde.{T####Oui.}", language="fr"))
    assert [(c.html, c.correct) for c in quiz.questions[0].choices] == [("Vrai", True), ("Faux", False)]


def test_keys_are_made_unique_and_questions_appended():
    existing = "---\npass_mark: 80\n---\n## Déjà là {#q}\n\n- [x] a\n- [ ] b\n\n> Oui.\n"
    result = imported(
        "::Q::Un?{=a ~b####W.}\n\n::Q::Deux?{=a ~b####W.}\n\nTrois ?{=a ~b####W.}", existing=existing
    )
    quiz = quiz_of(result)
    assert [q.key for q in quiz.questions] == ["q", "q-2", "q-3", "trois"]
    assert quiz.pass_mark == 80
    assert result.files[QUIZ].startswith(existing)
    lines = result.files[QUIZ].split("\n")
    assert [(lines[first - 1][:12], gift_line) for first, _last, gift_line in result.places] == [
        ("## Un? {#q-2", 1),
        ("## Deux? {#q", 3),
        ("## Trois ? {", 5),
    ]


def test_a_new_quiz_gets_a_front_matter():
    quiz = quiz_of(imported("Q?{=a ~b####W.}"))
    assert (quiz.pass_mark, quiz.shuffle) == (70, True)


def test_moodle_html_keeps_what_cadre_has():
    gift = (
        '::h::[html]<p>Read <b>this</b> <a href\\="https\\://example.org">page</a>.</p>'
        "<ul><li>one</li><li><i>two</i></li></ul>{=<p>x<sup>2</sup></p> ~<span>y</span>"
        "####<p>Because &lt;b&gt; is bold.</p>}"
    )
    question = quiz_of(imported(gift)).questions[0]
    assert question.prompt_html == (
        "<p>Read <strong>this</strong>"
        ' <a href="https://example.org" rel="noopener noreferrer">page</a>.</p>\n'
        "<ul>\n<li>one</li>\n<li><em>two</em></li>\n</ul>"
    )
    assert [c.html for c in question.choices] == ["x<sup>2</sup>", "y"]
    assert question.explanation_html == "<p>Because &lt;b&gt; is bold.</p>"


def test_undecodable_files_are_refused():
    assert str(decode("q.gift", "é".encode("latin-1")).message).startswith("the file is not UTF-8 text")
    assert str(decode("q.gift", b"\x00\x01PK").message).startswith("the file holds a NUL character")
    assert decode("q.gift", "\ufeffQ?".encode()) == "Q?"


def test_every_bundled_quiz_round_trips_through_gift():
    """Exported then imported: same keys, choices, right answers, feedback and explanations."""
    result = check_root(REPOSITORY)
    assert result.problems == [] and result.courses
    count = 0
    for course in result.courses:
        quizzes = [(m.slug, m.quiz) for m in course.modules if m.quiz] + [("final", course.final)]
        for slug, quiz in quizzes:
            text = write_gift(course.title, course.slug, [ExportedQuiz(slug, slug, quiz.questions)])
            assert "$CATEGORY" not in text
            back = quiz_of(imported(text, course.language))
            assert back.questions == tuple(q.__class__(**{**q.__dict__, "group": ""}) for q in quiz.questions)
            count += len(quiz.questions)
    assert count > 500

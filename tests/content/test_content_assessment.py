"""The assessment format: draw, review and attempts_per_day, groups of questions, feedback under
each choice and the course's final test, with every problem on its exact line."""

import pytest

from app.content.checker import check_files
from app.content.parser import parse_quiz
from tests.content.test_content_checker import COURSE, MODULE, QUIZ, with_base

Q = "quizzes/c/m.md"
FRONT = "---\npass_mark: 50\n---\n"  # the body starts on line 4
OK = "- [x] a\n- [ ] b\n\n> why\n"


def quiz_of(text: str):
    quiz, found = parse_quiz(Q, text)
    assert [str(p) for p in found] == []
    return quiz


def problems(text: str) -> list[str]:
    return [str(p) for p in parse_quiz(Q, text)[1]]


def questions(n: int, first: int = 1) -> str:
    return "".join(f"## Q{i}\n{OK}\n" for i in range(first, first + n))


# --- front matter --------------------------------------------------------------------------------


def test_new_fields_have_defaults():
    quiz = quiz_of(FRONT + questions(2))
    assert (quiz.draw, quiz.review, quiz.attempts_per_day, quiz.groups) == (None, "after-pass", 3, ())
    assert quiz.drawn == 2


def test_new_fields_are_read():
    quiz = quiz_of("---\npass_mark: 50\ndraw: 1\nreview: always\nattempts_per_day: 100\n---\n" + questions(2))
    assert (quiz.draw, quiz.review, quiz.attempts_per_day, quiz.drawn) == (1, "always", 100, 1)
    quiz = quiz_of("---\npass_mark: 50\nreview: after-pass\nattempts_per_day: 1\n---\n" + questions(1))
    assert (quiz.review, quiz.attempts_per_day) == ("after-pass", 1)


FIELD_CASES = [
    *[
        (f"draw {value}", f"draw: {value}", "'draw' must be a whole number of at least 1")
        for value in ("0", "-1", '"2"', "true", "1.5", "all")
    ],
    ("review", "review: sometimes", "'review' must be 'after-pass' or 'always'"),
    ("review empty", "review:", "'review' must be 'after-pass' or 'always'"),
    *[
        (
            f"attempts_per_day {value}",
            f"attempts_per_day: {value}",
            "'attempts_per_day' must be a whole number from 1 to 100",
        )
        for value in ("0", "101", '"3"', "false")
    ],
]


@pytest.mark.parametrize(("line", "expected"), [c[1:] for c in FIELD_CASES], ids=[c[0] for c in FIELD_CASES])
def test_field_problems_on_their_line(line, expected):
    assert problems(f"---\npass_mark: 50\n{line}\n---\n" + questions(2)) == [f"{Q}:3: {expected}"]


def test_draw_larger_than_the_quiz():
    text = "---\npass_mark: 50\nshuffle: true\ndraw: 3\n---\n" + questions(2)
    assert problems(text) == [f"{Q}:4: 'draw' is 3, more than the quiz's questions (2)"]
    assert quiz_of(text.replace("draw: 3", "draw: 2")).drawn == 2


def test_draw_must_be_the_sum_of_the_groups():
    body = "# A {draw=1}\n" + questions(2) + "# B {draw=1}\n" + questions(2, first=3)
    assert problems("---\npass_mark: 50\ndraw: 3\n---\n" + body) == [
        f"{Q}:3: 'draw' must be the sum of the groups' draws (2), or be left out"
    ]
    assert quiz_of("---\npass_mark: 50\ndraw: 2\n---\n" + body).draw == 2
    assert quiz_of(FRONT + body).drawn == 2


# --- groups --------------------------------------------------------------------------------------


def test_groups_hold_the_questions_after_them():
    quiz = quiz_of(
        FRONT
        + "# Le **cadre** légal {draw=2}\n\n"
        + questions(3)
        + "# Bonnes pratiques {draw=1} ##\n"
        + questions(2, first=4)
    )
    assert [(g.key, g.title, g.draw) for g in quiz.groups] == [
        ("le-cadre-legal", "Le cadre légal", 2),
        ("bonnes-pratiques", "Bonnes pratiques", 1),
    ]
    assert [(q.key, q.group) for q in quiz.questions] == [
        ("q1", "le-cadre-legal"),
        ("q2", "le-cadre-legal"),
        ("q3", "le-cadre-legal"),
        ("q4", "bonnes-pratiques"),
        ("q5", "bonnes-pratiques"),
    ]
    assert quiz.drawn == 3


def test_a_quiz_without_level_one_headings_has_no_group():
    quiz = quiz_of(FRONT + questions(2))
    assert quiz.groups == () and {q.group for q in quiz.questions} == {""}


def test_a_heading_in_a_fenced_code_block_is_left_alone():
    (question,) = quiz_of(FRONT + "## Q\n\n```\n# not a group\n```\n\n" + OK).questions
    assert "# not a group" in question.prompt_html


GROUP_CASES = [
    (
        "no draw",
        "# A\n## Q\n" + OK,
        [f"{Q}:4: group heading needs its draw at the end, like '# Title {{draw=2}}'"],
    ),
    *[
        (
            f"bad draw {value!r}",
            f"# A {{draw={value}}}\n## Q\n" + OK,
            [f"{Q}:4: group draw must be a whole number of at least 1, like {{draw=2}}"],
        )
        for value in ("0", "x", "", "1.5", "-1", "²")
    ],
    ("empty title", "# {draw=1}\n## Q\n" + OK, [f"{Q}:4: group title is empty"]),
    (
        "no key from the title",
        "# ??? {draw=1}\n## Q\n" + OK,
        [f"{Q}:4: group title gives an empty key; use letters or digits in it"],
    ),
    (
        "title too long",
        "# " + "mot " * 31 + "{draw=1}\n## Q\n" + OK,
        [f"{Q}:4: group title is longer than 120 characters once made a key; shorten it"],
    ),
    (
        "duplicate group key",
        "# Les textes {draw=1}\n## Q\n" + OK + "# les Textes ! {draw=1}\n## R\n" + OK,
        [f"{Q}:10: duplicate group key 'les-textes' (first used on line 4)"],
    ),
    (
        "group draws more than it holds",
        "# A {draw=2}\n## Q\n" + OK,
        [f"{Q}:4: group draws 2, more than its questions (1)"],
    ),
    (
        "group without a question",
        "# A {draw=1}\n\n# B {draw=1}\n## Q\n" + OK,
        [f"{Q}:4: group has no question (a '## ' heading after it)"],
    ),
    (
        "question before the first group",
        "## Q\n" + OK + "# A {draw=1}\n## R\n" + OK,
        [
            f"{Q}:4: question before the first group; once a quiz has groups ('# Title {{draw=N}}'),"
            " every question belongs to one"
        ],
    ),
    (
        "text between a group heading and its first question, reported once",
        "# A {draw=1}\n\nAn introduction.\nMore.\n## Q\n" + OK,
        [f"{Q}:6: text between a group heading and its first question (a '## ' heading)"],
    ),
    (
        "text before the first group",
        "Welcome.\n# A {draw=1}\n## Q\n" + OK,
        [f"{Q}:4: text before the first question (a '## ' heading)"],
    ),
    (
        "a level-one heading in a scenario opens a group",
        "## Q\n\n# Context {draw=1}\n\n" + OK,
        [
            f"{Q}:4: question needs at least two choices",
            f"{Q}:4: question before the first group; once a quiz has groups ('# Title {{draw=N}}'),"
            " every question belongs to one",
            f"{Q}:6: group has no question (a '## ' heading after it)",
            f"{Q}:8: text between a group heading and its first question (a '## ' heading)",
        ],
    ),
]


@pytest.mark.parametrize(("body", "expected"), [c[1:] for c in GROUP_CASES], ids=[c[0] for c in GROUP_CASES])
def test_group_problems(body, expected):
    assert problems(FRONT + body) == expected


# --- feedback ------------------------------------------------------------------------------------


def test_feedback_under_each_choice():
    (question,) = quiz_of(
        FRONT + "## Qu'est-ce que l'opt-out ?\n\n"
        "- [ ] Une licence libre\n"
        "  > Non : une licence libre **autorise** l'usage ;\n"
        "  > l'opt-out l'interdit.\n"
        "  >\n"
        "  > Voir le module 1.\n"
        "- [x] Le refus exprimé par l'ayant droit\n"
        "  > Oui : c'est l'article L. 122-5-3 du CPI.\n"
        "- [ ] Une clause\n"
        "\n> L'explication.\n"
    ).questions
    assert [(c.html, c.correct, c.feedback_html) for c in question.choices] == [
        (
            "Une licence libre",
            False,
            "<p>Non : une licence libre <strong>autorise</strong> l'usage ;\nl'opt-out l'interdit.</p>\n"
            "<p>Voir le module 1.</p>",
        ),
        ("Le refus exprimé par l'ayant droit", True, "<p>Oui : c'est l'article L. 122-5-3 du CPI.</p>"),
        ("Une clause", False, ""),
    ]
    assert question.explanation_html == "<p>L'explication.</p>"


def test_feedback_is_sanitised():
    (question,) = quiz_of(
        FRONT + "## Q\n- [x] a\n  > Non, <script>alert(1)</script> **vraiment**\n"
        "  > <img src=x onerror=alert(1)> [lien](javascript:alert(1))\n- [ ] b\n> why\n"
    ).questions
    feedback = question.choices[0].feedback_html
    assert "<strong>vraiment</strong>" in feedback
    assert "script" not in feedback and "alert" not in feedback and "onerror" not in feedback


def test_choice_text_may_continue_before_its_feedback_and_tabs_indent_too():
    (question,) = quiz_of(
        FRONT + "## Q\n- [x] a\n  longer\n  > because\n- [ ] b\n\t> not this\n> why\n"
    ).questions
    assert [(c.html, c.feedback_html) for c in question.choices] == [
        ("a longer", "<p>because</p>"),
        ("b", "<p>not this</p>"),
    ]


def test_explanation_right_after_a_feedback():
    (question,) = quiz_of(FRONT + "## Q\n- [x] a\n  > fb\n- [ ] b\n> why\n > still why\n").questions
    assert question.choices[0].feedback_html == "<p>fb</p>"
    assert question.explanation_html == "<p>why\nstill why</p>"


def test_an_indented_quote_outside_the_choices_is_still_prompt_text():
    (question,) = quiz_of(FRONT + "## Q\n\n  > The contract says nothing.\n\n" + OK).questions
    assert "<blockquote>" in question.prompt_html
    assert [c.feedback_html for c in question.choices] == ["", ""]


FEEDBACK_CASES = [
    (
        "empty feedback",
        "## Q\n- [x] a\n  >\n  >   \n- [ ] b\n> why\n",
        [f"{Q}:6: feedback is empty (write it after '  > ')"],
    ),
    (
        "text after a feedback",
        "## Q\n- [x] a\n  > because\n  and more\n- [ ] b\n> why\n",
        [
            f"{Q}:7: indented text after a choice's feedback; write the choice's text before its"
            " feedback, and start every feedback line with '  > '"
        ],
    ),
]


@pytest.mark.parametrize(
    ("body", "expected"), [c[1:] for c in FEEDBACK_CASES], ids=[c[0] for c in FEEDBACK_CASES]
)
def test_feedback_problems(body, expected):
    assert problems(FRONT + body) == expected


# --- the final test ------------------------------------------------------------------------------


def final_quiz(draw: int | None, count: int) -> str:
    front = f"---\npass_mark: 70\n{f'draw: {draw}' if draw else ''}\n---\n"
    return front + questions(count)


def test_final_md_is_the_course_final_test():
    result = check_files(with_base(**{"quizzes/c/m.md": QUIZ, "quizzes/c/final.md": final_quiz(5, 10)}))
    assert [str(p) for p in result.problems] == []
    (course,) = result.courses
    assert [m.slug for m in course.modules] == ["m"]
    assert course.modules[0].quiz.questions[0].key == "q"
    assert course.final is not None and len(course.final.questions) == 10
    assert course.final.drawn == 5
    assert course.final_duration == 4  # 5 × 45 s = 3 min 45 s, rounded up


@pytest.mark.parametrize(
    ("draw", "count", "minutes"), [(None, 1, 1), (None, 3, 3), (4, 8, 3), (None, 40, 30)]
)
def test_final_duration(draw, count, minutes):
    course = check_files(with_base(**{"quizzes/c/final.md": final_quiz(draw, count)})).courses[0]
    assert course.final_duration == minutes


def test_no_final_test():
    course = check_files(with_base()).courses[0]
    assert (course.final, course.final_duration) == (None, 0)


def test_a_wrong_final_test_refuses_the_course():
    result = check_files(with_base(**{"quizzes/c/final.md": final_quiz(3, 2)}))
    assert result.refused == ["c"]
    assert [str(p) for p in result.problems] == [
        "quizzes/c/final.md:3: 'draw' is 3, more than the quiz's questions (2)"
    ]


def test_the_module_slug_final_is_reserved():
    result = check_files(
        {"courses/c/course.md": COURSE, "courses/c/01-m.md": MODULE, "courses/c/02-final.md": MODULE}
    )
    assert result.refused == ["c"]
    assert [str(p) for p in result.problems] == [
        "courses/c/02-final.md:1: module slug 'final' is reserved for the final test"
        " (quizzes/<course-slug>/final.md)"
    ]

"""Quiz bodies: questions, choices, explanations, keys, and every error with its exact line."""

import pytest

from app.content.parser import parse_quiz

Q = "quizzes/c/m.md"
FRONT = "---\npass_mark: 50\n---\n"  # so the body starts on line 4


def problems(body: str) -> list[str]:
    return [str(p) for p in parse_quiz(Q, FRONT + body)[1]]


def questions(body: str):
    quiz, found = parse_quiz(Q, FRONT + body)
    assert found == []
    return quiz.questions


OK = "- [x] a\n- [ ] b\n\n> why\n"

CASES = [
    ("empty quiz", "", [f"{Q}:3: quiz has no question (a '## ' heading)"]),
    (
        "only text",
        "Hello\n\nMore.\n",
        [
            f"{Q}:3: quiz has no question (a '## ' heading)",
            f"{Q}:4: text before the first question (a '## ' heading)",
        ],
    ),
    (
        # A "# " line opens a group (see test_content_groups.py), so it is no longer plain text.
        "only text and a heading",
        "Hello\n\n# Title\n",
        [
            f"{Q}:3: quiz has no question (a '## ' heading)",
            f"{Q}:4: text before the first question (a '## ' heading)",
            f"{Q}:6: group heading needs its draw at the end, like '# Title {{draw=2}}'",
            f"{Q}:6: group has no question (a '## ' heading after it)",
        ],
    ),
    (
        "text before the first question",
        "\nWelcome!\nMore.\n\n## Q\n" + OK,
        [f"{Q}:5: text before the first question (a '## ' heading)"],
    ),
    (
        "no right answer",
        "## Q\n- [ ] a\n- [ ] b\n> why\n",
        [f"{Q}:4: question has no right answer (mark one with [x])"],
    ),
    (
        "a single choice",
        "## Q\n- [x] a\n> why\n",
        [f"{Q}:4: question needs at least two choices"],
    ),
    (
        "one wrong choice",
        "## Q\n- [ ] a\n> why\n",
        [
            f"{Q}:4: question has no right answer (mark one with [x])",
            f"{Q}:4: question needs at least two choices",
        ],
    ),
    (
        "no choice at all",
        "## Q\n\nJust a scenario.\n",
        [f"{Q}:4: question needs at least two choices"],
    ),
    (
        "no explanation",
        "## Q\n- [x] a\n- [ ] b\n\n## R\n" + OK,
        [f"{Q}:4: question has no explanation (a '>' block quote after the choices)"],
    ),
    (
        "blank line between choices",
        "## Q\n- [x] a\n\n- [ ] b\n> why\n",
        [f"{Q}:7: choices must be contiguous (no blank line or text between them)"],
    ),
    (
        "text between choices",
        "## Q\n- [x] a\nOops, a remark.\n- [ ] b\n> why\n",
        [f"{Q}:6: choices must be contiguous (no blank line or text between them)"],
    ),
    (
        "plain item among choices",
        "## Q\n- [x] a\n- b\n- [ ] c\n> why\n",
        [f"{Q}:6: choice must start with [ ] or [x]"],
    ),
    (
        "numbered item among choices",
        "## Q\n- [x] a\n1. b\n- [ ] c\n> why\n",
        [f"{Q}:6: choice must start with [ ] or [x]"],
    ),
    (
        "plain list instead of choices",
        "## Q\n\n- yes\n- no\n\n> why\n",
        [f"{Q}:6: choice must start with [ ] or [x]", f"{Q}:7: choice must start with [ ] or [x]"],
    ),
    (
        "plain item right above the choices",
        "## Q\n- maybe\n- [x] a\n- [ ] b\n> why\n",
        [f"{Q}:5: choice must start with [ ] or [x]"],
    ),
    (
        "bad box",
        "## Q\n- [x] a\n- [v] b\n- [ ] c\n> why\n",
        [f"{Q}:6: choice must start with [ ] or [x]"],
    ),
    ("empty choice", "## Q\n- [x]\n- [ ] b\n> why\n", [f"{Q}:5: choice text is empty"]),
    (
        "text between choices and explanation",
        "## Q\n- [x] a\n- [ ] b\n\nA stray paragraph.\n\n> why\n",
        [f"{Q}:8: text between the choices and the explanation; start the explanation with '>'"],
    ),
    (
        "text after the choices, no explanation",
        "## Q\n- [x] a\n- [ ] b\n\nNot a quote.\n",
        [
            f"{Q}:4: question has no explanation (a '>' block quote after the choices)",
            f"{Q}:8: text between the choices and the explanation; start the explanation with '>'",
        ],
    ),
    (
        "text after the explanation, reported once",
        "## Q\n" + OK + "\nMore text.\n- [ ] c\n",
        [f"{Q}:10: text after the explanation; start the next question with '## '"],
    ),
    (
        "duplicate slug key",
        "## Opt-out?\n" + OK + "## opt out\n" + OK,
        [f"{Q}:9: duplicate question key 'opt-out' (first used on line 4)"],
    ),
    (
        "explicit key clashing with a slug",
        "## Opt out\n" + OK + "## Other {#opt-out}\n" + OK,
        [f"{Q}:9: duplicate question key 'opt-out' (first used on line 4)"],
    ),
    (
        "bad explicit key",
        "## Q {#Not_A_Key}\n" + OK,
        [f"{Q}:4: question key must be lower-case letters, digits and hyphens, like {{#my-key}}"],
    ),
    ("empty question text", "##\n" + OK, [f"{Q}:4: question text is empty"]),
    ("only a key", "## {#k}\n" + OK, [f"{Q}:4: question text is empty"]),
    (
        "no slug from the text",
        "## ???\n" + OK,
        [f"{Q}:4: question text gives an empty key; add one like {{#my-key}}"],
    ),
    (
        "key too long",
        "## " + "word " * 30 + "\n" + OK,
        [f"{Q}:4: question key is longer than 120 characters; add a shorter one like {{#my-key}}"],
    ),
]


@pytest.mark.parametrize(("body", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_quiz_problems(body, expected):
    assert problems(body) == expected


def test_single_and_multiple_choice():
    single, multiple = questions(
        "## Which one?\n- [ ] a\n- [x] b\n> b.\n\n## Which ones?\n* [X] a\n* [x] b\n+ [ ] c\n> both.\n"
    )
    assert single.multiple is False
    assert [c.correct for c in single.choices] == [False, True]
    assert multiple.multiple is True
    assert [c.correct for c in multiple.choices] == [True, True, False]


def test_keys_explicit_and_slugged():
    found = questions(
        "## Qu'est-ce que l'opt-out ?\n" + OK + "## **Bold** `code` [link](https://x.example) {#mine}\n" + OK
    )
    assert [q.key for q in found] == ["qu-est-ce-que-l-opt-out", "mine"]
    assert found[1].prompt_html == (
        '<p><strong>Bold</strong> <code>code</code> <a href="https://x.example"'
        ' rel="noopener noreferrer">link</a></p>'
    )
    assert questions("## **Bold** [link](https://x.example)\n" + OK)[0].key == "bold-link"


def test_closing_hashes_are_not_part_of_the_question():
    assert questions("## Why? ##\n" + OK)[0].prompt_html == "<p>Why?</p>"


def test_scenario_with_list_quote_and_code_is_part_of_the_prompt():
    (question,) = questions(
        "## What now?\n\nThe facts:\n\n- signed in 2019\n- no AI clause\n\n"
        "> The contract says nothing.\n\n### Detail\n\n"
        "```\n## not a question\n- [x] not a choice\n```\n\n"
        "- [x] Ask again\n- [ ] Go ahead\n  without asking\n\n> A new use needs **new** consent.\n"
    )
    assert question.prompt_html.startswith("<p>What now?</p>\n<p>The facts:</p>\n<ul>")
    assert "<blockquote>" in question.prompt_html
    assert "<h4" in question.prompt_html
    assert "## not a question\n- [x] not a choice" in question.prompt_html
    assert [(c.html, c.correct) for c in question.choices] == [
        ("Ask again", True),
        ("Go ahead without asking", False),
    ]
    assert question.explanation_html == "<p>A new use needs <strong>new</strong> consent.</p>"


def test_choices_are_inline_and_sanitised():
    (question,) = questions(
        "## Q\n- [x] 1. **yes** <script>x</script>\n- [ ] [no](javascript:alert(1))\n> ok\n"
    )
    assert [c.html for c in question.choices] == [
        "1. <strong>yes</strong>",
        '<a rel="noopener noreferrer">no</a>',
    ]


def test_explanation_paragraphs():
    (question,) = questions("## Q\n- [x] a\n- [ ] b\n> one\n>\n> two\n\n> three\n")
    assert question.explanation_html == "<p>one</p>\n<p>two</p>\n<p>three</p>"


def test_crlf_and_bom():
    quiz, found = parse_quiz(Q, "\ufeff" + (FRONT + "## Q\n" + OK).replace("\n", "\r\n"))
    assert found == []
    assert quiz.source == FRONT + "## Q\n" + OK
    assert quiz.questions[0].explanation_html == "<p>why</p>"

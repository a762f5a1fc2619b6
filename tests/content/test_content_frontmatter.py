"""Front matter and field checks of course.md, modules and quizzes, with exact lines."""

import inspect
import sys
from datetime import date

import markdown
import pytest

from app.content.checker import check_files
from app.content.parser import parse_course, parse_module
from app.content.render import RenderError, render_markdown

COURSE = """---
title: T
summary: S
language: en
level: beginner
duration: 30
audience: A
publisher: P
updated: 2025-01-15
---
Intro.
"""
MODULE = """---
title: M
duration: 10
objectives:
  - Learn
---
Body.
"""
QUIZ_BODY = "## Q\n- [x] a\n- [ ] b\n> because\n"


def course_problems(text: str) -> list[str]:
    return [str(p) for p in parse_course("courses/c/course.md", "c", text)[1]]


def module_problems(text: str) -> list[str]:
    return [str(p) for p in parse_module("courses/c/01-m.md", "m", 1, text)[1]]


def quiz_problems(front: str) -> list[str]:
    files = {
        "courses/c/course.md": COURSE,
        "courses/c/01-m.md": MODULE,
        "quizzes/c/m.md": f"---\n{front}---\n{QUIZ_BODY}",
    }
    return [str(p) for p in check_files(files).problems]


C = "courses/c/course.md"
COURSE_CASES = [
    ("no front matter", "title: T\n", [f"{C}:1: missing front matter (a first line '---')"]),
    ("empty file", "", [f"{C}:1: missing front matter (a first line '---')"]),
    (
        "blank first line",
        "\n" + COURSE,
        [f"{C}:1: missing front matter (a first line '---')"],
    ),
    ("unclosed", "---\ntitle: T\n", [f"{C}:1: front matter is not closed (no second '---' line)"]),
    (
        "yaml error on its own line",
        COURSE.replace("summary: S", 'summary: "S'),
        [f"{C}:3: front matter is not valid YAML: found unexpected end of stream"],
    ),
    (
        "yaml mapping error",
        COURSE.replace("level: beginner", "level: a: b"),
        [f"{C}:5: front matter is not valid YAML: mapping values are not allowed here"],
    ),
    (
        "yaml control character",
        COURSE.replace("audience: A", "audience: \x07"),
        [
            f"{C}:7: front matter is not valid YAML: unacceptable character #x0007:"
            " special characters are not allowed"
        ],
    ),
    (
        "not a mapping",
        "---\njust text\n---\nIntro.\n",
        [f"{C}:2: front matter must be 'field: value' lines"],
    ),
    (
        "empty front matter",
        "---\n---\nIntro.\n",
        [
            f"{C}:2: missing required field '{name}'"
            for name in (
                "title",
                "summary",
                "language",
                "level",
                "duration",
                "audience",
                "publisher",
                "updated",
            )
        ],
    ),
    (
        "missing field on the closing line",
        COURSE.replace("publisher: P\n", ""),
        [f"{C}:9: missing required field 'publisher'"],
    ),
    (
        "unknown field",
        COURSE.replace("summary:", "sumary:"),
        [
            f"{C}:3: unknown field 'sumary'; expected one of: title, summary, language, level,"
            " duration, audience, publisher, updated, licence, translation_of",
            f"{C}:10: missing required field 'summary'",
        ],
    ),
    (
        "duplicate field",
        COURSE.replace("level: beginner\n", "level: beginner\nlevel: advanced\n"),
        [f"{C}:6: field 'level' is given twice (first on line 5)"],
    ),
    (
        "number as title",
        COURSE.replace("title: T", "title: 2024"),
        [f"{C}:2: 'title' must be a non-empty text"],
    ),
    (
        "null title",
        COURSE.replace("title: T", "title:"),
        [f"{C}:2: 'title' must be a non-empty text"],
    ),
    (
        "title too long",
        COURSE.replace("title: T", "title: " + "x" * 201),
        [f"{C}:2: 'title' must be at most 200 characters"],
    ),
    (
        "language casing",
        COURSE.replace("language: en", "language: EN"),
        [f"{C}:4: 'language' must be 'fr' or 'en'"],
    ),
    (
        "level",
        COURSE.replace("level: beginner", "level: expert"),
        [f"{C}:5: 'level' must be 'beginner', 'intermediate' or 'advanced'"],
    ),
    *[
        (
            f"duration {value}",
            COURSE.replace("duration: 30", f"duration: {value}"),
            [f"{C}:6: 'duration' must be a positive whole number of minutes"],
        )
        for value in ("true", "0", "-5", "1.5", '"30"', "30 min", "[30]")
    ],
    (
        "duration beyond any course",
        COURSE.replace("duration: 30", "duration: 10001"),
        [f"{C}:6: 'duration' must be at most 10000 minutes"],
    ),
    *[
        (
            f"updated {value}",
            COURSE.replace("updated: 2025-01-15", f"updated: {value}"),
            [f"{C}:9: 'updated' must be a date written YYYY-MM-DD (without quotes)"],
        )
        for value in (
            '"2025-01-15"',
            "2025-13-01",
            "2025-02-30",
            "2025-01-15 10:00:00",
            "15/01/2025",
            "!!python/object:os.system x",
        )
    ],
    (
        "empty intro",
        COURSE.replace("Intro.\n", "\n  \n"),
        [f"{C}:10: course introduction is empty"],
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in COURSE_CASES], ids=[c[0] for c in COURSE_CASES]
)
def test_course_front_matter(text, expected):
    assert course_problems(text) == expected


M = "courses/c/01-m.md"
MODULE_CASES = [
    (
        "objectives not a list",
        MODULE.replace("objectives:\n  - Learn", "objectives: Learn"),
        [f"{M}:4: 'objectives' must be a non-empty list of texts"],
    ),
    (
        "objectives empty",
        MODULE.replace("objectives:\n  - Learn", "objectives: []"),
        [f"{M}:4: 'objectives' must be a non-empty list of texts"],
    ),
    (
        "objective item on its own line",
        MODULE.replace("  - Learn", "  - Learn\n  - 3\n  - Apply"),
        [f"{M}:6: every item of 'objectives' must be a non-empty text"],
    ),
    (
        "optional updated, wrong type",
        MODULE.replace("duration: 10", "duration: 10\nupdated: yesterday"),
        [f"{M}:4: 'updated' must be a date written YYYY-MM-DD (without quotes)"],
    ),
    (
        "course-only field in a module",
        MODULE.replace("duration: 10", "duration: 10\nlevel: beginner"),
        [f"{M}:4: unknown field 'level'; expected one of: title, duration, objectives, updated"],
    ),
    ("empty body", MODULE.replace("Body.\n", ""), [f"{M}:6: module body is empty"]),
]


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in MODULE_CASES], ids=[c[0] for c in MODULE_CASES]
)
def test_module_front_matter(text, expected):
    assert module_problems(text) == expected


Q = "quizzes/c/m.md"
QUIZ_CASES = [
    ("missing pass_mark", "", [f"{Q}:2: missing required field 'pass_mark'"]),
    *[
        (
            f"pass_mark {value}",
            f"pass_mark: {value}\n",
            [f"{Q}:2: 'pass_mark' must be a whole number from 0 to 100"],
        )
        for value in ("101", "-1", "true", '"50"', "50.5", "70%")
    ],
    (
        "shuffle not a bool",
        "pass_mark: 50\nshuffle: 1\n",
        [f"{Q}:3: 'shuffle' must be true or false"],
    ),
    (
        "typo in a field name",
        "pass-mark: 50\n",
        [
            f"{Q}:2: unknown field 'pass-mark'; expected one of: pass_mark, shuffle, draw, review,"
            " attempts_per_day",
            f"{Q}:3: missing required field 'pass_mark'",
        ],
    ),
]


@pytest.mark.parametrize(("front", "expected"), [c[1:] for c in QUIZ_CASES], ids=[c[0] for c in QUIZ_CASES])
def test_quiz_front_matter(front, expected):
    assert quiz_problems(front) == expected


def test_pass_mark_bounds_and_shuffle_default():
    for value in (0, 100):
        assert quiz_problems(f"pass_mark: {value}\n") == []
    files = {
        "courses/c/course.md": COURSE,
        "courses/c/01-m.md": MODULE,
        "quizzes/c/m.md": f"---\npass_mark: 0\n---\n{QUIZ_BODY}",
    }
    assert check_files(files).courses[0].modules[0].quiz.shuffle is False


def test_parse_course_values():
    doc, problems = parse_course(C, "c", COURSE.replace("title: T", "title: '  Spaced  '"))
    assert problems == []
    assert doc.title == "Spaced"
    assert doc.updated == date(2025, 1, 15)
    assert doc.modules == ()
    assert doc.intro_html == "<p>Intro.</p>"


def test_closing_fence_may_have_trailing_spaces():
    assert course_problems(COURSE.replace("---\nIntro", "---  \nIntro")) == []


@pytest.fixture
def shallow_stack():
    """A low recursion limit, so that pathological nesting fails fast in these tests."""
    depth = len(inspect.stack(0))
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 200)
    yield
    sys.setrecursionlimit(limit)


def test_deep_yaml_is_a_problem_not_a_crash(shallow_stack):
    deep = COURSE.replace("title: T", "title: " + "[" * 300 + "]" * 300)
    assert course_problems(deep) == [f"{C}:2: front matter is nested too deeply"]


def _nested_list(levels: int) -> str:
    return "".join("    " * i + "- x\n" for i in range(levels))


TOO_DEEP = f"{M}:6: markdown is nested too deeply: at most 40 lists or quotes inside each other"


def test_deep_markdown_is_a_problem_not_a_crash():
    # Python-Markdown 3.11 no longer recurses here: 3,000 levels rendered, in 45 s. The bound is ours.
    assert module_problems(MODULE.replace("Body.\n", _nested_list(40))) == []
    assert module_problems(MODULE.replace("Body.\n", _nested_list(41))) == [TOO_DEEP]
    assert module_problems(MODULE.replace("Body.\n", "\t" * 41 + "- x\n")) == [TOO_DEEP]
    assert module_problems(MODULE.replace("Body.\n", "> " * 40 + "x\n")) == []
    assert module_problems(MODULE.replace("Body.\n", "> " * 20 + "    " * 21 + "- x\n")) == [TOO_DEEP]


@pytest.mark.parametrize(
    "body",
    [
        "- " * 41 + "x\n",  # a list item's text is read as blocks again: each marker nests
        "1. " * 41 + "x\n",
        ">" * 41 + "\n",  # a line of quote marks alone nests too
        "> - " * 21 + "x\n",
        "- > " * 21 + "x\n",
    ],
    ids=["markers", "numbered", "quote-marks-alone", "quoted-lists", "listed-quotes"],
)
def test_nesting_on_one_line_counts_too(body):
    """Second reading: lines without indentation nested 450 levels deep, 5 s to render each file."""
    assert module_problems(MODULE.replace("Body.\n", body)) == [TOO_DEEP]


def test_the_check_reads_the_lines_python_markdown_reads():
    """A carriage return closes a fence for Python-Markdown, which cleans line ends first."""
    text = "```\nA\r```\n" + _nested_list(60) + "```\n"
    with pytest.raises(RenderError):
        render_markdown(text)


def test_deep_markdown_is_refused_before_it_is_rendered(monkeypatch):
    monkeypatch.setattr(markdown.Markdown, "convert", lambda *_: pytest.fail("rendered"))
    assert module_problems(MODULE.replace("Body.\n", _nested_list(3000))) == [TOO_DEEP]


def test_indented_code_in_a_fenced_block_is_not_nesting():
    code = "```\n" + _nested_list(60) + "```\n"
    assert module_problems(MODULE.replace("Body.\n", code)) == []
    # Unclosed, it is no fence for Python-Markdown either: the lists are lists.
    assert module_problems(MODULE.replace("Body.\n", "```\n" + _nested_list(60))) == [TOO_DEEP]
    # A fence whose opening line fenced_code does not accept hides nothing.
    assert module_problems(MODULE.replace("Body.\n", "``` a b\n" + _nested_list(60) + "```\n")) == [TOO_DEEP]


def test_a_recursion_in_markdown_is_a_problem_not_a_crash(monkeypatch):
    def recurse(*_):
        raise RecursionError  # what Python-Markdown before 3.11 did on deep nesting

    monkeypatch.setattr(markdown.Markdown, "convert", recurse)
    assert module_problems(MODULE) == [TOO_DEEP]

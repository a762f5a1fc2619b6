"""Folder-level checks: file names, missing files, refusal, on-disk broken root."""

import re
from pathlib import Path

import pytest

from app.content import messages as msg
from app.content.checker import check_files, check_root
from app.content.parser import LANGUAGES, LEVELS, REVIEWS

BROKEN = Path(__file__).parents[1] / "fixtures" / "content" / "broken"

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
QUIZ = """---
pass_mark: 50
---
## Q
- [x] a
- [ ] b
> because
"""
BASE = {"courses/c/course.md": COURSE, "courses/c/01-m.md": MODULE}


def problems_of(files: dict) -> list[str]:
    return [str(p) for p in check_files(files).problems]


def with_base(**changes) -> dict:
    """BASE plus files given as keyword pairs path=text (None removes the file)."""
    files = dict(BASE)
    for path, text in changes.items():
        if text is None:
            files.pop(path, None)
        else:
            files[path] = text
    return files


def test_base_is_valid():
    result = check_files(BASE)
    assert result.problems == []
    assert [c.slug for c in result.courses] == ["c"]


CASES = [
    (
        "missing course.md",
        with_base(**{"courses/c/course.md": None}),
        ["courses/c/course.md:1: course.md is missing"],
    ),
    (
        "no module",
        with_base(**{"courses/c/01-m.md": None}),
        ["courses/c/course.md:1: course has no module (files named NN-slug.md)"],
    ),
    (
        "bad course slug",
        {"courses/Big_Course/course.md": COURSE, "courses/Big_Course/01-m.md": MODULE},
        [
            "courses/Big_Course/course.md:1: course folder name 'Big_Course' must be lower-case"
            " letters, digits and hyphens (at most 80 characters)"
        ],
    ),
    (
        "course slug too long",
        {f"courses/{'a' * 81}/course.md": COURSE, f"courses/{'a' * 81}/01-m.md": MODULE},
        [
            f"courses/{'a' * 81}/course.md:1: course folder name '{'a' * 81}' must be lower-case"
            " letters, digits and hyphens (at most 80 characters)"
        ],
    ),
    *[
        (
            f"bad module name {name}",
            with_base(**{f"courses/c/{name}": MODULE}),
            [f"courses/c/{name}:1: module file name must look like NN-slug.md"],
        )
        for name in ("1-a.md", "001-a.md", "01_a.md", "01-A.md", "01-.md", "01-a--b.md", "intro.md")
    ],
    (
        "module slug too long",
        with_base(**{f"courses/c/02-{'b' * 81}.md": MODULE}),
        [f"courses/c/02-{'b' * 81}.md:1: module slug is longer than 80 characters"],
    ),
    (
        "duplicate module number",
        with_base(**{"courses/c/01-n.md": MODULE}),
        ["courses/c/01-n.md:1: module number 01 is already used by 01-m.md"],
    ),
    (
        "duplicate module slug",
        with_base(**{"courses/c/02-m.md": MODULE}),
        ["courses/c/02-m.md:1: module slug 'm' is already used by 01-m.md"],
    ),
    (
        "non-markdown file",
        with_base(**{"courses/c/photo.png": b"\x89PNG\r\n"}),
        ["courses/c/photo.png:1: unexpected file; images go in the course's images/ folder"],
    ),
    (
        "sub-folder",
        with_base(**{"courses/c/img/a.md": MODULE}),
        [
            "courses/c/img/a.md:1: unexpected sub-folder; a course folder holds only course.md,"
            " NN-slug.md files and images/"
        ],
    ),
    (
        "file directly in courses/",
        with_base(**{"courses/notes.md": "x"}),
        ["courses/notes.md:1: unexpected file; a course is a folder courses/<course-slug>/"],
    ),
    (
        "module not utf-8",
        with_base(**{"courses/c/01-m.md": MODULE.encode("latin-1") + b"caf\xe9"}),
        ["courses/c/01-m.md:1: file is not valid UTF-8"],
    ),
    (
        "quiz for unknown module",
        with_base(**{"quizzes/c/x.md": QUIZ}),
        ["quizzes/c/x.md:1: quiz for unknown module 'x' (no courses/c/NN-x.md)"],
    ),
    (
        "quiz for unknown course, checked too",
        with_base(**{"quizzes/d/m.md": QUIZ.replace("[x]", "[ ]")}),
        [
            "quizzes/d/m.md:1: quiz for unknown course 'd' (no courses/d/ folder)",
            "quizzes/d/m.md:4: question has no right answer (mark one with [x])",
        ],
    ),
    *[
        (
            f"bad quiz path {path}",
            with_base(**{path: QUIZ}),
            [f"{path}:1: quiz file must be quizzes/<course-slug>/<module-slug>.md"],
        )
        for path in ("quizzes/m.md", "quizzes/c/M.md", "quizzes/c/m.txt", "quizzes/c/sub/m.md")
    ],
    (
        "quiz not utf-8",
        with_base(**{"quizzes/c/m.md": b"\xff\xfe"}),
        ["quizzes/c/m.md:1: file is not valid UTF-8"],
    ),
]


@pytest.mark.parametrize(("files", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_folder_problems(files, expected):
    assert problems_of(files) == expected


def test_one_bad_quiz_refuses_its_course_only():
    files = with_base(**{"quizzes/c/m.md": QUIZ.replace("pass_mark: 50", "pass_mark: 500")})
    files.update({"courses/b/course.md": COURSE, "courses/b/01-m.md": MODULE})
    result = check_files(files)
    assert [c.slug for c in result.courses] == ["b"]
    assert result.refused == ["c"]
    assert [str(p) for p in result.problems] == [
        "quizzes/c/m.md:2: 'pass_mark' must be a whole number from 0 to 100"
    ]


def test_courses_sorted_and_hidden_or_foreign_files_ignored():
    files = {
        "courses/zed/course.md": COURSE,
        "courses/zed/01-m.md": MODULE,
        "courses/alpha/course.md": COURSE,
        "courses/alpha/01-m.md": MODULE,
        "courses/alpha/.DS_Store": b"\x00\x01",
        "courses/.git/config": "x",
        "quizzes/.cache/junk.md": "x",
        "static/img/x.png": b"\x89PNG",
        "courses/alpha/": b"",  # a folder entry, as zip files list them
        "README.md": "x",
    }
    result = check_files(files)
    assert result.problems == []
    assert [c.slug for c in result.courses] == ["alpha", "zed"]


def test_bytes_crlf_and_bom_are_accepted():
    crlf = "\ufeff" + MODULE.replace("\n", "\r\n")
    files = with_base(**{"courses/c/01-m.md": crlf.encode("utf-8"), "quizzes/c/m.md": QUIZ})
    result = check_files(files)
    assert result.problems == []
    module = result.courses[0].modules[0]
    assert module.source == MODULE
    assert module.objectives == ("Learn",)
    assert module.quiz is not None
    # The hash is over normalised texts: same content, same hash, whatever the line ends.
    plain = check_files(with_base(**{"quizzes/c/m.md": QUIZ}))
    assert result.courses[0].content_hash == plain.courses[0].content_hash


def test_modules_are_ordered_by_number_not_by_name():
    files = with_base(**{"courses/c/10-z.md": MODULE, "courses/c/02-a.md": MODULE})
    modules = check_files(files).courses[0].modules
    assert [(m.position, m.slug) for m in modules] == [(1, "m"), (2, "a"), (10, "z")]


def test_broken_root_on_disk():
    result = check_root(BROKEN)
    assert [c.slug for c in result.courses] == ["good-course"]
    assert result.refused == ["Bad_Slug", "bad-fields", "no-modules", "yaml-errors"]
    assert [str(p) for p in result.problems] == [
        "courses/Bad_Slug/course.md:1: course folder name 'Bad_Slug' must be lower-case letters,"
        " digits and hyphens (at most 80 characters)",
        "courses/README.md:1: unexpected file; a course is a folder courses/<course-slug>/",
        "courses/bad-fields/01-one.md:3: 'duration' must be a positive whole number of minutes",
        "courses/bad-fields/01-one.md:4: 'objectives' must be a non-empty list of texts",
        "courses/bad-fields/01-one.md:5: 'updated' must be a date written YYYY-MM-DD (without quotes)",
        "courses/bad-fields/01-two.md:1: module number 01 is already used by 01-one.md",
        "courses/bad-fields/01-two.md:6: every item of 'objectives' must be a non-empty text",
        "courses/bad-fields/02-one.md:1: module slug 'one' is already used by 01-one.md",
        "courses/bad-fields/02-one.md:3: field 'title' is given twice (first on line 2)",
        "courses/bad-fields/02-one.md:6: module body is empty",
        "courses/bad-fields/course.md:2: 'title' must be a non-empty text",
        "courses/bad-fields/course.md:4: 'language' must be 'fr' or 'en'",
        "courses/bad-fields/course.md:5: 'level' must be 'beginner', 'intermediate' or 'advanced'",
        "courses/bad-fields/course.md:6: 'duration' must be a positive whole number of minutes",
        "courses/bad-fields/course.md:8: unknown field 'autor'; expected one of: title, summary,"
        " language, level, duration, audience, publisher, updated, licence, translation_of",
        "courses/bad-fields/course.md:9: 'updated' must be a date written YYYY-MM-DD (without quotes)",
        "courses/bad-fields/course.md:10: missing required field 'publisher'",
        "courses/bad-fields/course.md:10: course introduction is empty",
        "courses/bad-fields/image.png:1: unexpected file; images go in the course's images/ folder",
        "courses/bad-fields/intro.md:1: module file name must look like NN-slug.md",
        "courses/bad-fields/notes.txt:1: unexpected file; images go in the course's images/ folder",
        "courses/no-modules/course.md:1: course has no module (files named NN-slug.md)",
        "courses/yaml-errors/01-a.md:1: missing front matter (a first line '---')",
        "courses/yaml-errors/02-b.md:1: front matter is not closed (no second '---' line)",
        "courses/yaml-errors/03-c.md:1: file is not valid UTF-8",
        "courses/yaml-errors/04-d.md:2: front matter must be 'field: value' lines",
        "courses/yaml-errors/course.md:4: front matter is not valid YAML: expected ',' or ']', but got ':'",
        "quizzes/bad-fields/nope.md:1: quiz for unknown module 'nope' (no courses/bad-fields/NN-nope.md)",
        "quizzes/bad-fields/one.md:2: unknown field 'pass-mark'; expected one of: pass_mark, shuffle,"
        " draw, review, attempts_per_day",
        "quizzes/bad-fields/one.md:3: 'shuffle' must be true or false",
        "quizzes/bad-fields/one.md:4: missing required field 'pass_mark'",
        "quizzes/bad-fields/one.md:5: text before the first question (a '## ' heading)",
        "quizzes/bad-fields/one.md:7: question has no right answer (mark one with [x])",
        "quizzes/bad-fields/one.md:14: duplicate question key 'first-question' (first used on line 7)",
        "quizzes/bad-fields/one.md:14: question needs at least two choices",
        "quizzes/bad-fields/one.md:14: question has no explanation (a '>' block quote after the choices)",
        "quizzes/bad-fields/one.md:18: question key must be lower-case letters, digits and"
        " hyphens, like {#my-key}",
        "quizzes/bad-fields/one.md:18: question has no explanation (a '>' block quote after the choices)",
        "quizzes/bad-fields/one.md:25: choice must start with [ ] or [x]",
        "quizzes/bad-fields/one.md:26: choice must start with [ ] or [x]",
        "quizzes/bad-fields/one.md:34: choices must be contiguous (no blank line or text between them)",
        "quizzes/bad-fields/one.md:41: choice must start with [ ] or [x]",
        "quizzes/bad-fields/one.md:47: text after the explanation; start the next question with '## '",
        "quizzes/ghost/x.md:1: quiz for unknown course 'ghost' (no courses/ghost/ folder)",
        "quizzes/stray.md:1: quiz file must be quizzes/<course-slug>/<module-slug>.md",
    ]


def test_docs_list_every_message():
    """docs/authoring.md is the authors' contract: every message must appear in it."""
    docs = (Path(__file__).parents[2] / "docs" / "authoring.md").read_text(encoding="utf-8")
    constants = [
        v for k, v in vars(msg).items() if k.isupper() and isinstance(v, str) and v not in msg.WARNINGS
    ]
    built = {
        "bad_course_slug": [msg.bad_course_slug("<folder>")],
        "duplicate_module_number": [msg.duplicate_module_number("<NN>", "<file>")],
        "duplicate_module_slug": [msg.duplicate_module_slug("<slug>", "<file>")],
        "unknown_quiz_course": [msg.unknown_quiz_course("<course>")],
        "unknown_quiz_module": [msg.unknown_quiz_module("<module>", "<course>")],
        "invalid_yaml": [msg.invalid_yaml("<YAML's own description>")],
        "missing_field": [msg.missing_field("<field>")],
        "unknown_field": [msg.unknown_field("<field>", ["<the fields of this kind of file>"])],
        "duplicate_field": [msg.duplicate_field("<field>", "<N>")],
        "must_be_text": [msg.must_be_text("<field>")],
        "too_long": [msg.too_long("<field>", 200)],
        "hidden_in_field": [msg.hidden_in_field("<field>", "<U+XXXX>")],
        "must_be_one_of": [
            msg.must_be_one_of("language", LANGUAGES),
            msg.must_be_one_of("level", LEVELS),
        ],
        "must_be_minutes": [msg.must_be_minutes("duration")],
        "too_many_minutes": [msg.too_many_minutes("duration", 10000)],
        "must_be_date": [msg.must_be_date("updated")],
        "must_be_course_slug": [msg.must_be_course_slug("translation_of")],
        "must_be_text_list": [msg.must_be_text_list("objectives")],
        "item_must_be_text": [msg.item_must_be_text("objectives")],
        "must_be_percent": [msg.must_be_percent("pass_mark")],
        "must_be_bool": [msg.must_be_bool("shuffle")],
        "duplicate_question_key": [msg.duplicate_question_key("<key>", "<N>")],
        "must_be_whole": [
            msg.must_be_whole("draw", 1),
            msg.must_be_whole("attempts_per_day", 1, 100),
        ],
        "draw_too_large": [msg.draw_too_large("<N>", "<M>")],
        "draw_not_group_sum": [msg.draw_not_group_sum("<N>")],
        "group_draw_too_large": [msg.group_draw_too_large("<N>", "<M>")],
        "duplicate_group_key": [msg.duplicate_group_key("<key>", "<N>")],
        "image_too_large": [msg.image_too_large("<N>")],
        "image_too_many_pixels": [msg.image_too_many_pixels("<N>")],
        "image_wrong_extension": [msg.image_wrong_extension("<name>", "<extension>")],
        "missing_image": [msg.missing_image("<image>")],
        "missing_static_image": [msg.missing_static_image("<file>")],
    }
    functions = {name for name, v in vars(msg).items() if callable(v) and v.__module__ == msg.__name__}
    assert set(built) | {"N_"} == functions
    messages = constants + [m for ms in built.values() for m in ms] + [msg.must_be_one_of("review", REVIEWS)]
    assert [m for m in messages if f"`{m}`" not in docs] == []


def test_docs_list_every_warning():
    """Warnings are templates: the docs show them with <name> for each %(name)d."""
    docs = (Path(__file__).parents[2] / "docs" / "authoring.md").read_text(encoding="utf-8")
    shown = [re.sub(r"%\((\w+)\)[ds]", r"<\1>", t).replace("%%", "%") for t in msg.WARNINGS]
    assert [t for t in shown if f"`{t}`" not in docs] == []
    templates = {v for k, v in vars(msg).items() if k.isupper() and isinstance(v, str) and "%(" in v}
    assert templates <= set(msg.WARNINGS)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('title: "La voix \\u202eet l\'IA"', "'title' holds invisible characters (U+202E)"),
        ('summary: "Un\\u200b résumé"', "'summary' holds invisible characters (U+200B)"),
        ('title: "Cadre\\x01"', "'title' holds invisible characters (U+0001)"),
        ('title: "Classe 👩\\u200d🏫"', None),  # joiners belong in emoji and some scripts
    ],
)
def test_invisible_characters_in_front_matter_are_refused(line, expected):
    key = line.split(":")[0]
    course = re.sub(rf"^{key}: .*$", line.replace("\\", "\\\\"), COURSE, count=1, flags=re.M)
    assert course != COURSE
    found = problems_of(with_base(**{"courses/c/course.md": course}))
    if expected is None:
        assert found == []
    else:
        assert len(found) == 1 and f": {expected}: type it again without them" in found[0], found


def test_the_editors_placeholders_are_problems_but_not_an_ellipsis_in_code_or_dots():
    """A new course's introduction and a new module's heading and objective start as "…"."""
    left = "placeholder '…' left from a new course or module: write the text, or delete the line"
    module = MODULE.replace("  - Learn", "  - …").replace("Body.", "# …\n\nBody.\n\n```\n…\n```\n\n...")
    course = COURSE.replace("Intro.", "…")
    assert problems_of(with_base(**{"courses/c/course.md": course, "courses/c/01-m.md": module})) == [
        f"courses/c/01-m.md:5: {left}",
        f"courses/c/01-m.md:7: {left}",
        f"courses/c/course.md:11: {left}",
    ]

"""Parse one content file (course.md, a module or a quiz) into its document, with exact lines.

Each parse function takes the file's path (for problems) and its text, and returns either the
document and no problem, or None and the problems, sorted by line. Texts are normalised first
(BOM dropped, CRLF turned into LF), so callers may pass them raw.
"""

from __future__ import annotations

from .documents import CourseDoc, ModuleDoc, Problem, QuizDoc
from .frontmatter import (
    Field,
    FrontMatter,
    boolean,
    check_fields,
    day,
    minutes,
    normalise,
    one_of,
    percent,
    split_front_matter,
    text_list,
)
from .frontmatter import text as text_field
from .messages import EMPTY_INTRO, EMPTY_MODULE, MAX_BRACKETS, TOO_MANY_BRACKETS
from .quiz import parse_questions
from .render import RenderError, render_markdown

LANGUAGES = ("fr", "en")
LEVELS = ("beginner", "intermediate", "advanced")
MAX_TITLE = 200  # the database columns for titles and publishers are String(200)

COURSE_FIELDS = (
    Field("title", text_field("title", MAX_TITLE)),
    Field("summary", text_field("summary")),
    Field("language", one_of("language", LANGUAGES)),
    Field("level", one_of("level", LEVELS)),
    Field("duration", minutes("duration")),
    Field("audience", text_field("audience")),
    Field("publisher", text_field("publisher", MAX_TITLE)),
    Field("updated", day("updated")),
)
MODULE_FIELDS = (
    Field("title", text_field("title", MAX_TITLE)),
    Field("duration", minutes("duration")),
    Field("objectives", text_list("objectives")),
    Field("updated", day("updated"), required=False),
)
QUIZ_FIELDS = (
    Field("pass_mark", percent("pass_mark")),
    Field("shuffle", boolean("shuffle"), required=False),
)

__all__ = [
    "COURSE_FIELDS",
    "MODULE_FIELDS",
    "QUIZ_FIELDS",
    "normalise",
    "parse_course",
    "parse_module",
    "parse_quiz",
    "split_front_matter",
]


def _head(
    path: str, text: str, fields: tuple[Field, ...]
) -> tuple[FrontMatter | None, dict[str, object], list[Problem]]:
    """Split and check the front matter; the FrontMatter is None when it could not be read."""
    fm, problems = split_front_matter(path, text)
    if fm is None:
        return None, {}, problems
    values, field_problems = check_fields(path, fm, fields)
    return fm, values, problems + field_problems


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: p.line)


def _render(path: str, fm: FrontMatter) -> tuple[str, list[Problem]]:
    """Render the body, or report (on the closing '---') why it cannot be rendered."""
    try:
        return render_markdown(fm.body), []
    except RenderError as exc:
        return "", [Problem(path, fm.close_line, str(exc))]


def parse_course(path: str, slug: str, text: str) -> tuple[CourseDoc | None, list[Problem]]:
    """Parse course.md; the document has no module yet (the checker adds them)."""
    text = normalise(text)
    if text.count("[") > MAX_BRACKETS:
        return None, [Problem(path, 1, TOO_MANY_BRACKETS)]
    fm, values, problems = _head(path, text, COURSE_FIELDS)
    if fm is None:
        return None, problems
    if not fm.body.strip():
        # Missing things are reported on the closing '---', where they are to be written.
        problems.append(Problem(path, fm.close_line, EMPTY_INTRO))
    if problems:
        return None, _sorted(problems)
    intro_html, problems = _render(path, fm)
    if problems:
        return None, problems
    doc = CourseDoc(
        slug=slug,
        intro_html=intro_html,
        modules=(),
        source=text,
        **values,  # type: ignore[arg-type]
    )
    return doc, []


def parse_module(path: str, slug: str, position: int, text: str) -> tuple[ModuleDoc | None, list[Problem]]:
    """Parse a module file NN-slug.md (slug and position come from its name); no quiz yet."""
    text = normalise(text)
    if text.count("[") > MAX_BRACKETS:
        return None, [Problem(path, 1, TOO_MANY_BRACKETS)]
    fm, values, problems = _head(path, text, MODULE_FIELDS)
    if fm is None:
        return None, problems
    if not fm.body.strip():
        problems.append(Problem(path, fm.close_line, EMPTY_MODULE))
    if problems:
        return None, _sorted(problems)
    body_html, problems = _render(path, fm)
    if problems:
        return None, problems
    doc = ModuleDoc(
        slug=slug,
        position=position,
        body_html=body_html,
        quiz=None,
        source=text,
        **values,  # type: ignore[arg-type]
    )
    return doc, []


def parse_quiz(path: str, text: str) -> tuple[QuizDoc | None, list[Problem]]:
    """Parse a quiz file quizzes/<course>/<module>.md."""
    text = normalise(text)
    if text.count("[") > MAX_BRACKETS:
        return None, [Problem(path, 1, TOO_MANY_BRACKETS)]
    fm, values, problems = _head(path, text, QUIZ_FIELDS)
    if fm is None:
        return None, problems
    questions, quiz_problems = parse_questions(path, fm.body, fm.body_start, fm.close_line)
    problems = _sorted(problems + quiz_problems)
    if problems:
        return None, problems
    doc = QuizDoc(
        pass_mark=values["pass_mark"],  # type: ignore[arg-type]
        shuffle=bool(values["shuffle"]),
        questions=questions,
        source=text,
    )
    return doc, []

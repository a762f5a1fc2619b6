"""Parse one content file (course.md, a module or a quiz) into its document, with exact lines.

Each ``read_*`` function takes the file's path (for problems) and its text, and returns a Parsed:
the document and no problem, or None and the problems, sorted by line; with the warnings about
that file alone and the line of each front-matter field. ``parse_*`` return just (document,
problems). Texts are normalised first (BOM dropped, CRLF turned into LF), so callers may pass
them raw.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from . import messages as msg
from .cues import QuizFacts, quiz_notices
from .documents import REVIEW_AFTER_PASS, REVIEW_ALWAYS, CourseDoc, ModuleDoc, Notice, Problem, QuizDoc
from .frontmatter import (
    Field,
    FrontMatter,
    boolean,
    check_fields,
    course_slug,
    day,
    minutes,
    normalise,
    one_of,
    percent,
    split_front_matter,
    text_list,
    whole,
)
from .frontmatter import text as text_field
from .image_refs import ShownImage
from .licences import ALL_RIGHTS_RESERVED, LICENCES
from .quiz import parse_questions
from .render import RenderError, render_markdown

LANGUAGES = ("fr", "en")
LEVELS = ("beginner", "intermediate", "advanced")
REVIEWS = (REVIEW_AFTER_PASS, REVIEW_ALWAYS)
MAX_TITLE = 200  # the database columns for titles and publishers are String(200)
MAX_ATTEMPTS_PER_DAY = 100
DEFAULT_ATTEMPTS_PER_DAY = 3

COURSE_FIELDS = (
    Field("title", text_field("title", MAX_TITLE)),
    Field("summary", text_field("summary")),
    Field("language", one_of("language", LANGUAGES)),
    Field("level", one_of("level", LEVELS)),
    Field("duration", minutes("duration")),
    Field("audience", text_field("audience")),
    Field("publisher", text_field("publisher", MAX_TITLE)),
    Field("updated", day("updated")),
    # Left out: all rights reserved (what the law says of a work whose author grants nothing).
    Field("licence", one_of("licence", LICENCES), required=False),
    # A publisher's translation names the course it translates (app.catalog.editions).
    Field("translation_of", course_slug("translation_of"), required=False),
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
    Field("draw", whole("draw", 1), required=False),
    Field("review", one_of("review", REVIEWS), required=False),
    Field("attempts_per_day", whole("attempts_per_day", 1, MAX_ATTEMPTS_PER_DAY), required=False),
)

__all__ = [
    "COURSE_FIELDS",
    "MODULE_FIELDS",
    "QUIZ_FIELDS",
    "Parsed",
    "normalise",
    "parse_course",
    "parse_module",
    "parse_quiz",
    "read_course",
    "read_module",
    "read_quiz",
    "split_front_matter",
]

D = TypeVar("D")


@dataclass(frozen=True)
class Parsed(Generic[D]):
    """One file read: its document (None when it has problems), problems, warnings, field lines."""

    doc: D | None
    problems: list[Problem] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)  # warnings about this file alone
    lines: dict[str, int] = field(default_factory=dict)  # file line of each front-matter field


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


def _render(path: str, fm: FrontMatter, images: Mapping[str, ShownImage] | None) -> tuple[str, list[Problem]]:
    """Render the body, or report (on the closing '---') why it cannot be rendered."""
    try:
        return render_markdown(fm.body, images), []
    except RenderError as exc:
        return "", [Problem(path, fm.close_line, exc.message)]


def read_course(
    path: str, slug: str, text: str, images: Mapping[str, ShownImage] | None = None
) -> Parsed[CourseDoc]:
    """Read course.md; the document has no module yet (the checker adds them).

    *images*: the course's images, by the "images/<name>" its text may show (see render_markdown).
    """
    text = normalise(text)
    if text.count("[") > msg.MAX_BRACKETS:
        return Parsed(None, [Problem(path, 1, msg.TOO_MANY_BRACKETS)])
    fm, values, problems = _head(path, text, COURSE_FIELDS)
    if fm is None:
        return Parsed(None, problems)
    if not fm.body.strip():
        # Missing things are reported on the closing '---', where they are to be written.
        problems.append(Problem(path, fm.close_line, msg.EMPTY_INTRO))
    if problems:
        return Parsed(None, _sorted(problems), lines=fm.lines)
    intro_html, problems = _render(path, fm, images)
    if problems:
        return Parsed(None, problems, lines=fm.lines)
    values["licence"] = values["licence"] or ALL_RIGHTS_RESERVED
    values["translation_of"] = values["translation_of"] or ""
    doc = CourseDoc(
        slug=slug,
        intro_html=intro_html,
        modules=(),
        source=text,
        **values,  # type: ignore[arg-type]
    )
    return Parsed(doc, lines=fm.lines)


def read_module(
    path: str, slug: str, position: int, text: str, images: Mapping[str, ShownImage] | None = None
) -> Parsed[ModuleDoc]:
    """Read a module file NN-slug.md (slug and position come from its name); no quiz yet."""
    text = normalise(text)
    if text.count("[") > msg.MAX_BRACKETS:
        return Parsed(None, [Problem(path, 1, msg.TOO_MANY_BRACKETS)])
    fm, values, problems = _head(path, text, MODULE_FIELDS)
    if fm is None:
        return Parsed(None, problems)
    if not fm.body.strip():
        problems.append(Problem(path, fm.close_line, msg.EMPTY_MODULE))
    if problems:
        return Parsed(None, _sorted(problems), lines=fm.lines)
    body_html, problems = _render(path, fm, images)
    if problems:
        return Parsed(None, problems, lines=fm.lines)
    doc = ModuleDoc(
        slug=slug,
        position=position,
        body_html=body_html,
        quiz=None,
        source=text,
        **values,  # type: ignore[arg-type]
    )
    return Parsed(doc, lines=fm.lines)


def read_quiz(path: str, text: str) -> Parsed[QuizDoc]:
    """Read a quiz file: quizzes/<course>/<module>.md, or the course's final test final.md."""
    text = normalise(text)
    if text.count("[") > msg.MAX_BRACKETS:
        return Parsed(None, [Problem(path, 1, msg.TOO_MANY_BRACKETS)])
    fm, values, problems = _head(path, text, QUIZ_FIELDS)
    if fm is None:
        return Parsed(None, problems)
    body = parse_questions(path, fm.body, fm.body_start, fm.close_line)
    problems += body.problems
    draw = values.get("draw")
    if draw is not None and not body.problems:
        # Only once the body is right: its question and group counts are then the real ones.
        draw_line = fm.lines["draw"]
        total = sum(g.draw for g in body.groups)
        if body.groups and draw != total:
            problems.append(Problem(path, draw_line, msg.draw_not_group_sum(total)))
        elif draw > len(body.questions):  # type: ignore[operator]
            problems.append(Problem(path, draw_line, msg.draw_too_large(draw, len(body.questions))))  # type: ignore[arg-type]
    if problems:
        return Parsed(None, _sorted(problems), lines=fm.lines)
    attempts = values.get("attempts_per_day")
    doc = QuizDoc(
        pass_mark=values["pass_mark"],  # type: ignore[arg-type]
        shuffle=bool(values["shuffle"]),
        questions=body.questions,
        source=text,
        draw=draw,  # type: ignore[arg-type]
        review=values.get("review") or REVIEW_AFTER_PASS,  # type: ignore[arg-type]
        attempts_per_day=attempts if attempts is not None else DEFAULT_ATTEMPTS_PER_DAY,  # type: ignore[arg-type]
        groups=body.groups,
    )
    facts = QuizFacts(body.question_facts, body.group_facts, doc.draw, fm.lines.get("draw", 1))
    return Parsed(doc, notices=quiz_notices(path, facts), lines=fm.lines)


def parse_course(path: str, slug: str, text: str) -> tuple[CourseDoc | None, list[Problem]]:
    """Parse course.md; the document has no module yet (the checker adds them)."""
    parsed = read_course(path, slug, text)
    return parsed.doc, parsed.problems


def parse_module(path: str, slug: str, position: int, text: str) -> tuple[ModuleDoc | None, list[Problem]]:
    """Parse a module file NN-slug.md (slug and position come from its name); no quiz yet."""
    parsed = read_module(path, slug, position, text)
    return parsed.doc, parsed.problems


def parse_quiz(path: str, text: str) -> tuple[QuizDoc | None, list[Problem]]:
    """Parse a quiz file quizzes/<course>/<module>.md."""
    parsed = read_quiz(path, text)
    return parsed.doc, parsed.problems

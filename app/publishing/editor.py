"""Editing a draft's files from the browser: the course's front matter as fields, modules and
quizzes as whole Markdown files, and module add / rename / move / delete.

Pure functions over the draft's ``files`` mapping (repository paths to text); no Flask app, no
database. The checker remains the only judge of what is valid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import yaml
from flask_babel import lazy_gettext as _l

from app.content.checker import is_slug
from app.content.documents import Problem
from app.content.frontmatter import normalise, split_front_matter
from app.content.parser import parse_module, parse_quiz

MODULE_FILE = re.compile(r"(\d{2})-([a-z0-9][a-z0-9-]*)\.md")
COURSE_FIELDS = ("title", "summary", "language", "level", "duration", "audience", "publisher", "updated")
MAX_TEXT = 100_000  # characters per file edited in the browser (a long module is 15,000)


class EditError(ValueError):
    """An edit the editor refuses; ``str()`` is a message for the person."""


@dataclass(frozen=True)
class ModuleFile:
    position: int
    slug: str
    path: str  # courses/<course>/NN-<slug>.md
    quiz_path: str  # quizzes/<course>/<slug>.md (may not exist yet)


def course_path(slug: str) -> str:
    return f"courses/{slug}/course.md"


def modules(files: dict[str, str], slug: str) -> list[ModuleFile]:
    """The course's module files in order of their NN prefix."""
    found = []
    prefix = f"courses/{slug}/"
    for path in files:
        name = path.removeprefix(prefix)
        match = MODULE_FILE.fullmatch(name) if path.startswith(prefix) else None
        if match:
            number, module = int(match.group(1)), match.group(2)
            found.append(ModuleFile(number, module, path, f"quizzes/{slug}/{module}.md"))
    return sorted(found, key=lambda m: (m.position, m.slug))


def find_module(files: dict[str, str], slug: str, module_slug: str) -> ModuleFile | None:
    return next((m for m in modules(files, slug) if m.slug == module_slug), None)


def course_fields(files: dict[str, str], slug: str) -> tuple[dict[str, object], str]:
    """The course.md front matter values (as far as they can be read) and its body."""
    text = normalise(files.get(course_path(slug), ""))
    fm, _problems = split_front_matter(course_path(slug), text) if text else (None, [])
    if fm is None:
        return {}, text
    values = {k: v for k, v in fm.values.items() if k in COURSE_FIELDS and isinstance(v, str | int | date)}
    return values, fm.body.lstrip("\n")


def write_course(files: dict[str, str], slug: str, values: dict[str, object], body: str) -> dict[str, str]:
    """course.md rebuilt from the form's fields and the introduction text."""
    front = {k: values[k] for k in COURSE_FIELDS if values.get(k) not in (None, "")}
    dumped = yaml.safe_dump(front, allow_unicode=True, sort_keys=False, width=1000).strip()
    return {**files, course_path(slug): f"---\n{dumped}\n---\n{body.strip()}\n"}


def set_text(files: dict[str, str], path: str, text: str) -> dict[str, str]:
    if len(text) > MAX_TEXT:
        raise EditError(_l("A file may hold at most %(n)d characters.", n=MAX_TEXT))
    return {**files, path: normalise(text)}


def _renumber(files: dict[str, str], slug: str, order: list[ModuleFile]) -> dict[str, str]:
    """Rename module files to 01-…, 02-… in the given order."""
    kept = {p: t for p, t in files.items() if p not in {m.path for m in order}}
    for position, module in enumerate(order, start=1):
        kept[f"courses/{slug}/{position:02d}-{module.slug}.md"] = files[module.path]
    return kept


def add_module(files: dict[str, str], slug: str, module_slug: str, title: str, today: date) -> dict[str, str]:
    if not is_slug(module_slug):
        raise EditError(_l("A module’s short name is lower-case letters, digits and hyphens."))
    existing = modules(files, slug)
    if any(m.slug == module_slug for m in existing):
        raise EditError(_l("Another module already has this short name."))
    number = (existing[-1].position if existing else 0) + 1
    if number > 99:
        raise EditError(_l("A course has at most 99 modules."))
    front = yaml.safe_dump(
        {"title": title.strip(), "duration": 20, "objectives": ["…"], "updated": today},
        allow_unicode=True,
        sort_keys=False,
        width=1000,
    ).strip()
    return {**files, f"courses/{slug}/{number:02d}-{module_slug}.md": f"---\n{front}\n---\n# …\n"}


def move_module(files: dict[str, str], slug: str, module_slug: str, step: int) -> dict[str, str]:
    order = modules(files, slug)
    index = next((i for i, m in enumerate(order) if m.slug == module_slug), None)
    if index is None:
        raise EditError(_l("This module does not exist."))
    target = index + step
    if not 0 <= target < len(order):
        return files
    order[index], order[target] = order[target], order[index]
    return _renumber(files, slug, order)


def rename_module(files: dict[str, str], slug: str, module_slug: str, new_slug: str) -> dict[str, str]:
    """A new slug for the module file and its quiz (learners' progress follows the slug)."""
    if not is_slug(new_slug):
        raise EditError(_l("A module’s short name is lower-case letters, digits and hyphens."))
    module = find_module(files, slug, module_slug)
    if module is None:
        raise EditError(_l("This module does not exist."))
    if find_module(files, slug, new_slug) is not None:
        raise EditError(_l("Another module already has this short name."))
    renamed = {p: t for p, t in files.items() if p not in (module.path, module.quiz_path)}
    renamed[f"courses/{slug}/{module.position:02d}-{new_slug}.md"] = files[module.path]
    if module.quiz_path in files:
        renamed[f"quizzes/{slug}/{new_slug}.md"] = files[module.quiz_path]
    return renamed


def delete_module(files: dict[str, str], slug: str, module_slug: str) -> dict[str, str]:
    module = find_module(files, slug, module_slug)
    if module is None:
        raise EditError(_l("This module does not exist."))
    rest = {p: t for p, t in files.items() if p not in (module.path, module.quiz_path)}
    return _renumber(rest, slug, modules(rest, slug))


@dataclass(frozen=True)
class Preview:
    html: str
    problems: list[Problem]


def preview(path: str, text: str) -> Preview:
    """What one module or quiz file renders to, with the same parser and sanitiser as import."""
    text = text[:MAX_TEXT]
    name = path.rsplit("/", 1)[-1]
    if path.startswith("quizzes/"):
        quiz, problems = parse_quiz(path, text)
        questions = quiz.questions if quiz else ()
        html = "\n".join(_question_html(i, q) for i, q in enumerate(questions, 1))
        return Preview(html, problems)
    match = MODULE_FILE.fullmatch(name)
    module, problems = parse_module(path, match.group(2) if match else "x", 1, text)
    return Preview(module.body_html if module else "", problems)


def _question_html(number: int, question) -> str:
    """A quiz question as the author checks it: prompt, choices with the right ones marked, explanation."""
    choices = "".join(
        f'<li class="{"right" if c.correct else "wrong"}">{"✔" if c.correct else "✘"} {c.html}</li>'
        for c in question.choices
    )
    return (
        f'<section class="preview-question"><h3>{number}.</h3>{question.prompt_html}'
        f"<ul>{choices}</ul><blockquote>{question.explanation_html}</blockquote></section>"
    )

"""Editing a draft's files from the browser: the course's front matter as fields, modules,
quizzes and the final test as whole Markdown files, and module add / rename / move / delete.

Pure functions over the draft's ``files`` mapping (repository paths to text); no Flask app, no
database. The checker remains the only judge of what is valid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import yaml
from flask_babel import lazy_gettext as _l

from app.content.checker import FINAL, FINAL_FILE, is_slug
from app.content.documents import GroupDoc, Problem, QuestionDoc, QuizDoc
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


def final_path(slug: str) -> str:
    """Where the course's final test lives (a quiz file that belongs to no module)."""
    return f"quizzes/{slug}/{FINAL_FILE}"


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


def set_quiz_text(files: dict[str, str], path: str, text: str) -> dict[str, str]:
    """The quiz file at *path* set to *text*, or removed when *text* is blank (no quiz)."""
    if text.strip():
        return set_text(files, path, text)
    return {p: t for p, t in files.items() if p != path}


def final_starter() -> str:
    """A final test to start from, valid for the checker: the usual fields, ``draw`` left as a
    comment (one question cannot be drawn from), and one question with its options' feedback.

    Only the words are translated (outside f-strings, where message extraction finds them): the
    Markdown around them is built here, so no translation can break it.
    """
    words = [
        str(text)
        for text in (
            _l("questions drawn at random for each attempt; write at least twice as many"),
            _l("Write the question here"),
            _l("A right answer"),
            _l("Why it is right: learners read this after their attempt."),
            _l("A wrong answer"),
            _l("Why it is wrong."),
            _l("The explanation, shown with the correction."),
        )
    ]
    draw, question, right, why_right, wrong, why_wrong, explanation = words
    return (
        f"---\npass_mark: 70\nshuffle: true\n# draw: 10  ({draw})\n---\n"
        f"## {question}\n\n- [x] {right}\n  > {why_right}\n- [ ] {wrong}\n  > {why_wrong}\n\n"
        f"> {explanation}\n"
    )


def _renumber(files: dict[str, str], slug: str, order: list[ModuleFile]) -> dict[str, str]:
    """Rename module files to 01-…, 02-… in the given order."""
    kept = {p: t for p, t in files.items() if p not in {m.path for m in order}}
    for position, module in enumerate(order, start=1):
        kept[f"courses/{slug}/{position:02d}-{module.slug}.md"] = files[module.path]
    return kept


def _check_module_slug(module_slug: str) -> None:
    """Refuse a short name the checker would refuse, before it reaches the draft."""
    if not is_slug(module_slug):
        raise EditError(_l("A module’s short name is lower-case letters, digits and hyphens."))
    if module_slug == FINAL:
        raise EditError(_l("The short name “final” is reserved for the course’s final test. Choose another."))


def _owned_files(module: ModuleFile) -> tuple[str, ...]:
    """The files that go with a module: its own and its quiz's. quizzes/<course>/final.md is the
    final test even beside a module wrongly named "final" (from a package): it stays put."""
    return (module.path,) if module.slug == FINAL else (module.path, module.quiz_path)


def add_module(files: dict[str, str], slug: str, module_slug: str, title: str, today: date) -> dict[str, str]:
    _check_module_slug(module_slug)
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
    _check_module_slug(new_slug)
    module = find_module(files, slug, module_slug)
    if module is None:
        raise EditError(_l("This module does not exist."))
    if find_module(files, slug, new_slug) is not None:
        raise EditError(_l("Another module already has this short name."))
    owned = _owned_files(module)
    renamed = {p: t for p, t in files.items() if p not in owned}
    renamed[f"courses/{slug}/{module.position:02d}-{new_slug}.md"] = files[module.path]
    if module.quiz_path in owned and module.quiz_path in files:
        renamed[f"quizzes/{slug}/{new_slug}.md"] = files[module.quiz_path]
    return renamed


def delete_module(files: dict[str, str], slug: str, module_slug: str) -> dict[str, str]:
    module = find_module(files, slug, module_slug)
    if module is None:
        raise EditError(_l("This module does not exist."))
    rest = {p: t for p, t in files.items() if p not in _owned_files(module)}
    return _renumber(rest, slug, modules(rest, slug))


@dataclass(frozen=True)
class Preview:
    html: str  # a module's page; "" for a quiz, which the view renders from ``quiz``
    problems: list[Problem]
    quiz: QuizDoc | None = None


def preview(path: str, text: str) -> Preview:
    """What one module or quiz file renders to, with the same parser and sanitiser as import."""
    text = text[:MAX_TEXT]
    name = path.rsplit("/", 1)[-1]
    if path.startswith("quizzes/"):
        quiz, problems = parse_quiz(path, text)
        return Preview("", problems, quiz)
    match = MODULE_FILE.fullmatch(name)
    module, problems = parse_module(path, match.group(2) if match else "x", 1, text)
    return Preview(module.body_html if module else "", problems)


def quiz_sections(quiz: QuizDoc) -> list[tuple[GroupDoc | None, list[tuple[int, QuestionDoc]]]]:
    """The questions numbered in file order, under their group (a single None group without groups)."""
    numbered = list(enumerate(quiz.questions, 1))
    if not quiz.groups:
        return [(None, numbered)]
    return [(group, [(n, q) for n, q in numbered if q.group == group.key]) for group in quiz.groups]

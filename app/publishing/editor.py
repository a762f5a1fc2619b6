"""Editing a draft's files from the browser: the course's front matter as fields, modules,
quizzes and the final test as whole Markdown files, and module add / rename / move / delete.

Pure functions over the draft's ``files`` mapping (repository paths to text); no Flask app, no
database. The checker remains the only judge of what is valid.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import yaml
from flask_babel import force_locale

from app.content.checker import FINAL, FINAL_FILE, image_problems, is_slug
from app.content.documents import GroupDoc, Problem, QuestionDoc, QuizDoc
from app.content.frontmatter import check_fields, normalise, split_front_matter
from app.content.image_refs import ShownImage
from app.content.parser import QUIZ_FIELDS, parse_quiz, read_module
from app.content.quiz import FENCE, GROUP, HEADING, parse_questions
from app.content.render import RenderError, render_markdown
from app.i18n import lazy_gettext as _l

MODULE_FILE = re.compile(r"(\d{2})-([a-z0-9][a-z0-9-]*)\.md")
COURSE_FIELDS = (
    "title",
    "summary",
    "language",
    "level",
    "duration",
    "audience",
    "publisher",
    "updated",
    "licence",
)
# Kept as written when the form saves course.md: the course a translation translates.
KEPT_FIELDS = ("translation_of",)
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


FRONT_LINE = re.compile(r"([a-z_]+):[ \t]*(.*?)[ \t]*")
LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")
BLOCK_SCALAR = re.compile(r"[|>](?:[1-9]?[+-]?|[+-][1-9])")  # « title: > », the text below
DOUBLE_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
SINGLE_QUOTED = re.compile(r"'((?:[^']|'')*)'")


def titles(files: dict[str, str], slug: str) -> dict[str, str]:
    """The titles that course.md and the module files give (``front_title``), by path: what the
    workspace names them by, beside their short names."""
    paths = [course_path(slug), *(m.path for m in modules(files, slug))]
    return {path: title for path in paths if (title := front_title(files.get(path, "")))}


def module_names(modules: list[ModuleFile], titles: dict[str, str]) -> dict[str, str]:
    """What the pages call each module, by short name: its title, else that short name."""
    return {m.slug: titles.get(m.path) or m.slug for m in modules}


def front_title(text: str) -> str | None:
    """A file's ``title:`` line, its quotes taken off. Read as lines, not as YAML: a page that
    lists a draft's files names them whatever they hold, and publishers' texts are parsed in
    worker processes only (app.content.bounded)."""
    return front_line(text, "title")


def course_language(files: dict[str, str], slug: str) -> str | None:
    """The language course.md's front matter names, for the ``lang`` of the titles shown."""
    found = front_line(files.get(course_path(slug), ""), "language")
    return found if found and LANGUAGE.fullmatch(found) else None


def course_name(files: dict[str, str], slug: str) -> dict[str, str | None]:
    """What a draft's pages call its course: its title, else its short name, and its language."""
    return {
        "course_name": front_title(files.get(course_path(slug), "")) or slug,
        "course_lang": course_language(files, slug),
    }


def front_line(text: str, key: str) -> str | None:
    """The value of a one-line ``key: value`` in a file's front matter, as ``front_title``."""
    lines = text[:4000].split("\n", 60)
    if not lines or lines[0].rstrip() != "---":
        return None
    for line in lines[1:60]:
        if line.rstrip() == "---":
            break
        match = FRONT_LINE.fullmatch(line.rstrip("\r"))
        if match is None or match.group(1) != key:
            continue
        value = match.group(2)
        if quoted := DOUBLE_QUOTED.match(value):
            value = quoted.group(1).replace('\\"', '"')
        elif quoted := SINGLE_QUOTED.match(value):
            value = quoted.group(1).replace("''", "'")
        elif BLOCK_SCALAR.fullmatch(value):
            return None
        else:
            value = value.split(" #", 1)[0]  # a comment after a plain value
        return value.strip()[:200] or None
    return None


def course_fields(files: dict[str, str], slug: str) -> tuple[dict[str, object], str]:
    """The course.md front matter values (as far as they can be read) and its body."""
    text = normalise(files.get(course_path(slug), ""))
    fm, _problems = split_front_matter(course_path(slug), text) if text else (None, [])
    if fm is None:
        return {}, text
    values = {
        k: v
        for k, v in fm.values.items()
        if k in COURSE_FIELDS + KEPT_FIELDS and isinstance(v, str | int | date)
    }
    return values, fm.body.lstrip("\n")


def write_course(files: dict[str, str], slug: str, values: dict[str, object], body: str) -> dict[str, str]:
    """course.md rebuilt from the form's fields and the introduction text."""
    front = {k: values[k] for k in COURSE_FIELDS + KEPT_FIELDS if values.get(k) not in (None, "")}
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


def _one_line(text: object) -> str:
    """A translation on one line (a line break would end a YAML comment or a choice)."""
    return " ".join(str(text).splitlines()).strip()


def _starter_words() -> list[str]:
    """The translated words of the starters' example question (and the final test's draw note)."""
    return [
        _one_line(text)
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


def final_starter() -> str:
    """A final test to start from, valid for the checker: the usual fields, ``draw`` left as a
    comment (one question cannot be drawn from), and one question with its options' feedback.

    Only the words are translated (outside f-strings, where message extraction finds them): the
    Markdown around them is built here, so no translation can break it.
    """
    draw, question, right, why_right, wrong, why_wrong, explanation = _starter_words()
    return (
        f"---\npass_mark: 70\nshuffle: true\n# draw: 10  ({draw})\n---\n"
        f"## {question}\n\n- [x] {right}\n  > {why_right}\n- [ ] {wrong}\n  > {why_wrong}\n\n"
        f"> {explanation}\n"
    )


def quiz_starter() -> str:
    """A module's first quiz: one question to adapt, under comments that explain the format.

    The comments are YAML comments in the front matter, so the example passes the checker as it
    is; one line each, since a translation with a line break would end the comment.
    """
    comments = [
        _one_line(text)
        for text in (
            _l("An example to adapt. Lines starting with # up here are comments: they are ignored."),
            _l("pass_mark: the score needed to pass, in percent (0 to 100)."),
            _l("shuffle: true shows the answers in a random order at each attempt."),
            _l("Below the closing ---, each question starts with ## and the question itself."),
            _l("Then its answers, one a line, no blank line between: - [x] right, - [ ] wrong."),
            _l("Under an answer, a line indented by two spaces and starting with > says why."),
            _l("After the answers, a blank line, then lines starting with > : the explanation."),
            _l("While this text is unchanged, saving the module creates no quiz."),
        )
    ]
    intro, mark, shuffle, questions, answers, feedback, explained, unchanged = (f"# {c}" for c in comments)
    _draw, question, right, why_right, wrong, why_wrong, explanation = _starter_words()
    return (
        f"---\n{intro}\n{unchanged}\n{mark}\npass_mark: 70\n{shuffle}\nshuffle: true\n"
        f"{questions}\n{answers}\n{feedback}\n{explained}\n---\n"
        f"## {question}\n\n- [x] {right}\n  > {why_right}\n- [ ] {wrong}\n  > {why_wrong}\n\n"
        f"> {explanation}\n"
    )


def is_quiz_starter(text: str) -> bool:
    """True if *text* is the untouched starter, in the interface's language or another one."""
    written = normalise(text).strip()
    for locale in ("fr", "en"):
        with force_locale(locale):
            if written == quiz_starter().strip():
                return True
    return written == quiz_starter().strip()


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
    if new_slug == module_slug:
        return files
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
class QuizItem:
    """One question of a quiz that has problems: rendered when it has none of its own."""

    number: int
    line: int  # its "## " heading
    doc: QuestionDoc | None  # None: it has problems, and the preview names it instead


@dataclass(frozen=True)
class Preview:
    html: str  # a module's page; "" for a quiz, which the view renders from ``quiz`` or ``items``
    problems: list[Problem]
    quiz: QuizDoc | None = None
    # A quiz with problems: what can be shown of it, question by question, and its pass mark if known.
    items: tuple[QuizItem, ...] = ()
    pass_mark: int | None = None


def preview(path: str, text: str, images: Mapping[str, ShownImage] | None = None) -> Preview:
    """What one module or quiz file renders to, with the same parser and sanitiser as import.

    A file with problems still shows what can be read of it: a module's body whatever its front
    matter says, a quiz's questions that have no problem of their own. *images* are the draft's
    own ("images/<name>" → how to show it): a module shows them, and an image without alt text
    or naming one the draft lacks is a problem here as at save.
    """
    text = normalise(text[:MAX_TEXT])
    name = path.rsplit("/", 1)[-1]
    if path.startswith("quizzes/"):
        quiz, problems = parse_quiz(path, text)
        if quiz is not None:
            return Preview("", problems, quiz)
        return _partial_quiz(path, text, problems)
    match = MODULE_FILE.fullmatch(name)
    images = images or {}
    parsed = read_module(path, match.group(2) if match else "x", 1, text, images)
    problems = sorted(parsed.problems + image_problems(path, text, images, set()), key=lambda p: p.line)
    return Preview(parsed.doc.body_html if parsed.doc else _module_body(path, text, images), problems)


def _module_body(path: str, text: str, images: Mapping[str, ShownImage]) -> str:
    """A module body rendered even when its front matter is wrong or missing ("" if it cannot be)."""
    fm, _problems = split_front_matter(path, text)
    if fm is not None:
        body = fm.body
    else:  # unreadable YAML: the body still starts after the closing '---'
        lines = text.split("\n")
        has_open = lines[0].rstrip() == "---"
        fences = (i for i in range(1, len(lines)) if lines[i].rstrip() == "---")
        close = next(fences, None) if has_open else -1
        if close is None:
            return ""  # no closing '---': where the body starts is anyone's guess
        body = "\n".join(lines[close + 1 :])
    try:
        return render_markdown(body, images)
    except RenderError:
        return ""


def _sections(body: str, body_start: int) -> list[tuple[int, bool, str]]:
    """The body cut at each "## " question and "# " group heading: (first line, is a question, text)."""
    cuts: list[tuple[int, bool, list[str]]] = []
    fence = None
    for offset, raw in enumerate(body.split("\n")):
        if fence is not None:  # inside a code block of a prompt: no heading here
            if raw.strip().startswith(fence) and not raw.strip().strip(fence[0]):
                fence = None
        elif HEADING.fullmatch(raw) or GROUP.fullmatch(raw):
            cuts.append((body_start + offset, bool(HEADING.fullmatch(raw)), []))
        elif cuts and (found := FENCE.match(raw)):
            fence = found.group(1)
        if cuts:
            cuts[-1][2].append(raw)
    return [(line, question, "\n".join(lines)) for line, question, lines in cuts]


def _partial_quiz(path: str, text: str, problems: list[Problem]) -> Preview:
    """A quiz with problems: each question without a problem of its own rendered, the others named."""
    fm, _problems = split_front_matter(path, text)
    if fm is None:
        return Preview("", problems)
    values, _field_problems = check_fields(path, fm, QUIZ_FIELDS)
    sections = _sections(fm.body, fm.body_start)
    ends = [line for line, _q, _t in sections[1:]] + [fm.body_start + fm.body.count("\n") + 1]
    items = []
    for (line, question, chunk), end in zip(sections, ends, strict=True):
        if not question:
            continue
        doc = None
        if not any(line <= p.line < end for p in problems):
            parsed = parse_questions(path, chunk, line, fm.close_line)
            doc = parsed.questions[0] if not parsed.problems and len(parsed.questions) == 1 else None
        items.append(QuizItem(len(items) + 1, line, doc))
    pass_mark = values.get("pass_mark")
    known = pass_mark if isinstance(pass_mark, int) else None
    return Preview("", problems, items=tuple(items), pass_mark=known)


def quiz_sections(quiz: QuizDoc) -> list[tuple[GroupDoc | None, list[tuple[int, QuestionDoc]]]]:
    """The questions numbered in file order, under their group (a single None group without groups)."""
    numbered = list(enumerate(quiz.questions, 1))
    if not quiz.groups:
        return [(None, numbered)]
    return [(group, [(n, q) for n, q in numbered if q.group == group.key]) for group in quiz.groups]

"""Check a whole content root: course folders, their modules and their quizzes.

The core works on an in-memory mapping {relative path: text or bytes} so that the CLI, the
importer, the web editor and zip uploads share it; load_tree() builds that mapping from disk.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from . import messages as msg
from .cues import course_duration_notice, module_duration_notice, quiz_minutes, words
from .documents import CheckResult, CourseDoc, ModuleDoc, Notice, Problem, QuizDoc
from .frontmatter import MAX_SLUG, SLUG
from .image_refs import (
    FOLDER,
    ImageRef,
    ShownImage,
    image_uses,
    is_image_name,
    make_reference,
    parse_reference,
    shown_images,
)
from .images import ImageRefused, PreparedImage, prepare_image
from .parser import Parsed, normalise, read_course, read_module, read_quiz
from .render import static_src

STATIC_ROOT = Path(__file__).resolve().parents[2] / "static"  # the site's own files, as Flask serves them
MODULE_NAME = re.compile(r"(\d{2})-(.*)\.md")
TOP_FOLDERS = ("courses", "quizzes")
# The licence of the bundled courses and quizzes, beside them in the repository: not content.
LICENCE_FILES = ("courses/LICENSE", "quizzes/LICENSE")
FINAL = "final"  # quizzes/<course>/final.md is the course's final test: no module may be so named
FINAL_FILE = FINAL + ".md"

Files = Mapping[str, str | bytes]


def is_slug(value: str) -> bool:
    """Lower-case ASCII letters and digits in hyphen-separated words, at most 80 characters."""
    return len(value) <= MAX_SLUG and SLUG.fullmatch(value) is not None


def load_tree(root: Path) -> dict[str, str | bytes]:
    """Read every file under root/courses/ and root/quizzes/, skipping hidden files and folders.

    Keys are paths relative to *root* with forward slashes; values are str when the file decodes
    as UTF-8, else the raw bytes (so the checker can say the file is not valid UTF-8). The licence
    texts courses/LICENSE and quizzes/LICENSE are left out.
    """
    files: dict[str, str | bytes] = {}
    for top in TOP_FOLDERS:
        for folder, dirnames, filenames in os.walk(root / top):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                full = Path(folder) / name
                key = full.relative_to(root).as_posix()
                if key in LICENCE_FILES:
                    continue
                data = full.read_bytes()
                try:
                    files[key] = data.decode("utf-8")
                except UnicodeDecodeError:
                    files[key] = data
    return files


def check_root(root: Path) -> CheckResult:
    """Check the content root folder *root* (holding courses/ and quizzes/)."""
    return check_files(load_tree(root))


def content_hash(files: Mapping[str, str]) -> str:
    """sha256 hex over the sorted (path, normalised text) pairs; each part is length-prefixed."""
    digest = hashlib.sha256()
    for path, text in sorted(files.items()):
        for part in (path.encode(), normalise(text).encode()):
            digest.update(len(part).to_bytes(8, "big"))  # no separator can be forged
            digest.update(part)
    return digest.hexdigest()


def check_files(files: Files) -> CheckResult:
    """Check every course and quiz in *files*; a course with any problem is refused whole.

    Warnings are collected for refused courses too, for every file that has no problem itself.
    """
    problems: list[Problem] = []
    notices: list[Notice] = []
    courses: dict[str, dict[str, str | bytes]] = defaultdict(dict)  # slug -> {name: data}
    quizzes: dict[str, dict[str, str | bytes]] = defaultdict(dict)
    for key, data in files.items():
        parts = key.split("/")
        # Hidden files (.DS_Store, .git/...) and folder entries of zip files are not content.
        hidden = any(part.startswith(".") for part in parts)
        if parts[0] not in TOP_FOLDERS or key.endswith("/") or hidden:
            continue
        if len(parts) < 3:
            message = msg.FILE_OUTSIDE_COURSE if parts[0] == "courses" else msg.BAD_QUIZ_PATH
            problems.append(Problem(key, 1, message))
            continue
        group = courses if parts[0] == "courses" else quizzes
        group[parts[1]]["/".join(parts[2:])] = data

    result = CheckResult()
    for slug in sorted(courses):
        doc, course_problems, course_notices = _check_course(slug, courses[slug], quizzes.get(slug, {}))
        problems += course_problems
        notices += course_notices
        if doc is None:
            result.refused.append(slug)
        else:
            result.courses.append(doc)
    for slug in sorted(set(quizzes) - set(courses)):
        for name in sorted(quizzes[slug]):
            path = f"quizzes/{slug}/{name}"
            problems.append(Problem(path, 1, msg.unknown_quiz_course(slug)))
            _check_quiz(path, name, quizzes[slug][name], problems, notices)
    result.problems = sorted(problems, key=lambda p: (p.path, p.line))
    result.warnings = sorted(notices, key=lambda n: (n.path, n.line))
    return result


def _as_text(data: str | bytes) -> str:
    return data if isinstance(data, str) else data.decode("utf-8")


def _decode(path: str, data: str | bytes, problems: list[Problem]) -> str | None:
    """Return the file's text, or None (and a problem) when it is not UTF-8."""
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        problems.append(Problem(path, 1, msg.NOT_UTF8))
        return None


def _check_quiz(
    path: str, name: str, data: str | bytes, problems: list[Problem], notices: list[Notice]
) -> QuizDoc | None:
    """Check one quiz file's name and content; *name* is its path inside its course folder."""
    if "/" in name or not name.endswith(".md") or not is_slug(name[:-3]):
        problems.append(Problem(path, 1, msg.BAD_QUIZ_PATH))
        return None
    text = _decode(path, data, problems)
    if text is None:
        return None
    parsed = read_quiz(path, text)
    problems += parsed.problems
    notices += parsed.notices
    return parsed.doc


@dataclass(frozen=True)
class _Module:
    path: str
    parsed: Parsed[ModuleDoc] | None  # None when the file is not UTF-8
    unwritten: bool = False  # still holds the editor's placeholder: too early to weigh its duration


def _check_modules(
    base: str,
    files: Mapping[str, str | bytes],
    problems: list[Problem],
    images: Mapping[str, ShownImage],
    shown: set[str],
    notices: list[Notice],
) -> dict[str, _Module]:
    """Check the module files of one course; return them by module slug.

    *images* are the course's images, by the "images/<name>" a module may show; the ones the
    modules show are added to *shown*. Warnings on their text are added to *notices*.
    """
    modules: dict[str, _Module] = {}
    numbers: dict[str, str] = {}  # NN -> file name that first used it
    names: dict[str, str] = {}  # module slug -> file name that first used it
    for name in sorted(files):
        if name == "course.md":
            continue
        path = base + name
        match = MODULE_NAME.fullmatch(name)
        if "/" in name:
            problems.append(Problem(path, 1, msg.UNEXPECTED_SUBFOLDER))
        elif not name.endswith(".md"):
            problems.append(Problem(path, 1, msg.UNEXPECTED_COURSE_FILE))
        elif match is None or SLUG.fullmatch(match[2]) is None:
            problems.append(Problem(path, 1, msg.BAD_MODULE_NAME))
        elif len(match[2]) > MAX_SLUG:
            problems.append(Problem(path, 1, msg.MODULE_SLUG_TOO_LONG))
        else:
            number, slug = match[1], match[2]
            if slug == FINAL:
                problems.append(Problem(path, 1, msg.RESERVED_MODULE_SLUG))
            # The later file (in name order) is the one reported, naming the earlier one.
            if number in numbers:
                message = msg.duplicate_module_number(number, numbers[number])
                problems.append(Problem(path, 1, message))
            if slug in names:
                problems.append(Problem(path, 1, msg.duplicate_module_slug(slug, names[slug])))
            numbers.setdefault(number, name)
            names.setdefault(slug, name)
            text = _decode(path, files[name], problems)
            placeholders = []
            if text is not None:
                notices += _bare_address_notices(path, text)
                placeholders = _placeholder_problems(path, text)
                problems += placeholders
            parsed = read_module(path, slug, int(number), text, images) if text is not None else None
            if parsed is not None:
                problems += parsed.problems
                problems += image_problems(path, text, images, shown)
            modules.setdefault(slug, _Module(path, parsed, bool(placeholders)))
    return modules


def _check_course(
    slug: str, files: Mapping[str, str | bytes], quiz_files: Mapping[str, str | bytes]
) -> tuple[CourseDoc | None, list[Problem], list[Notice]]:
    """Check one course folder and its quizzes; return the full document only if all is right,
    with the problems and the warnings found."""
    base = f"courses/{slug}/"
    problems: list[Problem] = []
    notices: list[Notice] = []
    if not is_slug(slug):
        first = "course.md" if "course.md" in files else min(files)
        problems.append(Problem(base + first, 1, msg.bad_course_slug(slug)))

    image_files = {n.removeprefix(FOLDER): d for n, d in files.items() if n.startswith(FOLDER)}
    files = {n: d for n, d in files.items() if not n.startswith(FOLDER)}
    refs, prepared = _check_images(base, image_files, problems)
    images, shown = shown_images(slug, refs), set()
    course = None
    if "course.md" not in files:
        problems.append(Problem(base + "course.md", 1, msg.MISSING_COURSE_MD))
    else:
        text = _decode(base + "course.md", files["course.md"], problems)
        if text is not None:
            course = read_course(base + "course.md", slug, text, images)
            notices += _bare_address_notices(base + "course.md", text)
            problems += _placeholder_problems(base + "course.md", text)
            problems += course.problems
            problems += image_problems(base + "course.md", text, images, shown)

    modules = _check_modules(base, files, problems, images, shown, notices)
    notices += _unused_image_notices(base, refs, shown)
    if not modules:
        problems.append(Problem(base + "course.md", 1, msg.NO_MODULE))

    quizzes: dict[str, QuizDoc | None] = {}
    for name in sorted(quiz_files):
        path = f"quizzes/{slug}/{name}"
        quiz = _check_quiz(path, name, quiz_files[name], problems, notices)
        module_slug = name.removesuffix(".md")
        if is_slug(module_slug) and name.endswith(".md") and "/" not in name:
            if module_slug not in modules and module_slug != FINAL:
                problems.append(Problem(path, 1, msg.unknown_quiz_module(module_slug, slug)))
            quizzes[module_slug] = quiz

    final = quizzes.pop(FINAL, None)
    final_minutes = quiz_minutes(final.drawn) if final is not None else None
    notices += _module_duration_notices(modules, quizzes)
    if course is not None and course.doc is not None and (final is not None or FINAL_FILE not in quiz_files):
        notices += _course_duration_notice(base + "course.md", course, modules, final_minutes)
    if problems or course is None or course.doc is None:
        return None, problems, notices
    docs = sorted(
        (replace(m.parsed.doc, quiz=quizzes.get(s)) for s, m in modules.items() if m.parsed and m.parsed.doc),
        key=lambda m: m.position,
    )
    # No problem means every file decoded, so bytes here are valid UTF-8 (e.g. from a zip).
    texts = {base + n: _as_text(t) for n, t in files.items()}
    texts.update({base + FOLDER + n: make_reference(r.sha256, r.width, r.height) for n, r in refs.items()})
    texts.update({f"quizzes/{slug}/{n}": _as_text(t) for n, t in quiz_files.items()})
    doc = replace(
        course.doc,
        modules=tuple(docs),
        content_hash=content_hash(texts),
        final=final,
        final_duration=final_minutes or 0,
        images=tuple(prepared),
    )
    return doc, [], notices


def _check_images(
    base: str, files: Mapping[str, str | bytes], problems: list[Problem]
) -> tuple[dict[str, ImageRef], list[PreparedImage]]:
    """Check a course's images/ folder; return each good image's reference by name, and those
    given as bytes (from a repository) encoded again, for the importer to store.

    A draft's image file holds a reference the server wrote on upload; anything else must be a
    PNG, JPEG or WebP image itself, and is decoded and encoded again here.
    """
    refs: dict[str, ImageRef] = {}
    prepared: list[PreparedImage] = []
    for name, data in sorted(files.items()):
        path = base + FOLDER + name
        if not is_image_name(name):
            problems.append(Problem(path, 1, msg.BAD_IMAGE_NAME))
            continue
        ref = parse_reference(data) if isinstance(data, str) else None
        if ref is None:
            try:
                image = prepare_image(data if isinstance(data, bytes) else data.encode("utf-8"))
            except ImageRefused as exc:
                problems.append(Problem(path, 1, exc.args[0]))
                continue
            if not name.endswith("." + image.extension):
                problems.append(Problem(path, 1, msg.image_wrong_extension(name, image.extension)))
                continue
            ref = ImageRef(image.sha256, image.width, image.height)
            prepared.append(image)
        refs[name] = ref
    return refs, prepared


def image_problems(path: str, text: str, images: Mapping[str, ShownImage], shown: set[str]) -> list[Problem]:
    """Images of a Markdown text without alt text, or naming an image the course does not have;
    the course's images it shows are added to *shown*."""
    found = []
    for use in image_uses(text):
        if not use.alt:
            found.append(Problem(path, use.line, msg.IMAGE_WITHOUT_ALT))
        # What the page will show (app.content.render keeps only these two kinds of address): a
        # learner would otherwise meet the alt text where the image was meant to be.
        if use.src.startswith(FOLDER):
            if use.src not in images:
                found.append(Problem(path, use.line, msg.missing_image(use.src)))
        elif (static := static_src(use.src)) is None:
            found.append(Problem(path, use.line, msg.IMAGE_ELSEWHERE))
        elif not (STATIC_ROOT / static.removeprefix("/static/")).is_file():
            found.append(Problem(path, use.line, msg.missing_static_image(static)))
        shown.add(use.src)
    return found


_FENCE = re.compile(r"^\s*(```|~~~)")
_CODE_SPAN = re.compile(r"(`+).+?\1")
# An address not already a link: not after "<" (an autolink), "(" (a Markdown link's target), "[",
# a quote or "=" (an HTML attribute).
_BARE_ADDRESS = re.compile(r"(?<![<(\[\"'=])\bhttps?://[^\s<>()\[\]\"']+")


# A line that is only the placeholder the editor writes in a new course or module (an objective
# "- …", a heading "# …", an introduction "…"), whatever marks it as a heading or an item.
_PLACEHOLDER = re.compile(r"\s*(?:#{1,6}|[-*+]|>)?\s*…\s*")  # the character the editor writes, not "..."


def _prose_lines(text: str) -> Iterator[tuple[int, str]]:
    """Each line outside fenced code, with its number (from 1)."""
    fenced = False
    for number, line in enumerate(text.splitlines(), start=1):
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            yield number, line


def _placeholder_problems(path: str, text: str) -> list[Problem]:
    """A problem on each line still holding the editor's placeholder, outside fenced code: a course
    must not go to review, let alone to learners, with "…" for an objective or a heading."""
    return [
        Problem(path, number, msg.PLACEHOLDER)
        for number, line in _prose_lines(text)
        if _PLACEHOLDER.fullmatch(line)
    ]


def _bare_address_notices(path: str, text: str) -> list[Notice]:
    """A warning on each line whose address would show as plain text (a source list, most often),
    outside code: Markdown makes a link only of <https://...> or [words](https://...)."""
    found = []
    for number, line in _prose_lines(text):
        if line.startswith("    "):  # a module's own indented code block
            continue
        match = _BARE_ADDRESS.search(_CODE_SPAN.sub("", line))
        if match:
            address = match.group().rstrip(".,;:!?»")
            found.append(Notice(path, number, msg.BARE_ADDRESS, (("address", address),)))
    return found


def _unused_image_notices(base: str, refs: Mapping[str, ImageRef], shown: set[str]) -> list[Notice]:
    """A warning on each image no text shows: harmless, but probably forgotten."""
    return [
        Notice(base + FOLDER + name, 1, msg.UNUSED_IMAGE, (("name", name),))
        for name in refs
        if FOLDER + name not in shown
    ]


def _module_duration_notices(modules: dict[str, _Module], quizzes: dict[str, QuizDoc | None]) -> list[Notice]:
    """Modules whose declared duration is far from their reading and quiz time.

    *quizzes* holds None for a quiz file with problems: that module's time cannot be estimated.
    """
    found = []
    for slug, module in modules.items():
        doc = module.parsed.doc if module.parsed else None
        if doc is None or module.unwritten or (slug in quizzes and quizzes[slug] is None):
            continue
        quiz = quizzes.get(slug)
        drawn = quiz.drawn if quiz is not None else 0
        line = module.parsed.lines["duration"]  # type: ignore[union-attr]
        notice = module_duration_notice(module.path, line, doc.duration, words(doc.body_html), drawn)
        if notice is not None:
            found.append(notice)
    return found


def _course_duration_notice(
    path: str, course: Parsed[CourseDoc], modules: dict[str, _Module], final_minutes: int | None
) -> list[Notice]:
    """The course's duration against its modules' declared durations and its final test."""
    docs = [m.parsed.doc if m.parsed else None for m in modules.values()]
    if not docs or None in docs:
        return []
    declared = sum(doc.duration for doc in docs)  # type: ignore[union-attr]
    line, duration = course.lines["duration"], course.doc.duration  # type: ignore[union-attr]
    notice = course_duration_notice(path, line, duration, declared, final_minutes)
    return [notice] if notice is not None else []

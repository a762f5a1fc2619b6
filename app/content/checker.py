"""Check a whole content root: course folders, their modules and their quizzes.

The core works on an in-memory mapping {relative path: text or bytes} so that the CLI, the
importer, the web editor and zip uploads share it; load_tree() builds that mapping from disk.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from . import messages as msg
from .documents import CheckResult, CourseDoc, ModuleDoc, Problem, QuizDoc
from .parser import normalise, parse_course, parse_module, parse_quiz

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_SLUG = 80
MODULE_NAME = re.compile(r"(\d{2})-(.*)\.md")
TOP_FOLDERS = ("courses", "quizzes")

Files = Mapping[str, str | bytes]


def is_slug(value: str) -> bool:
    """Lower-case ASCII letters and digits in hyphen-separated words, at most 80 characters."""
    return len(value) <= MAX_SLUG and SLUG.fullmatch(value) is not None


def load_tree(root: Path) -> dict[str, str | bytes]:
    """Read every file under root/courses/ and root/quizzes/, skipping hidden files and folders.

    Keys are paths relative to *root* with forward slashes; values are str when the file decodes
    as UTF-8, else the raw bytes (so the checker can say the file is not valid UTF-8).
    """
    files: dict[str, str | bytes] = {}
    for top in TOP_FOLDERS:
        for folder, dirnames, filenames in os.walk(root / top):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                full = Path(folder) / name
                data = full.read_bytes()
                try:
                    files[full.relative_to(root).as_posix()] = data.decode("utf-8")
                except UnicodeDecodeError:
                    files[full.relative_to(root).as_posix()] = data
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
    """Check every course and quiz in *files*; a course with any problem is refused whole."""
    problems: list[Problem] = []
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
        doc, course_problems = _check_course(slug, courses[slug], quizzes.get(slug, {}))
        problems += course_problems
        if doc is None:
            result.refused.append(slug)
        else:
            result.courses.append(doc)
    for slug in sorted(set(quizzes) - set(courses)):
        for name in sorted(quizzes[slug]):
            path = f"quizzes/{slug}/{name}"
            problems.append(Problem(path, 1, msg.unknown_quiz_course(slug)))
            _check_quiz(path, name, quizzes[slug][name], problems)
    result.problems = sorted(problems, key=lambda p: (p.path, p.line))
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


def _check_quiz(path: str, name: str, data: str | bytes, problems: list[Problem]) -> QuizDoc | None:
    """Check one quiz file's name and content; *name* is its path inside its course folder."""
    if "/" in name or not name.endswith(".md") or not is_slug(name[:-3]):
        problems.append(Problem(path, 1, msg.BAD_QUIZ_PATH))
        return None
    text = _decode(path, data, problems)
    if text is None:
        return None
    quiz, quiz_problems = parse_quiz(path, text)
    problems += quiz_problems
    return quiz


def _check_modules(
    base: str, files: Mapping[str, str | bytes], problems: list[Problem]
) -> tuple[dict[str, ModuleDoc | None], bool]:
    """Check the module files of one course; return {module slug: doc or None}, and if any."""
    modules: dict[str, ModuleDoc | None] = {}
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
            # The later file (in name order) is the one reported, naming the earlier one.
            if number in numbers:
                message = msg.duplicate_module_number(number, numbers[number])
                problems.append(Problem(path, 1, message))
            if slug in names:
                problems.append(Problem(path, 1, msg.duplicate_module_slug(slug, names[slug])))
            numbers.setdefault(number, name)
            names.setdefault(slug, name)
            text = _decode(path, files[name], problems)
            doc = None
            if text is not None:
                doc, module_problems = parse_module(path, slug, int(number), text)
                problems += module_problems
            modules.setdefault(slug, doc)
    return modules, bool(names)


def _check_course(
    slug: str, files: Mapping[str, str | bytes], quiz_files: Mapping[str, str | bytes]
) -> tuple[CourseDoc | None, list[Problem]]:
    """Check one course folder and its quizzes; return the full document only if all is right."""
    base = f"courses/{slug}/"
    problems: list[Problem] = []
    if not is_slug(slug):
        first = "course.md" if "course.md" in files else min(files)
        problems.append(Problem(base + first, 1, msg.bad_course_slug(slug)))

    course = None
    if "course.md" not in files:
        problems.append(Problem(base + "course.md", 1, msg.MISSING_COURSE_MD))
    else:
        text = _decode(base + "course.md", files["course.md"], problems)
        if text is not None:
            course, course_problems = parse_course(base + "course.md", slug, text)
            problems += course_problems

    modules, any_module = _check_modules(base, files, problems)
    if not any_module:
        problems.append(Problem(base + "course.md", 1, msg.NO_MODULE))

    quizzes: dict[str, QuizDoc | None] = {}
    for name in sorted(quiz_files):
        path = f"quizzes/{slug}/{name}"
        quiz = _check_quiz(path, name, quiz_files[name], problems)
        module_slug = name.removesuffix(".md")
        if is_slug(module_slug) and name.endswith(".md") and "/" not in name:
            if module_slug not in modules:
                problems.append(Problem(path, 1, msg.unknown_quiz_module(module_slug, slug)))
            quizzes[module_slug] = quiz

    if problems or course is None:
        return None, problems
    docs = sorted(
        (replace(m, quiz=quizzes.get(s)) for s, m in modules.items() if m is not None),
        key=lambda m: m.position,
    )
    # No problem means every file decoded, so bytes here are valid UTF-8 (e.g. from a zip).
    texts = {base + n: _as_text(t) for n, t in files.items()}
    texts.update({f"quizzes/{slug}/{n}": _as_text(t) for n, t in quiz_files.items()})
    return replace(course, modules=tuple(docs), content_hash=content_hash(texts)), []

"""A draft as learners will read it, for its reviewers and editors, and what changed since the
live version: modules added, removed or changed, questions added or removed, keys changed.

The files are parsed once (as untrusted work: a child process, a slot, the time limit) and the
result kept per app, keyed by the files' hash: reading a draft again, or another reviewer reading
it, costs nothing until it changes.
"""

import functools
from collections.abc import Mapping
from dataclasses import dataclass, replace

from flask import current_app

from app.content.checker import FINAL
from app.content.documents import CourseDoc, QuizDoc
from app.publishing import editor
from app.publishing.diffs import IN_PROCESS_DIFF_LINES, FileDiff, diff_files
from app.publishing.services import check_untrusted, files_hash

_PARSED = "cadre.parsed_drafts"


@dataclass(frozen=True)
class QuizChanges:
    added: tuple[str, ...] = ()  # question keys
    removed: tuple[str, ...] = ()
    new_key: tuple[str, ...] = ()  # questions whose right answers changed

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.new_key)


@dataclass(frozen=True)
class ModuleChange:
    slug: str
    status: str  # "added", "removed", "changed", "unchanged"
    quiz: QuizChanges


def _parse(files_key: str, files: tuple[tuple[str, str], ...]) -> CourseDoc | None:
    """The course the files make, or None when they have a problem (the draft page lists it)."""
    result = check_untrusted(dict(files))
    return result.courses[0] if result.courses and not result.problems else None


def parsed(files: Mapping[str, str]) -> CourseDoc | None:
    """The files parsed, kept per app by hash (Busy is raised, and not kept)."""
    parse = current_app.extensions.get(_PARSED)
    if parse is None:
        parse = current_app.extensions.setdefault(_PARSED, functools.lru_cache(maxsize=8)(_parse))
    return parse(files_hash(files), tuple(sorted(files.items())))


def _keys(quiz: QuizDoc | None) -> dict[str, tuple[bool, ...]]:
    """Each question's key and which of its choices are right."""
    return {q.key: tuple(c.correct for c in q.choices) for q in quiz.questions} if quiz else {}


def quiz_changes(before: QuizDoc | None, after: QuizDoc | None) -> QuizChanges:
    old, new = _keys(before), _keys(after)
    return QuizChanges(
        added=tuple(k for k in new if k not in old),
        removed=tuple(k for k in old if k not in new),
        new_key=tuple(k for k in new if k in old and new[k] != old[k]),
    )


def _sources(module) -> tuple[str, str]:
    return module.source, module.quiz.source if module.quiz else ""


def changes(live: CourseDoc, draft: CourseDoc) -> list[ModuleChange]:
    """Module by module (in the draft's order, then the removed ones), what the draft changes."""
    before = {m.slug: m for m in live.modules}
    found = []
    for module in draft.modules:
        old = before.get(module.slug)
        quiz = quiz_changes(old.quiz if old else None, module.quiz)
        if old is None:
            status = "added"
        elif _sources(old) != _sources(module):
            status = "changed"
        else:
            status = "unchanged"
        found.append(ModuleChange(module.slug, status, quiz))
    drafted = {m.slug for m in draft.modules}
    found += [ModuleChange(m.slug, "removed", QuizChanges()) for m in live.modules if m.slug not in drafted]
    if live.final or draft.final:
        before, after = (quiz.source if quiz else None for quiz in (live.final, draft.final))
        if before == after:
            status = "unchanged"
        elif before is None or after is None:
            status = "added" if before is None else "removed"
        else:
            status = "changed"
        found.append(ModuleChange(FINAL, status, quiz_changes(live.final, draft.final)))
    return found


MODULE = "module"  # a module's own file, whatever its number, when comparing


def course_changed(live: CourseDoc, draft: CourseDoc) -> bool:
    """Whether the course's details or introduction (its course.md) changed."""
    return live.source != draft.source


def _texts_by_module(files: Mapping[str, str], course_slug: str) -> dict[str, dict[str, str]]:
    """Each module's files by slug ({path: text}), the final test's under FINAL.

    The module file goes by its slug alone (``MODULE``), not its path: moving a module renumbers
    its file, which is not a change of its text.
    """
    texts = {}
    for m in editor.modules(dict(files), course_slug):
        texts[m.slug] = {MODULE: files[m.path]}
        if m.quiz_path in files:
            texts[m.slug][m.quiz_path] = files[m.quiz_path]
    final = editor.final_path(course_slug)
    if final in files:
        texts[FINAL] = {final: files[final]}
    return texts


def line_changes(
    live_files: Mapping[str, str], draft_files: Mapping[str, str], course_slug: str
) -> dict[str, tuple[FileDiff, ...]]:
    """The changed lines of each changed module (and of course.md, under its path).

    Compared in the web worker only while small (difflib is quadratic at worst): beyond
    IN_PROCESS_DIFF_LINES lines in all, each changed file is summed up by its line counts.
    """
    before, after = _texts_by_module(live_files, course_slug), _texts_by_module(draft_files, course_slug)
    course = editor.course_path(course_slug)
    before[course] = {course: live_files.get(course, "")}
    after[course] = {course: draft_files.get(course, "")}
    changed = {slug for slug in before.keys() | after.keys() if before.get(slug) != after.get(slug)}
    lines = sum(
        text.count("\n") + 1
        for slug in changed
        for side in (before, after)
        for text in side.get(slug, {}).values()
    )
    small = lines <= IN_PROCESS_DIFF_LINES
    paths = {
        m.slug: m.path
        for files in (live_files, draft_files)
        for m in editor.modules(dict(files), course_slug)
    }
    found = {}
    for slug in changed:
        old, new = before.get(slug, {}), after.get(slug, {})
        compared = diff_files(old, new) if small else diff_files(old, new, max_lines=0)
        found[slug] = tuple(replace(d, path=paths[slug]) if d.path == MODULE else d for d in compared)
    return found

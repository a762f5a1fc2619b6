"""What changed between two published versions of a course, for the version page.

Published versions never change, so a comparison is made once per app and kept. difflib is
quadratic at worst, so a large comparison runs as untrusted work (app.publishing.services
``run_untrusted``: a child process, a slot, a time limit) and files too large are summed up.
"""

import difflib
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from app.content.bounded import Busy, TooSlow
from app.extensions import db
from app.publishing.models import CourseVersion
from app.publishing.services import run_untrusted


@dataclass(frozen=True)
class FileDiff:
    path: str
    status: str  # "added", "removed", "changed"
    lines: tuple[str, ...]  # unified diff lines, without the ---/+++ header; none when summed up
    before: int = 0  # lines on each side
    after: int = 0
    summed_up: bool = False  # too large to show line by line: only the two counts are given


@dataclass(frozen=True)
class VersionChanges:
    files: tuple[FileDiff, ...]
    stopped: str = ""  # "too-slow" or "busy": nothing was compared, every file is summed up


# difflib is quadratic at worst (about 1.7 s for two 5,000-line files interleaved). Up to this many
# lines in all (both sides, every file compared) it costs under 0.1 s and runs in the web worker;
# beyond, it runs as untrusted work: in a child process, in a slot, under the time limit.
IN_PROCESS_DIFF_LINES = 2_000
_DIFFS = "cadre.version_diffs"


def _changed(old: Mapping[str, str], new: Mapping[str, str]):
    """(path, status, lines before, lines after) for each file that differs, in path order."""
    for path in sorted(set(old) | set(new)):
        before, after = old.get(path), new.get(path)
        if before != after:
            status = "added" if before is None else "removed" if after is None else "changed"
            yield path, status, (before or "").splitlines(), (after or "").splitlines()


def diff_files(
    old: Mapping[str, str], new: Mapping[str, str], max_lines: int = 5_000, max_changed: int = 2_000
) -> list[FileDiff]:
    """What changed between two versions' files, file by file (unchanged files left out).

    A file over ``max_lines`` lines on a side is summed up without being compared, and so is one
    whose changed lines would take the total shown over ``max_changed``.
    """
    changes, shown = [], 0
    for path, status, before, after in _changed(old, new):
        if max(len(before), len(after)) <= max_lines:
            lines = list(difflib.unified_diff(before, after, lineterm="", n=2))[2:]
            changed = sum(1 for line in lines if line.startswith(("+", "-")))
            if shown + changed <= max_changed:
                shown += changed
                changes.append(FileDiff(path, status, tuple(lines), len(before), len(after)))
                continue
        changes.append(FileDiff(path, status, (), len(before), len(after), summed_up=True))
    return changes


def _summed_up(old: Mapping[str, str], new: Mapping[str, str], stopped: str) -> VersionChanges:
    files = (FileDiff(p, s, (), len(b), len(a), summed_up=True) for p, s, b, a in _changed(old, new))
    return VersionChanges(tuple(files), stopped)


def _compare_versions(previous_id: int, current_id: int, *_published: datetime) -> VersionChanges:
    """The changes between two published versions; TooSlow is kept as a summary, Busy raised."""
    old = db.session.get(CourseVersion, previous_id).files
    new = db.session.get(CourseVersion, current_id).files
    config = current_app.config
    caps = (config["DIFF_MAX_LINES"], config["DIFF_MAX_CHANGED_LINES"])
    changed = list(_changed(old, new))
    compared = sum(len(b) + len(a) for _p, _s, b, a in changed if max(len(b), len(a)) <= caps[0])
    if compared <= IN_PROCESS_DIFF_LINES:
        return VersionChanges(tuple(diff_files(old, new, *caps)))
    paths = {path for path, *_rest in changed}  # only the files that differ go to the child
    old = {path: text for path, text in old.items() if path in paths}
    new = {path: text for path, text in new.items() if path in paths}
    try:
        return VersionChanges(tuple(run_untrusted(diff_files, old, new, *caps)))
    except TooSlow:
        # Kept like any result: a comparison that needs more than the time limit is pathological,
        # and trying it again on every view would give one visitor a slot for that long each time.
        return _summed_up(old, new, "too-slow")


def version_changes(previous: CourseVersion | None, current: CourseVersion) -> VersionChanges:
    """What changed since the previous published version.

    Published versions never change, so each app keeps the last few results (a Busy one is not
    kept: the next view tries again).
    """
    if previous is None:
        return VersionChanges(())
    compare = current_app.extensions.get(_DIFFS)
    if compare is None:
        compare = current_app.extensions.setdefault(
            _DIFFS, functools.lru_cache(maxsize=16)(_compare_versions)
        )
    try:
        # The publication times are in the key only to tell versions apart should ids be reused
        # (a database restored while the app runs).
        return compare(previous.id, current.id, previous.published_at, current.published_at)
    except Busy:
        return _summed_up(previous.files, current.files, "busy")

"""YAML front matter: split it from the body, parse it and check its fields with exact lines."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

import yaml

from app.characters import JOINERS, code_points, hidden_characters

from . import messages as msg
from .documents import Problem

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # a course's or a module's short name
MAX_SLUG = 80


class Invalid(Exception):
    """A field value is wrong; *index* points at the faulty item of a list, if any."""

    def __init__(self, message: str, index: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.index = index


# A checker takes the constructed YAML value and returns the clean value or raises Invalid.
Checker = Callable[[object], object]


@dataclass(frozen=True)
class Field:
    """One allowed front-matter field."""

    name: str
    check: Checker
    required: bool = True


@dataclass
class FrontMatter:
    """The split file: front matter values (by field name) and the Markdown body after it."""

    values: dict[str, object] = field(default_factory=dict)  # raw YAML values, or _BROKEN
    nodes: dict[str, yaml.Node] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)  # file line of each key
    close_line: int = 1  # file line of the closing '---'
    body: str = ""
    body_start: int = 1  # file line of the body's first line


# Stands for a value PyYAML could not build (e.g. the date 2025-13-01 or an unknown !!tag).
_BROKEN = object()


def normalise(text: str) -> str:
    """Drop a leading BOM and turn CRLF (and lone CR) line ends into LF."""
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _is_fence(line: str) -> bool:
    return line.rstrip() == "---"


def split_front_matter(path: str, text: str) -> tuple[FrontMatter | None, list[Problem]]:
    """Split *text* (already normalised) into its parsed front matter and its body."""
    lines = text.split("\n")
    if not _is_fence(lines[0]):
        return None, [Problem(path, 1, msg.NO_FRONT_MATTER)]
    close = next((i for i in range(1, len(lines)) if _is_fence(lines[i])), None)
    if close is None:
        return None, [Problem(path, 1, msg.UNCLOSED_FRONT_MATTER)]
    fm = FrontMatter(close_line=close + 1, body="\n".join(lines[close + 1 :]), body_start=close + 2)
    usable, problems = _load_yaml(path, "\n".join(lines[1:close]), fm)
    return (fm if usable else None), problems


def _yaml_line(mark: yaml.Mark | None, close_line: int) -> int:
    # YAML line 0 is file line 2 (line 1 is the opening '---'); an error at the very end of the
    # YAML text would land on the closing '---', never beyond.
    return min(mark.line + 2, close_line) if mark is not None else 2


def _load_yaml(path: str, source: str, fm: FrontMatter) -> tuple[bool, list[Problem]]:
    """Fill *fm* from the YAML *source*; say whether its fields can be checked, and what failed."""
    try:
        loader = yaml.SafeLoader(source)
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark and "end of stream" in (exc.problem or ""):
            mark = exc.context_mark  # e.g. an unclosed quote: point where it opens, not at EOF
        line = _yaml_line(mark, fm.close_line)
        return False, [Problem(path, line, msg.invalid_yaml(exc.problem or exc.context or "?"))]
    except yaml.reader.ReaderError as exc:  # a control character: only its offset is known
        line = min(source.count("\n", 0, max(exc.position, 0)) + 2, fm.close_line)
        return False, [Problem(path, line, msg.invalid_yaml(str(exc).split("\n")[0]))]
    except RecursionError:  # PyYAML's composer recurses once per nesting level
        return False, [Problem(path, 2, msg.YAML_TOO_DEEP)]
    try:
        if root is None:  # "---" right after "---": no field, so every required one is missing
            return True, []
        if not isinstance(root, yaml.MappingNode):
            line = _yaml_line(root.start_mark, fm.close_line)
            return False, [Problem(path, line, msg.NOT_A_MAPPING)]
        problems = []
        for key_node, value_node in root.value:
            name = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
            line = _yaml_line(key_node.start_mark, fm.close_line)
            if name in fm.lines:  # PyYAML would silently keep the last value
                problems.append(Problem(path, line, msg.duplicate_field(name, fm.lines[name])))
                continue
            fm.lines[name] = line
            fm.nodes[name] = value_node
            try:
                fm.values[name] = loader.construct_object(value_node, deep=True)
            except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError):
                # Build errors are about the value's type: the field check reports them.
                fm.values[name] = _BROKEN
        return True, problems
    finally:
        loader.dispose()


def check_fields(
    path: str, fm: FrontMatter, fields: tuple[Field, ...]
) -> tuple[dict[str, object], list[Problem]]:
    """Check *fm* against *fields*; return the clean values and the problems, in line order."""
    allowed = {f.name: f for f in fields}
    clean: dict[str, object] = {}
    problems: list[Problem] = []
    for name, value in fm.values.items():
        line = fm.lines[name]
        spec = allowed.get(name)
        if spec is None:
            problems.append(Problem(path, line, msg.unknown_field(name, list(allowed))))
            continue
        try:
            clean[name] = spec.check(value)
        except Invalid as exc:
            problems.append(Problem(path, _item_line(fm, name, exc.index) or line, exc.message))
    for spec in fields:
        if spec.required and spec.name not in fm.values:
            # Reported on the closing '---': that is where the author will add the field.
            problems.append(Problem(path, fm.close_line, msg.missing_field(spec.name)))
        elif not spec.required and spec.name not in fm.values:
            clean[spec.name] = None
    problems.sort(key=lambda p: p.line)
    return clean, problems


def _item_line(fm: FrontMatter, name: str, index: int | None) -> int | None:
    node = fm.nodes.get(name)
    if index is None or not isinstance(node, yaml.SequenceNode) or index >= len(node.value):
        return None
    return _yaml_line(node.value[index].start_mark, fm.close_line)


# --- field checkers ---------------------------------------------------------------------------


def text(name: str, max_length: int | None = None) -> Checker:
    """A non-empty string, stripped, of at most *max_length* characters when given."""

    def check(value: object) -> str:
        if not isinstance(value, str) or not value.strip():
            raise Invalid(msg.must_be_text(name))
        _refuse_hidden(name, value)
        if max_length is not None and len(value.strip()) > max_length:
            raise Invalid(msg.too_long(name, max_length))
        return value.strip()

    return check


def _refuse_hidden(name: str, value: str, index: int | None = None) -> None:
    """Titles, summaries and objectives print on pages and certificates: nothing invisible in them."""
    hidden = hidden_characters(value, allowed=JOINERS)
    if hidden:
        raise Invalid(msg.hidden_in_field(name, code_points(hidden)), index)


def one_of(name: str, choices: tuple[str, ...]) -> Checker:
    """One string out of *choices*."""

    def check(value: object) -> str:
        if value not in choices or not isinstance(value, str):
            raise Invalid(msg.must_be_one_of(name, choices))
        return value

    return check


def course_slug(name: str) -> Checker:
    """A course's short name (its folder's name), such as another course's that this one translates."""

    def check(value: object) -> str:
        if not isinstance(value, str) or SLUG.fullmatch(value) is None or len(value) > MAX_SLUG:
            raise Invalid(msg.must_be_course_slug(name))
        return value

    return check


def _whole(value: object) -> bool:
    # bool is a subclass of int in Python: "duration: yes" must not read as 1.
    return isinstance(value, int) and not isinstance(value, bool)


MAX_MINUTES = 10_000  # about a week of full days: anything above is a typo


def minutes(name: str) -> Checker:
    """A positive whole number of minutes, at most MAX_MINUTES."""

    def check(value: object) -> int:
        if not _whole(value) or value <= 0:  # type: ignore[operator]
            raise Invalid(msg.must_be_minutes(name))
        if value > MAX_MINUTES:  # type: ignore[operator]
            raise Invalid(msg.too_many_minutes(name, MAX_MINUTES))
        return value  # type: ignore[return-value]

    return check


def percent(name: str) -> Checker:
    """A whole number from 0 to 100."""

    def check(value: object) -> int:
        if not _whole(value) or not 0 <= value <= 100:  # type: ignore[operator]
            raise Invalid(msg.must_be_percent(name))
        return value  # type: ignore[return-value]

    return check


def whole(name: str, low: int, high: int | None = None) -> Checker:
    """A whole number of at least *low*, and at most *high* when given."""

    def check(value: object) -> int:
        if not _whole(value) or value < low or (high is not None and value > high):  # type: ignore[operator]
            raise Invalid(msg.must_be_whole(name, low, high))
        return value  # type: ignore[return-value]

    return check


def boolean(name: str) -> Checker:
    """A YAML boolean (true/false)."""

    def check(value: object) -> bool:
        if not isinstance(value, bool):
            raise Invalid(msg.must_be_bool(name))
        return value

    return check


def day(name: str) -> Checker:
    """A YAML date (not a quoted string, not a date with a time)."""

    def check(value: object) -> date:
        if not isinstance(value, date) or isinstance(value, datetime):
            raise Invalid(msg.must_be_date(name))
        return value

    return check


def text_list(name: str) -> Checker:
    """A non-empty list of non-empty strings, each stripped."""

    def check(value: object) -> tuple[str, ...]:
        if not isinstance(value, list) or not value:
            raise Invalid(msg.must_be_text_list(name))
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise Invalid(msg.item_must_be_text(name), index)
            _refuse_hidden(name, item, index)
        return tuple(item.strip() for item in value)

    return check

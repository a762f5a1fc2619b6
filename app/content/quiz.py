"""The body of a quiz file: "## " questions, a task list of choices, a "> " explanation.

The body is read line by line (not through Markdown's tree) so that every problem can name the
exact line; only the pieces (prompt, choices, explanation) are then rendered as Markdown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from . import messages as msg
from .documents import ChoiceDoc, Problem, QuestionDoc
from .render import RenderError, render_inline, render_markdown, slugify

MAX_KEY = 120  # the database column for question keys is String(120)
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
HEADING = re.compile(r" {0,3}##(?:[ \t]+(.*))?")  # "##" then a space or nothing: not "###"
CLOSING_HASHES = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")
EXPLICIT_KEY = re.compile(r"(?:^|[ \t]+)\{#([^}]*)\}$")
CHOICE = re.compile(r" {0,3}[-*+][ \t]+\[([ xX])\](?:[ \t]+(.*))?")
LIST_ITEM = re.compile(r" {0,3}(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")
QUOTE = re.compile(r" {0,3}> ?")
FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")


@dataclass
class _Draft:
    """A question being read: its lines, before checks and rendering."""

    line: int
    text: str
    key: str
    prompt: list[str] = field(default_factory=list)
    choices: list[tuple[int, bool, str]] = field(default_factory=list)  # line, right, text
    explanation: list[str] = field(default_factory=list)
    plain_items: list[int] = field(default_factory=list)  # lines of "- text" in the prompt
    state: str = "prompt"  # prompt -> choices <-> gap -> explanation <-> after
    gap_line: int | None = None  # first text line after the choices, before "> "
    run: list[int] = field(default_factory=list)  # plain items right above the next line
    fence: str | None = None  # the opening fence while inside a code block of the prompt
    said_after: bool = False  # TEXT_AFTER_EXPLANATION already reported

    def to_doc(self) -> QuestionDoc:
        """Render the question (only called when it has no problem)."""
        prompt = f"<p>{render_inline(self.text)}</p>"
        scenario = "\n".join(self.prompt).strip()
        if scenario:
            prompt += "\n" + render_markdown(scenario)
        return QuestionDoc(
            key=self.key,
            prompt_html=prompt,
            choices=tuple(ChoiceDoc(render_inline(text), right) for _, right, text in self.choices),
            explanation_html=render_markdown("\n".join(self.explanation).strip()),
        )


class _TextOnly(HTMLParser):
    """Collects the text of an HTML fragment (entities decoded)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(html: str) -> str:
    """The visible text of sanitised HTML, used to slug question headings."""
    parser = _TextOnly()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


class _Reader:
    """Reads the body of one quiz and collects its questions and problems."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.drafts: list[_Draft] = []
        self.keys: dict[str, int] = {}  # key -> line of the question that first used it
        self.said_before = False  # TEXT_BEFORE_QUESTION is reported once

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def heading(self, line: int, raw: str) -> None:
        self.finish()
        text = CLOSING_HASHES.sub("", (raw or "").strip())
        key = ""
        explicit = EXPLICIT_KEY.search(text)
        if explicit:
            text = text[: explicit.start()].strip()
            key = explicit.group(1).strip()
            if not SLUG.fullmatch(key):
                self.problem(line, msg.BAD_QUESTION_KEY)
        if not text:
            self.problem(line, msg.EMPTY_QUESTION_TEXT)
        elif not explicit:
            key = slugify(plain_text(render_inline(text)))
            if not key:
                self.problem(line, msg.NO_QUESTION_KEY)
        if len(key) > MAX_KEY:
            self.problem(line, msg.KEY_TOO_LONG)
        if key and key in self.keys:
            self.problem(line, msg.duplicate_question_key(key, self.keys[key]))
        elif key:
            self.keys[key] = line
        self.drafts.append(_Draft(line=line, text=text, key=key))

    def feed(self, line: int, raw: str) -> None:
        """Handle one body line; *line* is its number in the file."""
        q = self.drafts[-1] if self.drafts else None
        if q is not None and q.fence is not None:  # inside a code block: nothing is syntax
            q.prompt.append(raw)
            if raw.strip().startswith(q.fence) and not raw.strip().strip(q.fence[0]):
                q.fence = None
            return
        heading = HEADING.fullmatch(raw)
        if heading:
            self.heading(line, heading.group(1) or "")
        elif q is None:
            if raw.strip() and not self.said_before:
                self.problem(line, msg.TEXT_BEFORE_QUESTION)
                self.said_before = True
        else:
            getattr(self, "_" + q.state)(q, line, raw)

    def _prompt(self, q: _Draft, line: int, raw: str) -> None:
        choice = CHOICE.fullmatch(raw)
        if choice:
            # Plain items right above the first choice are the same Markdown list.
            for item in q.run:
                self.problem(item, msg.NOT_A_CHOICE)
            self._add_choice(q, line, choice)
            return
        q.prompt.append(raw)
        fence = FENCE.match(raw)
        if fence:
            q.fence = fence.group(1)
        if not raw.strip():
            q.run = []
        elif LIST_ITEM.match(raw):
            q.run.append(line)
            q.plain_items.append(line)

    def _add_choice(self, q: _Draft, line: int, choice: re.Match[str]) -> None:
        text = (choice.group(2) or "").strip()
        if not text:
            self.problem(line, msg.EMPTY_CHOICE)
        q.choices.append((line, choice.group(1) in "xX", text))
        q.state = "choices"

    def _choices(self, q: _Draft, line: int, raw: str) -> None:
        choice = CHOICE.fullmatch(raw)
        if choice:
            self._add_choice(q, line, choice)
        elif not raw.strip():
            q.state = "gap"
        elif QUOTE.match(raw):
            self._start_explanation(q, raw)
        elif LIST_ITEM.match(raw):
            self.problem(line, msg.NOT_A_CHOICE)
        elif raw[0] in " \t":  # an indented line continues the choice above (as in Markdown)
            last_line, right, text = q.choices[-1]
            q.choices[-1] = (last_line, right, f"{text} {raw.strip()}".strip())
        else:
            q.gap_line = line
            q.state = "gap"

    def _gap(self, q: _Draft, line: int, raw: str) -> None:
        choice = CHOICE.fullmatch(raw)
        if choice:
            self.problem(q.gap_line or line, msg.CHOICES_NOT_CONTIGUOUS)
            q.gap_line = None
            self._add_choice(q, line, choice)
        elif QUOTE.match(raw):
            self._start_explanation(q, raw)
        elif LIST_ITEM.match(raw):
            self.problem(line, msg.NOT_A_CHOICE)
        elif raw.strip() and q.gap_line is None:
            q.gap_line = line

    def _start_explanation(self, q: _Draft, raw: str) -> None:
        if q.gap_line is not None:
            self.problem(q.gap_line, msg.TEXT_BEFORE_EXPLANATION)
            q.gap_line = None
        q.state = "explanation"
        q.explanation.append(QUOTE.sub("", raw, count=1))

    def _explanation(self, q: _Draft, line: int, raw: str) -> None:
        if QUOTE.match(raw):
            q.explanation.append(QUOTE.sub("", raw, count=1))
        else:
            q.state = "after"
            self._after(q, line, raw)

    def _after(self, q: _Draft, line: int, raw: str) -> None:
        if not raw.strip():
            return
        if QUOTE.match(raw) and not q.said_after:
            # A blank line between "> " lines: still one explanation, in two paragraphs.
            q.explanation.extend(["", QUOTE.sub("", raw, count=1)])
            q.state = "explanation"
        elif not q.said_after:
            self.problem(line, msg.TEXT_AFTER_EXPLANATION)
            q.said_after = True

    def finish(self) -> None:
        """Check the last question read, now that all its lines are known."""
        if not self.drafts:
            return
        q = self.drafts[-1]
        if q.gap_line is not None:
            self.problem(q.gap_line, msg.TEXT_BEFORE_EXPLANATION)
            q.gap_line = None
        if not q.choices:
            # "- text" items and no task list: the author forgot the boxes, say so on each item.
            for item in q.plain_items:
                self.problem(item, msg.NOT_A_CHOICE)
            if not q.plain_items:
                self.problem(q.line, msg.TOO_FEW_CHOICES)
            return
        if not any(right for _, right, _ in q.choices):
            self.problem(q.line, msg.NO_RIGHT_ANSWER)
        if len(q.choices) < 2:
            self.problem(q.line, msg.TOO_FEW_CHOICES)
        if not "\n".join(q.explanation).strip():
            self.problem(q.line, msg.NO_EXPLANATION)


def parse_questions(
    path: str, body: str, body_start: int, close_line: int
) -> tuple[tuple[QuestionDoc, ...], list[Problem]]:
    """Read a quiz body starting at file line *body_start*; problems are sorted by line."""
    reader = _Reader(path)
    for offset, raw in enumerate(body.split("\n")):
        reader.feed(body_start + offset, raw)
    reader.finish()
    if not reader.drafts:
        reader.problem(close_line, msg.EMPTY_QUIZ)
    problems = sorted(reader.problems, key=lambda p: p.line)
    if problems:
        return (), problems
    docs = []
    for draft in reader.drafts:
        try:
            docs.append(draft.to_doc())
        except RenderError as exc:
            problems.append(Problem(path, draft.line, str(exc)))
    return (tuple(docs), []) if not problems else ((), problems)

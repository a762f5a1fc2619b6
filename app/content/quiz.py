"""The body of a quiz file: "## " questions, a task list of choices, a "> " explanation.

Questions may be sorted into groups ("# Title {draw=N}" headings) and each choice may carry its
own feedback ("  > " lines right under it). The body is read line by line (not through
Markdown's tree) so that every problem can name the exact line; only the pieces (prompt,
choices, feedback, explanation) are then rendered as Markdown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import messages as msg
from .cues import GroupFacts, OptionFacts, QuestionFacts
from .documents import ChoiceDoc, GroupDoc, Problem, QuestionDoc
from .render import RenderError, plain_text, render_inline, render_markdown, slugify

__all__ = ["QuizBody", "parse_questions", "plain_text"]

MAX_KEY = 120  # the database column for question keys is String(120)
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
HEADING = re.compile(r" {0,3}##(?:[ \t]+(.*))?")  # "##" then a space or nothing: not "###"
GROUP = re.compile(r" {0,3}#(?:[ \t]+(.*))?")  # "#" then a space or nothing: not "##"
CLOSING_HASHES = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")
EXPLICIT_KEY = re.compile(r"(?:^|[ \t]+)\{#([^}]*)\}$")
GROUP_DRAW = re.compile(r"(?:^|[ \t]+)\{[ \t]*draw[ \t]*=([^}]*)\}$")
CHOICE = re.compile(r" {0,3}[-*+][ \t]+\[([ xX])\](?:[ \t]+(.*))?")
# Indented like the choice's own content (two spaces or a tab): Markdown reads it as a block
# quote inside the list item. One space or none is the explanation's block quote.
FEEDBACK = re.compile(r"(?: {2,}| ?\t)[ \t]*> ?")
LIST_ITEM = re.compile(r" {0,3}(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")
QUOTE = re.compile(r" {0,3}> ?")
FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")


@dataclass
class _Choice:
    line: int
    right: bool
    text: str
    feedback: list[str] = field(default_factory=list)  # its "  > " lines, without the marker
    feedback_line: int | None = None  # its first "  > " line


@dataclass
class _Group:
    line: int
    title: str  # visible text of the heading
    key: str
    draw: int | None  # None when {draw=N} is missing or wrong (already a problem)
    size: int = 0
    said_text: bool = False  # TEXT_BEFORE_GROUP_QUESTION already reported


@dataclass
class _Draft:
    """A question being read: its lines, before checks and rendering."""

    line: int
    text: str
    key: str
    group: _Group | None = None
    prompt: list[str] = field(default_factory=list)
    choices: list[_Choice] = field(default_factory=list)
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
        choices = tuple(
            ChoiceDoc(
                render_inline(c.text),
                c.right,
                render_markdown("\n".join(c.feedback).strip()) if c.feedback else "",
            )
            for c in self.choices
        )
        return QuestionDoc(
            key=self.key,
            prompt_html=prompt,
            choices=choices,
            explanation_html=render_markdown("\n".join(self.explanation).strip()),
            group=self.group.key if self.group else "",
        )


def _heading_text(raw: str) -> str:
    return CLOSING_HASHES.sub("", (raw or "").strip())


class _Reader:
    """Reads the body of one quiz and collects its groups, questions and problems."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.drafts: list[_Draft] = []
        self.groups: list[_Group] = []
        self.question: _Draft | None = None  # the question being read, None after a group heading
        self.keys: dict[str, int] = {}  # key -> line of the question that first used it
        self.group_keys: dict[str, int] = {}
        self.said_before = False  # TEXT_BEFORE_QUESTION is reported once

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def heading(self, line: int, raw: str) -> None:
        self.finish()
        text = _heading_text(raw)
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
        group = self.groups[-1] if self.groups else None
        if group is not None:
            group.size += 1
        self.question = _Draft(line=line, text=text, key=key, group=group)
        self.drafts.append(self.question)

    def group(self, line: int, raw: str) -> None:
        """A "# Title {draw=N}" heading: the questions after it belong to a new group."""
        self.finish()
        self.question = None
        text, draw = _heading_text(raw), None
        found = GROUP_DRAW.search(text)
        if found is None:
            self.problem(line, msg.GROUP_WITHOUT_DRAW)
        else:
            text = text[: found.start()].strip()
            value = found.group(1).strip()
            if value.isascii() and value.isdigit() and int(value) >= 1:
                draw = int(value)
            else:
                self.problem(line, msg.BAD_GROUP_DRAW)
        title = " ".join(plain_text(render_inline(text)).split()) if text else ""
        key = slugify(title)
        if not text:
            self.problem(line, msg.EMPTY_GROUP_TITLE)
        elif not key:
            self.problem(line, msg.NO_GROUP_KEY)
        elif len(key) > MAX_KEY:
            self.problem(line, msg.GROUP_KEY_TOO_LONG)
        elif key in self.group_keys:
            self.problem(line, msg.duplicate_group_key(key, self.group_keys[key]))
        else:
            self.group_keys[key] = line
        self.groups.append(_Group(line=line, title=title, key=key, draw=draw))

    def feed(self, line: int, raw: str) -> None:
        """Handle one body line; *line* is its number in the file."""
        q = self.question
        if q is not None and q.fence is not None:  # inside a code block: nothing is syntax
            q.prompt.append(raw)
            if raw.strip().startswith(q.fence) and not raw.strip().strip(q.fence[0]):
                q.fence = None
            return
        heading = HEADING.fullmatch(raw)
        group = GROUP.fullmatch(raw) if heading is None else None
        if heading:
            self.heading(line, heading.group(1) or "")
        elif group:
            self.group(line, group.group(1) or "")
        elif q is None and self.groups:
            if raw.strip() and not self.groups[-1].said_text:
                self.problem(line, msg.TEXT_BEFORE_GROUP_QUESTION)
                self.groups[-1].said_text = True
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
        q.choices.append(_Choice(line, choice.group(1) in "xX", text))
        q.state = "choices"

    def _choices(self, q: _Draft, line: int, raw: str) -> None:
        choice = CHOICE.fullmatch(raw)
        feedback = FEEDBACK.match(raw)
        last = q.choices[-1]
        if choice:
            self._add_choice(q, line, choice)
        elif not raw.strip():
            q.state = "gap"
        elif feedback:
            if last.feedback_line is None:
                last.feedback_line = line
            last.feedback.append(raw[feedback.end() :])
        elif QUOTE.match(raw):
            self._start_explanation(q, raw)
        elif LIST_ITEM.match(raw):
            self.problem(line, msg.NOT_A_CHOICE)
        elif raw[0] in " \t":  # an indented line continues the choice above (as in Markdown)
            if last.feedback_line is not None:
                self.problem(line, msg.TEXT_AFTER_FEEDBACK)
            last.text = f"{last.text} {raw.strip()}".strip()
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
        """Check the question being read, now that all its lines are known."""
        q, self.question = self.question, None
        if q is None:
            return
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
        if not any(c.right for c in q.choices):
            self.problem(q.line, msg.NO_RIGHT_ANSWER)
        if len(q.choices) < 2:
            self.problem(q.line, msg.TOO_FEW_CHOICES)
        if not "\n".join(q.explanation).strip():
            self.problem(q.line, msg.NO_EXPLANATION)
        for choice in q.choices:
            if choice.feedback_line is not None and not "\n".join(choice.feedback).strip():
                self.problem(choice.feedback_line, msg.EMPTY_FEEDBACK)

    def finish_groups(self) -> None:
        """Once every line is read: each group's size, and questions left out of all groups."""
        for group in self.groups:
            if group.size == 0:
                self.problem(group.line, msg.EMPTY_GROUP)
            elif group.draw is not None and group.draw > group.size:
                self.problem(group.line, msg.group_draw_too_large(group.draw, group.size))
        if self.groups:
            for draft in self.drafts:
                if draft.group is None:
                    self.problem(draft.line, msg.QUESTION_BEFORE_GROUP)


@dataclass(frozen=True)
class QuizBody:
    """What a quiz body holds: its documents, or the problems that prevent them."""

    questions: tuple[QuestionDoc, ...] = ()
    groups: tuple[GroupDoc, ...] = ()
    problems: tuple[Problem, ...] = ()  # sorted by line
    # Lines and visible texts, for the warnings (app.content.cues).
    question_facts: tuple[QuestionFacts, ...] = ()
    group_facts: tuple[GroupFacts, ...] = ()


def parse_questions(path: str, body: str, body_start: int, close_line: int) -> QuizBody:
    """Read a quiz body starting at file line *body_start*."""
    reader = _Reader(path)
    for offset, raw in enumerate(body.split("\n")):
        reader.feed(body_start + offset, raw)
    reader.finish()
    reader.finish_groups()
    if not reader.drafts:
        reader.problem(close_line, msg.EMPTY_QUIZ)
    if reader.problems:
        return QuizBody(problems=tuple(sorted(reader.problems, key=lambda p: p.line)))
    docs, problems = [], []
    for draft in reader.drafts:
        try:
            docs.append(draft.to_doc())
        except RenderError as exc:
            problems.append(Problem(path, draft.line, exc.message))
    if problems:
        return QuizBody(problems=tuple(problems))
    return QuizBody(
        questions=tuple(docs),
        groups=tuple(GroupDoc(g.key, g.title, g.draw) for g in reader.groups),  # type: ignore[arg-type]
        question_facts=tuple(_facts(draft, doc) for draft, doc in zip(reader.drafts, docs, strict=True)),
        group_facts=tuple(GroupFacts(g.line, g.draw, g.size) for g in reader.groups),  # type: ignore[arg-type]
    )


def _facts(draft: _Draft, doc: QuestionDoc) -> QuestionFacts:
    options = tuple(
        OptionFacts(choice.line, plain_text(rendered.html), choice.right, bool(rendered.feedback_html))
        for choice, rendered in zip(draft.choices, doc.choices, strict=True)
    )
    return QuestionFacts(draft.line, options)

"""GIFT questions into a draft's module quiz, as Cadre Markdown appended to the quiz file.

All or nothing: a question Cadre cannot hold (a type it lacks, partial credit, a category, an
image) is reported on its GIFT line and nothing is imported. What passes here is then checked by
the content checker with the whole draft; its problems about the imported questions are reported
on their GIFT lines too (see gift_problems).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.content import messages as content_messages
from app.content.documents import Message, Problem
from app.content.frontmatter import normalise
from app.content.quiz import CLOSING_HASHES, EXPLICIT_KEY, HEADING, MAX_KEY
from app.content.render import RenderError, plain_text, render_inline, slugify

from . import messages as msg
from .gift import GiftQuestion, GiftText, read_gift
from .markdown import Converted, convert, one_line

MAX_GIFT_BYTES = 256 * 1024  # hundreds of questions; more is not a quiz but a question bank
NEW_QUIZ = "---\npass_mark: 70\nshuffle: true\n---\n"  # the editor's starters use the same settings
TRUE_FALSE = {"fr": ("Vrai", "Faux"), "en": ("True", "False")}
TOLERANCE = 1e-4  # Moodle writes a third as 33.33333


@dataclass(frozen=True)
class Imported:
    """The draft's files with the questions appended, and where each one landed."""

    files: dict[str, str]
    # (first line, last line) in the quiz file -> the GIFT line the question came from
    places: tuple[tuple[int, int, int], ...]


def decode(path: str, data: bytes) -> str | Problem:
    """The uploaded file's text (UTF-8, BOM or not), or why it cannot be read."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Problem(path, 1, msg.NOT_UTF8)
    return Problem(path, 1, msg.NUL_BYTE) if "\0" in text else text


def import_gift(
    files: Mapping[str, str], quiz_path: str, gift_path: str, text: str, language: str
) -> Imported | list[Problem]:
    """The GIFT *text* appended to the quiz at *quiz_path*, or every problem found on the way."""
    gift = read_gift(gift_path, text)
    if not gift.questions and not gift.problems:
        return [Problem(gift_path, 1, msg.NO_QUESTION)]
    existing = normalise(files.get(quiz_path, "")) or NEW_QUIZ
    taken = _keys(existing)
    blocks, problems = [], list(gift.problems)
    for question in gift.questions:
        found = _refusals(question)
        problems += [Problem(gift_path, question.line, message) for message in found]
        if not found:
            blocks.append((question.line, _markdown(question, language, taken)))
    if problems:
        return sorted(problems, key=lambda problem: problem.line)
    return _appended(files, quiz_path, existing, blocks)


def _appended(
    files: Mapping[str, str], quiz_path: str, existing: str, blocks: list[tuple[int, str]]
) -> Imported:
    text = existing.rstrip("\n") + "\n"
    places = []
    for gift_line, block in blocks:
        first = text.count("\n") + 2  # after the blank line that separates questions
        text += "\n" + block
        places.append((first, text.count("\n"), gift_line))
    return Imported({**files, quiz_path: text}, tuple(places))


def _keys(quiz: str) -> set[str]:
    """The question keys a quiz file already uses, as the parser makes them."""
    keys = set()
    for line in quiz.split("\n"):
        heading = HEADING.fullmatch(line)
        if heading is None:
            continue
        text = CLOSING_HASHES.sub("", (heading.group(1) or "").strip())
        explicit = EXPLICIT_KEY.search(text)
        try:
            keys.add(explicit.group(1).strip() if explicit else slugify(plain_text(render_inline(text))))
        except RenderError:  # the checker reports it; no key to avoid here
            continue
    return keys


def _new_key(name: str, heading: str, taken: set[str]) -> str:
    """The ::name:: (else the heading) as a key no other question of the quiz has."""
    base = slugify(name) or slugify(heading) or "question"
    key, number = base[:MAX_KEY].strip("-"), 1
    while key in taken:
        number += 1
        suffix = f"-{number}"
        key = base[: MAX_KEY - len(suffix)].strip("-") + suffix
    taken.add(key)
    return key


def _refusals(question: GiftQuestion) -> list[Message]:
    """Why Cadre cannot hold this question, if it cannot."""
    if question.qtype == "category":
        return [msg.CATEGORY]
    if question.qtype in msg.UNSUPPORTED:
        return [msg.UNSUPPORTED[question.qtype]]
    found = [msg.MISSING_WORD] if question.missing_word else []
    if question.qtype == "multichoice":
        found += _weight_refusals(question)
    texts = [question.text, question.general_feedback, question.feedback_true, question.feedback_false]
    texts += [text for answer in question.answers for text in (answer.text, answer.feedback)]
    if any(convert(text).images for text in texts):
        found.append(msg.IMAGES)
    return found


def _weight_refusals(question: GiftQuestion) -> list[Message]:
    """Cadre grades all or nothing: one right answer, or right answers sharing the marks equally.

    Wrong answers of a multiple-choice question may have any weight of zero or less: in Cadre a
    wrong box ticked fails the question whatever its weight (documented in docs/moodle.md).
    """
    fractions = [answer.fraction for answer in question.answers]
    if question.single:
        if fractions.count(1.0) > 1:
            return [msg.SEVERAL_FULL_MARKS]
        return [] if all(f in (0.0, 1.0) for f in fractions) else [msg.PARTIAL_CREDIT]
    rights = [f for f in fractions if f > 0]
    if not rights:  # no right answer: the checker says so, on this question's line
        return []
    equal = max(rights) - min(rights) < TOLERANCE and abs(sum(rights) - 1) < len(rights) * TOLERANCE
    return [] if equal else [msg.UNEQUAL_SPLIT]


def _markdown(question: GiftQuestion, language: str, taken: set[str]) -> str:
    """One question in Cadre's quiz Markdown, its key given explicitly."""
    prompt = convert(question.text)
    heading = one_line(prompt.blocks[0]) if prompt.blocks else ""
    key = _new_key(question.name, heading, taken)
    lines = [f"## {heading} {{#{key}}}", ""]
    for block in prompt.blocks[1:]:
        lines += [block, ""]
    for text, right, feedback in _choices(question, language):
        lines.append(f"- [{'x' if right else ' '}] {convert(text).line}")
        lines += _quoted(convert(feedback), "  >")
    explanation = _quoted(convert(question.general_feedback), ">")
    return "\n".join([*lines, *([""] + explanation if explanation else [])]) + "\n"


def _choices(question: GiftQuestion, language: str) -> list[tuple[GiftText, bool, GiftText]]:
    """(text, right, feedback) of each choice; true/false gives two, in the course's language."""
    if question.qtype == "truefalse":
        true, false = (GiftText(word, "plain") for word in TRUE_FALSE.get(language, TRUE_FALSE["en"]))
        return [
            (true, bool(question.correct), question.feedback_true),
            (false, not question.correct, question.feedback_false),
        ]
    return [(answer.text, answer.fraction > 0, answer.feedback) for answer in question.answers]


def _quoted(converted: Converted, marker: str) -> list[str]:
    """Markdown blocks as a block quote ("> " lines; ">" alone between paragraphs)."""
    text = "\n\n".join(converted.blocks)
    return [f"{marker} {line}" if line else marker for line in text.split("\n")] if text else []


# Checker messages about Markdown syntax, said as a GIFT author would fix them.
GIFT_WORDING = {content_messages.NO_EXPLANATION.template: msg.NO_GENERAL_FEEDBACK}


def gift_problems(
    problems: list[Problem], before: list[Problem], imported: Imported, quiz_path: str, gift_path: str
) -> list[Problem]:
    """The checker's new problems once the questions are in, those about them on their GIFT line."""
    known = {(p.path, p.line, str(p.message)) for p in before}
    found = []
    for problem in problems:
        if (problem.path, problem.line, str(problem.message)) in known:
            continue
        place = next((g for first, last, g in imported.places if first <= problem.line <= last), None)
        in_import = problem.path == quiz_path and place is not None
        if in_import:
            # Said in GIFT's words where the checker's are Cadre's Markdown.
            message = GIFT_WORDING.get(problem.message.template, problem.message)
            found.append(Problem(gift_path, place, message))
        else:
            found.append(problem)
    return found

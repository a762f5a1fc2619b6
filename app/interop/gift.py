"""Moodle's GIFT format, read and written the way Moodle's own qformat_gift does.

The reader follows question/format/gift/format.php (``readquestion``) step by step: blocks
between blank lines, ``//`` lines dropped, escapes replaced by Moodle's own placeholders before
anything else, ``$CATEGORY:``, ``::name::``, the first ``{`` and the first ``}``, general feedback
after the last ``####``, then the type in Moodle's order. So a file reads here as it reads in
Moodle: same names, texts, formats, fractions and feedback. It knows every type Moodle has, to say
which one Cadre lacks; turning questions into Cadre's Markdown is app.interop.gift_import's job.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from app.content.documents import Problem, QuestionDoc

from . import messages as msg
from .quizzes import ExportedQuiz

PHP_BLANKS = " \t\n\r\0\x0b"  # what PHP's trim() removes: not the no-break spaces of French
FORMATS = ("moodle", "html", "plain", "markdown")
# Moodle's escapedchar_pre / escapedchar_post placeholders, in its order.
ESCAPES = (
    ("\\:", "&&058;", ":"),
    ("\\#", "&&035;", "#"),
    ("\\=", "&&061;", "="),
    ("\\{", "&&123;", "{"),
    ("\\}", "&&125;", "}"),
    ("\\~", "&&126;", "~"),
    ("\\n", "&&010", "\n"),
)
WEIGHT = re.compile(r"%-*([0-9]{1,2})\.?([0-9]*)%")  # $giftanswerweightregex, anchored by match()
TRUE_FALSE = ("T", "TRUE", "F", "FALSE")
# The fractions Moodle's question engine offers (question_bank::fraction_options_full()), so that
# an exported weight is neither refused nor rounded: 100/k for k = 1..10 right answers.
SHARES = ("100", "50", "33.33333", "25", "20", "16.66667", "14.28571", "12.5", "11.11111", "10")


@dataclass(frozen=True)
class GiftText:
    text: str
    format: str = "moodle"  # one of FORMATS


NO_TEXT = GiftText("")


@dataclass(frozen=True)
class GiftAnswer:
    text: GiftText
    fraction: float  # 1.0 for "=", the %weight% / 100, else 0.0
    feedback: GiftText = NO_TEXT


@dataclass(frozen=True)
class GiftQuestion:
    """One block of a GIFT file as Moodle reads it; ``qtype`` is Moodle's name of its type."""

    line: int  # 1-based line of the block's first line that is not a comment
    qtype: str  # category, description, essay, numerical, multichoice, match, truefalse, shortanswer
    name: str = ""  # "" without ::name:: (Moodle then names it from its text)
    text: GiftText = NO_TEXT
    general_feedback: GiftText = NO_TEXT
    answers: tuple[GiftAnswer, ...] = ()  # multichoice only
    single: bool = True  # multichoice: one answer allowed (the block holds a "=")
    correct: bool | None = None  # truefalse: the right answer
    feedback_true: GiftText = NO_TEXT  # truefalse: shown to who answers "true"
    feedback_false: GiftText = NO_TEXT
    category: str = ""  # $CATEGORY: its path
    missing_word: bool = False  # text follows the answers: Moodle shows "_____" in their place


@dataclass
class GiftFile:
    questions: list[GiftQuestion] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def php_trim(text: str) -> str:
    return text.strip(PHP_BLANKS)


def _escape_pre(text: str) -> str:
    text = text.replace("\\\\", "&&092;")
    for escaped, placeholder, _char in ESCAPES:
        text = text.replace(escaped, placeholder)
    return text.replace("&&092;", "\\")


def _escape_post(text: str) -> str:
    for _escaped, placeholder, char in ESCAPES:
        text = text.replace(placeholder, char)
    return text


def _with_format(text: str, default: str = "moodle") -> GiftText:
    """Moodle's parse_text_with_format: an optional [format] prefix, then the text unescaped."""
    text_format = default
    end = text.find("]")
    if text.startswith("[") and end > 0 and text[1:end] in FORMATS:
        text_format, text = text[1:end], text[end + 1 :]
    return GiftText(php_trim(_escape_post(text)), text_format)


def _blocks(text: str) -> Iterator[tuple[int, list[str]]]:
    """Each question's lines (trimmed) with the file line it starts on (qformat_default)."""
    start, lines = 0, []
    for number, raw in enumerate([*text.split("\n"), ""], start=1):
        line = php_trim(raw)
        if line:
            start = start or number
            lines.append(line)
        elif lines:
            yield start, lines
            start, lines = 0, []


def read_gift(path: str, text: str) -> GiftFile:
    """Every question of a GIFT file, and Moodle's own errors (braces, too few answers) by line."""
    result = GiftFile()
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    for first, lines in _blocks(text):
        kept = [" " if line.startswith("//") else line for line in lines]
        body = php_trim("\n".join(kept))
        if not body:
            continue
        line = first + next(i for i, kept_line in enumerate(kept) if kept_line != " ")
        question = _read_question(line, _escape_pre(body))
        if isinstance(question, GiftQuestion):
            result.questions.append(question)
        else:
            result.problems.append(Problem(path, line, question))
    return result


def _read_question(line: int, text: str) -> GiftQuestion | str:
    """Moodle's readquestion on one block (escapes already replaced); a message if it fails."""
    if text.startswith("$CATEGORY:"):
        return GiftQuestion(line, "category", category=php_trim(text[10:]))
    name = ""
    if text.startswith("::"):
        text = text[2:]
        end = text.find("::")
        if end >= 0:
            name, text = php_trim(_escape_post(text[:end])), php_trim(text[end + 2 :])
    start, finish = text.find("{"), text.find("}")
    if start < 0 and finish < 0:
        return GiftQuestion(line, "description", name, _with_format(text))
    if start < 0 or finish < start:
        return msg.BRACES
    answers = php_trim(text[start + 1 : finish])
    missing_word = not text.endswith("}")
    question_text = text[:start] + ("_____" if missing_word else "") + text[finish + 1 :]
    general = ""
    separator = answers.rfind("####")
    if separator >= 0:
        general, answers = answers[separator + 4 :], php_trim(answers[:separator])
    prompt = _with_format(question_text)
    base = GiftQuestion(
        line,
        _question_type(answers),
        name,
        prompt,
        _with_format(general, prompt.format),
        missing_word=missing_word,
    )
    if base.qtype == "multichoice":
        return _multichoice(base, answers)
    if base.qtype == "truefalse":
        return _true_false(base, answers)
    return base


def _question_type(answers: str) -> str:
    """Moodle's order: empty, "#", "~", "=" with "->", T/TRUE/F/FALSE, else short answer."""
    if not answers:
        return "essay"
    if answers.startswith("#"):
        return "numerical"
    if "~" in answers:
        return "multichoice"
    if "=" in answers and "->" in answers:
        return "match"
    hash_at = answers.find("#")
    checked = php_trim(answers[:hash_at]) if hash_at > 0 else answers
    return "truefalse" if checked in TRUE_FALSE else "shortanswer"


def _multichoice(base: GiftQuestion, answers: str) -> GiftQuestion | str:
    parts = answers.replace("=", "~=").split("~")
    parts[0] = php_trim(parts[0])
    if not parts[0]:
        parts.pop(0)
    if len(parts) < 2:
        return msg.TOO_FEW_ANSWERS
    read = []
    for part in parts:
        answer, fraction = php_trim(part), 0.0
        if answer.startswith("="):
            answer, fraction = answer[1:], 1.0
        elif WEIGHT.match(answer):
            weight, _percent, answer = answer[1:].partition("%")
            fraction = float(weight) / 100
        text, _hash, feedback = answer.partition("#")
        form = base.text.format
        feedback_text = _with_format(php_trim(feedback), form)
        read.append(GiftAnswer(_with_format(php_trim(text), form), fraction, feedback_text))
    return replace(base, answers=tuple(read), single="=" in answers)


def _true_false(base: GiftQuestion, answers: str) -> GiftQuestion:
    bits = [*answers.split("#", 2), "", ""]
    form = base.text.format
    answer = _with_format(php_trim(bits[0]), form).text
    wrong, right = _with_format(php_trim(bits[1]), form), _with_format(php_trim(bits[2]), form)
    if answer in ("T", "TRUE"):
        return replace(base, correct=True, feedback_true=right, feedback_false=wrong)
    return replace(base, correct=False, feedback_true=wrong, feedback_false=right)


# Writing -----------------------------------------------------------------------------------------


def repchar(text: str) -> str:
    """Moodle's repchar: escape \\ # = ~ { } : and write line breaks as \\n."""
    for char, escaped in (("\\", "\\\\"), ("#", "\\#"), ("=", "\\="), ("~", "\\~"), ("{", "\\{")):
        text = text.replace(char, escaped)
    for char, escaped in (("}", "\\}"), (":", "\\:"), ("\n", "\\n"), ("\r", "")):
        text = text.replace(char, escaped)
    return text


def _comment(text: str) -> str:
    return "// " + " ".join(text.splitlines())


def share(rights: int) -> str:
    """100/rights as Moodle offers it; past ten right answers Moodle has no exact fraction."""
    return SHARES[rights - 1] if rights <= len(SHARES) else f"{100 / rights:.5f}"


def write_question(question: QuestionDoc) -> str:
    """One Cadre question as GIFT, its texts in [html] (the sanitised HTML learners see)."""
    right_share = share(sum(choice.correct for choice in question.choices))
    lines = [f"::{repchar(question.key)}::[html]{repchar(question.prompt_html)}{{"]
    for choice in question.choices:
        if not question.multiple:
            mark = "=" if choice.correct else "~"
        else:  # each right box an equal share, each wrong one cancels the question
            mark = f"~%{right_share}%" if choice.correct else "~%-100%"
        feedback = f"#{repchar(choice.feedback_html)}" if choice.feedback_html else ""
        lines.append(f"\t{mark}{repchar(choice.html)}{feedback}")
    if question.explanation_html:
        lines.append(f"\t####{repchar(question.explanation_html)}")
    lines.append("}")
    return "\n".join(lines)


def write_gift(course_title: str, course_slug: str, quizzes: Sequence[ExportedQuiz]) -> str:
    """A course's quizzes as one GIFT file; which module each question is from goes in comments.

    No $CATEGORY line: Cadre's importer refuses categories, and the file must import back.
    """
    blocks = [_comment(f"Cadre: {course_title} ({course_slug})")]
    for quiz in quizzes:
        blocks.append(_comment(f"{quiz.title} ({quiz.slug})"))
        blocks.extend(write_question(question) for question in quiz.questions)
    return "\n\n".join(blocks) + "\n"

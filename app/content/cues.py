"""Warnings about valid content: cues that give answers away, small pools, unlikely durations.

Pure functions over facts the parser collected (lines and visible texts). They return Notices,
which never refuse a course; docs/authoring.md tells authors what each one means.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from . import messages as msg
from .documents import Notice
from .render import plain_text

WORDS_PER_MINUTE = 200
SECONDS_PER_QUESTION = 45
TOLERANCE = 0.3  # a declared duration more than 30 % away from the estimate deserves a look
# With four options chance alone makes the right one the longest a quarter of the time.
LONGEST_SHARE = 0.4

WORD = re.compile(r"\w+(?:['’-]\w+)*")


def fold(text: str) -> str:
    """Lower case without accents, so "Systématiquement" and "systematiquement" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# Absolute words make a statement easy to refute: test-wise learners rule such options out.
ABSOLUTE_WORDS = frozenset(
    fold(word)
    for word in (
        "toujours", "jamais", "aucun", "aucune", "aucuns", "aucunes", "seul", "seule", "seuls",
        "seules", "seulement", "uniquement", "systématiquement", "forcément", "obligatoirement",
        "nécessairement", "exclusivement", "totalement", "absolument", "entièrement",
        "complètement", "always", "never", "none", "only", "every", "everything", "everyone",
        "nobody", "necessarily", "entirely", "completely", "absolutely", "exclusively", "solely",
        "totally", "systematically",
    )
)  # fmt: skip
CATCH_ALLS = (
    "toutes ces réponses", "toutes les réponses", "aucune de ces réponses", "aucune des réponses",
    "toutes ces propositions", "toutes les propositions", "aucune de ces propositions",
    "aucune des propositions", "all of the above", "none of the above", "all the above",
    "all of these", "none of these",
)  # fmt: skip
CATCH_ALL = re.compile(r"\b(?:" + "|".join(re.escape(fold(p)) for p in CATCH_ALLS) + r")\b")


@dataclass(frozen=True)
class OptionFacts:
    line: int
    text: str  # the visible text, as the learner reads it
    right: bool
    feedback: bool  # has its own "  > " feedback


@dataclass(frozen=True)
class QuestionFacts:
    line: int
    options: tuple[OptionFacts, ...]


@dataclass(frozen=True)
class GroupFacts:
    line: int  # the group heading
    draw: int
    size: int  # questions in the group


@dataclass(frozen=True)
class QuizFacts:
    questions: tuple[QuestionFacts, ...]
    groups: tuple[GroupFacts, ...] = ()
    draw: int | None = None  # the front matter's draw
    draw_line: int = 1


def notice(path: str, line: int, template: str, /, **params: str | int) -> Notice:
    """A Notice whose params are sorted, as Notice.from_json builds them."""
    return Notice(path, line, template, tuple(sorted(params.items())))


def quiz_notices(path: str, quiz: QuizFacts) -> list[Notice]:
    """Every warning about one quiz, in line order."""
    found = _longest_is_right(path, quiz.questions)
    for question in quiz.questions:
        found += _absolute_words(path, question)
        found += _same_options(path, question)
        for option in question.options:
            if CATCH_ALL.search(" ".join(fold(option.text).split())):
                found.append(notice(path, option.line, msg.CATCH_ALL))
            if not option.feedback:
                found.append(notice(path, option.line, msg.NO_FEEDBACK))
    found += _small_pools(path, quiz)
    return sorted(found, key=lambda n: n.line)


def _length(text: str) -> int:
    return len(" ".join(text.split()))


def _longest_is_right(path: str, questions: tuple[QuestionFacts, ...]) -> list[Notice]:
    single = [q for q in questions if sum(o.right for o in q.options) == 1]
    count = 0
    for question in single:
        right = next(_length(o.text) for o in question.options if o.right)
        count += all(right > _length(o.text) for o in question.options if not o.right)
    if not single or count <= LONGEST_SHARE * len(single):
        return []
    share = round(100 * count / len(single))
    return [notice(path, 1, msg.LONGEST_IS_RIGHT, count=count, total=len(single), share=share)]


def absolute_word(text: str) -> str | None:
    """The first absolute word of *text* (whole words, any case, with or without accents)."""
    for word in re.findall(r"\w+", unicodedata.normalize("NFC", text)):
        if fold(word) in ABSOLUTE_WORDS:
            return word.lower()
    return None


def _absolute_words(path: str, question: QuestionFacts) -> list[Notice]:
    if any(absolute_word(o.text) for o in question.options if o.right):
        return []
    found = []
    for option in question.options:
        word = absolute_word(option.text) if not option.right else None
        if word:
            found.append(notice(path, option.line, msg.ABSOLUTE_WORD, word=word))
    return found


def _same_options(path: str, question: QuestionFacts) -> list[Notice]:
    seen: dict[str, int] = {}
    found = []
    for option in question.options:
        key = " ".join(option.text.casefold().split())
        if key in seen:
            found.append(notice(path, option.line, msg.SAME_OPTION, line=seen[key]))
        else:
            seen[key] = option.line
    return found


def _small_pools(path: str, quiz: QuizFacts) -> list[Notice]:
    pools = [(quiz.draw_line, msg.SMALL_POOL, quiz.draw, len(quiz.questions))] if quiz.draw else []
    pools += [(g.line, msg.SMALL_GROUP, g.draw, g.size) for g in quiz.groups]
    return [
        notice(path, line, template, draw=draw, size=size, needed=2 * draw)
        for line, template, draw, size in pools
        if size < 2 * draw
    ]


# --- durations -----------------------------------------------------------------------------------


def words(html: str) -> int:
    """How many words a learner reads in rendered HTML."""
    return len(WORD.findall(plain_text(html)))


def quiz_minutes(drawn: int) -> int:
    """Minutes to answer *drawn* questions at 45 seconds each, rounded up, at least 1."""
    return max(1, math.ceil(drawn * SECONDS_PER_QUESTION / 60))


def module_minutes(word_count: int, drawn: int) -> int:
    """Minutes to read *word_count* words and answer *drawn* questions, rounded up, at least 1."""
    seconds = word_count * 60 / WORDS_PER_MINUTE + drawn * SECONDS_PER_QUESTION
    return max(1, math.ceil(seconds / 60))


def _far(declared: int, expected: int) -> bool:
    return abs(declared - expected) > TOLERANCE * expected


def module_duration_notice(path: str, line: int, declared: int, word_count: int, drawn: int) -> Notice | None:
    """A warning when a module's declared duration is far from its reading and quiz time."""
    estimate = module_minutes(word_count, drawn)
    if not _far(declared, estimate):
        return None
    params = {"declared": declared, "estimate": estimate, "words": word_count, "questions": drawn}
    return notice(path, line, msg.MODULE_DURATION, **params)


def course_duration_notice(
    path: str, line: int, declared: int, modules: int, final: int | None
) -> Notice | None:
    """A warning when a course's duration is far from its modules' durations plus its final test."""
    total = modules + (final or 0)
    if not _far(declared, total):
        return None
    if final is None:
        return notice(path, line, msg.COURSE_DURATION_NO_FINAL, declared=declared, total=total)
    return notice(
        path, line, msg.COURSE_DURATION, declared=declared, modules=modules, final=final, total=total
    )

"""Five ways to pass without knowing, played against every quiz: none may pass more than 5 % of
attempts.

Each simulated learner takes a quiz through the engine's own pure pieces (the draw, the choice
order, the grading) and sees after a failed attempt only what the attempt page shows: right or
wrong per question, not the key (unless the quiz says ``review: always``).

The rule is held for the fixture course tests/fixtures/content/pools and for every quiz and final
test of the bundled catalogue, each of which draws from a pool at least twice its draw.
"""

import functools
import random
import re
import zlib
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from app.content.checker import check_root
from app.content.cues import ABSOLUTE_WORDS, fold
from app.content.documents import REVIEW_ALWAYS, QuizDoc
from app.content.quiz import plain_text
from app.learning.draws import PoolItem, draw_keys, shown_order
from app.learning.grading import QUESTION_TYPES, score_percent
from tests.conftest import FIXTURES

POOLS = FIXTURES / "content" / "pools"
BUNDLED = Path(__file__).resolve().parents[2]
LEARNERS = 400  # simulated learners per quiz and strategy
ATTEMPTS = 3  # each takes the quiz up to three times (the daily limit)
CEILING = 0.05
# What a test-wise learner rules out: the checker's absolute words, and sweeping ones it does not
# warn about because right answers need them too ("rien", "tout"...). Wrong options of the
# bundled catalogue hold these several times as often as right ones; the draw must still win.
SWEEPING = ABSOLUTE_WORDS | {
    fold(word) for word in "tout toute tous toutes rien all any anything nothing whatever".split()
}


def _quizzes(root: Path) -> list[tuple[str, QuizDoc]]:
    result = check_root(root)
    assert result.problems == [], result.problems[:3]
    found = []
    for course in result.courses:
        for module in course.modules:
            if module.quiz is not None:
                found.append((f"{course.slug}/{module.slug}", module.quiz))
        if course.final is not None:
            found.append((f"{course.slug}/final", course.final))
    return found


def _built_to_the_rules(quiz: QuizDoc) -> bool:
    return quiz.drawn * 2 <= len(quiz.questions)


def _pick(strategy: str, question, order: list[int], rng: random.Random, seen: dict) -> set[int]:
    """The options a learner following *strategy* ticks (indices in the author's order)."""
    multiple = question.multiple
    size = 2 if multiple else 1
    if strategy == "longest":
        by_length = sorted(order, key=lambda i: -len(plain_text(question.choices[i].html)))
        return set(by_length[:size])
    if strategy == "first":
        return set(order[:size])
    if strategy == "testwise":
        plain = [i for i in order if not _sweeping(question.choices[i].html)]
        left = plain if len(plain) >= size else order
        # Multi-answer questions have two or three right options in four: tick as many.
        count = min(len(left), rng.choice((2, 3))) if multiple else 1
        return set(rng.sample(left, count))
    if strategy == "copy" and question.key in seen:
        last = seen[question.key]
        if last["key"] is not None:
            return set(last["key"])  # the key was shown: copy it
        if last["right"]:
            return set(last["chosen"])  # right last time: the same again
        others = [i for i in order if i not in last["chosen"]] or order
        return set(rng.sample(others, min(size, len(others))))
    return set(rng.sample(order, rng.randint(1, len(order)) if multiple else 1))


@functools.cache
def _sweeping(html: str) -> bool:
    return any(fold(word) in SWEEPING for word in re.findall(r"\w+", plain_text(html)))


def _pass_rate(quiz: QuizDoc, strategy: str, seed: int, learners: int = LEARNERS) -> float:
    """Share of attempts that pass, over *learners* retaking up to ATTEMPTS times."""
    rng = random.Random(seed)
    pool = [PoolItem(q.key, q.group) for q in quiz.questions]
    groups = [{"key": g.key, "title": g.title, "draw": g.draw} for g in quiz.groups]
    by_key = {q.key: q for q in quiz.questions}
    attempts = passed = 0
    for _ in range(learners):
        seen: dict = {}  # what the previous attempt's page showed, which "copy" copies
        previous: set[str] = set()
        asked: Counter[str] = Counter()  # as the engine counts them (draws._history)
        for _attempt in range(ATTEMPTS):
            keys = draw_keys(pool, quiz.draw, groups, previous, asked, rng)
            now: dict = {}
            right = sum(_answer(quiz, by_key[key], strategy, rng, seen, now) for key in keys)
            seen, previous = now, set(keys)
            asked.update(keys)
            attempts += 1
            if score_percent(right, len(keys)) >= quiz.pass_mark:
                passed += 1
                break
    return passed / attempts


def _answer(quiz: QuizDoc, question, strategy: str, rng: random.Random, seen: dict, now: dict) -> bool:
    """Answer one question as *strategy* says; note in *now* what the attempt page then shows."""
    order = shown_order(len(question.choices), quiz.shuffle, rng)
    chosen = _pick(strategy, question, order, rng, seen)
    choices = [{"correct": c.correct} for c in question.choices]
    correct = QUESTION_TYPES["multiple" if question.multiple else "single"].is_correct(choices, chosen)
    key_shown = quiz.review == REVIEW_ALWAYS
    now[question.key] = {
        "chosen": chosen,
        "right": correct,
        "key": {i for i, c in enumerate(question.choices) if c.correct} if key_shown else None,
    }
    return correct


STRATEGIES = ("random", "longest", "first", "copy", "testwise")


def _seed(*parts: str) -> int:
    """The same simulation on every run (Python's own hash() changes between processes)."""
    return zlib.crc32("/".join(parts).encode())


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize(("name", "quiz"), [pytest.param(*pair, id=pair[0]) for pair in _quizzes(POOLS)])
def test_no_strategy_passes_a_quiz_built_to_the_rules(name, quiz, strategy):
    assert _built_to_the_rules(quiz), f"{name}: the fixture must draw at most half its pool"
    rate = _pass_rate(quiz, strategy, seed=_seed(name, strategy))
    assert rate <= CEILING, f"{name}: '{strategy}' passes {rate:.0%} of learners"


@pytest.mark.parametrize(("name", "quiz"), [pytest.param(*pair, id=pair[0]) for pair in _quizzes(POOLS)])
def test_copying_gains_nothing_once_the_pool_is_twice_the_draw(name, quiz):
    # A control first: were every attempt to ask the same questions and show the key after a
    # failure (Cadre before pools), every copying learner would pass at the second attempt.
    same_questions = QuizDoc(**{**quiz.__dict__, "review": REVIEW_ALWAYS, "draw": None, "groups": ()})
    assert _pass_rate(same_questions, "copy", seed=7) >= 0.45
    # With a new draw, what the last page showed is of no use: copying does as well as guessing
    # (asking the same questions again would make it pass about twice as often).
    copy = _pass_rate(quiz, "copy", seed=11, learners=3000)
    guess = _pass_rate(quiz, "random", seed=12, learners=3000)
    assert copy <= guess + 0.003 and copy <= CEILING, (copy, guess)


def test_a_test_wise_learner_passes_where_only_wrong_options_sweep():
    # A control: the same quiz, with "never" added to every wrong option, hands its key to
    # whoever rules such options out.
    name, quiz = _quizzes(POOLS)[0]
    cued = [
        replace(q, choices=tuple(c if c.correct else replace(c, html=c.html + " never") for c in q.choices))
        for q in quiz.questions
    ]
    assert _pass_rate(replace(quiz, questions=tuple(cued)), "testwise", seed=3) >= 0.5, name


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("root", [BUNDLED, BUNDLED / "en"], ids=["fr", "en"])
def test_every_bundled_quiz_resists_every_strategy(root, strategy):
    """The French catalogue, and its English edition (en/): options of other lengths in English
    could hand the answer to whoever picks the longest."""
    quizzes = _quizzes(root)
    assert quizzes, f"{root}: no quiz"
    for name, quiz in quizzes:
        assert _built_to_the_rules(quiz), f"{name}: draws {quiz.drawn} of {len(quiz.questions)} questions"
        rate = _pass_rate(quiz, strategy, seed=_seed(name, strategy))
        assert rate <= CEILING, f"{name}: '{strategy}' passes {rate:.0%} of learners"

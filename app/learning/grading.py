"""Question types, each knowing how to grade an answer: pure functions, no database."""

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class QuestionType:
    """A kind of question: how it is answered in the form and how it is graded."""

    name: str
    multiple: bool  # check boxes when True, radio buttons otherwise

    def is_correct(self, choices: Sequence[dict], selected: Iterable[int]) -> bool:
        """All-or-nothing: exactly the right choices, no more, no fewer."""
        right = {i for i, choice in enumerate(choices) if choice["correct"]}
        return set(selected) == right


QUESTION_TYPES = {
    "single": QuestionType("single", multiple=False),
    "multiple": QuestionType("multiple", multiple=True),
}


@dataclass(frozen=True)
class GradedQuestion:
    """One question as graded, ready to be stored in an attempt snapshot."""

    snapshot: dict
    correct: bool


def grade_question(question, selected: Iterable[int], order: Sequence[int] | None = None) -> GradedQuestion:
    """Grade one question (anything with kind, choices, prompt_html, explanation_html, key).

    *order* is the order its choices were shown in (indexes into ``choices``), kept so that the
    attempt's page lists them as the learner saw them; the snapshot's choices stay in the author's.
    """
    selected = set(selected)
    kind = QUESTION_TYPES[question.kind]
    correct = kind.is_correct(question.choices, selected)
    snapshot = {
        "key": question.key,
        "kind": question.kind,
        "prompt_html": question.prompt_html,
        "choices": [
            {
                "html": c["html"],
                "correct": c["correct"],
                "chosen": i in selected,
                "feedback_html": c.get("feedback_html", ""),
            }
            for i, c in enumerate(question.choices)
        ],
        "explanation_html": question.explanation_html,
        "correct": correct,
    }
    if order is not None:
        snapshot["order"] = list(order)
    language = getattr(question, "content_language", None)  # an edition's view says which it shows
    if language:
        snapshot["language"] = language
    return GradedQuestion(snapshot, correct)


def as_shown(results: list[dict], show_key: bool) -> list[dict]:
    """An attempt's questions (its stored ``results``) as the learner may see them, on its page or
    in their data, each question's options in the order they were shown.

    With the key (passed, or a quiz that always shows it): everything. Before: whether each
    question was right and which options were chosen, each with its feedback only where that tells
    nothing of the options' right or wrong beyond the question's mark (a single answer, or a
    multiple-answer question answered right); no option marked right, no explanation. Feedback on
    a wrong multiple-answer question's choices would say which ticks were wrong, and, ticking all
    but one, the whole key.
    """
    if show_key:
        # The choices reordered: their place says the order, which the indexes no longer would.
        return [_without_order({**q, "choices": _in_shown_order(q, True)}) for q in results]
    shown = []
    for question in results:
        kind = question.get("kind", "multiple")  # the early snapshots did not say: the careful guess
        tells_nothing = kind == "single" or question["correct"]
        shown.append(
            {
                "key": question.get("key"),
                "kind": kind,
                "prompt_html": question["prompt_html"],
                "choices": [
                    {
                        "html": c["html"],
                        "chosen": c["chosen"],
                        "feedback_html": c.get("feedback_html", "") if c["chosen"] and tells_nothing else "",
                    }
                    for c in _in_shown_order(question, show_key)
                ],
                "explanation_html": "",
                "correct": question["correct"],
                **({"language": question["language"]} if "language" in question else {}),
            }
        )
    return shown


def _without_order(question: dict) -> dict:
    question.pop("order", None)
    return question


def _in_shown_order(question: dict, show_key: bool) -> list[dict]:
    """The question's choices as the attempt showed them.

    Authors often write the right options first: listed in the author's order, a wrong
    multiple-answer question's review would give its key away. Attempts graded before the order
    was kept are listed, before the key, in an order drawn from the texts alone (the same on
    every visit, and telling nothing of which are right)."""
    choices = question["choices"]
    order = question.get("order")
    if order is not None and sorted(order) == list(range(len(choices))):
        return [choices[i] for i in order]
    if show_key:
        return choices
    return sorted(choices, key=lambda c: hashlib.sha256(c["html"].encode()).digest())


def score_percent(correct: int, total: int) -> int:
    """Whole percent, rounded down so that a pass mark is never reached by rounding."""
    if total == 0:
        return 0
    return correct * 100 // total

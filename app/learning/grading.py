"""Question types, each knowing how to grade an answer: pure functions, no database."""

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


def grade_question(question, selected: Iterable[int]) -> GradedQuestion:
    """Grade one question (anything with kind, choices, prompt_html, explanation_html, key)."""
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
    return GradedQuestion(snapshot, correct)


def as_shown(results: list[dict], show_key: bool) -> list[dict]:
    """An attempt's questions (its stored ``results``) as the learner may see them, on its page or
    in their data.

    With the key (passed, or a quiz that always shows it): everything. Before: whether each
    question was right and which options were chosen, each with its feedback only where that tells
    nothing of the options' right or wrong beyond the question's mark (a single answer, or a
    multiple-answer question answered right); no option marked right, no explanation. Feedback on
    a wrong multiple-answer question's choices would say which ticks were wrong, and, ticking all
    but one, the whole key.
    """
    if show_key:
        return results
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
                    for c in question["choices"]
                ],
                "explanation_html": "",
                "correct": question["correct"],
            }
        )
    return shown


def score_percent(correct: int, total: int) -> int:
    """Whole percent, rounded down so that a pass mark is never reached by rounding."""
    if total == 0:
        return 0
    return correct * 100 // total

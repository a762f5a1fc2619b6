"""Graded attempts written straight to the database, as the quiz engine records them.

Shared by the item statistics tests: a snapshot per attempt, an ``AttemptAnswer`` per question
shown (with ``rest``, the share of the attempt's other questions right) and an ``AnswerChoice``
per option ticked.
"""

from collections.abc import Mapping

from sqlalchemy import select

from app.accounts.models import User
from app.catalog.models import FINAL_SLUG, Course, Module, Question
from app.extensions import db
from app.learning.models import AnswerChoice, AttemptAnswer, QuizAttempt

# In the fixture course's quiz "cadre-legal": the single question is right with option B (1);
# "textes" (multiple) with A and B (0, 1). Both have three options.
OPT_OUT, TEXTES = "qu-est-ce-que-l-opt-out", "textes"


def questions_of(module: Module) -> dict[str, Question]:
    return {q.key: q for q in db.session.scalars(select(Question).where(Question.module_id == module.id))}


def quiz_module(slug: str = "cadre-legal") -> Module:
    return db.session.scalar(select(Module).where(Module.slug == slug))


def add_question(module: Module, key: str, position: int, options: list[tuple[str, bool]]) -> Question:
    """A single-answer question added to a module, as an import would."""
    question = Question(
        module_id=module.id,
        key=key,
        position=position,
        kind="single" if sum(right for _, right in options) == 1 else "multiple",
        prompt_html=f"<p>Question <em>{key}</em></p>",
        choices=[{"html": html, "correct": right, "feedback_html": ""} for html, right in options],
        explanation_html="",
    )
    db.session.add(question)
    db.session.flush()
    return question


def add_final_test(course: Course) -> Module:
    """A final test module (is_final), as the importer makes it from quizzes/<course>/final.md."""
    final = Module(
        course_id=course.id,
        slug=FINAL_SLUG,
        is_final=True,
        position=0,
        title=course.title,
        duration=5,
        objectives=[],
        body_html="",
        has_quiz=True,
        pass_mark=70,
    )
    db.session.add(final)
    db.session.flush()
    return final


def snapshot(question: Question, chosen: set[int], correct: bool) -> dict:
    """What the attempt keeps of a question: the options in the author's order, as shown."""
    return {
        "key": question.key,
        "prompt_html": question.prompt_html,
        "choices": [
            {"html": c["html"], "correct": c["correct"], "chosen": i in chosen, "feedback_html": ""}
            for i, c in enumerate(question.choices)
        ],
        "explanation_html": question.explanation_html,
        "correct": correct,
    }


def record_attempt(
    user: User, module: Module, answers: Mapping[Question, set[int]], version: int | None = None
) -> QuizAttempt:
    """One graded attempt of *module* ticking these options (author's order) for each question."""
    version = version if version is not None else module.course.version
    correct = {
        q: set(chosen) == {i for i, c in enumerate(q.choices) if c["correct"]}
        for q, chosen in answers.items()
    }
    right = sum(correct.values())
    attempt = QuizAttempt(
        user_id=user.id,
        module_id=module.id,
        course_version=version,
        score=right * 100 // len(correct),
        passed=right == len(correct),
        results=[snapshot(q, answers[q], correct[q]) for q in answers],
    )
    db.session.add(attempt)
    db.session.flush()
    for question, chosen in answers.items():
        others = [right for q, right in correct.items() if q is not question]
        answer = AttemptAnswer(
            attempt_id=attempt.id,
            question_id=question.id,
            module_id=module.id,
            course_version=version,
            correct=correct[question],
            rest=sum(others) / len(others) if others else None,
        )
        db.session.add(answer)
        db.session.flush()
        db.session.add_all(
            AnswerChoice(answer_id=answer.id, question_id=question.id, course_version=version, choice=c)
            for c in sorted(chosen)
        )
    return attempt

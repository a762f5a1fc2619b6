"""What a class found hard: each question of an assigned item, as the class's students answered it.

A question counts once per student at their first answer (retries draw other questions, and a
question met again has been corrected in between), and all their answers are summed too. Only
the class's current students count, and only figures, never the key. (Teachers may read each
student's answers in the class's learning record; this page is for what the class found hard.)
"""

from dataclasses import dataclass

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import aliased, load_only

from app.catalog.models import Module, Question
from app.extensions import db
from app.learning.models import AttemptAnswer, QuizAttempt
from app.schools.models import Assignment, Enrolment, SchoolClass


@dataclass(frozen=True)
class QuestionResult:
    """One question as the class answered it."""

    position: int
    prompt_html: str  # sanitised when imported, as the quiz page shows it
    retired: bool  # removed from the quiz since (its answers still count)
    students: int  # students of the class who answered it
    first_right: int  # of whom, right at their first answer
    answers: int  # all their answers to it
    right: int  # of which right

    @property
    def first_share(self) -> float:
        return self.first_right / self.students

    @property
    def right_share(self) -> float:
        return self.right / self.answers


@dataclass(frozen=True)
class QuizResults:
    """One quiz of the item: its answered questions, hardest first, and how many it has that no
    student of the class met yet."""

    module: Module
    questions: tuple[QuestionResult, ...]
    unanswered: int


def quiz_modules(item: Assignment) -> list[Module]:
    """The modules whose quizzes an assignment may cover, in course order with the final test last:
    the module assigned (even if its quiz or the module was withdrawn since: its answers stay), or
    every live module of the course (their titles, not their text)."""
    query = select(Module).options(
        load_only(Module.title, Module.position, Module.is_final, Module.has_quiz, Module.retired)
    )
    if item.module_id is not None:
        query = query.where(Module.id == item.module_id)
    else:
        query = query.where(Module.course_id == item.course_id, Module.retired.is_(False))
    return sorted(db.session.scalars(query), key=lambda m: (m.is_final, m.position, m.id))


def _answer_sums(school_class: SchoolClass, module_ids: list[int]):
    """Per question: students who answered it, those right the first time, answers, right ones.

    One statement: per student and question, their first attempt (attempt ids grow with time) and
    their sums; then each question's first answers are looked up and everything is added up."""
    a, first = AttemptAnswer, aliased(AttemptAnswer)
    students = select(Enrolment.user_id).where(Enrolment.class_id == school_class.id)
    per_student = (
        select(
            a.question_id,
            func.min(a.attempt_id).label("first_attempt"),
            func.count().label("answers"),
            func.sum(case((a.correct, 1), else_=0)).label("right"),
        )
        .join(QuizAttempt, QuizAttempt.id == a.attempt_id)
        .where(QuizAttempt.module_id.in_(module_ids), QuizAttempt.user_id.in_(students))
        .group_by(a.question_id, QuizAttempt.user_id)
        .subquery()
    )
    return db.session.execute(
        select(
            per_student.c.question_id,
            func.count(),
            func.sum(case((first.correct, 1), else_=0)),
            func.sum(per_student.c.answers),
            func.sum(per_student.c.right),
        )
        .join(
            first,
            and_(
                first.attempt_id == per_student.c.first_attempt,
                first.question_id == per_student.c.question_id,
            ),
        )
        .group_by(per_student.c.question_id)
    )


def class_results(school_class: SchoolClass, item: Assignment) -> list[QuizResults]:
    """Each quiz of the item with its questions as the class answered them, in three queries."""
    modules = quiz_modules(item)
    if not modules:
        return []
    module_ids = [m.id for m in modules]
    sums = {
        row[0]: tuple(int(value or 0) for value in row[1:]) for row in _answer_sums(school_class, module_ids)
    }
    questions = db.session.scalars(
        select(Question)
        .options(load_only(Question.module_id, Question.position, Question.prompt_html, Question.retired))
        .where(Question.module_id.in_(module_ids))
    )
    answered: dict[int, list[QuestionResult]] = {m.id: [] for m in modules}
    unanswered = dict.fromkeys(module_ids, 0)
    for question in questions:
        if question.id not in sums:
            unanswered[question.module_id] += 0 if question.retired else 1
            continue
        students, first_right, answers, right = sums[question.id]
        result = QuestionResult(
            question.position,
            question.prompt_html,
            question.retired,
            students,
            first_right,
            answers,
            right,
        )
        answered[question.module_id].append(result)
    return [
        QuizResults(
            module=m,
            questions=tuple(sorted(answered[m.id], key=lambda q: (q.first_share, q.right_share, q.position))),
            unanswered=unanswered[m.id],
        )
        for m in modules
        if m.has_quiz or answered[m.id]  # a quiz withdrawn since keeps the answers it had
    ]

"""What a learner did: modules completed, quiz draws open, and quiz attempts with their answers."""

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.catalog.models import Module
from app.extensions import db
from app.models_base import UTCDateTime, utcnow


class ModuleProgress(db.Model):
    """One row per learner and module they started; ``completed_at`` set once done."""

    __tablename__ = "module_progress"
    __table_args__ = (UniqueConstraint("user_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    best_score: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuizDraw(db.Model):
    """The questions drawn for a learner's open attempt, kept until they submit it.

    Made on the server when the quiz page is first opened: a reload, a second tab or a later
    visit shows the same questions in the same order; only a submission allows a new draw.
    ``token`` names this draw in the form, so an answer sheet from an older draw is refused.
    """

    __tablename__ = "quiz_draws"
    __table_args__ = (UniqueConstraint("user_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    course_version: Mapped[int] = mapped_column(Integer)
    token: Mapped[str] = mapped_column(String(43))
    # [[question id, [choice indices in the order shown]], ...] in the order shown.
    items: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuizAttempt(db.Model):
    """A graded quiz submission, kept with what was shown and answered at that time."""

    __tablename__ = "quiz_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    score: Mapped[int] = mapped_column(Integer)  # percent
    passed: Mapped[bool] = mapped_column(Boolean)
    course_version: Mapped[int] = mapped_column(Integer)
    # Snapshot per question: key, prompt, choices (html, right, chosen, feedback), explanation.
    results: Mapped[list] = mapped_column(JSON)

    module: Mapped[Module] = relationship()


class AttemptAnswer(db.Model):
    """One question of one attempt, as a row the item statistics aggregate in SQL.

    ``rest`` is the share of the attempt's *other* questions answered right (None when the
    attempt had one question): discrimination correlates ``correct`` with it.
    """

    __tablename__ = "attempt_answers"
    __table_args__ = (
        UniqueConstraint("attempt_id", "question_id"),
        # The answers not yet added to the totals (app.learning.statistics): few, whatever the history.
        Index(
            "ix_attempt_answers_unfolded",
            "module_id",
            "course_version",
            sqlite_where=text("folded = 0"),
            postgresql_where=text("folded = false"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"))
    course_version: Mapped[int] = mapped_column(Integer)
    correct: Mapped[bool] = mapped_column(Boolean)
    rest: Mapped[float | None] = mapped_column(Float)
    folded: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # in the totals

    choices: Mapped[list["AnswerChoice"]] = relationship()


class AnswerChoice(db.Model):
    """One option a learner ticked in one answer (the index is in the author's order)."""

    __tablename__ = "answer_choices"

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("attempt_answers.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    course_version: Mapped[int] = mapped_column(Integer)
    choice: Mapped[int] = mapped_column(Integer)


class ItemTotal(db.Model):
    """A question's answers in one course version, summed: the rows ``AnswerSums`` adds up.

    Answers are added by a job (app.learning.statistics.fold_answers) and marked ``folded``; the
    statistics page adds the few not folded yet, so it never reads a long history.
    """

    __tablename__ = "item_totals"

    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), primary_key=True)
    course_version: Mapped[int] = mapped_column(Integer, primary_key=True)
    shown: Mapped[int] = mapped_column(Integer)
    right: Mapped[int] = mapped_column(Integer)
    n: Mapped[int] = mapped_column(Integer)
    sx: Mapped[float] = mapped_column(Float)
    sy: Mapped[float] = mapped_column(Float)
    syy: Mapped[float] = mapped_column(Float)
    sxy: Mapped[float] = mapped_column(Float)
    latest_attempt: Mapped[int] = mapped_column(Integer)


class ChoiceTotal(db.Model):
    """How often an option was ticked in one course version, over the folded answers."""

    __tablename__ = "choice_totals"

    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), primary_key=True)
    course_version: Mapped[int] = mapped_column(Integer, primary_key=True)
    choice: Mapped[int] = mapped_column(Integer, primary_key=True)
    chosen: Mapped[int] = mapped_column(Integer)

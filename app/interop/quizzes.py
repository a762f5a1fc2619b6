"""The quizzes of one course, ready to export: from the catalogue, or from a publisher's draft.

Both give the same shape (the rendered, sanitised questions the checker made), so the GIFT and
Moodle XML writers never need to know where a quiz came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select

from app.catalog.models import Course, Module, Question
from app.content.checker import FINAL
from app.content.documents import ChoiceDoc, Problem, QuestionDoc
from app.content.frontmatter import split_front_matter
from app.content.parser import read_quiz
from app.extensions import db
from app.publishing.editor import course_fields, final_path, modules


@dataclass(frozen=True)
class ExportedQuiz:
    slug: str  # the module's slug, or "final" for the course's final test
    title: str  # the module's title (the course's for its final test)
    questions: tuple[QuestionDoc, ...]
    shuffle: bool = False


def from_course(course: Course) -> list[ExportedQuiz]:
    """The published quizzes of a catalogue course (bundled or a publisher's), final test last."""
    final = db.session.scalar(
        select(Module).where(
            Module.course_id == course.id, Module.is_final.is_(True), Module.retired.is_(False)
        )
    )
    quizzes = []
    for module in [*course.modules, *([final] if final is not None else [])]:
        if module.has_quiz and module.questions:
            questions = tuple(_question_doc(question) for question in module.questions)
            slug = FINAL if module.is_final else module.slug
            quizzes.append(ExportedQuiz(slug, module.title, questions, module.shuffle))
    return quizzes


def _question_doc(question: Question) -> QuestionDoc:
    choices = tuple(
        ChoiceDoc(choice["html"], bool(choice["correct"]), choice.get("feedback_html", ""))
        for choice in question.choices
    )
    return QuestionDoc(
        question.key, question.prompt_html, choices, question.explanation_html, question.group_key
    )


def from_draft(files: Mapping[str, str], slug: str) -> tuple[list[ExportedQuiz], list[Problem]]:
    """A draft's quizzes, module order then the final test; or the problems of those that have any.

    Each quiz file is read alone, so a problem elsewhere in the draft (a module's text, an image)
    does not stop the export. Runs in a bounded child process: the files are a publisher's.
    """
    quizzes, problems = [], []
    course_title = str(course_fields(dict(files), slug)[0].get("title") or slug)
    places = [(m.quiz_path, m.slug, _title(files, m.path) or m.slug) for m in modules(dict(files), slug)]
    for path, module_slug, title in [*places, (final_path(slug), FINAL, course_title)]:
        if path not in files:
            continue
        parsed = read_quiz(path, files[path])
        problems += parsed.problems
        if parsed.doc is not None:
            quizzes.append(ExportedQuiz(module_slug, title, parsed.doc.questions, parsed.doc.shuffle))
    return quizzes, problems


def _title(files: Mapping[str, str], path: str) -> str:
    front, _problems = split_front_matter(path, files[path])
    title = front.values.get("title") if front is not None else None
    return title if isinstance(title, str) else ""

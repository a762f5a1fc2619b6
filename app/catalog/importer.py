"""Import checked course documents into the database, keeping identities stable."""

from dataclasses import dataclass

from sqlalchemy import select

from app.accounts.models import User
from app.catalog.models import Course, Module, Question
from app.certificates.services import issue_certificate_if_complete
from app.content.documents import CourseDoc, ModuleDoc, QuestionDoc
from app.extensions import db
from app.learning.models import ModuleProgress
from app.models_base import utcnow


@dataclass(frozen=True)
class ImportOutcome:
    """What happened to one course: created, updated (new version) or unchanged."""

    slug: str
    status: str
    version: int


def import_course(doc: CourseDoc) -> ImportOutcome:
    """Create or update one course from a valid document, in the current transaction.

    Modules are matched by slug and questions by key, so progress and attempts keep pointing
    at the same rows; what disappeared from the files is retired, never deleted.
    """
    course = db.session.scalar(select(Course).where(Course.slug == doc.slug))
    if course is not None and course.content_hash == doc.content_hash:
        return ImportOutcome(doc.slug, "unchanged", course.version)
    if course is None:
        course = Course(slug=doc.slug, version=1)
        db.session.add(course)
        status = "created"
    else:
        course.version += 1
        course.version_at = utcnow()
        status = "updated"
    course.title = doc.title
    course.summary = doc.summary
    course.language = doc.language
    course.level = doc.level
    course.duration = doc.duration
    course.audience = doc.audience
    course.publisher = doc.publisher
    course.content_updated = doc.updated
    course.intro_html = doc.intro_html
    course.content_hash = doc.content_hash
    db.session.flush()
    _sync_modules(course, doc.modules)
    if status == "updated":
        _issue_due_certificates(course)
    return ImportOutcome(doc.slug, status, course.version)


def _issue_due_certificates(course: Course) -> None:
    """Learners whom an update made complete (a module retired, say) get their certificate now."""
    db.session.flush()
    db.session.expire(course, ["modules"])
    learners = db.session.scalars(
        select(User)
        .join(ModuleProgress, ModuleProgress.user_id == User.id)
        .join(Module, Module.id == ModuleProgress.module_id)
        .where(Module.course_id == course.id, ModuleProgress.completed_at.is_not(None))
        .distinct()
    )
    for learner in learners:
        issue_certificate_if_complete(learner, course)


def _sync_modules(course: Course, docs: tuple[ModuleDoc, ...]) -> None:
    """Update modules in place by slug, add new ones, retire the missing."""
    existing = {m.slug: m for m in db.session.scalars(select(Module).where(Module.course_id == course.id))}
    seen = set()
    for position, doc in enumerate(docs, start=1):
        module = existing.get(doc.slug)
        if module is None:
            module = Module(course_id=course.id, slug=doc.slug)
            db.session.add(module)
        seen.add(doc.slug)
        module.position = position
        module.title = doc.title
        module.duration = doc.duration
        module.objectives = list(doc.objectives)
        module.content_updated = doc.updated
        module.body_html = doc.body_html
        module.retired = False
        module.has_quiz = doc.quiz is not None
        module.pass_mark = doc.quiz.pass_mark if doc.quiz else None
        module.shuffle = doc.quiz.shuffle if doc.quiz else False
        db.session.flush()
        _sync_questions(module, doc.quiz.questions if doc.quiz else ())
    for slug, module in existing.items():
        if slug not in seen:
            module.retired = True
            # Keep it out of the way of the live modules' positions.
            module.position = 10_000 + module.id


def _sync_questions(module: Module, docs: tuple[QuestionDoc, ...]) -> None:
    """Update questions in place by key, add new ones, retire the missing."""
    existing = {q.key: q for q in db.session.scalars(select(Question).where(Question.module_id == module.id))}
    seen = set()
    for position, doc in enumerate(docs, start=1):
        question = existing.get(doc.key)
        if question is None:
            question = Question(module_id=module.id, key=doc.key)
            db.session.add(question)
        seen.add(doc.key)
        question.position = position
        question.kind = "multiple" if doc.multiple else "single"
        question.prompt_html = doc.prompt_html
        question.choices = [{"html": c.html, "correct": c.correct} for c in doc.choices]
        question.explanation_html = doc.explanation_html
        question.retired = False
    for key, question in existing.items():
        if key not in seen:
            question.retired = True

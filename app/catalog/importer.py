"""Import checked course documents into the database, keeping identities stable."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.catalog.images import store_image
from app.catalog.models import FINAL_SLUG, Course, Module, Question
from app.certificates.services import issue_certificate_if_complete
from app.content.documents import CourseDoc, ModuleDoc, QuestionDoc, QuizDoc
from app.extensions import db
from app.learning.models import ModuleProgress
from app.models_base import utcnow


@dataclass(frozen=True)
class ImportOutcome:
    """What happened to one course: created, updated (new version), unchanged, or refreshed
    (unchanged, its pages rendered anew by this version of Cadre: see refresh_rendering)."""

    slug: str
    status: str
    version: int


def import_course(doc: CourseDoc, edition_of: Course | None = None) -> ImportOutcome:
    """Create or update one course from a valid document, in the current transaction.

    Modules are matched by slug and questions by key, so progress and attempts keep pointing
    at the same rows; what disappeared from the files is retired, never deleted.

    With ``edition_of``, the document is that course in another language (app.catalog.editions):
    it is kept as its edition, which records the original's version it was made from.
    """
    if edition_of is None:
        course = db.session.scalar(select(Course).where(Course.slug == doc.slug))
    else:
        course = db.session.scalar(
            select(Course).where(Course.edition_of_id == edition_of.id, Course.language == doc.language)
        )
    if course is not None and course.content_hash == doc.content_hash:
        refreshed = refresh_rendering(course, doc)
        if refreshed is not None:
            return ImportOutcome(doc.slug, "refreshed" if refreshed else "unchanged", course.version)
        # The same files name their questions otherwise for this Cadre (a key made from a heading
        # it renders differently): a new version, as if the files had changed.
    if course is None:
        course = Course(slug=doc.slug if edition_of is None else None, version=1)
        if edition_of is not None:
            course.edition_of_id = edition_of.id
            course.organisation_id = edition_of.organisation_id
            course.visibility = edition_of.visibility
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
    # The modules' durations and the final test's add up to the course's, wherever it is shown.
    course.duration = sum(m.duration for m in doc.modules) + (doc.final_duration if doc.final else 0)
    course.audience = doc.audience
    course.publisher = doc.publisher
    course.content_updated = doc.updated
    course.licence = doc.licence
    course.intro_html = doc.intro_html
    course.content_hash = doc.content_hash
    if edition_of is not None:
        course.source_version = edition_of.version
    for image in doc.images:  # a repository's images/ (a draft's images were stored on upload)
        store_image(image)
    db.session.flush()
    _sync_modules(course, doc.modules)
    _sync_final(course, doc)
    if status == "updated" and edition_of is None:
        _issue_due_certificates(course)
    return ImportOutcome(doc.slug, status, course.version)


def refresh_rendering(course: Course, doc: CourseDoc) -> bool | None:
    """Put the HTML ``doc`` renders in place of what ``course`` kept, when its files are the same
    (``content_hash``) and only Cadre's rendering changed (an upgraded Markdown extension, the
    sanitiser's rules): same version, so certificates and progress are untouched. True if any
    HTML changed (the commit then renews the kept pages, app.page_cache); None, changing nothing,
    if the live modules, questions or choices ``doc`` has are not those ``course`` has (a question
    key made from a heading rendered otherwise): that takes a new version (import_course)."""
    if course.content_hash != doc.content_hash:
        raise ValueError("refresh_rendering is for the same files; import_course makes a new version")
    live = select(Module).where(Module.course_id == course.id, Module.retired.is_(False))
    modules = {
        (m.is_final, m.slug): m for m in db.session.scalars(live.options(selectinload(Module.questions)))
    }
    wanted = [((False, m.slug), m.quiz) for m in doc.modules]
    if doc.final is not None:
        wanted.append(((True, FINAL_SLUG), doc.final))
    if set(modules) != {place for place, _quiz in wanted} or any(
        _shape(modules[place].questions) != _doc_shape(quiz) for place, quiz in wanted
    ):
        return None
    changed = _assign(course, intro_html=doc.intro_html)
    for module_doc in doc.modules:
        module = modules[(False, module_doc.slug)]
        changed |= _assign(module, body_html=module_doc.body_html)
        changed |= _refresh_quiz(module, module_doc.quiz)
    if doc.final is not None:
        changed |= _refresh_quiz(modules[(True, FINAL_SLUG)], doc.final)
    return changed


def _shape(questions: list[Question]) -> set:
    return {(q.key, tuple(c["correct"] for c in q.choices)) for q in questions}


def _doc_shape(quiz: QuizDoc | None) -> set:
    return {(q.key, tuple(c.correct for c in q.choices)) for q in (quiz.questions if quiz else ())}


def _refresh_quiz(module: Module, quiz: QuizDoc | None) -> bool:
    questions = {q.key: q for q in module.questions}
    changed = False
    for doc in quiz.questions if quiz else ():
        question = questions[doc.key]
        choices = [
            {**kept, "html": c.html, "feedback_html": c.feedback_html}
            for kept, c in zip(question.choices, doc.choices, strict=True)
        ]
        changed |= _assign(
            question, prompt_html=doc.prompt_html, explanation_html=doc.explanation_html, choices=choices
        )
    return changed


def _assign(row, **values) -> bool:
    """Set the attributes that differ; True if any did (the others are not written)."""
    different = {name: value for name, value in values.items() if getattr(row, name) != value}
    for name, value in different.items():
        setattr(row, name, value)
    return bool(different)


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
    existing = {
        m.slug: m
        for m in db.session.scalars(
            select(Module).where(Module.course_id == course.id, Module.is_final.is_(False))
        )
    }
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
        _set_quiz(module, doc.quiz)
    for slug, module in existing.items():
        if slug not in seen:
            module.retired = True
            # Keep it out of the way of the live modules' positions.
            module.position = 10_000 + module.id


def _set_quiz(module: Module, quiz: QuizDoc | None) -> None:
    """Copy a quiz's settings onto its module and sync its questions (none when it has no quiz)."""
    module.has_quiz = quiz is not None
    module.pass_mark = quiz.pass_mark if quiz else None
    module.shuffle = quiz.shuffle if quiz else False
    module.draw = quiz.draw if quiz else None
    module.review = quiz.review if quiz else QuizDoc.review
    module.attempts_per_day = quiz.attempts_per_day if quiz else QuizDoc.attempts_per_day
    module.groups = [{"key": g.key, "title": g.title, "draw": g.draw} for g in quiz.groups] if quiz else []
    db.session.flush()
    _sync_questions(module, quiz.questions if quiz else ())


def _sync_final(course: Course, doc: CourseDoc) -> None:
    """The final test is a module row of its own (is_final), retired when final.md goes away."""
    final = db.session.scalar(select(Module).where(Module.course_id == course.id, Module.is_final.is_(True)))
    if doc.final is None:
        if final is not None:
            final.retired = True
        return
    if final is None:
        final = Module(course_id=course.id, slug=FINAL_SLUG, is_final=True, objectives=[], body_html="")
        db.session.add(final)
    final.position = 9_999  # after the modules, wherever modules are listed with it
    final.title = course.title
    final.duration = doc.final_duration
    final.content_updated = doc.updated
    final.retired = False
    _set_quiz(final, doc.final)


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
        question.choices = [
            {"html": c.html, "correct": c.correct, "feedback_html": c.feedback_html} for c in doc.choices
        ]
        question.explanation_html = doc.explanation_html
        question.group_key = doc.group
        question.retired = False
    for key, question in existing.items():
        if key not in seen:
            question.retired = True

"""A course in several languages: which edition a reader gets, and pages that show its texts.

An edition (Course.edition_of_id) has modules and questions of its own, matched to the original's
by module slug and question key. The original's rows keep every learner's progress, draws,
attempts and certificate, so switching language keeps them all: a page loads the original as
always and shows it through a *view* that takes the texts (titles, bodies, prompts, options,
feedback, explanations) from the chosen edition. Where the edition lags behind (a module or a
question it does not have yet, or whose options no longer match), the view keeps the original's
texts and says in which language they are (``content_language``), for the page's ``lang``.
"""

from flask import current_app, g, has_request_context, session
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError

from app.catalog.models import Course, CourseLanguageChoice, Module, Question
from app.extensions import db

SESSION_KEY = "course_languages"  # a visitor's choices: {course id: language}
# Built once (as catalog.services' statements): every course page runs them.
# An edition its publisher archived is withdrawn: readers get another language.
_EDITIONS = select(Course).where(
    Course.edition_of_id.in_(bindparam("ids", expanding=True)), Course.archived_at.is_(None)
)
_CHOICES = select(CourseLanguageChoice.course_id, CourseLanguageChoice.language).where(
    CourseLanguageChoice.user_id == bindparam("user_id"),
    CourseLanguageChoice.course_id.in_(bindparam("ids", expanding=True)),
)


def editions_by_course(courses) -> dict[int, dict[str, Course]]:
    """For each course, its editions by language, the original included (one query in all)."""
    found = {course.id: {course.language: course} for course in courses}
    if found:
        for edition in db.session.scalars(_EDITIONS, {"ids": list(found)}):
            # Never in place of the original (a course whose language changed to an edition's).
            found[edition.edition_of_id].setdefault(edition.language, edition)
    return found


def _choices(user, course_ids) -> dict[int, str]:
    """The languages the reader chose explicitly, by course id (a visitor's are in their session)."""
    if not course_ids:
        return {}
    if user is not None and user.is_authenticated:
        rows = db.session.execute(_CHOICES, {"user_id": user.id, "ids": list(course_ids)})
        return {course_id: language for course_id, language in rows}
    if not has_request_context():
        return {}
    kept = session.get(SESSION_KEY) or {}
    return {int(key): value for key, value in kept.items() if key.isdigit() and int(key) in course_ids}


def _is_reader(user) -> bool:
    """True when ``user`` is the person this request is for (whose interface language applies)."""
    if not has_request_context():
        return False
    if user is None or not user.is_authenticated:
        return not current_user.is_authenticated
    return current_user.is_authenticated and current_user.id == user.id


def chosen_languages(user, editions: dict[int, dict[str, Course]]) -> dict[int, str]:
    """The language each course is read in: the reader's choice, else the interface's language
    when the course has it (for the person the request is for), else the course's own."""
    # A course in one language is read in it, whatever was chosen: no need to ask.
    choices = _choices(user, {course_id for course_id, found in editions.items() if len(found) > 1})
    interface = get_locale().language if _is_reader(user) and get_locale() else None
    chosen = {}
    for course_id, by_language in editions.items():
        original = next(c for c in by_language.values() if c.edition_of_id is None)
        for candidate in (choices.get(course_id), interface, original.language):
            if candidate in by_language:
                chosen[course_id] = candidate
                break
    return chosen


def choose(user, course: Course, language: str) -> None:
    """Remember the reader's choice of language for this course (the caller commits)."""
    if user is not None and user.is_authenticated:
        mine = (CourseLanguageChoice.user_id == user.id, CourseLanguageChoice.course_id == course.id)
        if db.session.scalar(select(CourseLanguageChoice.id).where(*mine)) is None:
            try:
                with db.session.begin_nested():  # two quick clicks: the second one updates
                    db.session.add(
                        CourseLanguageChoice(user_id=user.id, course_id=course.id, language=language)
                    )
                return
            except IntegrityError:
                pass
        db.session.execute(update(CourseLanguageChoice).where(*mine).values(language=language))
        return
    kept = dict(session.get(SESSION_KEY) or {})
    kept[str(course.id)] = language
    session[SESSION_KEY] = dict(list(kept.items())[-50:])  # a cookie stays small


class _View:
    """The row's attributes, with some replaced by an edition's texts."""

    def __init__(self, row) -> None:
        self.row = row

    def __getattr__(self, name: str):
        return getattr(self.__dict__["row"], name)


class CourseView(_View):
    """A course as read in one language: the edition's texts, the original's identity."""

    # What a reader gets of the edition: its texts, and its length (its modules' own, which the
    # catalogue's totals and length filter count, and a certificate states).
    TEXTS = (
        "title",
        "summary",
        "intro_html",
        "audience",
        "publisher",
        "content_updated",
        "licence",
        "duration",
    )

    def __init__(self, course: Course, edition: Course, languages: list[str]) -> None:
        super().__init__(course)
        self.edition = edition
        self.languages = languages  # every language the course is in, the original's first
        self.content_language = edition.language
        self.language = edition.language
        # Versions are the edition's: a certificate names the version the learner read.
        self.version = edition.version
        self.version_at = edition.version_at
        for name in self.TEXTS:
            setattr(self, name, getattr(edition, name))
        self._modules: dict[str, Module] | None = None

    @property
    def translated(self) -> bool:
        return self.edition is not self.row

    @property
    def lagging(self) -> bool:
        """True when the original changed since this edition was last made from it."""
        return self.translated and (self.edition.source_version or 0) < self.row.version

    def _edition_modules(self) -> dict[str, Module]:
        if self._modules is None:
            query = select(Module).where(Module.course_id == self.edition.id, Module.retired.is_(False))
            self._modules = {m.slug: m for m in db.session.scalars(query)}
        return self._modules

    def module(self, module: Module) -> "ModuleView":
        """One of the original's modules (or its final test) with this edition's texts."""
        if not self.translated:
            return ModuleView(module, self, None)
        return ModuleView(module, self, self._edition_modules().get(module.slug))

    @property
    def modules(self) -> list["ModuleView"]:
        return [self.module(m) for m in self.row.modules]


class ModuleView(_View):
    """A module with its edition's title, objectives and body; questions likewise."""

    def __init__(self, module: Module, course: CourseView, edition: Module | None) -> None:
        super().__init__(module)
        self.course = course
        self.edition = edition
        self.content_language = course.language if edition is not None else course.row.language
        self.title = course.title if module.is_final else (edition or module).title
        if edition is not None:
            self.objectives = edition.objectives
            self.body_html = edition.body_html
            self.content_updated = edition.content_updated
            titles = {group["key"]: group["title"] for group in edition.groups or []}
            self.groups = [
                {**group, "title": titles.get(group["key"], group["title"])} for group in module.groups
            ]
        self._questions: dict[str, Question] | None = None

    def _edition_questions(self) -> dict[str, Question]:
        if self.edition is None:
            return {}
        if self._questions is None:
            query = select(Question).where(Question.module_id == self.edition.id, Question.retired.is_(False))
            self._questions = {q.key: q for q in db.session.scalars(query)}
        return self._questions

    def question(self, question: Question) -> "QuestionView":
        """One of the original's questions with the edition's texts, when they match it."""
        texts = self._edition_questions().get(question.key)
        return QuestionView(question, texts, self.content_language, self.course.row.language)

    @property
    def questions(self) -> list["QuestionView"]:
        return [self.question(q) for q in self.row.questions]


def same_options(question: Question, other: Question) -> bool:
    """True when ``other`` asks the same thing: same kind, same number of options, same right ones.

    Grading reads the original's options by position, so an edition whose options differ would
    show the learner one question and grade another: its texts are then not used.
    """
    return (
        question.kind == other.kind
        and len(question.choices) == len(other.choices)
        and all(a["correct"] == b["correct"] for a, b in zip(question.choices, other.choices, strict=True))
    )


class QuestionView(_View):
    """A question with the edition's prompt, options, feedback and explanation."""

    def __init__(self, question: Question, edition: Question | None, language: str, original: str) -> None:
        super().__init__(question)
        if edition is None or not same_options(question, edition):
            self.content_language = original
            return
        self.content_language = language
        self.prompt_html = edition.prompt_html
        self.explanation_html = edition.explanation_html
        self.choices = [
            {**mine, "html": theirs["html"], "feedback_html": theirs["feedback_html"]}
            for mine, theirs in zip(question.choices, edition.choices, strict=True)
        ]


def present(course: Course, user=None, language: str | None = None) -> CourseView:
    """The course as ``user`` (the current user by default) reads it, or in ``language``.

    Kept on ``g`` for the request, so a page and its helpers load the editions once.
    """
    user = current_user if user is None else user
    cache = g.setdefault("course_views", {})
    key = (course.id, language, user.id if user is not None and user.is_authenticated else None)
    if key not in cache:
        (cache[key],) = present_many([course], user, language)
    return cache[key]


def present_many(courses, user=None, language: str | None = None) -> list[CourseView]:
    """Courses for a listing, each in the language its reader gets, or in ``language`` where it
    has it (two queries in all)."""
    user = current_user if user is None else user
    editions = editions_by_course(courses)
    chosen = chosen_languages(user, editions)
    return [
        CourseView(
            c,
            editions[c.id][language if language in editions[c.id] else chosen[c.id]],
            _ordered(c, editions[c.id]),
        )
        for c in courses
    ]


def prefetch_modules(views) -> None:
    """Load the edition modules of every translated view in one query (for listings of modules)."""
    pending = {view.edition.id: view for view in views if view.translated and view._modules is None}
    for view in pending.values():
        view._modules = {}
    if pending:
        for module in db.session.scalars(
            select(Module).where(Module.course_id.in_(list(pending)), Module.retired.is_(False))
        ):
            pending[module.course_id]._modules[module.slug] = module


def _ordered(course: Course, by_language: dict[str, Course]) -> list[str]:
    """The course's languages, its own first, then the others as configured."""
    others = [
        code for code in current_app.config["LANGUAGES"] if code in by_language and code != course.language
    ]
    return [course.language, *others, *sorted(set(by_language) - {course.language, *others})]

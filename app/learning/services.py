"""Progress, quiz attempts and completion: the one model of progress every page shares."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from flask import current_app
from sqlalchemy import and_, bindparam, case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, defer
from sqlalchemy.orm.attributes import set_committed_value

from app import jobs
from app.accounts.models import User
from app.catalog.listing import READABLE, VISIBLE
from app.catalog.models import Course, Module
from app.certificates.services import issue_certificate_if_complete
from app.extensions import db
from app.learning import stamps, statistics
from app.learning.draws import close_draw
from app.learning.grading import grade_question, score_percent
from app.learning.models import AnswerChoice, AttemptAnswer, ModuleProgress, QuizAttempt
from app.models_base import utcnow
from app.record import services as learning_record

NOT_STARTED, READ, PASSED, ATTEMPTED = "not_started", "read", "passed", "attempted"


@dataclass(frozen=True)
class CourseProgress:
    """Completed and total live modules of a course for one learner."""

    completed: int
    total: int
    touched: int  # modules with any activity (read, or a quiz attempted); completed ones included
    # The course has a final test the learner has not passed (courses_progress says; others
    # leave it False): its modules done, the course is not.
    final_due: bool = False

    @property
    def percent(self) -> int:
        return self.completed * 100 // self.total if self.total else 0

    @property
    def started(self) -> bool:
        return self.touched > 0

    @property
    def done(self) -> bool:
        """Every module completed (the final test aside)."""
        return self.total > 0 and self.completed >= self.total

    @property
    def complete(self) -> bool:
        """The course is complete: every module, and the final test if any (what a certificate
        attests). Only as courses_progress gives it: others leave final_due False."""
        return self.done and not self.final_due


def courses_progress(user: User, course_ids: Iterable[int]) -> dict[int, CourseProgress]:
    """Progress on many courses in two queries, whatever their number."""
    course_ids = list(course_ids)
    if not course_ids:
        return {}
    in_courses = (Module.course_id.in_(course_ids), Module.retired.is_(False))
    module, final = Module.is_final.is_(False), Module.is_final.is_(True)
    # The final test is counted apart (count() skips the NULLs case() gives the other rows).
    totals = {
        cid: (modules, finals)
        for cid, modules, finals in db.session.execute(
            select(
                Module.course_id, func.count(case((module, Module.id))), func.count(case((final, Module.id)))
            )
            .where(*in_courses)
            .group_by(Module.course_id)
        )
    }
    # Completed and touched modules, and the final test passed, in one query.
    rows = db.session.execute(
        select(
            Module.course_id,
            func.count(case((module, ModuleProgress.completed_at))),
            func.count(case((module, ModuleProgress.id))),
            func.count(case((final, ModuleProgress.completed_at))),
        )
        .join(ModuleProgress, ModuleProgress.module_id == Module.id)
        .where(*in_courses, ModuleProgress.user_id == user.id)
        .group_by(Module.course_id)
    ).all()
    done = {cid: (completed, touched, passed) for cid, completed, touched, passed in rows}
    progress = {}
    for cid in course_ids:
        completed, touched, passed = done.get(cid, (0, 0, 0))
        total, finals = totals.get(cid, (0, 0))
        progress[cid] = CourseProgress(completed, total, touched, final_due=finals > 0 and not passed)
    return progress


_MODULES_PROGRESS = select(ModuleProgress).where(  # built once: every module page runs it
    ModuleProgress.user_id == bindparam("user_id"),
    ModuleProgress.module_id.in_(bindparam("ids", expanding=True)),
)


def modules_progress(user: User | None, module_ids: Iterable[int]) -> dict[int, ModuleProgress]:
    """The learner's progress rows for these modules, keyed by module id, in one query."""
    module_ids = list(module_ids)
    if user is None or not user.is_authenticated or not module_ids:
        return {}
    rows = db.session.scalars(_MODULES_PROGRESS, {"user_id": user.id, "ids": module_ids})
    return {row.module_id: row for row in rows}


def earned_courses(user: User, done: set[int], with_final_test: set[int]) -> set[int]:
    """Of the courses whose modules are all *done*, those that earned a certificate: no final
    test, or the final test passed (one query for them all)."""
    finals = done & with_final_test
    passed = set()
    if finals:
        passed = set(
            db.session.scalars(
                select(Module.course_id)
                .join(ModuleProgress, ModuleProgress.module_id == Module.id)
                .where(
                    Module.course_id.in_(finals),
                    Module.is_final.is_(True),
                    Module.retired.is_(False),
                    ModuleProgress.user_id == user.id,
                    ModuleProgress.completed_at.is_not(None),
                )
            )
        )
    return (done - with_final_test) | passed


def module_state(module: Module, progress: ModuleProgress | None) -> str:
    """Not started, read, attempted (quiz not yet passed) or passed/completed."""
    if progress is None:
        return NOT_STARTED
    if progress.completed_at is not None:
        # A module read before its quiz existed stays completed, but its quiz was not passed.
        return PASSED if module.has_quiz and progress.best_score is not None else READ
    return ATTEMPTED if progress.attempts else NOT_STARTED


def lock_learner(user: User, *, progress: bool = False) -> None:
    """Serialise one learner's progress updates (a row lock on PostgreSQL; SQLite locks the file).

    Two requests finishing a course's last two modules at once would otherwise each miss the
    other's completion, and neither would issue the certificate. Take it before writing anything.
    It is ``FOR NO KEY UPDATE``, which the key-share lock taken by inserting a row that refers to
    the learner (an attempt, a progress row) does not conflict with: with ``FOR UPDATE`` after such
    an insert, two submissions each waited for the other, and PostgreSQL broke the deadlock with a 500.
    ``progress``: this request writes the learner's progress, and the lock is taken by drawing their
    progress stamp anew (app.learning.stamps), an update that takes the same lock.
    """
    # Read under the lock: an address confirmed meanwhile (app/accounts/confirmation.py, which
    # takes this lock too) lets this request issue the certificate, or sees it issued.
    if progress:
        confirmed = stamps.stamp_with_lock(db.session(), user.id)
    else:
        confirmed = db.session.scalar(
            select(User.email_confirmed_at).where(User.id == user.id).with_for_update(key_share=True)
        )
    if confirmed != user.email_confirmed_at:
        person = user._get_current_object() if hasattr(user, "_get_current_object") else user
        set_committed_value(person, "email_confirmed_at", confirmed)


def _progress_row(user: User, module: Module) -> ModuleProgress:
    """Fetch or create the progress row; a concurrent insert is caught by the unique constraint."""
    query = select(ModuleProgress).where(
        ModuleProgress.user_id == user.id, ModuleProgress.module_id == module.id
    )
    row = db.session.scalar(query)
    if row is not None:
        return row
    try:
        with db.session.begin_nested():
            row = ModuleProgress(user_id=user.id, module_id=module.id, attempts=0)
            db.session.add(row)
    except IntegrityError:
        row = db.session.scalar(query)
    return row


def mark_read(user: User, module: Module):
    """Complete a module without quiz; returns the certificate if this finished the course."""
    if module.has_quiz:
        raise ValueError("a module with a quiz is completed by passing its quiz")
    lock_learner(user, progress=True)
    row = _progress_row(user, module)
    now = utcnow()
    row.read_at = row.read_at or now
    row.completed_at = row.completed_at or now
    row.last_activity_at = now
    if row.read_at == now:  # marked read by this very request: a second click records nothing
        learning_record.module_read(user, module, now)
    db.session.flush()
    certificate = issue_certificate_if_complete(user, module.course)
    _results_changed(user, module)
    return certificate


def submit_quiz(
    user: User, module: Module, answers: Mapping[str, Iterable[int]], questions=None, orders=None
):
    """Grade answers on the server, keep the attempt and its answers, update progress.

    *questions* are the ones the learner's draw showed (all the quiz's by default), *orders* the
    order each showed its choices in (the author's by default). The open
    draw is closed: the next visit draws again. Returns the attempt, and the certificate if this
    attempt finished the course.
    """
    lock_learner(user, progress=True)  # first: see lock_learner
    questions = module.questions if questions is None else questions
    orders = [None] * len(questions) if orders is None else orders
    graded = [grade_question(q, answers.get(q.key, ()), o) for q, o in zip(questions, orders, strict=True)]
    right = sum(g.correct for g in graded)
    score = score_percent(right, len(graded))
    passed = score >= (module.pass_mark or 0)
    attempt = QuizAttempt(
        user_id=user.id,
        module_id=module.id,
        score=score,
        passed=passed,
        course_version=module.course.version,
        results=[g.snapshot for g in graded],
    )
    db.session.add(attempt)
    db.session.flush()
    _record_answers(attempt, questions, graded, answers, right)
    learning_record.quiz_graded(user, module, attempt, questions, graded, answers)
    close_draw(user, module)
    row = _progress_row(user, module)
    now = utcnow()
    row.attempts = (row.attempts or 0) + 1
    row.best_score = max(row.best_score or 0, score)
    row.last_activity_at = now
    if passed and row.completed_at is None:
        row.completed_at = now
    db.session.flush()
    certificate = issue_certificate_if_complete(user, module.course) if passed else None
    _results_changed(user, module)
    return attempt, certificate


def fold_now_and_then(attempt: QuizAttempt) -> None:
    """Once the attempt is committed, about one in STATISTICS_FOLD_EVERY (whichever course) has
    its course's answers added to the item statistics' totals by a job. After the commit: a job
    run at once commits, and must neither end nor undo the attempt's transaction."""
    every = current_app.config["STATISTICS_FOLD_EVERY"]
    if every and attempt.id % every == 0:  # the id the result page's address reads anyway
        jobs.enqueue(statistics.fold_answers, db.session.get(Module, attempt.module_id).course_id)


def _results_changed(user: User, module: Module) -> None:
    """A school's platform that launched this course may want the new score (app.lti.grades)."""
    from app.lti import grades

    grades.results_changed(user.id, module.course_id)


def _record_answers(attempt: QuizAttempt, questions, graded, answers, right: int) -> None:
    """One row per question and per option ticked, for the item statistics (aggregated in SQL)."""
    others = len(graded) - 1
    for question, result in zip(questions, graded, strict=True):
        answer = AttemptAnswer(
            attempt_id=attempt.id,
            question_id=question.id,
            module_id=attempt.module_id,
            course_version=attempt.course_version,
            correct=result.correct,
            rest=(right - result.correct) / others if others else None,
        )
        chosen = sorted({i for i in answers.get(question.key, ()) if 0 <= i < len(question.choices)})
        answer.choices = [
            AnswerChoice(question_id=question.id, course_version=attempt.course_version, choice=i)
            for i in chosen
        ]
        db.session.add(answer)


def next_module(modules: Iterable[Module], progress: Mapping[int, ModuleProgress]) -> Module | None:
    """The first of these modules (in course order) the learner has not completed."""
    for module in modules:
        row = progress.get(module.id)
        if row is None or row.completed_at is None:
            return module
    return None


def next_modules(user: User, courses: list[Course]) -> dict[int, Module | None]:
    """For each course, the first module left to do, in two queries whatever their number."""
    ids = [c.id for c in courses]
    if not ids:
        return {}
    modules = db.session.scalars(
        select(Module)
        .where(Module.course_id.in_(ids), Module.retired.is_(False), Module.is_final.is_(False))
        .order_by(Module.course_id, Module.position)
    ).all()
    progress = modules_progress(user, [m.id for m in modules])
    by_course: dict[int, list[Module]] = {cid: [] for cid in ids}
    for module in modules:
        by_course[module.course_id].append(module)
    return {cid: next_module(course_modules, progress) for cid, course_modules in by_course.items()}


def course_completed(user: User, course: Course) -> bool:
    """True when every live module of the course is completed by the learner."""
    return courses_progress(user, [course.id])[course.id].done


def final_test(course: Course, retired: bool = False) -> Module | None:
    """The course's live final test, if it has one (or its withdrawn one too, when *retired*)."""
    query = select(Module).where(Module.course_id == course.id, Module.is_final.is_(True))
    if not retired:
        query = query.where(Module.retired.is_(False))
    return db.session.scalar(query)


def courses_with_final_test(course_ids: Iterable[int]) -> set[int]:
    """Which of these courses have a live final test, in one query."""
    course_ids = list(course_ids)
    if not course_ids:
        return set()
    return set(
        db.session.scalars(
            select(Module.course_id).where(
                Module.course_id.in_(course_ids), Module.is_final.is_(True), Module.retired.is_(False)
            )
        )
    )


# The dashboard's statements are built once, with the learner and their organisations as bound
# parameters: building SQLAlchemy statements costs more than running these ones.
_USER = bindparam("user_id")


def _started_ids():
    """The courses the learner started (CourseProgress.started: a live module touched): read from
    their own progress rows only, whatever the catalogue's size."""
    return (
        select(Module.course_id)
        .join(ModuleProgress, ModuleProgress.module_id == Module.id)
        .where(ModuleProgress.user_id == _USER, Module.retired.is_(False), Module.is_final.is_(False))
    )


@cache
def _started_statement():
    live = (Module.retired.is_(False), Module.is_final.is_(False))
    # courses_progress's counts, for the started courses only.
    counts = (
        select(
            Module.course_id,
            func.count(Module.id).label("total"),
            func.count(ModuleProgress.completed_at).label("completed"),  # count() skips NULLs
            func.count(ModuleProgress.id).label("touched"),
        )
        .outerjoin(
            ModuleProgress, and_(ModuleProgress.module_id == Module.id, ModuleProgress.user_id == _USER)
        )
        .where(*live, Module.course_id.in_(_started_ids()))
        .group_by(Module.course_id)
        .subquery()
    )
    # next_module's rule: the first live module, in course order, the learner has not completed.
    module, row = aliased(Module), aliased(ModuleProgress)
    following = (
        select(module.id)
        .outerjoin(row, and_(row.module_id == module.id, row.user_id == _USER))
        .where(
            module.course_id == Course.id,
            module.retired.is_(False),
            module.is_final.is_(False),
            row.completed_at.is_(None),
        )
        .order_by(module.position, module.id)
        .limit(1)
        .correlate(Course)
        .scalar_subquery()
    )
    # courses_with_final_test's rule, giving the final test's pass mark (None: no final test).
    final = aliased(Module)
    final_mark = (
        select(func.max(func.coalesce(final.pass_mark, 0)))
        .where(final.course_id == Course.id, final.is_final.is_(True), final.retired.is_(False))
        .correlate(Course)
        .scalar_subquery()
    )
    # The learner's best score on a final test tried and not yet passed (None otherwise).
    tried = aliased(ModuleProgress)
    final_best = (
        select(func.max(tried.best_score))
        .join(final, final.id == tried.module_id)
        .where(
            final.course_id == Course.id,
            final.is_final.is_(True),
            final.retired.is_(False),
            tried.user_id == _USER,
            tried.completed_at.is_(None),
            tried.attempts > 0,
        )
        .correlate(Course)
        .scalar_subquery()
    )
    return (
        select(
            Course, counts.c.total, counts.c.completed, counts.c.touched, following, final_mark, final_best
        )
        .join(counts, counts.c.course_id == Course.id)
        .where(*READABLE)
    )


@dataclass(frozen=True)
class StartedCourses:
    """The courses a learner started, with their progress, what to do next and their final tests."""

    courses: list[Course]  # in no particular order
    progress: dict[int, CourseProgress]  # as courses_progress gives it, final_due left False
    following: dict[int, Module | None]  # as next_modules gives it
    with_final_test: set[int]  # as courses_with_final_test gives it
    # The best score on a final test tried and not yet passed, and the mark it needs, by course.
    final_tried: dict[int, tuple[int, int]]


def started_courses(user: User, member_of: Iterable[int]) -> StartedCourses:
    """The courses ``user`` started, archived ones included, among those they may see as a member
    of the organisations ``member_of`` (catalog.listing.READABLE): two queries whatever
    their number and the catalogue's size, one when no module is left to do."""
    params = {"user_id": user.id, "orgs": list(member_of)}
    rows = db.session.execute(_started_statement(), params).all()
    next_ids = [next_id for *_, next_id, _mark, _best in rows if next_id is not None]
    modules = {}
    if next_ids:
        modules = {m.id: m for m in db.session.scalars(_modules_statement(), {"ids": next_ids})}
    found = StartedCourses([], {}, {}, set(), {})
    for course, total, completed, touched, next_id, mark, best in rows:
        found.courses.append(course)
        found.progress[course.id] = CourseProgress(completed, total, touched)
        found.following[course.id] = modules.get(next_id)
        if mark is not None:
            found.with_final_test.add(course.id)
            if best is not None:
                found.final_tried[course.id] = (best, mark)
    return found


@cache
def _modules_statement():
    # A page names the next module and links to it: its texts stay unread (loaded if ever used).
    return (
        select(Module)
        .options(defer(Module.body_html), defer(Module.objectives))
        .where(Module.id.in_(bindparam("ids", expanding=True)))
    )


@cache
def _suggestions_statement(limit: int, postgresql: bool):
    # By (sort_title, slug), as catalog.services.title_key sorts, without reading every course's
    # row. PostgreSQL walks the originals in that order in ix_courses_originals_title and stops at
    # the ``limit``-th course the learner may start. SQLite, where a course's row is long to reach
    # (the columns after intro_html sit on its overflow pages): the first ``limit`` folded titles,
    # then the ids of the courses up to the last of them (more than ``limit`` only when several
    # share it), come from an index (ix_courses_title); only those courses' rows are read. (On
    # PostgreSQL that second step was planned as a read of every course: the last title is not
    # known when it is planned.)
    candidates = (*VISIBLE, Course.id.not_in(_started_ids()))
    order = (Course.sort_title, Course.slug, Course.id)
    if postgresql:
        return select(Course).where(*candidates).order_by(*order).limit(limit)
    firsts = select(Course.sort_title).where(*candidates).order_by(Course.sort_title).limit(limit).subquery()
    last = select(func.max(firsts.c.sort_title)).scalar_subquery()
    return (
        select(Course)
        .where(Course.id.in_(select(Course.id).where(*candidates, Course.sort_title <= last)))
        .order_by(*order)
        .limit(limit)
    )


def courses_to_start(user: User, member_of: Iterable[int], limit: int = 3) -> list[Course]:
    """The first ``limit`` courses ``user`` could start: not started, not archived, visible to a
    member of ``member_of``, by folded title as the catalogue sorts them; one query whatever the
    catalogue's size."""
    params = {"user_id": user.id, "orgs": list(member_of)}
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    return list(db.session.scalars(_suggestions_statement(limit, postgresql), params))


_PASSED = (  # built once: every result page runs it
    select(QuizAttempt.id)
    .where(
        QuizAttempt.user_id == bindparam("user_id"),
        QuizAttempt.module_id == bindparam("module_id"),
        QuizAttempt.passed,
    )
    .limit(1)
)


def passed_quiz(user: User, module: Module) -> bool:
    """True once the learner has passed this quiz (any attempt, any version)."""
    return db.session.scalar(_PASSED, {"user_id": user.id, "module_id": module.id}) is not None

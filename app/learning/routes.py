"""Learning: mark as read, take a quiz, see results, the dashboard."""

import hmac
from functools import cache

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import bindparam, select
from sqlalchemy.orm import defer, joinedload

from app import nav
from app.accounts.forms import PostForm
from app.catalog import editions
from app.catalog.models import Module
from app.catalog.services import get_course_or_404, get_module_or_404, neighbours, title_key
from app.certificates.models import Certificate
from app.certificates.services import find_certificate, waits_for_address
from app.content.checker import FINAL
from app.content.documents import REVIEW_ALWAYS
from app.extensions import db, retry_conflicts
from app.i18n import gettext as _
from app.learning import grading, services
from app.learning.draws import attempt_allowance, find_open_draw, open_draw
from app.learning.forms import answers_from, build_quiz_form, field_name
from app.learning.models import QuizAttempt
from app.schools import calendar
from app.schools import services as schools

bp = Blueprint("learning", __name__)


def _announce(certificate) -> None:
    """Congratulate the learner when this very request issued their certificate."""
    if certificate is not None:
        flash(_("Congratulations! You completed the course and earned its certificate."), "success")


@bp.post("/courses/<slug>/<module_slug>/read")
@login_required
@retry_conflicts
def mark_read(slug: str, module_slug: str):
    """Complete a module that has no quiz."""
    course = get_course_or_404(slug)
    module = get_module_or_404(course, module_slug)
    if module.has_quiz or not PostForm().validate_on_submit():
        abort(400)
    certificate = services.mark_read(current_user, module)
    db.session.commit()
    _announce(certificate)
    _previous, following = neighbours(course, module)
    if following is None:
        # The last module: the course page says what comes next (the final test, the certificate,
        # or that it waits for the address), where the module page had only "Previous".
        flash(_("You marked this module as read."), "success")
        return redirect(url_for("catalog.course", slug=slug))
    return redirect(url_for("catalog.module", slug=slug, module_slug=module_slug))


def _quiz_or_404(course, module_slug: str) -> Module:
    """A module's quiz, or the course's final test under the reserved name "final"."""
    if module_slug == FINAL:
        final = services.final_test(course)
        if final is None:
            abort(404)
        return final
    module = get_module_or_404(course, module_slug)
    if not module.has_quiz:
        abort(404)
    return module


@bp.route("/courses/<slug>/<module_slug>/quiz", methods=["GET", "POST"])
@login_required
@retry_conflicts  # safe to run again: its one effect outside the transaction, a flash, comes last
def quiz(slug: str, module_slug: str):
    """Show the learner's drawn questions (no answers in the page) and grade them on the server."""
    course = get_course_or_404(slug)
    module = _quiz_or_404(course, module_slug)
    # The page shows the texts of the edition the learner reads; grading and draws use the
    # original's questions, which the edition's match option for option (app.catalog.editions).
    view = editions.present(course).module(module)
    page = {"course": view.course, "module": view, "module_slug": module_slug}
    if request.method == "POST":
        # One submission at a time per learner, locked before anything is written (see
        # lock_learner): a double click grades once, and the daily limit below is read after any
        # submission still in flight.
        services.lock_learner(current_user)
    if module.is_final and not services.course_completed(current_user, course):
        return render_template("learning/quiz_closed.html", **page), 403
    allowance = attempt_allowance(current_user, module)
    if allowance.reopens is not None:
        return render_template("learning/quiz_closed.html", reopens=allowance.reopens, **page), 429
    if request.method == "POST" and not _answers_current(course, module):
        return redirect(url_for("learning.quiz", slug=slug, module_slug=module_slug))
    draw, items = open_draw(current_user, module)
    items = [(view.question(question), order) for question, order in items]
    form = build_quiz_form(items, draw.token, version=str(course.version))
    if form.validate_on_submit():
        questions = [question for question, _order in items]
        answers = answers_from(form, draw.token, questions)
        orders = [order for _question, order in items]
        attempt, certificate = services.submit_quiz(current_user, module, answers, questions, orders)
        db.session.commit()
        services.fold_now_and_then(attempt)
        _announce(certificate)
        return redirect(
            url_for("learning.attempt", slug=slug, module_slug=module_slug, attempt_id=attempt.id)
        )
    fields = [form[field_name(question)] for question, _order in items]
    languages = [question.content_language for question, _order in items]
    html = render_template(
        "learning/quiz.html",
        form=form,
        fields=fields,
        languages=languages,
        pool=len(module.questions),
        left=allowance.left,
        **page,
    )
    # The draw is kept (a reload or a second tab shows the same questions); committing after
    # rendering spares the page a reload of every object the commit would expire.
    db.session.commit()
    return html


def _answers_current(course, module: Module) -> bool:
    """True when a submission answers the learner's open draw of the live quiz; else say why."""
    draw = find_open_draw(current_user, module)
    if request.form.get("version") != str(course.version) or (
        draw is not None and draw.course_version != course.version
    ):
        flash(_("This quiz was updated while you were answering. Please answer again."), "warning")
        return False
    if draw is None or not hmac.compare_digest(request.form.get("draw", ""), draw.token):
        # Submitted from another tab, or twice: these answers are for questions no longer open.
        flash(
            _("These answers were for questions you already submitted. Here are your current questions."),
            "warning",
        )
        return False
    return True


@bp.get("/courses/<slug>/<module_slug>/attempts/<int(max=2147483647):attempt_id>")
@login_required
def attempt(slug: str, module_slug: str, attempt_id: int):
    """A graded attempt: score, right or wrong per question, the feedback of the options chosen;
    the key and the explanations once the learner has passed (or always, if the quiz says so)."""
    course = get_course_or_404(slug)
    # Past attempts stay readable after their quiz was removed or the final test withdrawn.
    if module_slug == FINAL:
        module = services.final_test(course, retired=True) or abort(404)
    else:
        module = get_module_or_404(course, module_slug)
    attempt = db.session.get(QuizAttempt, attempt_id)
    # Someone else's attempt is answered like a missing one: nothing to learn from probing ids.
    if attempt is None or attempt.user_id != current_user.id or attempt.module_id != module.id:
        abort(404)
    row = services.modules_progress(current_user, [module.id]).get(module.id)
    following = None if module.is_final else neighbours(course, module)[1]
    view = editions.present(course)
    final_open = (
        attempt.passed
        and following is None
        and not module.is_final
        and services.course_completed(current_user, course)
        and services.final_test(course) is not None
    )
    certificate = find_certificate(current_user.id, course.id)
    show_key = module.review == REVIEW_ALWAYS or services.passed_quiz(current_user, module)
    return render_template(
        "learning/attempt.html",
        course=view,
        module=view.module(module),
        module_slug=module_slug,
        attempt=attempt,
        progress=row,
        following=view.module(following) if following else None,
        final_open=final_open,
        open_quiz=module.has_quiz and not module.retired,
        show_key=show_key,
        results=grading.as_shown(attempt.results, show_key),
        allowance=attempt_allowance(current_user, module),
        certificate=certificate,
        waiting=certificate is None and attempt.passed and waits_for_address(current_user, course),
    )


@cache
def _certificates_statement():
    """The learner's certificates, newest first, with their courses (built once, like the
    statements of services.started_courses)."""
    return (
        select(Certificate)
        .options(joinedload(Certificate.course))
        .where(Certificate.user_id == bindparam("user_id"))
        .order_by(Certificate.issued_at.desc())
    )


@cache
def _attempts_statement():
    """The learner's last five quiz attempts with their modules and courses, without what the
    dashboard does not show (their answers, the modules' texts)."""
    return (
        select(QuizAttempt)
        .options(
            defer(QuizAttempt.results),
            joinedload(QuizAttempt.module)
            .defer(Module.body_html)
            .defer(Module.objectives)
            .joinedload(Module.course),
        )
        .where(QuizAttempt.user_id == bindparam("user_id"))
        .order_by(QuizAttempt.created_at.desc())
        .limit(5)
    )


@bp.get("/dashboard/due-dates.ics")
@login_required
def due_dates():
    """What the learner's classes still ask by a date, as a file for their calendar."""
    assigned = schools.assigned_to(current_user, nav.organisation_ids())
    return Response(
        calendar.due_dates(current_user, assigned),
        mimetype="text/calendar",
        headers={
            "Content-Disposition": 'attachment; filename="cadre-due-dates.ics"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/dashboard")
@login_required
def dashboard():
    """The learner's courses with completion, what to do next, and certificates.

    Only the courses the learner started and three suggestions are read: the same queries with 7
    courses in the catalogue or 10,000 (tests/learning/test_dashboard_performance.py).
    """
    memberships = nav.memberships()  # the header's own query, shared
    member_of = nav.organisation_ids()
    # A course archived after the learner started it stays; each in the language they read it in.
    mine = services.started_courses(current_user, member_of)
    rows = sorted(mine.courses, key=title_key)  # the catalogue's order, as list_courses sorts
    suggested = services.courses_to_start(current_user, member_of)
    views = editions.present_many([*rows, *suggested])  # one pair of queries for both lists
    started, suggestions = views[: len(rows)], views[len(rows) :]
    editions.prefetch_modules(started)
    by_id = {c.id: c for c in started}
    mine_only = {"user_id": current_user.id}
    certificates = list(db.session.scalars(_certificates_statement(), mine_only))
    certified = {c.course_id for c in certificates}
    waiting = set()
    if current_user.email_confirmed_at is None:  # one query, only while the address waits
        done = {c.id for c in rows if c.id not in certified and mine.progress[c.id].done}
        waiting = services.earned_courses(current_user, done, mine.with_final_test)
    attempts = list(db.session.scalars(_attempts_statement(), mine_only))
    classes = schools.learner_classes(current_user)
    return render_template(
        "learning/dashboard.html",
        classes=classes,
        assigned=schools.assigned_to(current_user, member_of, classes),
        post_form=PostForm(),
        memberships=memberships,
        reviews=nav.awaiting_review(current_user, memberships),
        started=started,
        progress=mine.progress,
        next_modules={cid: by_id[cid].module(m) if m else None for cid, m in mine.following.items()},
        finals=mine.with_final_test,
        final_tried=mine.final_tried,
        certified=certified,
        waiting=waiting,
        certificates=certificates,
        suggestions=suggestions,
        recent_attempts=attempts,
    )

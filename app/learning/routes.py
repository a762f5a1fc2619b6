"""Learning: mark as read, take a quiz, see results, the dashboard."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.forms import PostForm
from app.catalog.models import Module
from app.catalog.services import get_course_or_404, get_module_or_404, list_courses, neighbours
from app.certificates.models import Certificate
from app.certificates.services import find_certificate
from app.extensions import db
from app.learning import services
from app.learning.forms import answers_from, build_quiz_form, field_name
from app.learning.models import QuizAttempt
from app.orgs import services as orgs
from app.schools import services as schools

bp = Blueprint("learning", __name__)


def _announce(certificate) -> None:
    """Congratulate the learner when this very request issued their certificate."""
    if certificate is not None:
        flash(_("Congratulations! You completed the course and earned its certificate."), "success")


@bp.post("/courses/<slug>/<module_slug>/read")
@login_required
def mark_read(slug: str, module_slug: str):
    """Complete a module that has no quiz."""
    course = get_course_or_404(slug)
    module = get_module_or_404(course, module_slug)
    if module.has_quiz or not PostForm().validate_on_submit():
        abort(400)
    certificate = services.mark_read(current_user, module)
    db.session.commit()
    _announce(certificate)
    return redirect(url_for("catalog.module", slug=slug, module_slug=module_slug))


@bp.route("/courses/<slug>/<module_slug>/quiz", methods=["GET", "POST"])
@login_required
def quiz(slug: str, module_slug: str):
    """Show the quiz (no answers in the page) and grade it on the server."""
    course = get_course_or_404(slug)
    module = get_module_or_404(course, module_slug)
    if not module.has_quiz:
        abort(404)
    questions = module.questions
    # A quiz changed while the learner answered is asked again, before its answers are judged.
    if request.method == "POST" and request.form.get("version") != str(course.version):
        flash(_("This quiz was updated while you were answering. Please answer again."), "warning")
        return redirect(url_for("learning.quiz", slug=slug, module_slug=module_slug))
    form = build_quiz_form(module, questions, version=str(course.version))
    if form.validate_on_submit():
        attempt, certificate = services.submit_quiz(current_user, module, answers_from(form, questions))
        db.session.commit()
        _announce(certificate)
        return redirect(
            url_for("learning.attempt", slug=slug, module_slug=module_slug, attempt_id=attempt.id)
        )
    return render_template(
        "learning/quiz.html",
        course=course,
        module=module,
        form=form,
        fields=[form[field_name(q)] for q in questions],
    )


@bp.get("/courses/<slug>/<module_slug>/attempts/<int(max=2147483647):attempt_id>")
@login_required
def attempt(slug: str, module_slug: str, attempt_id: int):
    """A graded attempt: score, pass or not, answers, right answers and explanations."""
    course = get_course_or_404(slug)
    module = get_module_or_404(course, module_slug)
    attempt = db.session.get(QuizAttempt, attempt_id)
    # Someone else's attempt is answered like a missing one: nothing to learn from probing ids.
    if attempt is None or attempt.user_id != current_user.id or attempt.module_id != module.id:
        abort(404)
    row = services.modules_progress(current_user, [module.id]).get(module.id)
    _, following = neighbours(course, module)
    certificate = find_certificate(current_user.id, course.id)
    return render_template(
        "learning/attempt.html",
        course=course,
        module=module,
        attempt=attempt,
        progress=row,
        following=following,
        certificate=certificate,
    )


@bp.get("/dashboard")
@login_required
def dashboard():
    """The learner's courses with completion, what to do next, and certificates."""
    courses = list_courses(archived=True)  # a course archived after the learner started it stays
    progress = services.courses_progress(current_user, [c.id for c in courses])
    started = [c for c in courses if progress[c.id].started]
    certificates = list(
        db.session.scalars(
            select(Certificate)
            .options(selectinload(Certificate.course))
            .where(Certificate.user_id == current_user.id)
            .order_by(Certificate.issued_at.desc())
        )
    )
    attempts = list(
        db.session.scalars(
            select(QuizAttempt)
            .options(selectinload(QuizAttempt.module).selectinload(Module.course))
            .where(QuizAttempt.user_id == current_user.id)
            .order_by(QuizAttempt.created_at.desc())
            .limit(5)
        )
    )
    return render_template(
        "learning/dashboard.html",
        assigned=schools.assigned_to(current_user),
        memberships=orgs.memberships_of(current_user),
        started=started,
        progress=progress,
        next_modules=services.next_modules(current_user, started),
        certificates=certificates,
        suggestions=[c for c in courses if not progress[c.id].started and c.archived_at is None][:3],
        recent_attempts=attempts,
    )

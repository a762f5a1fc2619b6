"""Help for learners: how courses, quizzes, certificates, classes and one's data work on Cadre."""

from flask import Blueprint, current_app, render_template

from app.content.parser import DEFAULT_ATTEMPTS_PER_DAY

bp = Blueprint("help", __name__, url_prefix="/help")


@bp.get("/")
def learners():
    """The questions a learner asks before trusting a quiz or a certificate, answered as the code does it."""
    return render_template(
        "help/learners.html",
        attempts_per_day=DEFAULT_ATTEMPTS_PER_DAY,
        contact=current_app.config.get("OPERATOR_CONTACT") or "",
    )

"""A person an administrator makes a teacher of a school is told by e-mail: the role reads pupils'
work, and a mistyped address would otherwise give it to someone who never learns of it."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import jobs
from app.accounts.models import User
from app.extensions import db
from app.mail import deliver_template
from app.notifications.services import account_locale
from app.orgs.models import TEACHER, Membership, Organisation
from app.urls import link_for_job, site_url


def tell_new_teacher(user: User, school: Organisation, by: User) -> None:
    """Queue the notice, once the role is committed."""
    jobs.enqueue(send_new_teacher_notice, user.id, school.id, by.full_name, site_url())


def send_new_teacher_notice(user_id: int, school_id: int, by_name: str, base_url: str) -> None:
    """The job: mail the notice in the person's language, unless the role was taken back since."""
    school = db.session.get(Organisation, school_id)
    user = db.session.get(User, user_id)
    still = db.session.scalar(
        select(Membership.id).where(
            Membership.organisation_id == school_id, Membership.user_id == user_id, Membership.role == TEACHER
        )
    )
    if school is None or user is None or still is None:
        return
    deliver_template(
        user.email,
        account_locale(user),
        _l("You are now a teacher of %(school)s on Cadre", school=school.name),
        "schools/email/new_teacher.txt",
        user=user,
        school=school,
        by=by_name,
        link=link_for_job(base_url, "schools.teaching"),
    )

"""A person given a role that opens an organisation's people or content is told by e-mail: a
teacher an administrator adds (the role reads pupils' work), an administrator the operator names.
A mistyped address would otherwise give the role to someone who never learns of it."""

from sqlalchemy import select

from app import jobs
from app.accounts.models import User
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.mail import deliver_template
from app.notifications.services import account_locale
from app.orgs.models import ADMIN, SCHOOL, TEACHER, Membership, Organisation
from app.urls import link_for_job, site_url


def tell_new_role(user: User, org: Organisation, role: str, by: User) -> None:
    """Queue the notice, once the role is committed."""
    jobs.enqueue(send_role_notice, user.id, org.id, role, by.full_name, site_url())


def send_role_notice(user_id: int, org_id: int, role: str, by_name: str, base_url: str) -> None:
    """The job: mail the notice in the person's language, unless the role was taken back since."""
    org = db.session.get(Organisation, org_id)
    user = db.session.get(User, user_id)
    still = db.session.scalar(
        select(Membership.id).where(
            Membership.organisation_id == org_id, Membership.user_id == user_id, Membership.role == role
        )
    )
    if org is None or user is None or still is None:
        return
    if role not in (TEACHER, ADMIN):
        raise ValueError(f"no notice for the role {role!r}")
    if role == TEACHER:
        subject = _l("You are now a teacher of %(school)s on Cadre", school=org.name)
        link = link_for_job(base_url, "schools.teaching")
    else:
        subject = _l("You are now an administrator of %(name)s on Cadre", name=org.name)
        if org.kind == SCHOOL:
            link = link_for_job(base_url, "schools.school", slug=org.slug)
        else:
            link = link_for_job(base_url, "publishing.workspace", org_slug=org.slug)
    deliver_template(
        user.email,
        account_locale(user),
        subject,
        f"orgs/email/new_{role}.txt",
        user=user,
        org=org,
        by=by_name,
        link=link,
    )

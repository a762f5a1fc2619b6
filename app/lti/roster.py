"""The class roster from the platform (LTI Names and Role Provisioning Services).

When a teacher launches from a platform course that offers the service, a job reads its members
and enrols the active learners in the class, each with the account their own first launch will
find: the teacher's table lists the whole class before anyone has opened Cadre. Members who left
stay enrolled (their progress is theirs); the platform's list is only ever added to.
"""

import logging

import requests
from pylti1p3.exception import LtiException
from pylti1p3.names_roles import NamesRolesProvisioningService
from sqlalchemy import select

from app.extensions import db
from app.lti import launches, tool
from app.lti.grades import _Connector
from app.lti.models import LtiContext, LtiPlatform
from app.models_base import utcnow
from app.schools.models import Enrolment, SchoolClass

log = logging.getLogger(__name__)
MAX_MEMBERS = 2000  # a class, not a university: beyond this the platform's list is cut
LEARNER_ROLES = ("#Learner", "#Student")


def _is_learner(member: dict) -> bool:
    return any(str(role).endswith(LEARNER_ROLES) for role in member.get("roles") or ())


def sync_roster(context_id: int) -> int:
    """The job: enrol the platform course's active learners in its class; returns how many joined."""
    context = db.session.get(LtiContext, context_id)
    if context is None or not context.memberships_url:
        return 0
    if db.session.get(SchoolClass, context.class_id).archived_at is not None:
        return 0  # archived: its staff closed it to everyone
    platform = db.session.get(LtiPlatform, context.platform_id)
    service = NamesRolesProvisioningService(
        _Connector(tool.registration(platform), tool.http_session()),
        {"context_memberships_url": context.memberships_url},
    )
    members, url, pages = [], context.memberships_url, 0
    try:
        while url and len(members) < MAX_MEMBERS and pages < 50:
            page, url = service.get_members_page(url)
            members += page
            pages += 1
    except (LtiException, requests.RequestException, ValueError, KeyError) as error:
        log.warning("LTI roster of context %s not read: %s", context_id, error)
        return 0
    enrolled = set(
        db.session.scalars(select(Enrolment.user_id).where(Enrolment.class_id == context.class_id))
    )
    joined = 0
    for member in members[:MAX_MEMBERS]:
        subject = str(member.get("user_id") or "").strip()[:255]
        if not subject or member.get("status", "Active") != "Active" or not _is_learner(member):
            continue
        user = launches.account_for(platform, subject, launches.display_name(member, platform))
        if user.id not in enrolled:
            db.session.add(Enrolment(class_id=context.class_id, user_id=user.id))
            enrolled.add(user.id)
            joined += 1
    context.roster_synced_at = utcnow()
    db.session.commit()
    return joined

"""What a valid launch does in Cadre: the person's account, the course's class, where they land.

The platform registered by a school's administrator is trusted for that school only: its
instructors become the school's teachers, its courses become classes of that school, its users
get accounts of their own. Nothing a platform says reaches an account it did not create (an
e-mail in the claims is not used to find an existing account: any platform could claim any).
"""

import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.catalog.models import Course, Module
from app.characters import hidden_characters
from app.extensions import db
from app.i18n import gettext as _
from app.lti.models import LtiAccount, LtiContext, LtiGradeLink, LtiPlatform
from app.models_base import utcnow
from app.orgs import services as orgs
from app.orgs.models import TEACHER
from app.schools import services as schools
from app.schools.models import Enrolment, SchoolClass

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
ROLES = CLAIM + "roles"
CONTEXT = CLAIM + "context"
CUSTOM = CLAIM + "custom"
RESOURCE_LINK = CLAIM + "resource_link"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
# Who teaches: the course's instructors and administrators (LIS vocabulary, as Moodle sends it).
STAFF_ROLES = frozenset(
    {
        "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
        "http://purl.imsglobal.org/vocab/lis/v2/membership#Administrator",
        "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant",
        "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor",
        "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator",
        "http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator",
    }
)
ORIGIN = re.compile(r"https?://[a-z0-9.-]+(:[0-9]{1,5})?|https?://\[[0-9a-f:.]+\](:[0-9]{1,5})?")
PLACEHOLDER_DOMAIN = "lti.invalid"  # RFC 2606: never receives mail, never someone's address


@dataclass
class Launch:
    """The outcome: who, in which class, sent where."""

    user: User
    platform: LtiPlatform
    teaches: bool
    context: LtiContext | None
    course: Course | None
    module: Module | None

    @property
    def school_class(self) -> SchoolClass | None:
        """The class standing for the platform course, if the launch named one."""
        return self.context.school_class if self.context else None


def origin_of(url: str) -> str | None:
    """« https://moodle.example.org » from any address on that site (None if not http or https)."""
    parts = urlsplit(url.strip())
    origin = f"{parts.scheme}://{parts.netloc}".lower()
    # Also what goes into a Content-Security-Policy header: nothing but a host and a port.
    return origin if ORIGIN.fullmatch(origin) else None


def origins(platform: LtiPlatform) -> list[str]:
    """The web origins the platform's pages come from: its issuer's and its login URL's."""
    found = []
    for url in (platform.issuer, platform.auth_login_url):
        origin = origin_of(url)
        if origin and origin not in found:
            found.append(origin)
    return found


def _object(claim) -> dict:
    """A claim that should be a JSON object, or an empty one: a platform's odd claim is no 500."""
    return claim if isinstance(claim, dict) else {}


def teaches(data: dict) -> bool:
    """True when the launch's roles make the person a teacher of the platform's course."""
    roles = data.get(ROLES)
    return isinstance(roles, list) and bool(STAFF_ROLES.intersection(r for r in roles if isinstance(r, str)))


def display_name(data: dict, platform: LtiPlatform) -> str:
    """The name the platform gives, else a neutral one the person can change in their account.

    Invisible characters (direction overrides, zero-width spaces) are dropped: a name must read
    as it is stored, on a certificate as anywhere else.
    """
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        parts = (data.get("given_name"), data.get("family_name"))
        name = " ".join(part.strip() for part in parts if isinstance(part, str) and part.strip())
    hidden = set(hidden_characters(name))
    name = "".join(c for c in name if c not in hidden)
    return (name.strip() or _("Learner from %(platform)s", platform=platform.name))[:120]


def account_for(platform: LtiPlatform, subject: str, name: str) -> User:
    """The account linked to the platform's user, made (without a password) at the first launch."""
    link = db.session.scalar(
        select(LtiAccount).where(LtiAccount.platform_id == platform.id, LtiAccount.subject == subject)
    )
    if link is not None:
        return link.user
    token = secrets.token_hex(12)
    user = User(
        email=f"lti-{token}@{PLACEHOLDER_DOMAIN}",
        full_name=name,
        # Not a hash Werkzeug can match: no password opens this account until its holder sets one.
        password_hash=f"!lti!{secrets.token_hex(16)}",
        email_confirmed_at=utcnow(),  # no address to confirm: the platform vouches for its user
    )
    try:
        with db.session.begin_nested():
            db.session.add(user)
            db.session.flush()
            db.session.add(LtiAccount(platform_id=platform.id, subject=subject, user_id=user.id))
    except IntegrityError:  # the same person's second tab launched at the same moment
        link = db.session.scalar(
            select(LtiAccount).where(LtiAccount.platform_id == platform.id, LtiAccount.subject == subject)
        )
        return link.user
    return user


def context_for(platform: LtiPlatform, data: dict, user: User) -> LtiContext | None:
    """The launch's course context and the class standing for it, made at its first launch."""
    context = _object(data.get(CONTEXT))
    context_id = str(context.get("id") or "").strip()
    if not context_id:
        return None
    memberships_url = _object(data.get(NRPS)).get("context_memberships_url")
    memberships_url = memberships_url if isinstance(memberships_url, str) else None
    found = db.session.scalar(
        select(LtiContext).where(LtiContext.platform_id == platform.id, LtiContext.context_id == context_id)
    )
    if found is None:
        title = str(context.get("title") or context.get("label") or context_id).strip()[:120]
        school_class = schools.create_class(
            platform.organisation,
            user,
            title,
            schools.school_year(),
            _("Course on %(platform)s", platform=platform.name),
        )
        school_class.joining_open = False  # its students come from the platform
        db.session.flush()
        found = LtiContext(platform_id=platform.id, context_id=context_id[:255], class_id=school_class.id)
        db.session.add(found)
    if memberships_url:
        found.memberships_url = str(memberships_url)[:500]
    db.session.flush()
    return found


def join(platform: LtiPlatform, school_class: SchoolClass | None, user: User, staff: bool) -> None:
    """Teachers join the school's staff; learners the class."""
    if staff:
        if orgs.role_in(user, platform.organisation_id) is None:
            orgs.add_member(platform.organisation, user, TEACHER)
    elif (
        school_class is not None
        and school_class.archived_at is None  # archived: its staff closed it to everyone
        and schools.enrolment(school_class, user.id) is None
    ):
        db.session.add(Enrolment(class_id=school_class.id, user_id=user.id))
        db.session.flush()


def target(data: dict) -> tuple[Course | None, Module | None]:
    """The live course and module the resource link names in its custom parameters."""
    custom = _object(data.get(CUSTOM))
    slug = str(custom.get("course") or "").strip()
    course = (
        db.session.scalar(select(Course).where(Course.slug == slug, Course.archived_at.is_(None)))
        if slug
        else None
    )
    if course is None:
        return None, None
    module_slug = str(custom.get("module") or "").strip()
    module = next((m for m in course.modules if m.slug == module_slug), None) if module_slug else None
    return course, module


def link_grade(
    platform: LtiPlatform, user: User, subject: str, data: dict, course, module
) -> LtiGradeLink | None:
    """Remember where this learner's result goes, when the platform gave a line item to score."""
    endpoint = _object(data.get(AGS))
    lineitem, scopes = endpoint.get("lineitem"), endpoint.get("scope")
    scopes = [scope for scope in scopes if isinstance(scope, str)] if isinstance(scopes, list) else []
    if (
        not isinstance(lineitem, str)
        or not origin_of(lineitem)
        or SCORE_SCOPE not in scopes
        or course is None
    ):
        return None
    link = db.session.scalar(
        select(LtiGradeLink).where(
            LtiGradeLink.platform_id == platform.id,
            LtiGradeLink.lineitem_url == lineitem,
            LtiGradeLink.user_id == user.id,
        )
    )
    if link is None:
        link = LtiGradeLink(platform_id=platform.id, user_id=user.id, lineitem_url=str(lineitem)[:500])
        db.session.add(link)
    link.subject, link.scopes = subject, scopes
    link.course_id, link.module_id = course.id, module.id if module else None
    db.session.flush()
    return link


def launched(platform: LtiPlatform, data: dict) -> Launch:
    """Apply a validated launch: account, class, enrolment, grade link."""
    subject = str(data.get("sub") or "").strip()
    if not subject:
        raise ValueError("anonymous launch")
    staff = teaches(data)
    user = account_for(platform, subject[:255], display_name(data, platform))
    context = context_for(platform, data, user)
    school_class = context.school_class if context else None
    join(platform, school_class, user, staff)
    course, module = target(data)
    if course is not None and not staff:
        link = link_grade(platform, user, subject, data, course, module)
        if link is not None:
            from app.lti import grades

            grades.refresh([link])  # what they already did counts too
    return Launch(user, platform, staff, context, course, module)


def unregister(platform: LtiPlatform) -> None:
    """Forget a platform: its launches stop and unsent grades are dropped. Accounts, classes,
    progress and certificates stay: they are the people's and the school's, not the platform's."""
    for model in (LtiGradeLink, LtiContext, LtiAccount):
        db.session.execute(delete(model).where(model.platform_id == platform.id))
    db.session.delete(platform)

"""What an operator does, from the console or the command line: each change is audited."""

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.admin.audit import record
from app.admin.models import AuditEvent
from app.admin.paging import PAGE_SIZE, one_page
from app.catalog.search import one_space, plain, plain_sql
from app.certificates.models import Certificate
from app.certificates.services import find_by_typed_code
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models_base import utcnow
from app.notifications import events
from app.orgs import services as orgs
from app.orgs.models import ADMIN, MEMBER, SCHOOL, Membership, Organisation
from app.schools.services import classes_attended

REASON_MAX_LENGTH = 500
DISABLE_REASON_MISSING = _l("Say why the account is disabled: whoever looks at it next will need to know.")
REVOKE_REASON_MISSING = _l("Say why the certificate is revoked: its public page shows the reason.")


class AdminError(ValueError):
    """An operator's request the rules refuse; ``str()`` is a message for them."""


class PupilOfTheSchool(AdminError):
    """The account named administrator of a school is one of its students: the operator is asked
    first, as a school's administrator is before making a pupil a teacher (a slip in an address
    would open every class's names and results to them)."""

    def __init__(self, user: User, classes: list[str]):
        super().__init__(user.email)
        self.user, self.classes = user, classes


def _checked_reason(text: str, missing) -> str:
    """An operator's reason on one line, as the log and the pages keep it; *missing* is said when it
    is blank."""
    reason = " ".join(text.split())
    if not reason:
        raise AdminError(missing)
    if len(reason) > REASON_MAX_LENGTH:
        raise AdminError(_l("The reason must be at most %(n)d characters.", n=REASON_MAX_LENGTH))
    return reason


def search_users(query: str, page: int = 1) -> tuple[list[User], bool]:
    """Accounts whose e-mail or name contains ``query``, accents and case set aside in names,
    newest first; and whether more follow."""
    statement = select(User).order_by(User.id.desc())
    words = one_space(query).lower()
    if words:
        statement = statement.where(
            or_(
                User.email.contains(words, autoescape=True),
                plain_sql(User.full_name).contains(plain(words), autoescape=True),
            )
        )
    return one_page(statement, page)


def disable(user: User, reason: str, by: User | None = None) -> bool:
    """Disable the account and end its sessions; False if it was already disabled. The reason is
    kept in the log, for whoever looks at the account next (``disable_reason``)."""
    reason = _checked_reason(reason, DISABLE_REASON_MISSING)
    if by is not None and by.id == user.id:
        raise AdminError(_l("You cannot disable your own account."))
    if user.is_deleted:
        raise AdminError(_l("This account was deleted by its holder: there is nothing to disable."))
    if user.disabled_at is not None:
        return False
    user.disabled_at = utcnow()
    user.end_sessions()
    record("user.disabled", user=user, detail=reason)
    return True


def disable_reason(user: User) -> str | None:
    """Why the account was last disabled, as the log keeps it (None once the log is purged)."""
    return db.session.scalar(
        select(AuditEvent.detail)
        .where(AuditEvent.user_id == user.id, AuditEvent.action == "user.disabled")
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )


def enable(user: User) -> bool:
    """Let the account log in again; False if it was not disabled."""
    if user.is_deleted:
        raise AdminError(_l("This account was deleted by its holder: it cannot be enabled again."))
    if user.disabled_at is None:
        return False
    user.disabled_at = None
    record("user.enabled", user=user)
    return True


def set_admin(user: User, admin: bool) -> bool:
    """Give or take away the site administrator role (command line only); False if unchanged."""
    if user.is_admin == admin:
        return False
    user.is_admin = admin
    record("admin.granted" if admin else "admin.removed", user=user)
    return True


def set_role(org: Organisation, user: User, role: str) -> Membership:
    """Give ``user`` the ``role`` in ``org`` (or change it), audited."""
    found = orgs.set_role(org, user, role)
    record("org.role", user=user, organisation=org, detail=role)
    return found


@dataclass(frozen=True)
class NewOrganisation:
    organisation: Organisation
    admin: User | None  # the existing account made its administrator
    invitation: orgs.InvitationLink | None  # or a link for someone without an account yet
    already: bool = False  # the account was an administrator already: nothing done, nobody told


def create_organisation(slug: str, name: str, kind: str, admin_email: str, by: User) -> NewOrganisation:
    """Create a school or a publisher and name its first administrator.

    An address whose account has confirmed it becomes administrator at once; any other address
    gets a single-use invitation link (shown once to the operator, and mailed by the route once
    committed: ``orgs.mail_invitation``).
    """
    org = orgs.create_organisation(slug, name, kind)
    record("org.created", organisation=org, detail=f"{org.kind} {org.slug}")
    if not admin_email.strip():
        return NewOrganisation(org, None, None)
    return name_administrator(org, admin_email, by)


def name_administrator(
    org: Organisation, admin_email: str, by: User, *, pupil_confirmed: bool = False
) -> NewOrganisation:
    """Make the account with this confirmed address an administrator of ``org`` at once; for any
    other address, a single-use invitation link (shown once to the operator, and mailed). At an
    organisation's creation, or later from its console page: a link lost, an administrator gone.

    A disabled account is refused (enabling it later would bring the role back unseen), and one of
    the school's students raises ``PupilOfTheSchool`` unless ``pupil_confirmed``."""
    admin = orgs.find_user_by_email(admin_email)
    if admin is not None and admin.email_confirmed_at is None:
        admin = None  # anyone may sign up with any address: an unconfirmed one gets a link, as a newcomer
    if admin is not None and orgs.role_in(admin, org.id) == ADMIN:
        return NewOrganisation(org, admin, None, already=True)
    if admin is not None and admin.disabled_at is not None:
        raise AdminError(
            _l("%(email)s is disabled: enable the account first, or name another address.", email=admin.email)
        )
    if admin is not None and org.kind == SCHOOL and not pupil_confirmed:
        if attended := classes_attended(org, admin):
            raise PupilOfTheSchool(admin, attended)
    if admin is not None:
        set_role(org, admin, ADMIN)
        return NewOrganisation(org, admin, None)
    link = orgs.create_invitation(org, ADMIN, by, note=User.normalise_email(admin_email), mailed=True)
    record("org.invited", organisation=org, detail=f"{ADMIN} for {User.normalise_email(admin_email)}")
    return NewOrganisation(org, None, link)


def remove_from_organisation(org: Organisation, user_id: int) -> Membership:
    """Take someone off an organisation's staff, whatever their role, administrators included
    (which its own administrators cannot do): a role given by mistake, a person gone."""
    found = orgs.membership(user_id, org.id)
    if found is None or found.role == MEMBER:
        raise AdminError(_l("This person is not on the staff of %(org)s.", org=org.name))
    db.session.delete(found)
    record("org.member_removed", user=found.user, organisation=org, detail=found.role)
    return found


def organisations(page: int = 1) -> tuple[list[tuple[Organisation, int]], bool]:
    """Organisations with their number of staff, newest first (one query)."""
    staff = (
        select(Membership.organisation_id, func.count(Membership.id).label("staff"))
        .group_by(Membership.organisation_id)
        .subquery()
    )
    statement = (
        select(Organisation, func.coalesce(staff.c.staff, 0))
        .outerjoin(staff, staff.c.organisation_id == Organisation.id)
        .order_by(Organisation.id.desc())
    )
    return one_page(statement, page, rows=True)


def find_certificates(query: str) -> list[Certificate]:
    """Certificates by code (typed as the public lookup forgives it: spaces, case, a pasted
    address), holder's e-mail or printed name; without a query, the latest issued."""
    words = query.strip()
    statement = (
        select(Certificate)
        .options(selectinload(Certificate.user))
        .order_by(Certificate.issued_at.desc())
        .limit(PAGE_SIZE)
    )
    if not words:
        return list(db.session.scalars(statement))
    typed = find_by_typed_code(words)
    people = select(User.id).where(User.email.contains(words.lower(), autoescape=True))
    matching = or_(
        Certificate.code == (typed.code if typed else words),
        Certificate.user_id.in_(people),
        func.lower(Certificate.holder_name).contains(words.lower(), autoescape=True),
    )
    return list(db.session.scalars(statement.where(matching)))


def find_certificate(code: str) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.code == code.strip()))


def revoke(certificate: Certificate, reason: str) -> None:
    """Revoke a certificate issued in error; its public page shows the reason."""
    reason = _checked_reason(reason, REVOKE_REASON_MISSING)
    if certificate.withdrawn_at is not None:
        raise AdminError(
            _l("This certificate was withdrawn at its holder's request: there is nothing to revoke.")
        )
    if certificate.revoked_at is not None:
        raise AdminError(_l("This certificate is already revoked."))
    certificate.revoked_at = utcnow()
    certificate.revocation_reason = reason
    record("certificate.revoked", user=certificate.user, certificate=certificate, detail=reason)
    events.certificate_changed(certificate)  # the holder learns it from Cadre, not from an employer


def reinstate(certificate: Certificate) -> None:
    """Make a revoked certificate valid again."""
    if certificate.withdrawn_at is not None:  # its holder deleted their account: nothing to attest
        raise AdminError(_l("This certificate was withdrawn when its holder deleted their account."))
    if certificate.revoked_at is None:
        raise AdminError(_l("This certificate is not revoked."))
    certificate.revoked_at = None
    certificate.revocation_reason = None
    record("certificate.reinstated", user=certificate.user, certificate=certificate)
    events.certificate_changed(certificate)

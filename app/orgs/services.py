"""Creating organisations, adding staff, and invitation links that expire."""

import base64
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import get_locale
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from app import jobs
from app.accounts.models import User
from app.catalog.search import name_order, one_space, plain, plain_sql
from app.content.checker import is_slug
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.mail import deliver_template
from app.models_base import utcnow
from app.orgs.codes import CODE_LENGTH, draw_unused, normalise_code
from app.orgs.models import (
    ADMIN,
    KINDS,
    MEMBER,
    NOTE_MAX,
    ROLE_IN_SENTENCE,
    ROLES,
    Invitation,
    Membership,
    Organisation,
)
from app.urls import link_for_job, site_url

INVITATION_DAYS = 7
log = logging.getLogger(__name__)


class OrgError(ValueError):
    """A request the organisation rules refuse; ``str()`` is a message for the person, ``field``
    the form field it is about, when there is one."""

    def __init__(self, message, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class InvitationLink:
    invitation: Invitation
    token: str  # shown once to the administrator, never stored


def create_organisation(slug: str, name: str, kind: str) -> Organisation:
    slug, name = slug.strip(), one_space(name)
    if not is_slug(slug):
        raise OrgError(SLUG_RULE, "slug")
    if not name or len(name) > 200:
        raise OrgError(_l("The name must be between 1 and 200 characters."), "name")
    if kind not in KINDS:
        raise OrgError(_l("Unknown kind of organisation."), "kind")
    if (same := organisation_named(name)) is not None:
        raise OrgError(name_taken(same), "name")
    org = Organisation(slug=slug, name=name, kind=kind)
    try:
        with db.session.begin_nested():
            db.session.add(org)
    except IntegrityError:
        raise OrgError(SLUG_TAKEN, "slug") from None
    return org


SLUG_RULE = _l("The short name must be lower-case letters, digits and hyphens (at most 80).")
SLUG_TAKEN = _l("An organisation with this short name already exists.")


def organisation_by_slug(slug: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.slug == slug))


def organisation_named(name: str) -> Organisation | None:
    """The organisation already called *name*, whatever its case and spaces: two of the same name
    could not be told apart in the lists that name them (a learner's organisations, the console).
    Accents are set aside too: « ÉCOLE DU LAC » and « École du lac » are one name."""
    return db.session.scalar(select(Organisation).where(plain_sql(Organisation.name) == plain(name)).limit(1))


def name_taken(same: Organisation):
    return _l(
        "An organisation is already called “%(name)s” (short name %(slug)s): give this one a name that "
        "tells them apart.",
        name=same.name,
        slug=same.slug,
    )


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == User.normalise_email(email)))


def membership(user_id: int, organisation_id: int) -> Membership | None:
    return db.session.scalar(
        select(Membership).where(Membership.user_id == user_id, Membership.organisation_id == organisation_id)
    )


def role_in(user, organisation_id: int) -> str | None:
    """The user's role in the organisation, or None (anonymous visitors have none)."""
    if user is None or not user.is_authenticated:
        return None
    found = membership(user.id, organisation_id)
    return found.role if found else None


def set_role(org: Organisation, user: User, role: str) -> Membership:
    """Make ``user`` a member with ``role``, or change the role they have (command line)."""
    found = membership(user.id, org.id)
    if found is None:
        found = Membership(organisation_id=org.id, user_id=user.id, role=role)
        db.session.add(found)
    else:
        found.role = role
    db.session.flush()
    return found


def add_member(org: Organisation, user: User, role: str) -> Membership:
    """Add a new member from the web; someone already a member is left as they are."""
    if membership(user.id, org.id) is not None:
        raise OrgError(_l("%(name)s is already a member of %(org)s.", name=user.full_name, org=org.name))
    try:
        with db.session.begin_nested():
            found = Membership(organisation_id=org.id, user_id=user.id, role=role)
            db.session.add(found)
    except IntegrityError:
        raise OrgError(
            _l("%(name)s is already a member of %(org)s.", name=user.full_name, org=org.name)
        ) from None
    return found


def remove_member(org: Organisation, user_id: int) -> None:
    found = membership(user_id, org.id)
    if found is None:
        raise OrgError(_l("This person is not a member."))
    if found.role == ADMIN:
        raise OrgError(_l("Administrators are named and removed by the operator of Cadre."))
    db.session.delete(found)
    db.session.flush()


def change_role(org: Organisation, user_id: int, role: str) -> Membership:
    """Give someone of the organisation another of its roles, from the web (administrators are
    named from the command line, and nobody is made one here)."""
    found = membership(user_id, org.id)
    if found is None or found.role == MEMBER:  # a reader moves up only by accepting an invitation
        raise OrgError(_l("This person is not on the team."))
    if found.role == ADMIN:
        raise OrgError(_l("Administrators are named and removed by the operator of Cadre."))
    if role in (ADMIN, MEMBER) or role not in ROLES[org.kind]:
        raise OrgError(_l("Choose a role."))
    found.role = role
    db.session.flush()
    return found


def _by_member_name(membership: Membership) -> tuple[str, int]:
    return name_order(membership.user.full_name), membership.user_id


def team(org: Organisation) -> list[Membership]:
    """Everyone with a role beyond reading (administrators, editors, reviewers, teachers), by name
    as a reader sorts them (« Éva » among the E), in one query; a publisher's plain members may be
    thousands, and are counted instead."""
    found = db.session.scalars(
        select(Membership)
        .options(joinedload(Membership.user))
        .where(Membership.organisation_id == org.id, Membership.role != MEMBER)
    )
    return sorted(found, key=_by_member_name)


def count_members(org: Organisation) -> int:
    """How many plain members the organisation has (a publisher's readers of members-only courses)."""
    return db.session.scalar(
        select(func.count(Membership.id)).where(
            Membership.organisation_id == org.id, Membership.role == MEMBER
        )
    )


def members(org: Organisation) -> list[Membership]:
    """The organisation's team by name, accents read as their letters (« Élodie » with the E's)."""
    found = db.session.scalars(
        select(Membership).options(selectinload(Membership.user)).where(Membership.organisation_id == org.id)
    )
    return sorted(found, key=_by_member_name)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _shortened(text: str, most: int) -> str:
    """``text`` cut to ``most`` characters, the cut said by an ellipsis."""
    return text if len(text) <= most else text[: most - 1] + "…"


def create_invitation(
    org: Organisation,
    role: str,
    by: User,
    days: int = INVITATION_DAYS,
    note: str | None = None,
    mailed: bool = False,
) -> InvitationLink:
    """A single-use link giving ``role``; ``note`` says for whom, in the list of links not used yet.

    A link to be *mailed* (``mail_invitation``, once committed) has a token the mail's job can make
    again from the row and the secret key (``_mailed_token``), so that the token is never put on the
    job queue nor stored; any other link's token is drawn at random."""
    token = secrets.token_urlsafe(24)
    invitation = Invitation(
        organisation_id=org.id,
        token_hash=_hash(token),
        role=role,
        created_by_id=by.id,
        expires_at=(utcnow() + timedelta(days=days)).replace(microsecond=0),
        note=_shortened((note or "").strip(), NOTE_MAX) or None,  # an address may be longer than a note
    )
    db.session.add(invitation)
    db.session.flush()
    if mailed:
        # The random token's hash only held the unique column until the row had its id, which the
        # mailed token signs; nobody was given that token.
        token = _mailed_token(invitation)
        invitation.token_hash = _hash(token)
        db.session.flush()
    return InvitationLink(invitation, token)


def _mailed_token(invitation: Invitation) -> str:
    """A mailed link's token: the row's id, organisation and expiry signed with a key drawn from
    the secret key (a database alone does not give it), 32 characters as a random one.

    The expiry as a number of seconds: PostgreSQL gives a time back in its session's zone, which
    written as a date would sign another text than the one signed when the link was made."""
    expires = int(invitation.expires_at.timestamp())
    message = f"{invitation.id}:{invitation.organisation_id}:{expires}".encode()
    key = hmac.new(current_app.config["SECRET_KEY"].encode(), b"cadre.invitation", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(hmac.new(key, message, hashlib.sha256).digest()[:24]).decode()


def mail_invitation(link: InvitationLink, email: str, by: User) -> None:
    """Queue the link to *email*, once the invitation is committed, in the sender's language (the
    person invited may have no account to choose one)."""
    jobs.enqueue(send_invitation, link.invitation.id, email, by.full_name, str(get_locale()), site_url())


def send_invitation(invitation_id: int, email: str, by_name: str, locale: str, base_url: str) -> None:
    """The job: mail the link, unless it was used, revoked or has expired since."""
    invitation = db.session.get(Invitation, invitation_id)
    if not _open(invitation):
        return
    token = _mailed_token(invitation)
    if not hmac.compare_digest(_hash(token), invitation.token_hash):
        # Not a mailed link, or the secret key changed: nothing that would not work is sent.
        log.warning("Invitation %s not mailed: its link is not one a mail can carry.", invitation_id)
        return
    org = invitation.organisation
    deliver_template(
        email,
        locale,
        _l("%(by)s invites you to join %(org)s on Cadre", by=by_name, org=org.name),
        "orgs/email/invitation.txt",
        org=org,
        by=by_name,
        role=ROLE_IN_SENTENCE[invitation.role],
        link=link_for_job(base_url, "schools.invitation", token=token),
        expires_at=invitation.expires_at,
    )


def pending_invitations(org: Organisation) -> list[Invitation]:
    """The organisation's links not used yet nor expired, newest first, with who made them (one
    query): what an administrator may still revoke."""
    return list(
        db.session.scalars(
            select(Invitation)
            .where(
                Invitation.organisation_id == org.id,
                Invitation.used_at.is_(None),
                Invitation.expires_at > utcnow(),
            )
            .options(joinedload(Invitation.created_by))
            .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        )
    )


def revoke_invitation(org: Organisation, invitation_id: int) -> None:
    """End one of the organisation's unused links now (kept, expired, for the record). One
    conditional UPDATE: of a revocation and a use at the same moment, only one takes the link."""
    now = utcnow()
    ended = db.session.execute(
        Invitation.__table__.update()
        .where(
            Invitation.id == invitation_id,
            Invitation.organisation_id == org.id,
            Invitation.used_at.is_(None),
            Invitation.expires_at > now,
        )
        .values(expires_at=now)
    ).rowcount
    if ended != 1:
        raise OrgError(_l("This invitation link was already used, has expired or was revoked."))


def invitation_of_token(token: str) -> Invitation | None:
    """The invitation this token was made for, used, expired or not (to tell its own user so)."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(Invitation).where(Invitation.token_hash == _hash(token)))


def holds_role(user: User, invitation: Invitation) -> str | None:
    """The role *user* already has where *invitation* leads, when accepting it would change
    nothing (a reader of members-only courses invited onto the team is not held back)."""
    role = role_in(user, invitation.organisation_id)
    if role is None or (role == MEMBER and invitation.role != MEMBER):
        return None
    return role


def find_invitation(token: str) -> Invitation | None:
    """The invitation for this token, if it exists, is unused and has not expired."""
    invitation = invitation_of_token(token)
    return invitation if _open(invitation) else None


def _open(invitation: Invitation | None) -> bool:
    """Whether the invitation exists, is unused and has not expired (nor been revoked)."""
    return invitation is not None and invitation.used_at is None and invitation.expires_at > utcnow()


def accept_invitation(token: str, user: User) -> Membership:
    """Use the invitation (once) to make ``user`` a member."""
    invitation = find_invitation(token)
    if invitation is None:
        raise OrgError(_l("This invitation link is unknown, already used or expired. Ask for a new one."))
    # Claim it first: of two simultaneous uses (or a use and a revocation), only one updates the row.
    now = utcnow()
    claimed = db.session.execute(
        Invitation.__table__.update()
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None), Invitation.expires_at > now)
        .values(used_at=now, used_by_id=user.id)
    ).rowcount
    if claimed != 1:
        raise OrgError(_l("This invitation link is unknown, already used or expired. Ask for a new one."))
    org, already = invitation.organisation, membership(user.id, invitation.organisation_id)
    if already is not None and already.role == MEMBER and invitation.role != MEMBER:
        already.role = invitation.role  # a reader of members-only courses joins the team
        db.session.flush()
        return already
    return add_member(org, user, invitation.role)


def find_by_join_code(code: str) -> Organisation | None:
    """The publisher whose members' join code this is (joining closed: no code)."""
    code = normalise_code(code)
    if len(code) != CODE_LENGTH:
        return None
    return db.session.scalar(select(Organisation).where(Organisation.join_code == code))


def open_joining(org: Organisation) -> None:
    """A new members' join code (the previous one stops working)."""
    draw_unused(lambda code: setattr(org, "join_code", code))


def close_joining(org: Organisation) -> None:
    org.join_code = None
    db.session.flush()


def join_as_member(user: User, org: Organisation) -> Membership:
    return add_member(org, user, MEMBER)


def memberships_of(user: User) -> list[Membership]:
    """Every organisation the user belongs to, with their role (one query)."""
    if not user.is_authenticated:
        return []
    return list(
        db.session.scalars(
            select(Membership)
            .options(selectinload(Membership.organisation))
            .join(Organisation, Organisation.id == Membership.organisation_id)
            .where(Membership.user_id == user.id)
            .order_by(Organisation.name)
        )
    )

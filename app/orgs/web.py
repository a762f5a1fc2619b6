"""What schools' and publishers' administration pages do alike in the browser."""

from dataclasses import dataclass

from flask import flash, url_for
from flask_login import current_user

from app.accounts.forms import PostForm
from app.accounts.models import User
from app.admin.audit import record
from app.extensions import db
from app.i18n import gettext as _
from app.limits import mailed
from app.orgs import services as orgs
from app.orgs.models import Organisation
from app.urls import external_url


@dataclass(frozen=True)
class MadeInvitation:
    url: str  # shown once, on the answer that made it
    for_whom: str | None
    mailed_to: str | None


def make_invitation(org: Organisation, role: str, form) -> MadeInvitation:
    """The link an invitation form asks for (``orgs.forms``), committed, and mailed to the address
    the form gives, if any (counted by the route's ``throttled("invitation")``)."""
    email = User.normalise_email(form.invitee.data) if form.invitee.data else None
    link = orgs.create_invitation(
        org, role, current_user, note=form.note.data or email, mailed=email is not None
    )
    record("org.invited", organisation=org, detail=role if email is None else f"{role} for {email}")
    db.session.commit()
    if email is not None:
        orgs.mail_invitation(link, email, current_user)
        mailed()
    return MadeInvitation(invitation_url(link), link.invitation.note, email)


def invitation_url(link: orgs.InvitationLink) -> str:
    """The address an invitation link is sent as: shown once, on the answer that made it (its
    token is never stored, nor put in a cookie)."""
    return external_url(url_for("schools.invitation", token=link.token))


def revoke_invitation(org: Organisation, invitation_id: int) -> None:
    """The "Revoke" button beside a link not used yet: end it now, log it, and say so (or why not);
    the caller has checked that the person administers *org*, and redirects back."""
    if not PostForm().validate_on_submit():
        return
    try:
        orgs.revoke_invitation(org, invitation_id)
        record("org.invitation_revoked", organisation=org, detail=str(invitation_id))
    except orgs.OrgError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("The invitation link was revoked: it no longer works."), "success")

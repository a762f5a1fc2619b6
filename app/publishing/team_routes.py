"""A publisher's team, for its administrators: who writes and who reviews, invitation links that
bring someone onto the team, a role changed or taken away.

Administrators themselves are named from the command line (``flask org add-member``); plain
members join with the code on the workspace page and are counted here, not listed.
"""

from flask import flash, redirect, render_template, url_for
from flask_login import login_required

from app.accounts.forms import PostForm
from app.admin.audit import record
from app.extensions import db
from app.i18n import gettext as _
from app.limits import throttled
from app.models_base import ID
from app.orgs import services as orgs
from app.orgs import web
from app.orgs.access import organisation_or_404
from app.orgs.models import ADMIN, MEMBER, PUBLISHER, ROLE_NAMES, Membership, Organisation
from app.publishing.forms import TeamInvitationForm, TeamRoleForm
from app.publishing.routes import bp


def _team_page(
    org: Organisation,
    invite_form: TeamInvitationForm | None = None,
    made: web.MadeInvitation | None = None,
):
    return render_template(
        "publishing/team.html",
        org=org,
        team=orgs.team(org),
        members=orgs.count_members(org),
        invitations=orgs.pending_invitations(org),
        invitation_days=orgs.INVITATION_DAYS,
        made=made,
        invite_form=invite_form or TeamInvitationForm(formdata=None),
        role_form=TeamRoleForm(formdata=None),
        post_form=PostForm(),
        role_names=ROLE_NAMES,
    )


def _admin_or_404(org_slug: str) -> Organisation:
    """The publisher, for its administrators: 404 to outsiders, 403 to the rest of the team."""
    return organisation_or_404(org_slug, PUBLISHER, (ADMIN,))[0]


def _back(org: Organisation):
    return redirect(url_for("publishing.team", org_slug=org.slug))


def _refused(exc: orgs.OrgError) -> None:
    db.session.rollback()
    flash(str(exc), "error")


@bp.get("/<org_slug>/team")
@login_required
def team(org_slug: str):
    return _team_page(_admin_or_404(org_slug))


@bp.post("/<org_slug>/team/invitations")
@login_required
@throttled("invitation")
def invite(org_slug: str):
    """A single-use link that puts whoever opens it, signed in, on the team with the chosen role."""
    org = _admin_or_404(org_slug)
    form = TeamInvitationForm()
    if not form.validate_on_submit():
        return _team_page(org, invite_form=form), 400
    # Shown on this response only: the token is never stored, nor put in a cookie.
    made = web.make_invitation(org, form.role.data, form)
    form.note.data = form.invitee.data = ""  # the next link is for someone else; the role stays chosen
    return _team_page(org, invite_form=form, made=made)


@bp.post(f"/<org_slug>/team/invitations/<{ID}:invitation_id>/revoke")
@login_required
def revoke_invitation(org_slug: str, invitation_id: int):
    org = _admin_or_404(org_slug)
    web.revoke_invitation(org, invitation_id)
    return _back(org)


def _teammate(org: Organisation, user_id: int) -> Membership | None:
    """Someone on the team (not a plain member: readers are neither listed nor moved without their
    consent), or None with the same message whether the account exists or not."""
    found = orgs.membership(user_id, org.id)
    if found is None or found.role == MEMBER:
        flash(_("This person is not on the team."), "error")
        return None
    return found


@bp.post(f"/<org_slug>/team/<{ID}:user_id>/role")
@login_required
def change_role(org_slug: str, user_id: int):
    org = _admin_or_404(org_slug)
    form = TeamRoleForm()
    if not form.validate_on_submit():
        flash(_("Choose a role."), "error")
    elif (found := _teammate(org, user_id)) is not None:
        person = found.user
        try:
            orgs.change_role(org, person.id, form.role.data)
            record("org.role", user=person, organisation=org, detail=form.role.data)
        except orgs.OrgError as exc:
            _refused(exc)
        else:
            db.session.commit()
            role = ROLE_NAMES[form.role.data]
            flash(_("%(name)s now has the role of %(role)s.", name=person.full_name, role=role), "success")
    return _back(org)


@bp.post(f"/<org_slug>/team/<{ID}:user_id>/remove")
@login_required
def remove(org_slug: str, user_id: int):
    """Take someone off the team, and out of the organisation: they no longer see the workspace
    nor the members-only courses (the code brings them back as a reader)."""
    org = _admin_or_404(org_slug)
    if PostForm().validate_on_submit() and (found := _teammate(org, user_id)) is not None:
        person = found.user
        try:
            orgs.remove_member(org, person.id)
            record("org.member_removed", user=person, organisation=org)
        except orgs.OrgError as exc:
            _refused(exc)
        else:
            db.session.commit()
            flash(_("%(name)s is no longer part of %(org)s.", name=person.full_name, org=org.name), "success")
    return _back(org)

"""A publisher's team, managed by its administrators in the browser: invitation links with a role,
roles changed, people taken off the team; nobody else may, and administrators stay as they are."""

import re

from sqlalchemy import func, select

from app.admin.models import AuditEvent
from app.extensions import db
from app.orgs import services as orgs
from app.orgs.models import Invitation, Membership
from tests.conftest import text_of
from tests.publishing.test_workflow import WS, as_, publisher  # noqa: F401 - the fixture

TEAM = f"{WS}/team"


def invitation_link(page: str) -> str:
    return re.search(r'value="https?://[^/"]+(/invitations/[^"]+)"', page)[1]


def test_only_the_publisher_s_administrators_open_the_team(client, auth, publisher):  # noqa: F811
    _, _, people = publisher
    for role, status in (("admin", 200), ("editor", 403), ("reviewer", 403), ("member", 403)):
        as_(auth, people, role)
        assert client.get(TEAM).status_code == status, role
        assert client.post(f"{TEAM}/invitations", data={"role": "editor"}).status_code == status, role
    for outsider in ("outsider", "other_editor"):
        as_(auth, people, outsider)
        assert client.get(TEAM).status_code == 404
        assert client.post(f"{TEAM}/{people['editor'].id}/remove").status_code == 404
    assert orgs.role_in(people["editor"], publisher[0].id) == "editor"
    assert db.session.scalar(select(func.count(Invitation.id))) == 1  # the administrator's only


def test_the_team_page_lists_the_team_and_counts_the_members(client, auth, publisher):  # noqa: F811
    org, _, people = publisher
    as_(auth, people, "admin")
    page = text_of(client.get(TEAM))
    for role in ("admin", "editor", "reviewer"):
        assert people[role].email in page
    assert people["member"].email not in page  # readers are counted, not listed
    assert "1 member reads the members-only courses." in page
    assert "Manage the team" in text_of(client.get(WS))


def test_an_invitation_brings_someone_onto_the_team_with_its_role(client, auth, publisher):  # noqa: F811
    org, _, people = publisher
    as_(auth, people, "admin")
    made = client.post(f"{TEAM}/invitations", data={"role": "reviewer"})
    assert made.status_code == 200
    link = invitation_link(text_of(made))
    assert "<strong>reviewer</strong> ·" in text_of(
        client.get(TEAM)
    )  # among the links not used yet, with its role
    for_whom = text_of(client.post(f"{TEAM}/invitations", data={"role": "editor", "note": "Léa"}))
    assert "<h3>Link for: Léa (editor)</h3>" in for_whom
    assert "<strong>For Léa</strong> · <strong>editor</strong> ·" in text_of(client.get(TEAM))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "org.invited"))
    assert event.detail == "reviewer"
    as_(auth, people, "outsider")
    assert "You are invited to join Syndicat des scénaristes as a reviewer." in text_of(client.get(link))
    accepted = client.post(link)
    assert accepted.status_code == 302 and accepted.location.endswith(WS)
    assert orgs.role_in(people["outsider"], org.id) == "reviewer"
    again = client.post(link)  # the same person again: told where they are, nothing changes
    assert again.status_code == 200 and "You are already a reviewer of Syndicat des scénaristes." in text_of(
        again
    )
    as_(auth, people, "other_editor")
    assert client.post(link).status_code == 404  # once only
    assert orgs.role_in(people["other_editor"], org.id) is None


def test_a_team_invitation_may_be_mailed_with_its_role(app, client, auth, publisher):  # noqa: F811
    from tests.accounts.test_change_email import outbox

    org, _, people = publisher
    as_(auth, people, "admin")
    made = text_of(client.post(f"{TEAM}/invitations", data={"role": "editor", "invitee": "lea@example.org"}))
    assert "<h3>Link for: lea@example.org (editor)</h3>" in made
    # The next link is for someone else: the field starts empty.
    assert 'id="invitee" maxlength="254" name="invitee" type="email" value=""' in made
    link = invitation_link(made)
    [mail] = [m for m in outbox(app) if m["To"] == "lea@example.org"]
    assert "invites you to join Syndicat des scénaristes on Cadre as an editor." in mail.get_content()
    assert link in mail.get_content()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "org.invited"))
    assert event.detail == "editor for lea@example.org"


def test_signed_out_a_member_s_invitation_says_what_members_get(client, auth, publisher):  # noqa: F811
    """Second reading: « join its team as a member », though members are no part of the team."""
    org, _, people = publisher
    link = orgs.create_invitation(org, "member", people["admin"])
    db.session.commit()
    login = client.get(f"/invitations/{link.token}").headers["Location"]
    page = text_of(client.get(login))
    assert f"{org.name} invites you to become a member: you will read its members' courses." in page
    assert "its team" not in page


def test_a_member_who_reads_moves_up_and_someone_on_the_team_keeps_their_role(client, auth, publisher):  # noqa: F811
    org, _, people = publisher
    as_(auth, people, "admin")
    links = [
        invitation_link(text_of(client.post(f"{TEAM}/invitations", data={"role": "editor"}))) for _ in "ab"
    ]
    as_(auth, people, "member")
    client.post(links[0])
    assert orgs.role_in(people["member"], org.id) == "editor"
    as_(auth, people, "reviewer")
    held = text_of(client.get(links[1]))  # said before any button: the link stays for someone else
    assert (
        "You are already a reviewer of Syndicat des scénaristes." in held
        and "changes roles on its team page" in held
    )
    assert "Accept the invitation" not in held
    client.post(links[1])
    assert orgs.role_in(people["reviewer"], org.id) == "reviewer"
    assert orgs.find_invitation(links[1].rsplit("/", 1)[1]) is not None  # still usable by someone else


def test_roles_change_and_people_leave_but_administrators_stay(client, auth, publisher):  # noqa: F811
    org, _, people = publisher
    as_(auth, people, "admin")
    editor, admin = people["editor"], people["admin"]
    changed = client.post(f"{TEAM}/{editor.id}/role", data={"role": "reviewer"}, follow_redirects=True)
    assert "Editor Syndicat now has the role of reviewer." in text_of(changed)
    assert orgs.role_in(editor, org.id) == "reviewer"
    # Nobody is made an administrator here, and an administrator is not changed nor removed.
    for data in ({"role": "admin"}, {"role": "member"}, {}):
        client.post(f"{TEAM}/{editor.id}/role", data=data)
        assert orgs.role_in(editor, org.id) == "reviewer", data
    refused = client.post(f"{TEAM}/{admin.id}/role", data={"role": "editor"}, follow_redirects=True)
    assert "Administrators are named and removed by the operator of Cadre." in text_of(refused)
    client.post(f"{TEAM}/{admin.id}/remove")
    assert orgs.role_in(admin, org.id) == "admin"
    # Someone of another publisher, nobody, or a plain member (neither listed nor moved without their
    # consent: an invitation does it): nothing happens, and the same words whoever it is.
    for user_id in (people["other_editor"].id, 2147483647, people["member"].id):
        for action, data in (("role", {"role": "reviewer"}), ("remove", {})):
            refused = client.post(f"{TEAM}/{user_id}/{action}", data=data, follow_redirects=True)
            assert "This person is not on the team." in text_of(refused), (user_id, action)
    assert orgs.role_in(people["other_editor"], publisher[1].id) == "editor"
    assert orgs.role_in(people["member"], org.id) == "member"
    removed = client.post(f"{TEAM}/{editor.id}/remove", follow_redirects=True)
    assert "Editor Syndicat is no longer part of Syndicat des scénaristes." in text_of(removed)
    assert orgs.membership(editor.id, org.id) is None
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["org.role", "org.member_removed"]
    assert (
        db.session.scalar(select(func.count(Membership.id)).where(Membership.organisation_id == org.id)) == 3
    )


def test_an_unused_link_is_revoked(client, auth, publisher):  # noqa: F811
    _, _, people = publisher
    as_(auth, people, "admin")
    link = invitation_link(text_of(client.post(f"{TEAM}/invitations", data={"role": "editor"})))
    invitation = db.session.scalar(select(Invitation))
    client.post(f"{TEAM}/invitations/{invitation.id}/revoke")
    as_(auth, people, "outsider")
    assert client.post(link).status_code == 404
    assert orgs.role_in(people["outsider"], publisher[0].id) is None

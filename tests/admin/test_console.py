"""The operator's console: who may see it, and what each of its actions does and records."""

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select

from app.accounts import personal_data
from app.accounts.models import User
from app.admin import services
from app.admin.models import AuditEvent
from app.certificates.models import Certificate
from app.extensions import db
from app.models_base import utcnow
from app.notifications import texts
from app.orgs import services as orgs
from app.orgs.models import Invitation, Membership, Organisation
from app.schools import services as schools
from tests.accounts.test_change_email import outbox
from tests.certificates.test_certificate_pages import complete
from tests.conftest import PASSWORD, make_app, signed_in_with_csrf, text_of
from tests.notifications.conftest import notifications_of


@pytest.fixture
def operator(make_user):
    user = make_user("Olga Opératrice", "olga@example.org")
    user.is_admin = True
    db.session.commit()
    return user


@pytest.fixture
def holder(make_user):
    return make_user("Zoé Lefèvre", "zoe@example.org")


@pytest.fixture
def certificate(course, holder):
    return complete(holder, course)


def events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
    )


# Who may see what -------------------------------------------------------------------------------

# Every page and action of the console, as (method, url); the test below fails if one is missing.
CONSOLE = [
    ("GET", "/admin/"),
    ("GET", "/admin/users"),
    ("GET", "/admin/users/{user}/disable"),
    ("POST", "/admin/users/{user}/disable"),
    ("POST", "/admin/users/{user}/enable"),
    ("GET", "/admin/organisations"),
    ("POST", "/admin/organisations"),
    ("GET", "/admin/organisations/{org}"),
    ("POST", "/admin/organisations/{org}"),
    ("POST", "/admin/organisations/{org}/staff/{staff}/remove"),
    ("POST", "/admin/organisations/{org}/invitations/{invitation}/revoke"),
    ("GET", "/admin/certificates"),
    ("GET", "/admin/certificates/{code}/revoke"),
    ("POST", "/admin/certificates/{code}/revoke"),
    ("POST", "/admin/certificates/{code}/reinstate"),
    ("GET", "/admin/audit"),
    ("GET", "/admin/audit.csv"),
    ("GET", "/admin/jobs"),
    ("POST", "/admin/jobs/{job}/requeue"),
]


def test_the_permission_table_names_every_console_route(app):
    routes = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("admin.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    named = {
        (
            method,
            url.replace("{user}", "<int(max=2147483647):user_id>")
            .replace("{staff}", "<int(max=2147483647):user_id>")
            .replace("{invitation}", "<int(max=2147483647):invitation_id>")
            .replace("{code}", "<code>")
            .replace("{job}", "<job_id>")
            .replace("{org}", "<slug>"),
        )
        for method, url in CONSOLE
    }
    assert routes == named


@pytest.fixture
def people(make_user, operator, course, holder):
    """One person of each role: learner, school administrator, teacher, publisher's editor, operator."""
    school = orgs.create_organisation("lycee-lumiere", "Lycée Lumière", "school")
    publisher = orgs.create_organisation("editions-nord", "Éditions du Nord", "publisher")
    roles = {
        "learner": holder,
        "school-admin": make_user("Sam Admin", "sam@example.org"),
        "teacher": make_user("Tom Prof", "tom@example.org"),
        "publisher-admin": make_user("Pia Admin", "pia@example.org"),
        "editor": make_user("Eva Edit", "eva@example.org"),
        "operator": operator,
    }
    orgs.set_role(school, roles["school-admin"], "admin")
    orgs.set_role(school, roles["teacher"], "teacher")
    orgs.set_role(publisher, roles["publisher-admin"], "admin")
    orgs.set_role(publisher, roles["editor"], "editor")
    db.session.commit()
    return roles


@pytest.mark.parametrize(
    "role", ["anonymous", "learner", "school-admin", "teacher", "publisher-admin", "editor"]
)
def test_only_site_administrators_reach_the_console(client, auth, people, certificate, role):
    victim = people["learner"]
    lycee = db.session.scalar(select(Organisation).where(Organisation.slug == "lycee-lumiere"))
    invitation = orgs.create_invitation(lycee, "teacher", people["school-admin"]).invitation
    db.session.commit()
    if role != "anonymous":
        auth.login(people[role].email)
    for method, url in CONSOLE:
        url = url.format(
            user=victim.id,
            staff=people["school-admin"].id,
            invitation=invitation.id,
            code=certificate.code,
            job="some-job",
            org="lycee-lumiere",
        )
        data = {"reason": "x", "slug": "pirate", "name": "Pirate", "kind": "school", "email": victim.email}
        response = client.get(url) if method == "GET" else client.post(url, data=data)
        if role == "anonymous":
            assert response.status_code == 302 and "/account/login" in response.location, (method, url)
        else:
            assert response.status_code == 403, (role, method, url, response.status_code)
    db.session.expire_all()
    assert db.session.get(User, victim.id).disabled_at is None
    assert db.session.get(Certificate, certificate.id).revoked_at is None
    assert db.session.scalar(select(Organisation).where(Organisation.slug == "pirate")) is None
    school = db.session.scalar(select(Organisation).where(Organisation.slug == "lycee-lumiere"))
    assert orgs.role_in(victim, school.id) is None  # nobody named an administrator
    assert orgs.role_in(people["school-admin"], school.id) == "admin"  # nor removed one
    assert db.session.get(Invitation, invitation.id).expires_at > utcnow()  # nor revoked a link


def test_the_operator_reaches_every_console_page(client, auth, people, certificate):
    auth.login(people["operator"].email)
    for method, url in CONSOLE:
        if method == "GET":
            url = url.format(code=certificate.code, org="lycee-lumiere", user=people["learner"].id)
            with client.get(url) as response:  # closed
                assert response.status_code == 200, url
    home = text_of(client.get("/courses/"))
    assert 'href="/admin/"' in home  # the header links to the console for operators only
    client.post("/account/logout")
    auth.login(people["learner"].email)
    assert 'href="/admin/"' not in text_of(client.get("/courses/"))


@pytest.mark.parametrize(("language", "written"), [("fr", "1\u202f200"), ("en", "1,200")])
def test_the_console_writes_its_counts_as_the_readers_language_does(
    client, auth, operator, language, written
):
    """« 1 200 » connexions refusées, not « 1200 »."""
    db.session.execute(
        insert(AuditEvent),
        [{"action": "login.failed", "source": "web", "detail": ""} for _ in range(1200)],
    )
    db.session.commit()
    auth.login(operator.email)
    page = text_of(client.get("/admin/", headers={"Accept-Language": language}))
    assert f'action=login.failed">{written}</a>' in page


# Accounts ---------------------------------------------------------------------------------------


def test_search_disable_and_enable_an_account(client, auth, operator, holder, make_user):
    make_user("Autre Personne", "autre@example.org")
    auth.login(operator.email)
    page = text_of(client.get("/admin/users?q=ZOÉ"))
    assert "zoe@example.org" in page and "autre@example.org" not in page
    assert "zoe@example.org</td>" in page  # confirmed: no badge
    holder.email_confirmed_at = None
    db.session.commit()
    page = text_of(client.get("/admin/users?q=ZOÉ"))
    assert 'zoe@example.org <span class="badge">not confirmed</span></td>' in page
    # A name found with its accents set aside, either way (the UX walk typed « Lefevre »).
    make_user("Lætitia Œuvray", "laetitia@example.org")
    for typed in ("laetitia oeuvray", "LÆTITIA", "Œuvray"):
        found = text_of(client.get("/admin/users", query_string={"q": typed}))
        assert "laetitia@example.org" in found and "zoe@example.org" not in found, typed
    for typed in ("Lefevre", "LEFÈVRE", "zoe  lefevre", "Zoë"):
        found = text_of(client.get("/admin/users", query_string={"q": typed}))
        assert "zoe@example.org" in found and "autre@example.org" not in found, typed
    page = text_of(client.get("/admin/users?q=%25"))  # a LIKE wildcard is searched as a character
    assert "zoe@example.org" not in page and "No account matches." in page

    # Disabling asks why first (the UX walk found no reason anywhere), and keeps it in the log.
    assert f'href="/admin/users/{holder.id}/disable?q=zoe">Disable…' in text_of(
        client.get("/admin/users?q=zoe")
    )
    asked = text_of(client.get(f"/admin/users/{holder.id}/disable?q=zoe"))
    assert 'name="reason"' in asked and 'action="/admin/users/' in asked
    refused = client.post(f"/admin/users/{holder.id}/disable?q=zoe", data={"reason": "  "})
    assert refused.status_code == 400 and "Say why the account is disabled" in text_of(refused)
    assert db.session.get(User, holder.id).disabled_at is None and events("user.disabled") == []
    response = client.post(
        f"/admin/users/{holder.id}/disable?q=zoe", data={"reason": " Publicité en classe "}
    )
    assert response.status_code == 302 and response.location.endswith("/admin/users?q=zoe")
    db.session.expire_all()
    assert db.session.get(User, holder.id).disabled_at is not None
    [event] = events("user.disabled")
    assert (event.actor_id, event.user_id, event.source) == (operator.id, holder.id, "web")
    assert event.detail == "Publicité en classe"  # with single spaces
    listed = text_of(client.get("/admin/users?q=zoe"))
    assert f'(<a href="/admin/users/{holder.id}/disable?q=zoe">why<' in listed
    assert "Publicité en classe" in text_of(client.get("/admin/audit?action=user.disabled"))
    # Its page, reached again, says it is disabled and why, and offers to enable it.
    again = text_of(client.get(f"/admin/users/{holder.id}/disable"))
    assert "Disabled on" in again and "Reason: <strong>Publicité en classe</strong>" in again
    assert 'name="reason"' not in again and ">Enable<" in again
    # Disabled meanwhile by another operator: said, and their reason stands.
    twice = client.post(f"/admin/users/{holder.id}/disable?q=zoe", data={"reason": "Autre motif"})
    assert twice.location.endswith(f"/admin/users/{holder.id}/disable?q=zoe")
    assert "zoe@example.org was already disabled; nothing was changed." in text_of(client.get(twice.location))
    assert [e.detail for e in events("user.disabled")] == ["Publicité en classe"]

    other = client.application.test_client()
    answer = other.post("/account/login", data={"email": "zoe@example.org", "password": PASSWORD})
    assert "This account is disabled" in text_of(answer)
    # The refusal is in the log (the UX walk found only wrong passwords there).
    [refused] = events("login.disabled")
    assert (refused.user_id, refused.actor_id) == (holder.id, None) and events("login.failed") == []
    assert "Login refused: the account is disabled" in text_of(client.get("/admin/audit"))

    client.post(f"/admin/users/{holder.id}/enable")
    db.session.expire_all()
    assert db.session.get(User, holder.id).disabled_at is None
    assert len(events("user.enabled")) == 1


def test_a_deleted_account_cannot_be_enabled_again(client, auth, operator, holder):
    holder.email, holder.disabled_at = "deleted-1@deleted.invalid", utcnow()
    db.session.commit()
    auth.login(operator.email)
    response = client.post(f"/admin/users/{holder.id}/enable", follow_redirects=True)
    assert "deleted by its holder" in text_of(response)
    db.session.expire_all()
    assert db.session.get(User, holder.id).disabled_at is not None
    assert events("user.enabled") == []


def test_an_event_is_forgotten_with_the_change_it_records(app, holder):
    services.disable(holder, "test")
    db.session.rollback()
    assert events("user.disabled") == [] and db.session.get(User, holder.id).disabled_at is None


def test_what_a_person_sees_of_the_log_about_them(client, auth, operator, holder):
    client.post("/account/login", data={"email": "zoe@example.org", "password": "wrong password"})
    auth.login(operator.email)
    client.post(
        f"/admin/users/{holder.id}/disable", data={"reason": "test"}, environ_base={"REMOTE_ADDR": "10.9.9.9"}
    )
    client.post(f"/admin/users/{holder.id}/enable", environ_base={"REMOTE_ADDR": "10.9.9.9"})
    client.post("/account/logout")
    auth.login(holder.email)
    seen = client.get("/account/me/data.json").get_json()["security_events"]
    # What the operator wrote about her is hers to read too.
    assert [e["reason"] for e in seen if e["action"] == "user.disabled"] == ["test"]
    # Her own failed login shows the address it came from; the operator's address is not hers to see.
    assert [(e["action"], e["address"]) for e in seen] == [
        ("login.failed", "127.0.0.1"),
        ("user.disabled", None),
        ("user.enabled", None),
    ]


def test_a_pause_is_recorded_once_and_names_the_account_only_when_its_limit_broke(client, holder):
    for _ in range(8):
        client.post("/account/login", data={"email": "zoe@example.org", "password": "wrong password"})
    [paused] = events("login.paused")
    assert paused.user_id == holder.id
    for n in range(30):  # one address trying many accounts: the address's own limit
        client.post("/account/login", data={"email": f"x{n}@example.org", "password": "wrong password"})
    assert [e.user_id for e in events("login.paused")] == [holder.id, None]


def test_an_operator_cannot_disable_their_own_account(client, auth, operator):
    auth.login(operator.email)
    response = client.post(f"/admin/users/{operator.id}/disable", data={"reason": "x"})
    assert response.status_code == 400 and "You cannot disable your own account." in text_of(response)
    db.session.expire_all()
    assert db.session.get(User, operator.id).disabled_at is None and events("user.disabled") == []
    with pytest.raises(services.AdminError, match="your own account"):
        services.disable(operator, "x", by=operator)


def test_a_deleted_account_is_not_disabled_again(client, auth, operator, holder):
    services.disable(holder, "Messages insultants")
    db.session.commit()
    personal_data.delete_account(holder)  # the reason written about her goes with her
    db.session.commit()
    assert [e.detail for e in events("user.disabled")] == [""]
    auth.login(operator.email)
    page = text_of(client.get(f"/admin/users/{holder.id}/disable"))
    assert "deleted by its holder: there is nothing to disable" in page and 'name="reason"' not in page
    with pytest.raises(services.AdminError, match="nothing to disable"):
        services.disable(holder, "x")
    assert len(events("user.disabled")) == 1


def test_disabling_needs_a_reason_of_a_sensible_length(app, holder):
    for reason in ("", "   ", "x" * 501):
        with pytest.raises(services.AdminError):
            services.disable(holder, reason)
    assert holder.disabled_at is None and events("user.disabled") == []


def test_unknown_account_is_404_and_odd_page_numbers_the_first_page(client, auth, operator):
    auth.login(operator.email)
    for url in ("/admin/users?page=²", "/admin/organisations?page=-1", "/admin/audit?page=99999999999"):
        assert client.get(url).status_code == 200, url
    assert client.get("/admin/audit?since=0001-01-01&until=9999-12-31").status_code == 200
    assert client.get("/admin/audit.csv?until=9999-12-31").status_code == 200
    assert client.post("/admin/users/999999/disable").status_code == 404
    assert client.post("/admin/users/99999999999/disable").status_code == 404


# Organisations ----------------------------------------------------------------------------------


def test_create_a_school_with_an_existing_account_as_administrator(app, client, auth, operator, holder):
    auth.login(operator.email)
    response = client.post(
        "/admin/organisations",
        data={
            "kind": "school",
            "name": "Lycée Lumière",
            "slug": "lycee-lumiere",
            "admin_email": "ZOE@example.org",
        },
    )
    assert response.status_code == 200
    assert "zoe@example.org is its administrator; they are told by e-mail." in text_of(response)
    school = db.session.scalar(select(Organisation).where(Organisation.slug == "lycee-lumiere"))
    assert school.kind == "school" and orgs.role_in(holder, school.id) == "admin"
    # Told, as a new teacher is: a mistyped address would otherwise hand the school to someone unaware.
    [mail] = [m for m in outbox(app) if m["To"] == "zoe@example.org"]
    assert mail["Subject"] == "You are now an administrator of Lycée Lumière on Cadre"
    assert f"{operator.full_name}, who runs Cadre, made you an administrator of Lycée Lumière." in (
        mail.get_content()
    )
    assert "/schools/lycee-lumiere" in mail.get_content()
    assert [e.detail for e in events("org.role")] == ["admin"]
    assert len(events("org.created")) == 1


def test_an_unconfirmed_address_gets_a_link_rather_than_the_role(client, auth, operator, make_user):
    squatter = make_user("Someone Else", "new@example.org")
    squatter.email_confirmed_at = None
    db.session.commit()
    auth.login(operator.email)
    form = {"kind": "publisher", "name": "SFA-CGT", "slug": "sfa-cgt", "admin_email": "new@example.org"}
    page = text_of(client.post("/admin/organisations", data=form))
    assert "Cadre is e-mailing this link to the future administrator" in page
    publisher = db.session.scalar(select(Organisation).where(Organisation.slug == "sfa-cgt"))
    assert orgs.role_in(squatter, publisher.id) is None


def test_an_organisation_s_console_page_names_an_administrator_again(
    app, client, auth, operator, holder, make_user
):
    """UX walk: each organisation in the console led to a 404 (the operator is none of its members),
    and a lost invitation link, or an administrator gone, could not be mended in the browser."""
    school = orgs.create_organisation("lycee-lumiere", "Lycée Lumière", "school")
    orgs.set_role(school, make_user("Théo Prof", "theo@example.org"), "teacher")
    db.session.commit()
    auth.login(operator.email)
    listing = client.get("/admin/organisations").get_data(as_text=True)
    assert '<a href="/admin/organisations/lycee-lumiere">Lycée Lumière</a>' in listing
    page = text_of(client.get("/admin/organisations/lycee-lumiere"))
    assert (
        "<strong>Théo Prof</strong> · theo@example.org · teacher" in page and "Name an administrator" in page
    )
    # An address without a confirmed account: a link, shown once, and named in the pending list.
    invited = text_of(client.post("/admin/organisations/lycee-lumiere", data={"email": "New@Example.org"}))
    assert "Cadre is e-mailing this link to the future administrator" in invited
    assert (
        "<strong>For new@example.org</strong>" in invited
        and 'id="email" maxlength="254" name="email"' in invited
    )
    assert db.session.scalar(select(Invitation.note)) == "new@example.org"
    # The link shown is the one mailed to the address, inviting them as an administrator.
    from tests.accounts.test_change_email import outbox

    shown = re.search(r'value="([^"]+/invitations/[^"]+)"', invited).group(1)
    [mail] = [m for m in outbox(app) if m["To"] == "new@example.org"]
    assert shown in mail.get_content() and "Lycée Lumière on Cadre as an administrator." in mail.get_content()
    # A confirmed account: administrator at once, in the security log.
    named = text_of(client.post("/admin/organisations/lycee-lumiere", data={"email": holder.email}))
    assert "zoe@example.org is now an administrator of Lycée Lumière; they are told by e-mail." in named
    [mail] = [m for m in outbox(app) if m["To"] == holder.email]
    assert "/workspace/" not in mail.get_content() and "/schools/lycee-lumiere" in mail.get_content()
    again = text_of(client.post("/admin/organisations/lycee-lumiere", data={"email": holder.email}))
    assert "zoe@example.org is already an administrator of Lycée Lumière." in again  # walk: « now »
    assert len([m for m in outbox(app) if m["To"] == holder.email]) == 1 and len(events("org.role")) == 1
    assert orgs.role_in(holder, school.id) == "admin" and events("org.role")[-1].detail == "admin"
    refused = client.post("/admin/organisations/lycee-lumiere", data={"email": "pas-un-mail"})
    assert refused.status_code == 400 and "does not look like an e-mail" in text_of(refused)
    assert client.get("/admin/organisations/nope").status_code == 404
    client.post("/account/logout")
    client.post("/account/login", data={"email": holder.email, "password": PASSWORD})
    # The school's administrators see that link with its role, not as one more teacher's link.
    school_page = text_of(client.get("/schools/lycee-lumiere"))
    assert "<strong>For new@example.org</strong> · <strong>administrator</strong>" in school_page
    assert client.get("/admin/organisations/lycee-lumiere").status_code in (403, 404)  # operators only
    assert client.post("/admin/organisations/lycee-lumiere", data={"email": "x@example.org"}).status_code in (
        403,
        404,
    )


def test_create_a_publisher_invites_an_administrator_without_account(client, auth, operator, make_user):
    auth.login(operator.email)
    response = client.post(
        "/admin/organisations",
        data={"kind": "publisher", "name": "SFA-CGT", "slug": "sfa-cgt", "admin_email": "new@example.org"},
    )
    page = text_of(response)
    assert "Cadre is e-mailing this link to the future administrator" in page
    link = page.split('id="invitation-link" type="text" readonly value="')[1].split('"')[0]
    assert link.startswith("https://cadre.example/invitations/")
    assert db.session.scalar(select(Invitation.role)) == "admin"

    newcomer = make_user("Nina Nouvelle", "new@example.org")
    client.post("/account/logout")
    client.post("/account/login", data={"email": newcomer.email, "password": PASSWORD})
    path = link.removeprefix("https://cadre.example")
    assert "as an administrator" in text_of(client.get(path))
    response = client.post(path)
    assert response.status_code == 302 and response.location.endswith("/workspace/sfa-cgt")
    publisher = db.session.scalar(select(Organisation).where(Organisation.slug == "sfa-cgt"))
    assert orgs.role_in(newcomer, publisher.id) == "admin"


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"kind": "school", "name": "X", "slug": "Pas Valide"}, "lower-case letters, digits and hyphens"),
        ({"kind": "school", "name": "X", "slug": "existe"}, "already exists"),
        ({"kind": "school", "name": "", "slug": "vide"}, "Give the organisation a name."),
        ({"kind": "school", "name": "   ", "slug": "blanc"}, "Name: Give the organisation a name."),
        (
            {"kind": "publisher", "name": " existe ", "slug": "autre"},
            "Name: An organisation is already called “Existe” (short name existe)",
        ),
        ({"kind": "club", "name": "X", "slug": "club"}, "Not a valid choice"),
        (
            {"kind": "school", "name": "X", "slug": "mail", "admin_email": "pas-un-mail"},
            "does not look like an e-mail",
        ),
    ],
)
def test_bad_organisation_forms_change_nothing(client, auth, operator, form, message):
    orgs.create_organisation("existe", "Existe", "school")
    db.session.commit()
    auth.login(operator.email)
    response = client.post("/admin/organisations", data=form)
    assert response.status_code == 400 and message in text_of(response)
    assert db.session.scalars(select(Organisation.slug)).all() == ["existe"]
    assert events("org.created") == []


def test_the_operator_takes_someone_off_the_staff_and_revokes_a_link_from_the_console(
    client, auth, operator, holder, make_user
):
    """The UX walk made a pupil administrator and found only the command line could undo it."""
    school = orgs.create_organisation("lycee-lumiere", "Lycée Lumière", "school")
    orgs.set_role(school, holder, "admin")
    teacher = make_user("Théo Prof", "theo@example.org")
    orgs.set_role(school, teacher, "teacher")
    link = orgs.create_invitation(school, "admin", operator, note="wrong@example.org")
    db.session.commit()
    auth.login(operator.email)
    page = text_of(client.get("/admin/organisations/lycee-lumiere"))
    asked = "Remove Zoé Lefèvre from Lycée Lumière? They lose their role at once."
    assert f'action="/admin/organisations/lycee-lumiere/staff/{holder.id}/remove"' in page
    assert f'data-confirm="{asked}"' in page
    assert f'action="/admin/organisations/lycee-lumiere/invitations/{link.invitation.id}/revoke"' in page

    done = client.post(f"/admin/organisations/lycee-lumiere/staff/{holder.id}/remove", follow_redirects=True)
    assert "zoe@example.org is no longer an administrator of Lycée Lumière." in text_of(done)
    assert orgs.role_in(holder, school.id) is None and orgs.role_in(teacher, school.id) == "teacher"
    [event] = events("org.member_removed")
    assert (event.user_id, event.organisation_id, event.actor_id) == (holder.id, school.id, operator.id)
    assert '<td data-label="Details">administrator</td>' in text_of(
        client.get("/admin/audit?action=org.member_removed")
    )
    again = client.post(f"/admin/organisations/lycee-lumiere/staff/{holder.id}/remove", follow_redirects=True)
    assert "This person is not on the staff of Lycée Lumière." in text_of(again)
    assert client.post("/admin/organisations/nope/staff/1/remove").status_code == 404

    client.post(f"/admin/organisations/lycee-lumiere/invitations/{link.invitation.id}/revoke")
    assert orgs.find_invitation(link.token) is None and len(events("org.invitation_revoked")) == 1
    # Not the operator: refused, whatever the organisation.
    client.post("/account/logout")
    client.post("/account/login", data={"email": teacher.email, "password": PASSWORD})
    assert client.post(f"/admin/organisations/lycee-lumiere/staff/{teacher.id}/remove").status_code in (
        403,
        404,
    )
    assert orgs.role_in(teacher, school.id) == "teacher"


def test_an_organisation_form_says_every_problem_at_once_each_at_its_field(client, auth, operator):
    """The UX walk had to send the form twice: the short name was checked only once the address
    was right, and a name of spaces was said to be the short name's problem."""
    auth.login(operator.email)
    form = {"kind": "school", "name": "  ", "slug": "Studio Test!", "admin_email": "pas-un-mail"}
    page = text_of(client.post("/admin/organisations", data=form))
    for said in (
        "Name: Give the organisation a name.",
        "Short name: The short name must be lower-case letters, digits and hyphens",
        "E-mail of its first administrator (optional): This does not look like an e-mail address.",
    ):
        assert said in page
    assert db.session.scalars(select(Organisation.slug)).all() == []


def test_an_organisation_created_without_administrator_says_where_to_name_one(client, auth, operator):
    auth.login(operator.email)
    page = text_of(
        client.post("/admin/organisations", data={"kind": "school", "name": "École", "slug": "ecole"})
    )
    said = re.sub(r"<[^>]+>", "", re.sub(r"\s+", " ", page))
    assert "École is created. It has no administrator yet: name one from its page." in said
    assert '<a href="/admin/organisations/ecole#name-admin-heading">name one from its page</a>' in page


def test_an_organisation_name_is_the_same_whatever_its_accents_case_and_spaces(app):
    """Second reading: on SQLite « École du lac » got past « ÉCOLE DU LAC », and a name with two
    spaces past the same name with one, on both databases."""
    first = orgs.create_organisation("lac", "ÉCOLE  DU LAC", "school")
    assert first.name == "ÉCOLE DU LAC"  # kept with single spaces
    for name in ("École du lac", "Ecole du Lac", " école   du lac "):
        with pytest.raises(orgs.OrgError) as refused:
            orgs.create_organisation("lac-2", name, "school")
        assert refused.value.field == "name" and "already called “ÉCOLE DU LAC”" in str(refused.value)
    assert orgs.create_organisation("lac-3", "École du lac bleu", "school").name == "École du lac bleu"
    # Ligatures as they are typed on a keyboard without them, capitals included (SQLite's lower()
    # leaves « Œ » as it is).
    orgs.create_organisation("coeur", "CŒUR DES ARTS", "publisher")
    for name in ("Cœur des arts", "Coeur des Arts"):
        with pytest.raises(orgs.OrgError):
            orgs.create_organisation("coeur-2", name, "publisher")


def test_the_command_line_refuses_a_second_organisation_of_the_same_name(app):
    orgs.create_organisation("lycee-lumiere", "Lycée Lumière", "school")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["org", "create", "lycee-2", "Lycée  Lumière"])
    assert result.exit_code != 0 and "already called “Lycée Lumière”" in result.output
    assert db.session.scalars(select(Organisation.slug)).all() == ["lycee-lumiere"]


# Certificates -----------------------------------------------------------------------------------


def test_revoke_shows_the_reason_on_the_public_page_and_reinstate_undoes_it(
    client, auth, operator, certificate
):
    auth.login(operator.email)
    latest = text_of(client.get("/admin/certificates"))  # UX walk: empty until a search
    assert "Latest certificates issued" in latest and "Zoé Lefèvre" in latest
    found = text_of(client.get(f"/admin/certificates?q={certificate.code}"))
    assert "Zoé Lefèvre" in found and "Revoke…" in found
    assert "Zoé Lefèvre" in text_of(client.get("/admin/certificates?q=zoe@example"))
    # The code as the public lookup forgives it: another case, spaces (UX walk: the console did not).
    spaced = " ".join([certificate.code[:11], certificate.code[11:]]).swapcase()
    assert "Zoé Lefèvre" in text_of(client.get("/admin/certificates", query_string={"q": spaced}))

    response = client.post(f"/admin/certificates/{certificate.code}/revoke", data={"reason": "  "})
    assert response.status_code == 400 and "its public page shows the reason" in text_of(response)
    response = client.post(
        f"/admin/certificates/{certificate.code}/revoke", data={"reason": "Issued in error: answers shared."}
    )
    assert response.status_code == 302 and response.location.endswith(f"/certificates/{certificate.code}")

    public = text_of(client.application.test_client().get(f"/certificates/{certificate.code}"))
    assert "This certificate was revoked" in public and "Issued in error: answers shared." in public
    assert "Valid certificate" not in public
    [event] = events("certificate.revoked")
    assert (event.certificate_id, event.detail, event.actor_id) == (
        certificate.id,
        "Issued in error: answers shared.",
        operator.id,
    )

    # The holder is told, on the site and by mail, with the reason (UX walk: they learnt nothing).
    [told] = notifications_of(certificate.user, "certificate")
    assert told.params["revoked"] and told.path == f"/certificates/{certificate.code}"
    assert str(texts.subject(told)) == f"Your certificate for {certificate.course_title} is revoked"

    again = client.post(f"/admin/certificates/{certificate.code}/revoke", data={"reason": "twice"})
    assert again.status_code == 400 and "already revoked" in text_of(again)
    # Its page, opened again, says what it is and offers to reinstate it, not an empty form.
    page = text_of(client.get(f"/admin/certificates/{certificate.code}/revoke"))
    assert "Revoked on" in page and "Reason: <strong>Issued in error: answers shared.</strong>" in page
    assert f'action="/admin/certificates/{certificate.code}/reinstate"' in page and "<textarea" not in page

    client.post(f"/admin/certificates/{certificate.code}/reinstate")
    public = text_of(client.application.test_client().get(f"/certificates/{certificate.code}"))
    assert "Valid certificate" in public and "Issued in error" not in public
    assert len(events("certificate.reinstated")) == 1
    valid_again = notifications_of(certificate.user, "certificate")[-1]
    assert texts.headline(valid_again) == f"Your certificate for {certificate.course_title} is valid again."
    assert client.post("/admin/certificates/unknown-code/reinstate").status_code == 404


def test_a_withdrawn_certificate_cannot_be_revoked(client, auth, operator, certificate):
    certificate.withdraw_at_holder_request()
    db.session.commit()
    auth.login(operator.email)
    response = client.post(f"/admin/certificates/{certificate.code}/revoke", data={"reason": "x"})
    assert response.status_code == 400 and "nothing to revoke" in text_of(response)


def test_a_withdrawn_certificate_is_not_made_valid_again(client, auth, operator, certificate):
    """Security probe: revoked, then its holder's account deleted, « valid again » was said."""
    certificate.revoked_at = utcnow()
    certificate.withdraw_at_holder_request()
    db.session.commit()
    auth.login(operator.email)
    response = client.post(f"/admin/certificates/{certificate.code}/reinstate", follow_redirects=True)
    assert "withdrawn when its holder deleted their account" in text_of(response)
    assert "Reinstate" not in text_of(response)  # nor offered
    assert "valid again" not in text_of(response) and events("certificate.reinstated") == []


# Audit log --------------------------------------------------------------------------------------


def test_failed_logins_publications_and_deletions_are_in_the_log(client, auth, operator, holder):
    client.post("/account/login", data={"email": "zoe@example.org", "password": "wrong password"})
    client.post("/account/login", data={"email": "nobody@example.org", "password": "wrong password"})
    failed = events("login.failed")
    assert [e.user_id for e in failed] == [holder.id, None]
    assert all(e.address == "127.0.0.1" and e.source == "web" and e.actor_id is None for e in failed)

    auth.login("zoe@example.org")
    client.post(
        "/account/me/delete",
        data={"email": "zoe@example.org", "password": PASSWORD, "understood": "y"},
    )
    assert [e.user_id for e in events("user.deleted")] == [holder.id]


def test_filter_and_export_the_log(client, auth, operator, holder, make_user):
    evil = make_user("Eve", "=cmd@example.org")
    for who in ("zoe@example.org", "=cmd@example.org", "zoe@example.org"):
        client.post("/account/login", data={"email": who, "password": "wrong password"})
    auth.login(operator.email)
    client.post(f"/admin/users/{evil.id}/disable", data={"reason": '=HYPERLINK("x")'})

    page = text_of(client.get("/admin/audit?action=login.failed&person=zoe"))
    assert page.count("Failed login</th>") == 2 and "Account disabled</th>" not in page
    page = text_of(client.get("/admin/audit?since=2000-01-01&until=2000-12-31"))
    assert "No event matches." in page
    bad = client.get("/admin/audit?since=yesterday")
    assert bad.status_code == 400 and "Type a date like 2026-12-01." in text_of(bad)
    assert client.get("/admin/audit?action=drop.table").status_code == 400
    # The export of a bad filter goes to the log's page, which says what is wrong.
    bad_export = client.get("/admin/audit.csv?since=2026-02-30&action=login.failed")
    assert bad_export.status_code == 302
    assert bad_export.location == "/admin/audit?since=2026-02-30&action=login.failed"
    assert "Type a date like 2026-12-01." in text_of(client.get(bad_export.location))
    odd = client.get("/admin/audit.csv?since=2026-02-30&endpoint=x&_anchor=y")  # url_for's own names
    assert odd.status_code == 302 and odd.location == "/admin/audit?since=2026-02-30&endpoint=x&_anchor=y"

    export = client.get("/admin/audit.csv?action=login.failed")
    assert (
        export.headers["Content-Type"].startswith("text/csv")
        and "no-store" in export.headers["Cache-Control"]
    )
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True))))
    assert rows[0][:3] == ["at", "action", "source"]
    assert [row[4] for row in rows[1:]] == ["zoe@example.org", "'=cmd@example.org", "zoe@example.org"]
    everything = list(csv.reader(io.StringIO(client.get("/admin/audit.csv").get_data(as_text=True))))
    assert {row[1] for row in everything[1:]} == {"login.failed", "user.disabled"}
    # The reason an operator typed is text in a spreadsheet, never a formula.
    assert [row[8] for row in everything[1:] if row[1] == "user.disabled"] == ['\'=HYPERLINK("x")']


def test_the_export_is_read_while_it_streams_outside_any_test_context(database_url):
    """A real server reads the CSV's body after the view returns: the rows must still load."""
    app = make_app(database_url)
    with app.app_context():
        db.drop_all()
        db.create_all()
        operator = User(full_name="Olga", email="olga@example.org", is_admin=True)
        operator.set_password(PASSWORD)
        db.session.add_all([operator, AuditEvent(action="login.failed", source="web", detail="x")])
        db.session.commit()
        db.session.remove()
    try:
        client = app.test_client()  # no app context of the test's around these requests
        client.post("/account/login", data={"email": "olga@example.org", "password": PASSWORD})
        body = client.get("/admin/audit.csv").get_data(as_text=True)
        assert [row[1] for row in csv.reader(io.StringIO(body))] == ["action", "login.failed"]
    finally:
        with app.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


def test_the_log_pages_are_bounded(client, auth, operator):
    db.session.add_all(AuditEvent(action="login.failed", source="web", detail="") for _ in range(120))
    db.session.commit()
    auth.login(operator.email)
    first = text_of(client.get("/admin/audit"))
    assert first.count("Failed login</th>") == 50 and 'rel="next"' in first
    last = text_of(client.get("/admin/audit?page=3"))
    assert last.count("Failed login</th>") == 20 and 'rel="next"' not in last
    assert client.get("/admin/audit?page=abc").status_code == 200


def test_jobs_page_without_a_queue_says_so(client, auth, operator):
    auth.login(operator.email)
    assert "No REDIS_URL is set" in text_of(client.get("/admin/jobs"))
    assert client.post("/admin/jobs/anything/requeue").status_code == 404


def test_console_forms_need_a_csrf_token(database_url):
    with signed_in_with_csrf(database_url, is_admin=True) as (_app, client, _operator):
        target = User(full_name="Théo", email="theo@example.org", password_hash="-")
        db.session.add(target)
        db.session.commit()
        assert client.post(f"/admin/users/{target.id}/disable").status_code == 400
        assert (
            client.post("/admin/organisations", data={"kind": "school", "name": "X", "slug": "x"}).status_code
            == 400
        )
        db.session.expire_all()
        assert db.session.get(User, target.id).disabled_at is None
        assert db.session.scalar(select(Membership)) is None


def test_a_publisher_s_new_administrator_is_sent_to_its_workspace(app, client, auth, operator, holder):
    auth.login(operator.email)
    form = {"kind": "publisher", "name": "SFA-CGT", "slug": "sfa-cgt", "admin_email": holder.email}
    assert client.post("/admin/organisations", data=form).status_code == 200
    [mail] = [m for m in outbox(app) if m["To"] == holder.email]
    assert "You now name its editors and reviewers and publish its courses:" in mail.get_content()
    assert "/workspace/sfa-cgt" in mail.get_content()


def test_the_operator_is_asked_before_making_a_pupil_a_school_s_administrator(
    client, auth, operator, holder, make_user
):
    """Security probe: the school's own pages ask before making a pupil a teacher; the console
    made one administrator at once, opening every class's names and results to them."""
    school = orgs.create_organisation("lycee-lumiere", "Lycée Lumière", "school")
    school_class = schools.create_class(school, make_user("Théo Prof", "theo@example.org"), "BTS 2", "", "")
    db.session.commit()
    schools.join_class(holder, school_class.join_code)
    db.session.commit()
    auth.login(operator.email)
    asked = text_of(client.post("/admin/organisations/lycee-lumiere", data={"email": holder.email}))
    assert "Zoé Lefèvre is a student of the class BTS 2 in Lycée Lumière." in asked
    assert "Make Zoé Lefèvre administrator all the same" in asked and orgs.role_in(holder, school.id) is None
    confirmed = client.post(
        "/admin/organisations/lycee-lumiere", data={"email": holder.email, "confirm": "yes"}
    )
    assert "is now an administrator of Lycée Lumière" in text_of(confirmed)
    assert orgs.role_in(holder, school.id) == "admin"


def test_a_disabled_account_is_not_made_administrator(client, auth, operator, holder):
    """Security probe: enabling the account again would have brought the role back unseen."""
    holder.disabled_at = utcnow()
    db.session.commit()
    auth.login(operator.email)
    refused = client.post(
        "/admin/organisations", data={"kind": "school", "name": "X", "slug": "x", "admin_email": holder.email}
    )
    assert refused.status_code == 400 and "zoe@example.org is disabled: enable the account first" in text_of(
        refused
    )
    assert (
        db.session.scalar(select(Organisation).where(Organisation.slug == "x")) is None
    )  # nothing half made
    orgs.create_organisation("x", "X", "school")
    db.session.commit()
    refused = client.post("/admin/organisations/x", data={"email": holder.email})
    assert refused.status_code == 400 and "is disabled" in text_of(refused)
    assert db.session.scalar(select(Membership).where(Membership.user_id == holder.id)) is None


def test_a_long_address_gets_its_link_with_a_shortened_note(client, auth, operator):
    """Security probe: a valid address past the note's 120 characters was a 500 on PostgreSQL."""
    orgs.create_organisation("x", "X", "school")
    db.session.commit()
    auth.login(operator.email)
    address = f"{'a' * 64}@{'b' * 60}.{'c' * 60}.example.org"
    response = client.post("/admin/organisations/x", data={"email": address})
    assert response.status_code == 200
    assert "Cadre is e-mailing this link to the future administrator" in text_of(response)
    assert db.session.scalar(select(Invitation.note)) == address[:119] + "…"


def test_the_log_page_reads_its_times_and_days_in_the_reader_s_zone(client, auth, operator, holder):
    """UX walk: times were UTC on a French operator's page, an hour off in winter, two in summer."""
    auth.login(operator.email)
    late = AuditEvent(action="user.disabled", user_id=holder.id, source="cli", detail="")
    late.at = datetime(2026, 12, 5, 23, 30, tzinfo=UTC)  # 6 December, 00:30 in Paris
    db.session.add(late)
    db.session.commit()
    page = text_of(client.get("/admin/audit?action=user.disabled&since=2026-12-06&until=2026-12-06"))
    assert "6 December 2026, 00:30" in page and 'datetime="2026-12-05T23:30:00' in page
    assert "Times and days are Paris time; the CSV gives them in UTC." in page  # French walk: whose time?
    french = text_of(client.get("/admin/audit", headers={"Accept-Language": "fr"}))
    assert "Heures et jours à l’heure de Paris\u202f; le CSV les donne en UTC." in french
    assert "No event matches." in text_of(client.get("/admin/audit?action=user.disabled&until=2026-12-05"))
    csv_text = client.get("/admin/audit.csv?action=user.disabled&since=2026-12-06").get_data(as_text=True)
    assert "2026-12-05T23:30:00+00:00" in csv_text  # the export stays in UTC, for other tools


def test_the_log_page_says_roles_and_kinds_in_words(client, auth, operator):
    """UX walk: the details read « admin for noe@example.org », « school lycee-lumiere »."""
    auth.login(operator.email)
    client.post(
        "/admin/organisations",
        data={"kind": "school", "name": "X", "slug": "x", "admin_email": "n@example.org"},
    )
    page = text_of(client.get("/admin/audit"))
    assert "administrator for n@example.org" in page and "School · x" in page
    french = text_of(client.get("/admin/audit", headers={"Accept-Language": "fr"}))
    assert "administrateur pour n@example.org" in french and "École · x" in french
    csv_text = client.get("/admin/audit.csv").get_data(as_text=True)
    assert "admin for n@example.org" in csv_text and "school x" in csv_text  # codes, for other tools

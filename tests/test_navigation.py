"""The header's links to a person's tools (Teaching, their workspaces), which page they mark as
current, what they cost in queries, and the dashboard's line about courses waiting for review."""

import re

import pytest
from sqlalchemy import select

from app.content.checker import load_tree
from app.extensions import db
from app.orgs import services as orgs
from app.orgs.models import Organisation
from app.publishing import services as publishing
from app.schools import services as schools
from tests.conftest import VALID_CONTENT, counted_statements, text_of

WS = "/workspace/syndicat"


@pytest.fixture
def people(app, make_user):
    """A school and two publishers, and one person of each kind."""
    school = orgs.create_organisation("lycee-lumiere", "Lycée Lumière", "school")
    publisher = orgs.create_organisation("syndicat", "Syndicat des comédiens", "publisher")
    other = orgs.create_organisation("atelier", "Atelier du doublage", "publisher")
    db.session.commit()
    found = {
        role: make_user(name, f"{role}@example.org")
        for role, name in [
            ("learner", "Zoé Lefèvre"),
            ("teacher", "Théo Prof"),
            ("school_admin", "Claire Directrice"),
            ("admin", "Paul Syndicat"),
            ("editor", "Éva Autrice"),
            ("reviewer", "Rita Relectrice"),
            ("member", "Marc Membre"),
            ("both", "Inès Double"),
        ]
    }
    orgs.set_role(school, found["teacher"], "teacher")
    orgs.set_role(school, found["school_admin"], "admin")
    for role in ("admin", "editor", "reviewer", "member"):
        orgs.set_role(publisher, found[role], role)
    # Teaches, and edits for two publishers.
    orgs.set_role(school, found["both"], "teacher")
    orgs.set_role(publisher, found["both"], "editor")
    orgs.set_role(other, found["both"], "reviewer")
    db.session.commit()
    return found


def organisation(slug: str) -> Organisation:
    return db.session.scalar(select(Organisation).where(Organisation.slug == slug))


def files_of(slug: str) -> dict[str, str]:
    """The fixture course's files under another short name."""
    files = load_tree(VALID_CONTENT)
    return {
        path.replace("/voix-et-ia/", f"/{slug}/"): text
        for path, text in files.items()
        if "/voix-et-ia/" in path
    }


def draft(people, slug: str, submitted_by: str | None = "editor", org_slug: str = "syndicat"):
    """A draft saved by the editor (or ``submitted_by``), and submitted for review unless None."""
    org = organisation(org_slug)
    author = people[submitted_by or "editor"]
    db.session.refresh(author)  # loaded now: a lazy load inside save_files would flush a half-made draft
    found = publishing.save_files(org, slug, files_of(slug), author)
    if submitted_by:
        publishing.submit(found, author)
    db.session.commit()
    return found


def header_links(response) -> dict[str, dict[str, str]]:
    """The main navigation's links: text → {"href": ..., "aria-current": ...}."""
    nav = re.search(r'<nav class="site-nav".*?</nav>', text_of(response), re.S)
    assert nav, "no site navigation"
    links = {}
    for attributes, text in re.findall(r"<a ([^>]*)>(.*?)</a>", nav.group(0), re.S):
        name = re.sub(r"<[^>]+>", "", text).strip()
        links[name] = dict(re.findall(r'([\w-]+)="([^"]*)"', attributes))
    return links


def counted(client, path: str) -> tuple[object, list[str]]:
    """The response to a GET of ``path`` and the SQL statements it ran."""
    db.session.commit()  # each request starts afresh: nothing loaded, no transaction open
    with counted_statements() as statements:
        response = client.get(path)
    assert response.status_code == 200, path
    return response, statements


# The links ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "teaching", "workspace"),
    [
        ("teacher", True, None),
        ("school_admin", True, None),
        ("admin", False, f"{WS}"),
        ("editor", False, f"{WS}"),
        ("reviewer", False, f"{WS}"),
        ("member", False, None),  # a publisher's plain member only reads its courses
        ("learner", False, None),
    ],
)
def test_the_header_links_to_the_tools_of_each_role(client, auth, people, who, teaching, workspace):
    auth.login(people[who].email)
    links = header_links(client.get("/courses"))
    assert ("Teaching" in links) is teaching
    if teaching:
        assert links["Teaching"]["href"] == "/teaching"
    assert "Workspaces" not in links
    if workspace:
        assert links["Workspace"]["href"] == workspace
    else:
        assert "Workspace" not in links


def test_no_tools_for_an_anonymous_visitor_and_no_query_for_them(client, people):
    response, statements = counted(client, "/courses")
    links = header_links(response)
    assert "Teaching" not in links and "Workspace" not in links and "Workspaces" not in links
    assert not [s for s in statements if "memberships" in s]


def test_several_workspaces_share_one_link_to_the_dashboard_list(client, auth, people):
    auth.login(people["both"].email)
    links = header_links(client.get("/courses"))
    assert links["Teaching"]["href"] == "/teaching"
    assert links["Workspaces"]["href"] == "/dashboard#workspaces"
    assert "Workspace" not in links
    page = text_of(client.get("/dashboard"))
    section = re.search(r'<section id="workspaces".*?</section>', page, re.S).group(0)
    assert 'href="/workspace/atelier">Workspace of Atelier du doublage</a>' in section
    assert f'href="{WS}">Workspace of Syndicat des comédiens</a>' in section


def test_the_links_follow_the_person_from_one_request_to_the_next(client, auth, people):
    """The memberships are kept for one request only (tests share one app context)."""
    auth.login(people["teacher"].email)
    assert "Teaching" in header_links(client.get("/courses"))
    auth.logout()
    auth.login(people["learner"].email)
    assert "Teaching" not in header_links(client.get("/courses"))


# aria-current ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "current"),
    [("/teaching", "page"), ("/schools/lycee-lumiere", "true"), ("/dashboard", None), ("/courses", None)],
)
def test_teaching_is_marked_current_on_its_pages(client, auth, people, path, current):
    auth.login(people["teacher"].email)
    assert header_links(client.get(path))["Teaching"].get("aria-current") == current


def test_a_class_page_is_under_teaching(client, auth, people):
    auth.login(people["teacher"].email)
    klass = schools.create_class(organisation("lycee-lumiere"), people["teacher"], "BTS 2", "2026-2027", "")
    db.session.commit()
    assert header_links(client.get(f"/classes/{klass.id}"))["Teaching"]["aria-current"] == "true"
    # Joining a class is a student's page, not a teacher's.
    assert "aria-current" not in header_links(client.get("/join"))["Teaching"]


@pytest.mark.parametrize(
    ("path", "current"),
    [(WS, "page"), (f"{WS}/voix-et-ia", "true"), (f"{WS}/voix-et-ia/read", "true"), ("/dashboard", None)],
)
def test_the_workspace_is_marked_current_on_its_pages(client, auth, people, path, current):
    draft(people, "voix-et-ia", submitted_by=None)
    auth.login(people["editor"].email)
    assert header_links(client.get(path))["Workspace"].get("aria-current") == current


def test_the_workspaces_link_is_current_in_any_of_them(client, auth, people):
    auth.login(people["both"].email)
    assert header_links(client.get("/workspace/atelier"))["Workspaces"]["aria-current"] == "true"
    assert header_links(client.get(WS))["Workspaces"]["aria-current"] == "true"
    assert "aria-current" not in header_links(client.get("/courses"))["Workspaces"]
    # Only one link is the current page: the dashboard, not the list of workspaces on it.
    links = header_links(client.get("/dashboard"))
    assert links["My learning"]["aria-current"] == "page" and "aria-current" not in links["Workspaces"]


# Queries -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["learner", "teacher", "both"])
def test_the_header_reads_the_memberships_in_one_query(client, auth, people, who):
    auth.login(people[who].email)
    client.get("/courses")  # warm up: the first page after logging in does a little more
    _, statements = counted(client, "/courses")
    # The catalogue reads which publishers' members-only courses the person may open on its own.
    assert len([s for s in statements if "FROM memberships JOIN organisations" in s]) == 1, statements


def test_the_dashboard_shares_the_headers_query(client, auth, people):
    auth.login(people["learner"].email)
    client.get("/dashboard")
    _, statements = counted(client, "/dashboard")
    assert len([s for s in statements if "FROM memberships JOIN organisations" in s]) == 1, statements
    assert not [s for s in statements if "course_drafts" in s]  # reviews nowhere: no count


def test_the_review_count_is_one_query_however_many_drafts(client, auth, people):
    draft(people, "voix-et-ia")
    auth.login(people["reviewer"].email)
    client.get("/dashboard")
    _, few = counted(client, "/dashboard")
    for n in range(5):
        draft(people, f"cours-{n}")
    response, many = counted(client, "/dashboard")
    assert len(many) == len(few), (few, many)
    assert len([s for s in many if "course_drafts" in s]) == 1
    assert "6 courses await your review" in text_of(response)


# The dashboard's line ----------------------------------------------------------------------------


def test_a_reviewer_is_told_what_waits_for_her(client, auth, people):
    auth.login(people["reviewer"].email)
    assert "await your review" not in text_of(client.get("/dashboard"))
    draft(people, "voix-et-ia")
    draft(people, "brouillon", submitted_by=None)  # not submitted: nothing to review yet
    page = text_of(client.get("/dashboard"))
    assert f'<a href="{WS}">1 course awaits your review</a>' in page
    draft(people, "second-cours")
    assert f'<a href="{WS}">2 courses await your review</a>' in text_of(client.get("/dashboard"))


@pytest.mark.parametrize(("who", "told"), [("admin", True), ("editor", False), ("member", False)])
def test_only_those_who_publish_are_told(client, auth, people, who, told):
    draft(people, "voix-et-ia")
    auth.login(people[who].email)
    assert ("1 course awaits your review" in text_of(client.get("/dashboard"))) is told


def test_what_one_submitted_oneself_does_not_wait_for_one(client, auth, people):
    """As publishing.services.may_publish: not one's own course, unless self-publishing is on."""
    mine = draft(people, "voix-et-ia", submitted_by="admin")
    auth.login(people["admin"].email)
    assert "await" not in text_of(client.get("/dashboard"))
    assert not publishing.may_publish(mine, people["admin"])
    mine.organisation.self_publish = True
    db.session.commit()
    assert publishing.may_publish(mine, people["admin"])
    assert "1 course awaits your review" in text_of(client.get("/dashboard"))


def test_with_reviews_in_several_workspaces_each_line_names_its_publisher(client, auth, people):
    draft(people, "voix-et-ia")
    draft(people, "doublage", org_slug="atelier")
    orgs.set_role(organisation("syndicat"), people["both"], "reviewer")
    db.session.commit()
    auth.login(people["both"].email)
    page = text_of(client.get("/dashboard"))
    assert '<a href="/workspace/atelier">1 course awaits your review</a> · Atelier du doublage' in page
    assert f'<a href="{WS}">1 course awaits your review</a> · Syndicat des comédiens' in page


def test_someone_in_several_workspaces_is_told_which_one_waits(client, auth, people):
    draft(people, "doublage", org_slug="atelier")  # "both" reviews there, and edits at the syndicat
    auth.login(people["both"].email)
    page = text_of(client.get("/dashboard"))
    assert '<a href="/workspace/atelier">1 course awaits your review</a> · Atelier du doublage' in page

"""The operator's console in a real browser: revoke a certificate, and its page says why."""

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.accounts.models import User
from app.catalog.models import Course
from app.extensions import db
from app.models_base import utcnow
from tests.certificates.test_certificate_pages import complete
from tests.conftest import PASSWORD
from tests.e2e.test_journey import assert_accessible

PAGES = ("Overview", "Accounts", "Organisations", "Certificates", "Audit log", "Background jobs")


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """The English interface, whose strings are the source ones."""
    return {**browser_context_args, "locale": "en-GB"}


def test_operator_revokes_a_certificate_and_its_page_gives_the_reason(page: Page, live_server):
    base, app = live_server
    with app.app_context():
        operator = User(full_name="Olga Opératrice", email="olga@example.org", is_admin=True)
        holder = User(full_name="Zoé Lefèvre", email="zoe@example.org", email_confirmed_at=utcnow())
        for user in (operator, holder):
            user.set_password(PASSWORD)
        db.session.add_all([operator, holder])
        db.session.commit()
        code = complete(holder, db.session.scalars(select(Course).order_by(Course.id)).first()).code

    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{base}/account/login")
    page.get_by_label("E-mail address").fill("olga@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Console").click()
    for name in PAGES:  # every page of the console: accessible and no sideways scrolling on a phone
        page.get_by_role("navigation", name="Console").get_by_role("link", name=name).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(name if name != "Overview" else "Console")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, page.url
        assert_accessible(page)
        if name == "Accounts":  # each row a card: its action in view, not past a sideways scroll
            box = page.get_by_role("link", name="Disable… zoe@example.org").bounding_box()
            assert box["x"] + box["width"] <= 375

    page.get_by_role("navigation", name="Console").get_by_role("link", name="Certificates").click()
    page.get_by_label("Verification code, holder’s e-mail or name").fill("zoe@example.org")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Revoke…").click()
    page.get_by_role("button", name="Revoke").click()  # no reason: refused, nothing changes
    expect(page.get_by_text("Say why the certificate is revoked").first).to_be_visible()
    page.get_by_label("Reason").fill("Issued in error: the quiz answers were shared.")
    page.get_by_role("button", name="Revoke").click()

    expect(page.get_by_text("This certificate was revoked")).to_be_visible()
    expect(page.get_by_text("Issued in error: the quiz answers were shared.")).to_be_visible()
    assert_accessible(page)
    page.context.clear_cookies()  # what an employer sees
    page.goto(f"{base}/certificates/{code}")
    expect(page.get_by_text("Issued in error: the quiz answers were shared.")).to_be_visible()
    expect(page.get_by_text("Valid certificate")).to_have_count(0)

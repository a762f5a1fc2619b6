"""« My account » in a real browser: change my name and e-mail, download my data, delete my account."""

import json
import re
import time
from pathlib import Path

import pytest
from flask import request
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.accounts.models import User
from app.catalog.models import Course
from app.extensions import db
from app.models_base import utcnow
from tests.certificates.test_certificate_pages import complete
from tests.conftest import PASSWORD
from tests.e2e.test_journey import assert_accessible


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """This journey reads the English interface, whose strings are the source ones."""
    return {**browser_context_args, "locale": "en-GB", "accept_downloads": True}


def test_change_name_and_email_download_data_delete_account(page: Page, live_server):
    base, app = live_server
    with app.app_context():
        user = User(full_name="Zoé Lefèvre", email="zoe@example.org", email_confirmed_at=utcnow())
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        course = db.session.scalars(select(Course).order_by(Course.id)).first()  # the fixture course
        code = complete(user, course).code

    page.goto(f"{base}/account/login")
    page.get_by_label("E-mail address").fill("zoe@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("link", name="Account").click()
    page.get_by_role("link", name="My name and my data").click()
    page.get_by_label("Full name, as it will appear on your certificates").fill("Zoé Martin")
    page.get_by_role("button", name="Save my name").click()
    expect(
        page.get_by_text("Certificates already issued keep the name they were issued with.")
    ).to_be_visible()
    expect(page.get_by_text("Signed in as Zoé Martin (zoe@example.org).")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Change my e-mail address").first.click()
    page.get_by_label("New e-mail address").fill("zoe.martin@example.net")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Send me a confirmation link").click()
    expect(page.get_by_text("your address stays zoe@example.org until you follow it")).to_be_visible()
    mails = app.extensions["cadre_outbox"]
    assert [m["To"] for m in mails] == ["zoe.martin@example.net", "zoe@example.org"]
    link = re.search(r"(/account/me/email/confirm/\S+)", mails[0].get_content()).group(1)
    page.goto(base + link)
    assert_accessible(page)
    page.get_by_role("button", name="Confirm my new e-mail address").click()
    expect(page.get_by_text("Your e-mail address is now zoe.martin@example.net.")).to_be_visible()
    expect(page.get_by_text("Signed in as Zoé Martin (zoe.martin@example.net).")).to_be_visible()
    assert mails[-1]["To"] == "zoe@example.org"  # the old address is told the change was made

    with page.expect_download() as download:
        page.get_by_role("link", name="Download my data (JSON)").click()
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert data["profile"]["full_name"] == "Zoé Martin"
    assert data["profile"]["email"] == "zoe.martin@example.net"
    assert [e["action"] for e in data["security_events"]] == ["email.changed"]
    assert [c["code"] for c in data["certificates"]] == [code]
    assert data["certificates"][0]["holder_name"] == "Zoé Lefèvre"
    assert data["progress"] and data["attempts"] and data["attempts"][0]["answers"]
    assert data["memberships"] == [] and data["classes"] == []

    page.get_by_role("link", name="Read my data (web page)").click()
    expect(page.get_by_role("heading", name="My data", level=1)).to_be_visible()
    expect(page.get_by_text(code)).to_be_visible()
    assert_accessible(page)

    page.goto(f"{base}/account/me/")
    page.get_by_role("link", name="Delete my account").first.click()
    expect(page.get_by_text("say the certificate was withdrawn at the holder's request")).to_be_visible()
    page.get_by_label("Your e-mail address").fill("zoe.martin@example.net")
    page.get_by_label("Your password").fill("not my password at all")
    page.get_by_label("I understand").check()
    page.get_by_role("button", name="Delete my account").click()
    expect(
        page.get_by_text("This e-mail address and password are not those of your account.", exact=True)
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("I understand").check()
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("Your account is deleted.")).to_be_visible()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()

    page.goto(f"{base}/certificates/{code}")
    expect(page.get_by_text("This certificate was withdrawn at the holder's request")).to_be_visible()
    assert_accessible(page)
    content = page.content()
    assert "Zoé" not in content and "Lefèvre" not in content and "Martin" not in content
    assert "Valid certificate" not in content


def test_a_second_click_while_a_form_is_on_its_way_sends_nothing(page: Page, live_server):
    base, app = live_server

    def slow_network():  # the answer takes a while: an impatient person clicks again
        if request.method == "POST":
            time.sleep(0.6)

    app.before_request_funcs.setdefault(None, []).append(slow_network)
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.goto(f"{base}/account/register")
    page.get_by_label("Full name, as it will appear on your certificates").fill("Zoé Lefèvre")
    page.get_by_label("E-mail address").fill("zoe@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm the password").fill(PASSWORD)
    # Clicked, then again while the page waits for the answer (from the page's own script:
    # Playwright would wait for the first answer before a second click).
    page.evaluate(
        """() => {
            const button = document.querySelector("main form [type=submit]");
            button.click();
            setTimeout(() => button.click(), 200);
        }"""
    )
    # One account, welcomed once: not a second request answered "already uses this address".
    expect(page.get_by_text("Your account is ready")).to_be_visible()
    assert posts == [f"{base}/account/register"]

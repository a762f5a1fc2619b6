"""Pages as a keyboard meets them: a focus ring that shows, and after a form error, focus on a
summary whose entries lead to their fields. (Every page at 320 and 1280 px, with axe and the Nu
Html Checker: test_every_page.py.)"""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_journey import assert_accessible


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """The English interface, whose strings are the source ones."""
    return {**browser_context_args, "locale": "en-GB"}


def test_after_a_form_error_focus_goes_to_a_summary_that_leads_to_the_field(page: Page, live_server):
    base, _app = live_server
    page.goto(base + "/account/register")
    page.get_by_label("E-mail address").fill("not an address")
    page.get_by_role("button", name="Create my account").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name="E-mail address").click()
    expect(page.get_by_label("E-mail address")).to_be_focused()
    assert_accessible(page)


def test_the_focus_ring_stands_out_on_light_and_dark_backgrounds(page: Page, live_server):
    base, _app = live_server
    page.goto(base + "/courses")
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the brand link, in the dark header
    header = page.evaluate("getComputedStyle(document.activeElement).outlineColor")
    page.locator("main a").first.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # a link on the light page, focused from the keyboard
    light = page.evaluate("getComputedStyle(document.activeElement).outlineColor")
    assert header == "rgb(242, 177, 52)"  # amber on navy: 6:1
    assert light == "rgb(31, 58, 95)"  # navy on white: 11:1 (the amber one was 1.9:1)

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


def test_the_catalogue_lists_are_folded_on_a_phone_and_open_on_a_wide_screen(page: Page, live_server):
    base, _app = live_server
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base + "/courses")
    level = page.get_by_label("Level")
    expect(level).to_be_hidden()  # the courses come first
    page.get_by_text("Filters and order").focus()
    page.keyboard.press("Enter")  # a keyboard opens the box
    expect(level).to_be_visible()
    level.select_option(label="Beginner")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("1 chosen")).to_be_visible()
    expect(page.get_by_label("Level")).to_have_value("beginner")  # still open: a list is set
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(base + "/courses")
    expect(page.get_by_label("Level")).to_be_visible()

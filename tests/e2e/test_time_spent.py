"""Time spent on a module page, measured by its script in a real browser (static/js/time.js).

The browser's clock is driven by the test: a learner reads for two minutes, moving the mouse now
and then, then leaves the page; the report sent on leaving becomes an ``experienced`` event of the
learning record. A page left alone counts nothing after a minute without input.
"""

from playwright.sync_api import Browser, expect
from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.record.models import LearningEvent
from tests.e2e.test_school import account, log_in

MODULE = "/courses/voix-et-ia/consentement"


def experienced(app, email: str) -> list[int]:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        query = select(LearningEvent.duration_seconds).where(
            LearningEvent.user_id == user.id, LearningEvent.verb == "experienced"
        )
        return list(db.session.scalars(query.order_by(LearningEvent.id)))


def test_active_reading_is_reported_when_the_page_is_left(browser: Browser, live_server):
    base, app = live_server
    account(app, "Léa Lectrice", "lea@example.org")
    page = browser.new_context(locale="en-GB").new_page()
    log_in(page, base, "lea@example.org")
    page.clock.install()
    page.goto(f"{base}{MODULE}")
    expect(page).to_have_title("Recueillir le consentement · La voix et l'IA · Cadre")
    for step in range(4):  # two minutes of reading, the mouse moved every 30 seconds
        page.mouse.move(100 + 10 * step, 200)
        page.clock.run_for(30_000)
    page.clock.run_for(5 * 60_000)  # then away from the keyboard: after a minute, nothing counts
    page.goto(f"{base}/dashboard")  # leaving the page sends what was counted
    reported = []
    for _ in range(50):
        reported = experienced(app, "lea@example.org")
        if reported:
            break
        page.wait_for_timeout(100)
    # The last move at 1:30, then a minute before the learner counts as away: about 2:30 in all.
    [seconds] = reported
    assert 140 <= seconds <= 150, seconds

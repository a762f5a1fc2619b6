"""Due-date reminders and weekly digests: sent to the right people, once, however often cron runs."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.catalog.models import MEMBERS, Module
from app.extensions import db
from app.learning.models import ModuleProgress
from app.models_base import utcnow
from app.notifications import schedule
from app.orgs import services as orgs
from app.schools import services as schools
from app.schools.models import Assignment
from tests.conftest import PASSWORD, text_of
from tests.notifications.conftest import notifications_of, outbox

PARIS = ZoneInfo("Europe/Paris")


def paris_wall_clock(moment: datetime) -> datetime:
    return moment.astimezone(PARIS).replace(tzinfo=None)


def complete(user, module: Module, at: datetime) -> None:
    db.session.add(
        ModuleProgress(user_id=user.id, module_id=module.id, completed_at=at, attempts=1, last_activity_at=at)
    )


def due_key(assignment) -> str:
    """What a reminder names: the assignment and its due date (UTC, to the minute)."""
    return f"{assignment.id}@{assignment.due_at.astimezone(UTC):%Y-%m-%dT%H:%M}"


def live_modules(course) -> list[Module]:
    return [m for m in course.modules if not m.retired and not m.is_final]


def test_due_in_two_days_reminds_once_those_who_have_not_finished(app, school, course, runner):
    klass, people = school
    now = utcnow()
    soon = schools.assign(klass, course, None, paris_wall_clock(now + timedelta(hours=30)), people["teacher"])
    first = live_modules(course)[0]
    later = schools.assign(klass, course, first, paris_wall_clock(now + timedelta(days=5)), people["teacher"])
    for module in live_modules(course):
        complete(people["classmate"], module, now)  # finished: not reminded
    db.session.commit()
    outbox().clear()

    result = runner.invoke(args=["notifications", "tick"])
    assert result.exit_code == 0, result.output
    assert "1 due-date reminder," in result.output
    [reminder] = notifications_of(people["student"], "due_soon")
    assert reminder.dedupe_key == due_key(soon) and reminder.params["class"] == "BTS 2"
    assert notifications_of(people["classmate"], "due_soon") == []
    assert [m["To"] for m in outbox()] == [people["student"].email]
    assert "Due soon: La voix" in outbox()[0]["Subject"]

    again = runner.invoke(args=["notifications", "send-due"])
    assert "0 due-date reminders." in again.output
    assert len(notifications_of(people["student"], "due_soon")) == 1 and len(outbox()) == 1
    # Three days later the other assignment comes within two days: its own, single reminder.
    assert schedule.send_due_reminders(now + timedelta(days=3, hours=1)) == 1
    assert {n.dedupe_key for n in notifications_of(people["student"], "due_soon")} == {
        due_key(soon),
        due_key(later),
    }


def test_a_due_date_moved_later_is_reminded_of_again(app, school, course):
    klass, people = school
    now = utcnow()
    item = schools.assign(klass, course, None, paris_wall_clock(now + timedelta(hours=30)), people["teacher"])
    db.session.commit()
    assert schedule.send_due_reminders(now) == 2  # the student and the classmate
    schools.change_due(item, paris_wall_clock(now + timedelta(days=4)), people["teacher"])
    db.session.commit()
    assert schedule.send_due_reminders(now) == 0  # not due within two days any more
    assert schedule.send_due_reminders(now + timedelta(days=3)) == 2  # the new date's own reminders
    assert schedule.send_due_reminders(now + timedelta(days=3)) == 0
    assert len(notifications_of(people["student"], "due_soon")) == 2


def test_a_reminder_sent_before_due_dates_could_change_still_counts(app, school, course):
    """Reminders written before keys named the due date name the assignment only."""
    klass, people = school
    now = utcnow()
    item = schools.assign(klass, course, None, paris_wall_clock(now + timedelta(hours=30)), people["teacher"])
    db.session.commit()
    assert schedule.send_due_reminders(now) == 2
    for name in ("student", "classmate"):
        [reminder] = notifications_of(people[name], "due_soon")
        reminder.dedupe_key = str(item.id)
    db.session.commit()
    assert schedule.send_due_reminders(now) == 0
    # For the date it gave: a date moved since gets its own reminder.
    schools.change_due(item, paris_wall_clock(now + timedelta(hours=40)), people["teacher"])
    db.session.commit()
    assert schedule.send_due_reminders(now) == 2


def test_a_course_made_members_only_since_it_was_assigned_is_recalled_only_to_members(
    app, school, course, runner
):
    """Security probe F7: the reminder named a course its publisher had closed to the student."""
    klass, people = school
    now = utcnow()
    schools.assign(klass, course, None, paris_wall_clock(now + timedelta(hours=30)), people["teacher"])
    publisher = orgs.create_organisation("syndicat", "Syndicat des comédiens", "publisher")
    course.organisation_id, course.visibility = publisher.id, MEMBERS
    orgs.set_role(publisher, people["classmate"], "member")
    db.session.commit()
    assert schedule.send_due_reminders(now) == 1
    assert notifications_of(people["student"], "due_soon") == []
    assert len(notifications_of(people["classmate"], "due_soon")) == 1
    # A due date moved since is told to the members only, too.
    item = db.session.scalar(select(Assignment).where(Assignment.class_id == klass.id))
    schools.change_due(item, paris_wall_clock(now + timedelta(days=4)), people["teacher"])
    db.session.commit()
    moved = [
        n for n in notifications_of(people["classmate"], "new_assignment") if n.params.get("due_changed")
    ]
    assert len(moved) == 1
    assert not [
        n for n in notifications_of(people["student"], "new_assignment") if n.params.get("due_changed")
    ]
    # On the dashboard the student sees that something assigned was closed, not what it is now called.
    client = app.test_client()
    client.post("/account/login", data={"email": people["student"].email, "password": PASSWORD})
    dashboard = text_of(client.get("/dashboard"))
    assert "A course now reserved for its publisher's members" in dashboard and course.title not in dashboard
    assert "Add the due dates to my calendar" not in dashboard  # nothing left to put in it
    ics = client.get("/dashboard/due-dates.ics").get_data(as_text=True)  # nor in the calendar file
    assert "BEGIN:VCALENDAR" in ics and "VEVENT" not in ics and course.slug not in ics


def test_the_weekly_digest_says_what_was_completed_once_per_week(app, school, course, runner):
    klass, people = school
    module = live_modules(course)[0]
    schools.assign(klass, course, module, None, people["teacher"])
    now = datetime(2026, 12, 2, 9, tzinfo=PARIS)  # a Wednesday: the last whole week began on 23 November
    complete(people["student"], module, datetime(2026, 11, 25, 15, tzinfo=PARIS))
    complete(people["classmate"], module, datetime(2026, 11, 30, 15, tzinfo=PARIS))  # this week: not yet
    db.session.commit()
    outbox().clear()

    assert schedule.send_digests(now) == 2  # the teacher and the school's administrator
    db.session.commit()
    [digest] = notifications_of(people["teacher"], "weekly_digest")
    assert digest.dedupe_key == "2026-W48"
    assert digest.params["classes"] == [
        {
            "name": "BTS 2",
            "items": [{"title": f"{course.title} — {module.position}. {module.title}", "done": 1, "of": 2}],
        }
    ]
    text = next(m for m in outbox() if m["To"] == people["teacher"].email).get_content()
    assert "week starting 23 November 2026" in text and "completed by 1 of 2 students" in text
    assert notifications_of(people["student"], "weekly_digest") == []

    assert schedule.send_digests(now + timedelta(days=2)) == 0  # same week: already sent
    # The week after: one completion (the classmate's), one new digest each.
    assert schedule.send_digests(now + timedelta(days=7)) == 2
    # The command runs at today's date: last, since from 7 to 13 December 2026 its last whole week is
    # the one just counted (the test failed on 7 December when the command ran first).
    result = runner.invoke(args=["notifications", "send-digests"])
    assert result.exit_code == 0 and "weekly digest" in result.output


def test_no_digest_when_nothing_was_completed(app, school, course):
    klass, people = school
    schools.assign(klass, course, None, None, people["teacher"])
    db.session.commit()
    assert schedule.send_digests(utcnow()) == 0


def test_the_tick_deletes_old_read_notifications_and_those_of_deleted_accounts(app, school, course, runner):
    from sqlalchemy import update

    from app.accounts.personal_data import delete_account
    from app.notifications.models import Notification

    klass, people = school
    schools.assign(klass, course, None, None, people["teacher"])
    db.session.commit()
    old = utcnow() - timedelta(days=400)
    db.session.execute(update(Notification).values(created_at=old))
    db.session.execute(
        update(Notification).where(Notification.user_id == people["student"].id).values(read_at=old)
    )
    delete_account(people["classmate"])  # takes the account's notifications with it
    db.session.commit()
    assert notifications_of(people["classmate"]) == []
    result = runner.invoke(args=["notifications", "tick"])
    assert "1 old notification deleted" in result.output, result.output
    assert notifications_of(people["student"]) == [] and notifications_of(people["classmate"]) == []


def test_an_archived_class_gets_no_reminders_nor_digest(app, school, course):
    klass, people = school
    now = utcnow()
    schools.assign(klass, course, None, paris_wall_clock(now + timedelta(hours=30)), people["teacher"])
    schools.assign(klass, course, live_modules(course)[0], None, people["teacher"])
    complete(people["student"], live_modules(course)[0], datetime(2026, 11, 25, 15, tzinfo=PARIS))
    schools.archive_class(klass)
    db.session.commit()
    assert schedule.send_due_reminders(now) == 0
    wednesday = datetime(2026, 12, 2, 9, tzinfo=PARIS)  # as in the digest's test above
    assert schedule.send_digests(wednesday) == 0
    schools.restore_class(klass)
    db.session.commit()
    assert schedule.send_digests(wednesday) == 2  # the teacher and the administrator, as before

"""A learner's due dates as an iCalendar file (RFC 5545), to add to a phone's or a laptop's calendar.

A file to import, not a feed to subscribe to: a calendar application fetches a feed without the
learner's session, which would need a secret address of its own. Each due date is an event at the
moment it is due, with a reminder the day before; its UID stays the same from one download to the
next, so importing the file again updates the events rather than doubling them.
"""

from datetime import timedelta
from urllib.parse import urlsplit

from icalendar import Alarm, Calendar, Event

from app.accounts.models import User
from app.i18n import gettext as _
from app.models_base import utcnow
from app.schools.services import AssignedItem, item_title
from app.urls import link_for_job, site_url

REMIND_BEFORE = timedelta(days=1)


def due_dates(user: User, assigned: list[AssignedItem]) -> bytes:
    """The calendar of what ``assigned`` still asks of ``user`` by a date (done ones left out)."""
    calendar = Calendar()
    calendar.add("prodid", "-//Cadre//due dates//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _("Cadre: due dates"))
    base = site_url()
    host = urlsplit(base).hostname or "cadre"
    now = utcnow()
    for entry in assigned:
        item = entry.assignment
        if item.due_at is None or entry.cell.done or not entry.open:
            continue
        title = item_title(item)
        if item.module is not None:
            link = link_for_job(base, "catalog.module", slug=item.course.slug, module_slug=item.module.slug)
        else:
            link = link_for_job(base, "catalog.course", slug=item.course.slug)
        event = Event()
        event.add("uid", f"assignment-{item.id}-learner-{user.id}@{host}")
        event.add("dtstamp", now)
        event.add("dtstart", item.due_at)
        event.add("dtend", item.due_at)
        event.add("summary", _("Due: %(title)s", title=title))
        school_class = entry.school_class
        where = _("Class %(name)s, %(school)s", name=school_class.name, school=school_class.organisation.name)
        event.add("description", f"{where}\n{link}")
        event.add("url", link)
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", -REMIND_BEFORE)
        alarm.add("description", _("Due: %(title)s", title=title))
        event.add_component(alarm)
        calendar.add_component(event)
    return calendar.to_ical()

"""Notifications sent by the clock: work due in two days, and the teachers' weekly digest.

Both are idempotent: a notification names what it is about in ``dedupe_key`` (the assignment, the
week), unique per person and kind, so running them twice, or on two hosts at once, sends once.
`flask --app wsgi notifications tick`, run by cron, calls them (see the README).
"""

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.catalog.models import PUBLIC
from app.extensions import db
from app.notifications.models import DUE_SOON, WEEKLY_DIGEST, Notification
from app.notifications.services import notify
from app.orgs.models import ADMIN, SCHOOL, TEACHER, Membership, Organisation
from app.schools.models import Assignment, Enrolment, SchoolClass
from app.schools.services import (
    assignments,
    closed_to,
    item_title,
    organisations_among,
    progress_cells,
    students,
)
from app.urls import path_for_job


def _already(kind: str, keys: list[str]) -> set[tuple[int, str]]:
    """(person, key) pairs that already have a notification of this kind."""
    if not keys:
        return set()
    rows = db.session.execute(
        select(Notification.user_id, Notification.dedupe_key).where(
            Notification.kind == kind, Notification.dedupe_key.in_(keys)
        )
    )
    return {(user_id, key) for user_id, key in rows}


def _due_key(assignment_id: int, due_at: datetime) -> str:
    """What a due-date reminder is about: the assignment and its due date (UTC, to the minute)."""
    return f"{assignment_id}@{due_at.astimezone(UTC):%Y-%m-%dT%H:%M}"


def _reminded_before_keys_named_dates(items: list[Assignment]) -> set[tuple[int, str]]:
    """(person, key) pairs for reminders made before their keys named the due date (the key then
    was the assignment's id): each counts for the date it gave, not for a date moved since."""
    due = {str(item.id): item.due_at for item in items}
    rows = db.session.execute(
        select(Notification.user_id, Notification.dedupe_key, Notification.params).where(
            Notification.kind == DUE_SOON, Notification.dedupe_key.in_(list(due))
        )
    )
    found = set()
    for user_id, old_key, params in rows:
        said = params.get("due") if isinstance(params, dict) else None
        if said and datetime.fromisoformat(said) == due[old_key]:
            found.add((user_id, _due_key(int(old_key), due[old_key])))
    return found


def _notify_once(people: list[User], kind: str, params: dict, path: str, key: str) -> int:
    """Notify these people unless a simultaneous run just did: a savepoint per batch."""
    if not people:
        return 0
    try:
        with db.session.begin_nested():
            added = notify(people, kind, params, path, dedupe_key=key)
    except IntegrityError:
        return 0
    return len(added)


def send_due_reminders(now: datetime) -> int:
    """Remind students of assigned work due within NOTIFICATIONS_DUE_HOURS that they have not
    finished; one reminder per student, assignment and due date. How many notifications were made."""
    window_end = now + timedelta(hours=current_app.config["NOTIFICATIONS_DUE_HOURS"])
    items = list(
        db.session.scalars(
            select(Assignment)
            .options(selectinload(Assignment.course), selectinload(Assignment.module))
            .join(SchoolClass, SchoolClass.id == Assignment.class_id)
            .where(
                Assignment.due_at > now, Assignment.due_at <= window_end, SchoolClass.archived_at.is_(None)
            )
            .order_by(Assignment.id)
        )
    )
    if not items:
        return 0
    class_ids = {item.class_id for item in items}
    class_names = dict(
        db.session.execute(
            select(SchoolClass.id, SchoolClass.name).where(SchoolClass.id.in_(class_ids))
        ).all()
    )
    enrolled: dict[int, list[User]] = defaultdict(list)
    for class_id, user in db.session.execute(
        select(Enrolment.class_id, User)
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.class_id.in_(class_ids))
    ):
        enrolled[class_id].append(user)
    student_ids = {u.id for people in enrolled.values() for u in people}
    cells = progress_cells(student_ids, items)
    # One reminder per assignment and due date: a due date moved later is reminded of again.
    keys = {item.id: _due_key(item.id, item.due_at) for item in items}
    done = _already(DUE_SOON, list(keys.values())) | _reminded_before_keys_named_dates(items)
    # A course its publisher made members-only since it was assigned is closed to the others:
    # they are not reminded of it (nor told its title).
    restricted = {item.course.organisation_id for item in items if item.course.visibility != PUBLIC}
    member_of = organisations_among(student_ids, restricted)
    made = 0
    for item in items:
        key = keys[item.id]
        people = [
            u
            for u in enrolled[item.class_id]
            if (u.id, key) not in done
            and cells[(u.id, item.id)].total > 0
            and not cells[(u.id, item.id)].done
            and not closed_to(item.course, member_of[u.id])
        ]
        params = {
            "class": class_names[item.class_id],
            "item": item_title(item),
            "course": item.course.title,
            "due": item.due_at.isoformat(),
        }
        made += _notify_once(
            people, DUE_SOON, params, path_for_job("catalog.course", slug=item.course.slug), key
        )
    return made


def last_week(now: datetime) -> tuple[date, datetime, datetime]:
    """The last whole week (Monday to Sunday, in the site's time zone): its Monday, start, end."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    today = now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday() + 7)
    start = datetime.combine(monday, time(), zone).astimezone(UTC)
    end = datetime.combine(monday + timedelta(days=7), time(), zone).astimezone(UTC)
    return monday, start, end


def class_summary(school_class: SchoolClass, start: datetime, end: datetime) -> dict | None:
    """How many students finished each assigned item between start and end; None if nobody did."""
    items = assignments([school_class.id])
    people = students(school_class)
    cells = progress_cells([p.id for p in people], items)
    lines = []
    for item in items:
        finished = sum(
            1 for p in people if (at := cells[(p.id, item.id)].completed_at) is not None and start <= at < end
        )
        if finished:
            lines.append({"title": item_title(item), "done": finished, "of": len(people)})
    return {"name": school_class.name, "items": lines} if lines else None


def send_digests(now: datetime) -> int:
    """Send each school's teachers and administrators what their classes completed last week,
    once per person and week, and only if something was completed. How many were made."""
    monday, start, end = last_week(now)
    year, week, _day = monday.isocalendar()
    key = f"{year}-W{week:02d}"
    staff = list(
        db.session.scalars(
            select(Membership)
            .options(selectinload(Membership.user))
            .join(Organisation, Organisation.id == Membership.organisation_id)
            .where(Organisation.kind == SCHOOL, Membership.role.in_((ADMIN, TEACHER)))
        )
    )
    done = _already(WEEKLY_DIGEST, [key])
    staff = [m for m in staff if (m.user_id, key) not in done]
    summaries: dict[int, list[dict]] = {}
    for org_id in sorted({m.organisation_id for m in staff}):
        classes = db.session.scalars(
            select(SchoolClass)
            .where(SchoolClass.organisation_id == org_id, SchoolClass.archived_at.is_(None))
            .order_by(SchoolClass.name, SchoolClass.id)
        )
        summaries[org_id] = [s for c in classes if (s := class_summary(c, start, end))]
    per_person: dict[int, tuple[User, list[dict]]] = {}
    for membership in staff:
        user, found = per_person.get(membership.user_id, (membership.user, []))
        per_person[membership.user_id] = (user, found + summaries[membership.organisation_id])
    made = 0
    for user, classes in per_person.values():
        if classes:
            params = {"week_start": monday.isoformat(), "classes": classes}
            made += _notify_once([user], WEEKLY_DIGEST, params, path_for_job("schools.teaching"), key)
    return made

"""Recording security-relevant actions, in the same transaction as the change they record.

``record()`` adds an event to the session; the caller's commit writes it with the change, and a
rollback forgets both. The console lists, filters and exports the log; ``flask --app wsgi audit``
does the same on the command line and purges events older than ``RETENTION_LOG_DAYS``.
"""

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.admin.models import AuditEvent
from app.admin.paging import one_page
from app.extensions import db
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.models_base import utcnow
from app.orgs.models import KIND_NAMES, ROLE_NAMES
from app.schools.export import as_text

# Every action the log knows, with what the console calls it.
ACTIONS = {
    "login.failed": _l("Failed login"),
    "login.paused": _l("Logging in paused"),
    "login.disabled": _l("Login refused: the account is disabled"),
    "password.wrong": _l("Wrong password on a signed-in form (password, address or deletion)"),
    "password.changed": _l("Password changed"),
    "password.reset": _l("Password reset by e-mail"),
    "email.changed": _l("E-mail address changed"),
    "email.confirmed": _l("E-mail address confirmed"),
    "user.created": _l("Account created by an operator"),
    "user.disabled": _l("Account disabled"),
    "user.enabled": _l("Account enabled"),
    "user.deleted": _l("Account deleted by its holder"),
    "admin.granted": _l("Site administrator role given"),
    "admin.removed": _l("Site administrator role taken away"),
    "org.created": _l("Organisation created"),
    "org.role": _l("Role in an organisation given or changed"),
    "org.invited": _l("Invitation link created"),
    "org.invitation_revoked": _l("Invitation link revoked"),
    "org.member_removed": _l("Member removed from an organisation"),
    "course.published": _l("Course published"),
    "course.archived": _l("Course taken out of the catalogue"),
    "course.restored": _l("Course put back in the catalogue"),
    "org.self_publishing": _l("Self-publishing allowed or no longer allowed"),
    "certificate.revoked": _l("Certificate revoked"),
    "certificate.reinstated": _l("Certificate reinstated"),
    "certificate.withdrawn": _l("Certificate withdrawn at the holder's request"),
    "certificate.renamed": _l("Name on a certificate changed by its holder"),
    "job.requeued": _l("Failed job put back in the queue"),
}
# Details kept as codes (stable for the CSV and the command line), said in words on the page.
SETTINGS = {"allowed": _l("allowed"), "second reader": _l("a second person reviews")}


def detail_in_words(event: AuditEvent) -> str:
    """An event's detail as the console's page shows it: a role or a kind by its name in the
    reader's language (« administrateur pour x@… »); any other detail as recorded."""
    detail = event.detail
    if event.action in ("org.role", "org.invited", "org.member_removed"):
        role, _sep, whom = detail.partition(" for ")
        if role in ROLE_NAMES:
            return (
                _("%(role)s for %(whom)s", role=ROLE_NAMES[role], whom=whom)
                if whom
                else str(ROLE_NAMES[role])
            )
    elif event.action == "org.created":
        kind, _sep, slug = detail.partition(" ")
        if kind in KIND_NAMES:
            return f"{KIND_NAMES[kind]} · {slug}"
    elif event.action == "org.self_publishing" and detail in SETTINGS:
        return str(SETTINGS[detail])
    return detail


PAUSE_RECORDED_EVERY = timedelta(minutes=15)  # one "paused" event per account or address and pause


def record(
    action: str, *, user=None, organisation=None, certificate=None, detail: str = "", actor=None
) -> None:
    """Add an event to the session; the caller's commit writes it.

    The actor is the signed-in person of the request unless given; on the command line (no
    request) there is none, and the event says it came from there.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    web = has_request_context()
    if actor is None and web and current_user.is_authenticated:
        actor = current_user._get_current_object()
    db.session.add(
        AuditEvent(
            action=action,
            actor_id=actor.id if actor else None,
            user_id=user.id if user else None,
            organisation_id=organisation.id if organisation else None,
            certificate_id=certificate.id if certificate else None,
            source="web" if web else "cli",
            address=_address() if web else None,
            detail=detail[:500],
        )
    )


def _address() -> str:
    from app.limits import client_address  # the same address the throttling counts

    return client_address()[:45]


def record_login_paused(user: User | None) -> None:
    """Record a refused login once per pause, not once per refused request (which would flood)."""
    since = utcnow() - PAUSE_RECORDED_EVERY
    address = _address()
    same = (
        (AuditEvent.user_id == user.id)
        if user
        else (AuditEvent.user_id.is_(None) & (AuditEvent.address == address))
    )
    recent = db.session.scalar(
        select(AuditEvent.id)
        .where(AuditEvent.action == "login.paused", AuditEvent.at >= since, same)
        .limit(1)
    )
    if recent is None:
        record("login.paused", user=user)


@dataclass(frozen=True)
class Filters:
    """What the console's log page (and the command line) can narrow the log to."""

    action: str = ""
    person: str = ""  # part of an e-mail address: the actor or the account acted on
    since: date | None = None
    until: date | None = None
    zone: tzinfo = (
        UTC  # whose days ``since`` and ``until`` are: the console's reader's, UTC on the command line
    )


def _filtered(filters: Filters):
    query = select(AuditEvent)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.person:
        people = select(User.id).where(User.email.contains(filters.person.strip().lower(), autoescape=True))
        query = query.where(or_(AuditEvent.actor_id.in_(people), AuditEvent.user_id.in_(people)))
    if filters.since:
        query = query.where(AuditEvent.at >= _start(filters.since, filters.zone))
    if filters.until and filters.until < date.max:  # the last day there is has no day after it
        query = query.where(AuditEvent.at < _start(filters.until + timedelta(days=1), filters.zone))
    return query


def _start(day: date, zone: tzinfo) -> datetime:
    """The moment ``day`` begins in ``zone``, in UTC as the log keeps it."""
    try:
        return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)
    except OverflowError:  # 1 January of year 1 in Paris began before year 1 in UTC
        return datetime.min.replace(tzinfo=UTC)


def events(filters: Filters, page: int = 1) -> tuple[list[AuditEvent], bool]:
    """One page of events, newest first, and whether an older page exists."""
    query = _filtered(filters).options(*_loads()).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    return one_page(query, page)


def _loads():
    return (
        selectinload(AuditEvent.actor),
        selectinload(AuditEvent.user),
        selectinload(AuditEvent.organisation),
        selectinload(AuditEvent.certificate),
    )


CSV_COLUMNS = (
    "at",
    "action",
    "source",
    "actor",
    "account",
    "organisation",
    "certificate",
    "address",
    "detail",
)


def export_rows(filters: Filters) -> Iterable[list[str]]:
    """Every matching event as CSV rows, oldest first, read in batches (a log can be long)."""
    query = _filtered(filters).options(*_loads()).order_by(AuditEvent.at, AuditEvent.id)
    for event in db.session.scalars(query.execution_options(yield_per=500)):
        yield [
            event.at.isoformat(timespec="seconds"),
            event.action,
            event.source,
            event.actor.email if event.actor else "",
            event.user.email if event.user else "",
            event.organisation.slug if event.organisation else "",
            event.certificate.code if event.certificate else "",
            event.address or "",
            event.detail,
        ]


def export_csv(filters: Filters) -> Iterable[str]:
    """The CSV export, a few lines at a time: the whole log never sits in memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for number, row in enumerate(export_rows(filters), start=1):
        writer.writerow([as_text(value) for value in row])
        if number % 500 == 0:
            yield _drain(buffer)
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def purge(days: int) -> int:
    """Delete the events older than ``days`` days; return how many."""
    result = db.session.execute(delete(AuditEvent).where(AuditEvent.at < utcnow() - timedelta(days=days)))
    return result.rowcount or 0

"""Who sends the learning record to the stores, and when (the sending itself: app.lrs.delivery).

With Redis, a job is queued once a transaction that wrote events is committed (the session hooks
below), so statements reach the stores within seconds. Without Redis there is no queue, and a job
would run in the web process that served the learner, holding it while a slow store answers; so
then only ``flask notifications tick`` (cron) and ``flask lrs send`` send. Errors are kept on the
store's row (app.lrs.delivery) rather than left to the queue's retries: every commit queues a job,
and retrying each of them would multiply the requests to a store that is down.
"""

from flask import current_app
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from app import jobs
from app.extensions import db
from app.i18n import ngettext
from app.lrs.delivery import (
    Outcome,
    deliver,
    events_for,
    has_pending,
    operator_store_id,
    operator_target,
    setting,
)
from app.lrs.models import RecordStore
from app.record.models import LearningEvent

NEW_EVENTS = "cadre_lrs_new_events"  # session.info key: organisations (0: none) of new events


# Jobs and the clock ----------------------------------------------------------------------------


def forward_new_events(*organisation_ids: int) -> None:
    """The job queued after a commit that wrote events: the operator's store, and the stores of
    the publishers whose courses they were about (0 stands for a bundled course)."""
    ids = [operator_store_id()]
    wanted = [org_id for org_id in organisation_ids if org_id]
    if wanted:
        with Session(db.engine) as session:
            ids += session.scalars(select(RecordStore.id).where(RecordStore.organisation_id.in_(wanted)))
    for store_id in ids:
        if store_id is not None and deliver(store_id).pending:
            jobs.enqueue(forward_store, store_id)  # on the queue: the rest in a fresh job


def forward_store(store_id: int) -> None:
    """The job that sends one store what it has not got (after a long outage, or new settings)."""
    if deliver(store_id).pending:
        jobs.enqueue(forward_store, store_id)


def send_behind() -> tuple[int, int]:
    """What the clock runs: every store behind and not pausing gets a send, here and now.

    (statements sent, stores still failing or behind).
    """
    operator_id = operator_store_id()  # None: the operator's row (if any) is left alone
    with Session(db.engine) as session:
        stores = session.scalars(select(RecordStore).order_by(RecordStore.id))
        behind = [
            store.id
            for store in stores
            if (not store.operator or store.id == operator_id) and has_pending(session, store)
        ]
    sent = left = 0
    for store_id in behind:
        outcome = Outcome(pending=True)
        while outcome.pending:  # a long backlog: run after run, until caught up or stopped
            outcome = deliver(store_id)
            sent += outcome.sent
        with Session(db.engine) as session:
            store = session.get(RecordStore, store_id)
            left += store is not None and has_pending(session, store)
    return sent, left


def summary(sent: int, behind: int) -> str:
    """What a command says about a send: "3 statements sent to record stores, 1 still behind"."""
    said = ngettext(
        "%(num)d statement sent to learning record stores",
        "%(num)d statements sent to learning record stores",
        sent,
    )
    if behind:
        said += ", " + ngettext("%(num)d store still behind", "%(num)d stores still behind", behind)
    return said


def tick() -> list[str]:
    """For ``flask notifications tick``: send, and say so if there is any store at all."""
    sent, behind = send_behind()
    if db.session.scalar(select(RecordStore.id).limit(1)) is None:
        return []
    return [summary(sent, behind)]


def status_lines() -> list[str]:
    """One line a store: owner, endpoint, cursor, statements waiting, last delivery, last error."""
    operator_store_id()
    lines = []
    with Session(db.engine) as session:
        for store in session.scalars(select(RecordStore).order_by(RecordStore.id)):
            waiting = session.scalar(select(func.count()).select_from(_events_after(store)))
            owner = "operator" if store.operator else f"organisation:{store.organisation_id}"
            delivered = store.delivered_at.isoformat(timespec="seconds") if store.delivered_at else "-"
            error = f"  error: {store.last_error}" if store.last_error else ""
            lines.append(
                f"{owner}  {store.endpoint}  cursor={store.last_event_id}  waiting={waiting}"
                f"  delivered={delivered}{error}"
            )
    return lines


def _events_after(store: RecordStore):
    return events_for(store, None).with_only_columns(LearningEvent.id).subquery()


def send_on_commit() -> bool:
    """Queue a send at each commit of new events: with a queue only, unless configured."""
    configured = setting("LRS_SEND_ON_COMMIT")
    return bool(current_app.config.get("REDIS_URL")) if configured is None else bool(configured)


# The session hook ------------------------------------------------------------------------------


def _note(session, organisation_ids) -> None:
    session.info.setdefault(NEW_EVENTS, set()).update(org_id or 0 for org_id in organisation_ids)


@event.listens_for(Session, "do_orm_execute")
def _note_inserted_events(state) -> None:
    """Note whose courses the events written by a bulk INSERT are about (app.record does that)."""
    if not state.is_insert or getattr(state.statement, "table", None) is not LearningEvent.__table__:
        return
    rows = state.parameters if isinstance(state.parameters, list | tuple) else [state.parameters or {}]
    _note(state.session, [row.get("organisation_id") for row in rows] or [0])


@event.listens_for(Session, "after_flush")
def _note_new_events(session, flush_context) -> None:
    """Note whose courses the events just added to the session are about."""
    _note(session, [obj.organisation_id for obj in session.new if isinstance(obj, LearningEvent)])


@event.listens_for(Session, "after_commit")
def _queue_forwarding(session) -> None:
    """Once events are durable, queue their sending, if some store wants them."""
    if session.in_nested_transaction():
        return  # a savepoint released: nothing is durable before the outer commit
    organisations = session.info.pop(NEW_EVENTS, None)
    if not organisations or not send_on_commit():
        return
    if operator_target() is None and not _publisher_stores_exist(organisations):
        return  # no store wants them: no job at all
    jobs.enqueue(forward_new_events, *sorted(organisations))


def _publisher_stores_exist(organisations: set[int]) -> bool:
    wanted = [org_id for org_id in organisations if org_id]
    if not wanted:
        return False
    with db.engine.connect() as connection:  # the committed session may run no more SQL
        found = connection.execute(
            select(RecordStore.id).where(RecordStore.organisation_id.in_(wanted)).limit(1)
        ).first()
    return found is not None


@event.listens_for(Session, "after_rollback")
def _forget_new_events(session) -> None:
    if session.in_nested_transaction():
        return
    session.info.pop(NEW_EVENTS, None)

"""Send the learning record to the stores, in order, from each store's cursor; nothing is lost.

Each store has a cursor: the last LearningEvent id it accepted. A send takes the next batch after
the cursor, POSTs it, and moves the cursor only on 200 or 204; on any error it stops, leaves the
cursor where it was and records the error, and the store is tried again later with a growing pause
(1 minute, doubling, at most an hour). A batch sent twice (a crash between the answer and the
cursor's update) is harmless: a store keeps one copy per statement id. Who sends, and when, is in
app.lrs.forwarding.

Senders use sessions of their own in short transactions, never holding the database while a store
answers, and one sender at a time per store (a claim on its row, which expires if a process dies).
"""

import logging
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.extensions import db
from app.lrs import client
from app.lrs.models import RecordStore
from app.lrs.sealing import Unreadable, unseal
from app.models_base import utcnow
from app.record.models import LearningEvent

log = logging.getLogger(__name__)

DEFAULTS = {
    "LRS_ENDPOINT": None,  # the operator's store (CADRE_LRS_ENDPOINT...): gets every statement
    "LRS_USERNAME": "",
    "LRS_PASSWORD": "",
    "LRS_BATCH_SIZE": 100,  # statements a request
    "LRS_BATCHES_PER_RUN": 20,  # then a send stops and lets the next job or tick go on
    "LRS_TIMEOUT_SECONDS": 15,
    "LRS_SEND_ON_COMMIT": None,  # None: only with REDIS_URL (see app.lrs.forwarding)
    "LRS_SETTLE_SECONDS": 60,  # see settled_until: longer than any web request's transaction
}
CLAIM_SECONDS = 120  # a sender renews its claim at every batch; a dead one's expires after this
MAX_PAUSE_SECONDS = 3600


def setting(name: str):
    """A CADRE_LRS_* setting, or its default here (app/config.py need not know them)."""
    value = current_app.config.get(name)
    return DEFAULTS[name] if value is None else value


@dataclass
class Outcome:
    sent: int = 0  # statements accepted
    error: str | None = None
    pending: bool = False  # statements left after this run (its budget ran out)


# Which stores ----------------------------------------------------------------------------------


def _text_setting(name: str) -> str:
    """A credential as written: from_prefixed_env reads CADRE_* as JSON ("1e5" would be 100000.0)."""
    raw = os.environ.get(f"CADRE_{name}")
    return raw if raw is not None else str(setting(name) or "")


def operator_target() -> client.Target | None:
    """The operator's store, from the environment (CADRE_LRS_ENDPOINT...), or None."""
    endpoint = setting("LRS_ENDPOINT")
    if not endpoint:
        return None
    return client.Target(
        str(endpoint).rstrip("/"),
        _text_setting("LRS_USERNAME"),
        _text_setting("LRS_PASSWORD"),
        guarded=False,  # set by the operator, who may well run it on a private network
        timeout=setting("LRS_TIMEOUT_SECONDS"),
    )


def operator_store_id() -> int | None:
    """The id of the operator's cursor row, made or brought up to date; None if not configured.

    A new endpoint is a new store: its cursor starts again from the first event.
    """
    target = operator_target()
    if target is None:
        return None
    with Session(db.engine) as session:
        store = session.scalar(select(RecordStore).where(RecordStore.operator.is_(True)))
        if store is None:
            store = RecordStore(operator=True, endpoint=target.endpoint, username="")
            session.add(store)
            try:
                session.commit()
            except IntegrityError:  # another process made it a moment ago
                session.rollback()
                store = session.scalar(select(RecordStore).where(RecordStore.operator.is_(True)))
        elif store.endpoint != target.endpoint:
            restart(store, target.endpoint)
            session.commit()
        return store.id


def restart(store: RecordStore, endpoint: str) -> None:
    """Point the store at a new endpoint: it gets the whole record from the start."""
    store.endpoint = endpoint
    store.last_event_id = 0
    store.delivered_at = store.last_error = store.last_error_at = store.next_try_at = None
    store.failures = 0


def _target(store: RecordStore) -> client.Target:
    """Where and as whom to send for this store; Unreadable if its password cannot be opened."""
    if store.operator:
        target = operator_target()
        if target is None or target.endpoint != store.endpoint:
            raise client.StoreError("the operator's store is no longer configured here")
        return target
    return client.Target(
        store.endpoint,
        store.username,
        unseal(store.password_sealed) if store.password_sealed else "",
        guarded=current_app.config.get("ENV_NAME") == "production",
        timeout=setting("LRS_TIMEOUT_SECONDS"),
    )


def settled_until(session: Session, now: datetime) -> int | None:
    """The highest event id below which no transaction can still be adding events; None: no limit.

    Ids are given when a row is inserted, not when it is committed: on PostgreSQL, a learner's
    transaction may take ids 10 to 12 and commit after another one's id 13. A cursor moved past 13
    would skip 10 to 12 for ever. So a gap in the ids just before a recent event (one of the last
    LRS_SETTLE_SECONDS) stops the sending there, until the gap fills or the event is old enough
    for the gap to be a rolled-back transaction. On SQLite, transactions run one after the other
    and there is no such gap.
    """
    since = now - timedelta(seconds=setting("LRS_SETTLE_SECONDS"))
    first_recent = session.scalar(select(func.min(LearningEvent.id)).where(LearningEvent.occurred_at > since))
    if first_recent is None:
        return None
    previous = session.scalar(select(func.max(LearningEvent.id)).where(LearningEvent.id < first_recent)) or 0
    for event_id in session.scalars(
        select(LearningEvent.id).where(LearningEvent.id >= first_recent).order_by(LearningEvent.id)
    ):
        if event_id != previous + 1:
            return previous
        previous = event_id
    return None


def events_for(store: RecordStore, until: int | None):
    """The query of the events this store gets, after its cursor and up to ``until``, in order."""
    statement = select(LearningEvent).where(LearningEvent.id > store.last_event_id)
    if until is not None:
        statement = statement.where(LearningEvent.id <= until)
    if not store.operator:
        statement = statement.where(LearningEvent.organisation_id == store.organisation_id)
    return statement.order_by(LearningEvent.id)


def has_pending(session: Session, store: RecordStore) -> bool:
    """Whether the store has events to get, settled or not."""
    query = events_for(store, None).with_only_columns(LearningEvent.id).limit(1)
    return session.scalar(query) is not None


# Sending ---------------------------------------------------------------------------------------


def deliver(store_id: int, force: bool = False) -> Outcome:
    """Send this store what it has not got, batch by batch, within this run's budget.

    Does nothing while another sender holds the store, or (unless ``force``) while the store
    pauses after an error.
    """
    outcome, budget = Outcome(), setting("LRS_BATCHES_PER_RUN")
    while budget > 0:
        token = _claim(store_id, force)
        if token is None:
            return outcome
        sent_before = outcome.sent
        try:
            budget = _send_batches(store_id, token, budget, outcome)
        finally:
            _release(store_id, token)
        if outcome.error or outcome.sent == sent_before:
            return outcome  # an error, or what is left waits to settle (see settled_until)
        # Events committed while we held the claim had their job skip this store: look again.
        with Session(db.engine) as session:
            store = session.get(RecordStore, store_id)
            if store is None or not has_pending(session, store):
                return outcome
        force = True  # we were allowed to send a moment ago
    outcome.pending = True
    return outcome


def _send_batches(store_id: int, token: str, budget: int, outcome: Outcome) -> int:
    """Send batches until none is left, the budget is spent or an error; the budget left."""
    size = setting("LRS_BATCH_SIZE")
    while budget > 0:
        with Session(db.engine) as session:
            store = session.get(RecordStore, store_id)
            if store is None or store.claim_token != token:
                return budget
            until = settled_until(session, utcnow())
            events = list(session.scalars(events_for(store, until).limit(size)))
            if not events:
                return budget
            endpoint = store.endpoint
            try:
                target = _target(store)
            except Unreadable:
                outcome.error = "the password can no longer be read (SECRET_KEY changed): enter it again"
            except client.StoreError as exc:
                outcome.error = str(exc)
            statements = [{**e.statement, "id": e.statement.get("id", e.statement_id)} for e in events]
            last_id = events[-1].id
        if outcome.error is None:
            try:
                client.post_statements(target, statements)
            except client.StoreError as exc:
                outcome.error = str(exc)
        if outcome.error is not None:
            _record_failure(store_id, token, outcome.error)
            return 0
        _advance(store_id, token, endpoint, last_id)
        outcome.sent += len(statements)
        budget -= 1
    return budget


def _claim(store_id: int, force: bool) -> str | None:
    """Become the store's only sender for CLAIM_SECONDS; the claim's token, or None if taken."""
    now, token = utcnow(), secrets.token_hex(16)
    conditions = [
        RecordStore.id == store_id,
        or_(RecordStore.claimed_until.is_(None), RecordStore.claimed_until < now),
    ]
    if not force:
        conditions.append(or_(RecordStore.next_try_at.is_(None), RecordStore.next_try_at <= now))
    with Session(db.engine) as session, session.begin():
        claimed = session.execute(
            update(RecordStore)
            .where(*conditions)
            .values(claim_token=token, claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
        )
    return token if claimed.rowcount == 1 else None


def _release(store_id: int, token: str) -> None:
    with Session(db.engine) as session, session.begin():
        session.execute(
            update(RecordStore)
            .where(RecordStore.id == store_id, RecordStore.claim_token == token)
            .values(claim_token=None, claimed_until=None)
        )


def _advance(store_id: int, token: str, endpoint: str, last_id: int) -> None:
    """Move the cursor forward, unless the endpoint changed meanwhile (its new store starts over)."""
    now = utcnow()
    with Session(db.engine) as session, session.begin():
        session.execute(
            update(RecordStore)
            .where(
                RecordStore.id == store_id,
                RecordStore.claim_token == token,
                RecordStore.endpoint == endpoint,
                RecordStore.last_event_id < last_id,
            )
            .values(
                last_event_id=last_id,
                delivered_at=now,
                attempted_at=now,
                failures=0,
                last_error=None,
                last_error_at=None,
                next_try_at=None,
                claimed_until=now + timedelta(seconds=CLAIM_SECONDS),
            )
        )


def pause_after(failures: int) -> timedelta:
    """1 minute after the first failure, doubling, at most an hour."""
    return timedelta(seconds=min(60 * 2 ** min(failures - 1, 12), MAX_PAUSE_SECONDS))


def _record_failure(store_id: int, token: str, error: str) -> None:
    now = utcnow()
    log.warning("Learning record store %s: %s", store_id, error)
    with Session(db.engine) as session, session.begin():
        store = session.get(RecordStore, store_id)
        if store is None or store.claim_token != token:
            return
        store.failures += 1
        store.attempted_at = store.last_error_at = now
        store.last_error = error[:500]
        store.next_try_at = now + pause_after(store.failures)

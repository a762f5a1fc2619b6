"""A publisher's record store: set, clear, and what its administrators are shown about it."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.extensions import db
from app.lrs import client
from app.lrs.delivery import restart, setting
from app.lrs.models import RecordStore
from app.lrs.sealing import Unreadable, seal, unseal
from app.orgs.models import Organisation
from app.record.models import LearningEvent

CHECK_TIMEOUT_SECONDS = 10  # the administrator waits for this one


def store_of(org: Organisation) -> RecordStore | None:
    return db.session.scalar(select(RecordStore).where(RecordStore.organisation_id == org.id))


def save_store(org: Organisation, endpoint: str, username: str, password: str) -> RecordStore:
    """Set the organisation's store; the caller commits. An empty password keeps the saved one,
    for the same endpoint only (ValueError otherwise: the saved password never goes elsewhere).

    A new endpoint is a new store, which gets the organisation's whole record from the start; new
    credentials for the same endpoint keep its cursor. Either way the next send is not delayed by
    a pause after earlier errors.
    """
    store = store_of(org)
    if store is None:
        store = RecordStore(organisation_id=org.id, endpoint=endpoint, last_event_id=0, failures=0)
        db.session.add(store)
    elif store.endpoint != endpoint:
        if not password:
            raise ValueError("a new endpoint needs the password again")
        restart(store, endpoint)
    store.username = username
    if password:
        store.password_sealed = seal(password)
    store.next_try_at = None
    store.failures = 0
    return store


def clear_store(org: Organisation) -> bool:
    """Stop forwarding: forget the store, its credentials and its cursor; the caller commits."""
    store = store_of(org)
    if store is None:
        return False
    db.session.delete(store)
    return True


def check_store(store: RecordStore, production: bool) -> int:
    """Try the saved settings (see client.check); StoreError or Unreadable if they do not work."""
    password = unseal(store.password_sealed) if store.password_sealed else ""
    timeout = min(CHECK_TIMEOUT_SECONDS, setting("LRS_TIMEOUT_SECONDS"))
    return client.check(client.Target(store.endpoint, store.username, password, production, timeout))


def password_readable(store: RecordStore) -> bool:
    try:
        if store.password_sealed:
            unseal(store.password_sealed)
    except Unreadable:
        return False
    return True


@dataclass(frozen=True)
class StoreState:
    delivered_until: datetime | None  # when the last statement the store has was recorded
    waiting: int  # statements not sent yet


def state_of(store: RecordStore) -> StoreState:
    delivered_until = (
        db.session.scalar(select(LearningEvent.occurred_at).where(LearningEvent.id == store.last_event_id))
        if store.last_event_id
        else None
    )
    waiting = db.session.scalar(
        select(func.count())
        .select_from(LearningEvent)
        .where(LearningEvent.organisation_id == store.organisation_id, LearningEvent.id > store.last_event_id)
    )
    return StoreState(delivered_until, waiting)

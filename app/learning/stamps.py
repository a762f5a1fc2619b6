"""Each learner's progress stamp (``User.progress_stamp``): a number drawn anew in the very
transaction that writes their module progress, so that what is made from progress can be kept
until it changes (the class table, app.schools.kept) by every process of every machine, with no
message between them: the stamp is read with the students, and it is committed with the progress.

A quiz submission or a module marked read takes the learner's lock as an update of the stamp
(``lock_learner(user, progress=True)``), which costs no statement more. Any other write of a
progress row through the session (an ORM insert, change or delete) draws the stamp as it is flushed,
here. A bulk statement on progress rows must draw it itself; the only one, an account's
deletion, takes the person out of their classes in the same transaction.
"""

import secrets

from sqlalchemy import event, update
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.learning.models import ModuleProgress

STAMPED = "cadre:progress-stamped"  # session.info: ids whose stamp this transaction drew


def _drawn() -> int:
    return secrets.randbits(62)  # a BIGINT on PostgreSQL, an INTEGER (64 bits) on SQLite


def stamp_with_lock(session: Session, user_id: int):
    """Draw the learner's stamp anew, locking their row as ``lock_learner`` does (an update takes
    ``FOR NO KEY UPDATE``); return their ``email_confirmed_at`` as read under the lock."""
    confirmed = session.execute(
        update(User.__table__)
        .where(User.__table__.c.id == user_id)
        .values(progress_stamp=_drawn())
        .returning(User.__table__.c.email_confirmed_at)
    ).scalar_one()
    _noted(session).add(user_id)
    return confirmed


def _noted(session: Session) -> set[int]:
    # A savepoint rolled back would take its stamp with it: only stamps drawn outside one count.
    if session.in_nested_transaction():
        return set()
    return session.info.setdefault(STAMPED, set())


@event.listens_for(Session, "before_flush")
def _stamp_progress_about_to_be_written(session: Session, _context, _instances) -> None:
    # Before the flush, as lock_learner does it before writing: the account's row is locked before
    # its progress rows, never after (the other order could deadlock with a quiz submission), and
    # one account after the other in the order of their ids.
    written = {
        o.user_id for o in (*session.new, *session.dirty, *session.deleted) if isinstance(o, ModuleProgress)
    }
    unstamped = written - session.info.get(STAMPED, set())
    table = User.__table__
    for user_id in sorted(unstamped):
        session.connection().execute(
            update(table).where(table.c.id == user_id).values(progress_stamp=_drawn())
        )
    _noted(session).update(unstamped)


@event.listens_for(Session, "after_transaction_end")
def _forget_stamped(session: Session, transaction) -> None:
    # The outermost transaction's end, however it ends: a commit, a rollback, or the session closed
    # or reset (which roll back without after_rollback).
    if transaction.parent is None:
        session.info.pop(STAMPED, None)

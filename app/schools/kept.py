"""The class page's work and its CSV, kept by each process until what they show changes.

A class of 40 students × 30 items was a 30 ms page: the students' progress summed into 1,200
cells, then the assigned list and the table written out. Most visits find them as they were. A
kept copy is found by a key holding everything it was made from, read on every visit by the
queries the page makes anyway, so that a copy made from other data is never found:

- the class (its id, archived or not) and the students, with each one's name, address (the CSV)
  and progress stamp, drawn anew in the transaction that writes their progress
  (app.learning.stamps): progress committed by any process of any machine changes the key;
- the items, as read for this visit (titles, due dates, modules covered, withdrawn or not), and
  which of them are overdue now;
- the students' memberships of the publishers whose courses are members-only (whom a teacher may
  write to about them);
- how the reader reads it: language, time zone, the site's prefix, the sort.

Nothing of a person's is in a copy but the form token of the buttons that remove an item (the
class's staff all see the same work); each reader gets theirs in its place, as app.page_cache does.
A copy is kept by the process that made it; each process holds at most ``MAX_KEPT_BYTES`` of them,
the least recently used going first.
"""

import sys
import threading
from collections import OrderedDict
from datetime import datetime

from flask import current_app

from app.accounts.models import User
from app.schools.services import TableItem

MAX_KEPT_BYTES = 32 * 1024 * 1024


class Store:
    """Copies by key, the least recently used dropped first past ``MAX_KEPT_BYTES`` (counted as
    Python holds them: a text with a « ’ » in it takes two bytes a character)."""

    def __init__(self):
        self.kept: OrderedDict[tuple, tuple[str, str, int]] = OrderedDict()  # text, its token, bytes
        self.size = 0
        self.lock = threading.Lock()

    def found(self, key: tuple, token: str) -> str | None:
        with self.lock:
            entry = self.kept.get(key)
            if entry is None:
                return None
            self.kept.move_to_end(key)
        text, made_with, _size = entry
        return text.replace(made_with, token) if made_with and made_with != token else text

    def keep(self, key: tuple, text: str, token: str) -> None:
        with self.lock:
            if key in self.kept:
                return
            size = sys.getsizeof(text) + _size_of(key)
            self.kept[key] = (text, token, size)
            self.size += size
            while self.size > MAX_KEPT_BYTES and len(self.kept) > 1:
                _key, (_text, _token, dropped) = self.kept.popitem(last=False)
                self.size -= dropped


def _size_of(value) -> int:
    """The bytes a key holds: a key is tuples (named ones too) of numbers, strings and dates."""
    if isinstance(value, tuple):
        return sys.getsizeof(value) + sum(_size_of(part) for part in value)
    return sys.getsizeof(value)


def _store() -> Store:
    store = current_app.extensions.get("class_work")
    if store is None:
        store = current_app.extensions.setdefault("class_work", Store())
    return store


def work_key(
    items: tuple[list[TableItem], dict[int, list[int]]],
    people: list[User],
    member_of: dict[int, set[int]],
    now: datetime,
    *reader,
) -> tuple:
    """What the class page's assigned list and table are made from (``reader``: the class's id and
    state, language, zone, prefix and sort, as the page gives them)."""
    return (
        "page",
        *reader,
        *_items_now(items, now),
        tuple((p.id, p.full_name, p.progress_stamp) for p in people),
        tuple(sorted((user_id, tuple(sorted(orgs))) for user_id, orgs in member_of.items() if orgs)),
    )


def csv_key(
    items: tuple[list[TableItem], dict[int, list[int]]], people: list[User], now: datetime, *reader
) -> tuple:
    """What the class's CSV is made from (``reader``: the class's id, the spreadsheet's style,
    the site's time zone)."""
    return (
        "csv",
        *reader,
        *_items_now(items, now),
        tuple((p.id, p.full_name, p.email, p.progress_stamp) for p in people),
    )


def _items_now(items: tuple[list[TableItem], dict[int, list[int]]], now: datetime) -> tuple[tuple, ...]:
    """The items as read (all a title, a link or a column shows), the modules each covers, and
    which are overdue now."""
    listed, covered = items
    return (
        tuple(listed),
        tuple(tuple(covered[item.id]) for item in listed),
        tuple(item.due_at is not None and item.due_at < now for item in listed),
    )


def found(key: tuple, token: str = "") -> str | None:
    """The copy kept under ``key``, with ``token`` in place of the form token it was made with."""
    return _store().found(key, token)


def keep(key: tuple, text: str, token: str = "") -> None:
    """Keep ``text``, made with the form token ``token`` (none: it holds no token)."""
    _store().keep(key, text, token)

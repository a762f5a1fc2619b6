"""The console's pages of results: a fixed size, and whether another page follows."""

from sqlalchemy import Select

from app.extensions import db

PAGE_SIZE = 50


def one_page(statement: Select, page: int, rows: bool = False, size: int = PAGE_SIZE) -> tuple[list, bool]:
    """Page ``page`` (from 1) of the statement's results, and whether more follow.

    One more result than a page holds is read to know whether another page exists. ``rows``:
    whole rows (several columns) rather than the first column's objects.
    """
    statement = statement.offset((page - 1) * size).limit(size + 1)
    found = list(db.session.execute(statement) if rows else db.session.scalars(statement))
    return found[:size], len(found) > size

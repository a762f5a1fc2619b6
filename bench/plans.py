"""Which tables a statement reads whole: its query plan, asked of the database (issue 16: "EXPLAIN
of the hot queries uses indexes").

The benchmark (bench/run.py) runs it on every SELECT of every page it measures, with the values
the page sent. A large table read whole is a page that slows down as the catalogue or the
audience grows, whatever the figures at the size measured.

- SQLite: ``EXPLAIN QUERY PLAN``. Without statistics (the app never runs ANALYZE) SQLite's planner
  takes every table for a large one and uses an index wherever one serves, so its plan says
  whether the statement can be served by indexes at all. A ``SCAN`` of a table (with or without
  ``USING INDEX``) reads it all, where ``SEARCH`` looks rows up; scans of a constant row, of a
  subquery's rows, of a full-text table's match (``VIRTUAL TABLE``), of a partial index (which
  holds only the rows its ``WHERE`` selects) are not scans of a table.
- PostgreSQL: ``EXPLAIN (FORMAT JSON)``, the plan it would really run with the statistics it has
  (the seed ends with ``VACUUM ANALYZE``). Reading a table of a few rows whole is its right choice,
  so only tables of at least ``LARGE`` rows (by those statistics) are reported: a ``Seq Scan``, or
  an index scan without an ``Index Cond`` (the whole index read), unless the index is partial, or
  a merge join reads it in order up to the other side's last key, or a ``Limit`` up to its count
  of rows (when no ``Filter`` can reject what it reads). The planner's choice depends on the
  sizes: a table of a few thousand rows may rightly be read whole to join forty rows to it.
"""

import re

LARGE = 1000  # rows (PostgreSQL's estimate): a table this size read whole is reported
SQLITE_SCAN = re.compile(r"SCAN (\S+)(?: USING (?:COVERING )?INDEX (\S+))?$")
NOT_A_TABLE = re.compile(r"CONSTANT|\(subquery-\d+\)|anon_\d+$")
STREAMING = {"Nested Loop", "Result", "Subquery Scan", "Incremental Sort", "Unique"}
PARTIAL_INDEXES = {
    "postgresql": "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
    " WHERE i.indpred IS NOT NULL AND pg_table_is_visible(c.oid)",
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE '% WHERE %'",
}


def whole_reads(connection, statement: str, parameters, large: int = LARGE) -> list[str]:
    """The tables (as named in the statement) that ``statement`` reads whole, with how; on
    PostgreSQL, those of at least ``large`` rows."""
    partial = set(connection.exec_driver_sql(PARTIAL_INDEXES[connection.dialect.name]).scalars())
    if connection.dialect.name == "postgresql":
        plan = connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar()
        found: list[tuple[str, str, str]] = []
        _postgresql(plan[0]["Plan"], "", partial, found)
        sizes = {table: _rows(connection, table) for _alias, table, _how in found}
        return [
            f"{alias} ({how}, {'rows unknown' if sizes[table] is None else f'{sizes[table]} rows'})"
            for alias, table, how in found
            if sizes[table] is None or sizes[table] >= large
        ]
    rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
    return sqlite_whole_reads([row[-1] for row in rows], partial)


def sqlite_whole_reads(details: list[str], partial: frozenset[str] | set[str] = frozenset()) -> list[str]:
    found = []
    for detail in details:
        scan = SQLITE_SCAN.match(detail.strip())
        if scan is None or "VIRTUAL TABLE" in detail or NOT_A_TABLE.match(scan.group(1)):
            continue
        table, index = scan.groups()
        if index not in partial:
            found.append(f"{table} (whole index {index})" if index else f"{table} (whole table)")
    return found


def _postgresql(node: dict, above: str, partial: set[str], found: list[tuple[str, str, str]]) -> None:
    """``above``: the nearest Limit or Merge Join the node is read for ("" for none)."""
    kind = node["Node Type"]
    alias = node.get("Alias", node.get("Relation Name"))
    if kind == "Seq Scan":
        found.append((alias, node["Relation Name"], "whole table"))
    elif (
        kind in ("Index Scan", "Index Only Scan")
        and "Index Cond" not in node
        # Read in order only as far as needed: for a merge join, up to the other side's last key;
        # for a Limit, up to its count of rows, unless a Filter can reject them all along the way.
        and above != "Merge Join"
        and not (above == "Limit" and "Filter" not in node)
        and node["Index Name"] not in partial
    ):
        found.append((alias, node["Relation Name"], f"whole index {node['Index Name']}"))
    # A node that passes rows on as it reads them keeps the Limit or merge join above; a Sort, a
    # Hash, an Aggregate reads all it is given first.
    passed = kind if kind in ("Limit", "Merge Join") else above if kind in STREAMING else ""
    for child in node.get("Plans", ()):
        _postgresql(child, passed, partial, found)


def _rows(connection, table: str) -> int | None:
    """The table's rows as the planner's statistics count them; None before any (-1 then)."""
    found = connection.exec_driver_sql(
        "SELECT reltuples FROM pg_class WHERE oid = to_regclass(%(table)s)", {"table": table}
    ).scalar()
    return None if found is None or found < 0 else int(found)

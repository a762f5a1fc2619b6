"""Which tables a statement reads whole: its query plan, asked of the database (issue 16: "EXPLAIN
of the hot queries uses indexes").

The benchmark (bench/run.py) runs it on every SELECT of every page it measures, with the values
the page sent. A large table read whole is a page that slows down as the catalogue or the
audience grows, whatever the figures at the size measured.

- SQLite: ``EXPLAIN QUERY PLAN``. Without statistics (the app never runs ANALYZE) SQLite's planner
  takes every table for a large one and uses an index wherever one serves, so its plan says
  whether the statement can be served by indexes at all. A ``SCAN`` of a table (with or without
  ``USING INDEX``) reads it all, where ``SEARCH`` looks rows up; scans of a constant row, of a
  subquery's rows, of a full-text table's match (``VIRTUAL TABLE``) are not scans of a table.
- PostgreSQL: ``EXPLAIN (FORMAT JSON)``, the plan it would really run with the statistics it has
  (the seed ends with ``VACUUM ANALYZE``). Reading a table of a few rows whole is its right choice,
  so only tables of at least ``LARGE`` rows (by those statistics) are reported: a ``Seq Scan``, or
  an index scan without an ``Index Cond`` (the whole index read), unless a ``Limit`` or a merge
  join reads it, in order, only as far as it needs. The planner's choice depends on the sizes: a
  table of a few thousand rows may rightly be read whole to join forty rows to it.
"""

import re

LARGE = 1000  # rows (PostgreSQL's estimate): a table this size read whole is reported
SQLITE_SCAN = re.compile(r"SCAN (\S+)(?: USING (?:COVERING )?INDEX (\S+))?$")
NOT_A_TABLE = re.compile(r"CONSTANT|\(subquery-\d+\)|anon_\d+$")


def whole_reads(connection, statement: str, parameters) -> list[str]:
    """The tables (as named in the statement) that ``statement`` reads whole, with how."""
    if connection.dialect.name == "postgresql":
        plan = connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar()
        found: list[tuple[str, str, str]] = []
        _postgresql(plan[0]["Plan"], False, found)
        return [
            f"{alias} ({how}, {rows} rows)"
            for alias, table, how in found
            if (rows := _rows(connection, table)) >= LARGE
        ]
    rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
    return sqlite_whole_reads([row[-1] for row in rows])


def sqlite_whole_reads(details: list[str]) -> list[str]:
    found = []
    for detail in details:
        scan = SQLITE_SCAN.match(detail.strip())
        if scan is None or "VIRTUAL TABLE" in detail or NOT_A_TABLE.match(scan.group(1)):
            continue
        table, index = scan.groups()
        found.append(f"{table} (whole index {index})" if index else f"{table} (whole table)")
    return found


def _postgresql(node: dict, limited: bool, found: list[tuple[str, str, str]]) -> None:
    kind = node["Node Type"]
    if kind == "Seq Scan":
        found.append((node.get("Alias", node["Relation Name"]), node["Relation Name"], "whole table"))
    elif kind in ("Index Scan", "Index Only Scan") and "Index Cond" not in node and not limited:
        how = f"whole index {node['Index Name']}"
        found.append((node.get("Alias", node["Relation Name"]), node["Relation Name"], how))
    for child in node.get("Plans", ()):
        # Under a Limit, or as a merge join's input, an index is read in order only as far as needed.
        _postgresql(child, limited or kind in ("Limit", "Merge Join"), found)


def _rows(connection, table: str) -> int:
    """The table's rows as the planner's statistics count them."""
    found = connection.exec_driver_sql(
        "SELECT reltuples FROM pg_class WHERE oid = to_regclass(%(table)s)", {"table": table}
    ).scalar()
    return int(found or 0)

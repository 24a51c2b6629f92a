"""Writing the model's rows: the whole database at once (:func:`fill`), and the parts a
follower needs (deleting the rows some objects own, inserting rows, Nova's soft delete).

A fill renders every table under the cloud's lock and writes them under the lock too, so
that no change of the cloud falls between the render and the rows (a follower started
afterwards takes it from there). The tables are written by :data:`WRITERS` connections at
once, each a group of tables of about the same size in one transaction: one connection
leaves the server idle while Python turns rows into statements and Python idle while the
server inserts; several overlap the two (``python -m bench.sandbox_db``: 1,000 hosts and
20,000 instances, 176,528 rows, write 7-14 s on one connection, 5-10 s on four, on two
busy cores). A group empties its tables with DELETE, not TRUNCATE, which would commit on
its own: a reader sees a group's old rows or its new ones, never none.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice

from sqlalchemy import create_engine
from sqlalchemy.engine import URL, Connection, Engine

from topology.sandbox.database.facts import Facts
from topology.sandbox.database.rows import all_rows
from topology.sandbox.database.schema import create_schema, insert_rows
from topology.sandbox.database.tables import ALL_TABLES, Key, Rows
from topology.sandbox.model import Cloud

WRITERS = 4
"""Connections writing a fill's tables at once."""
DELETE_CHUNK = 1000
"""Values per ``IN (...)`` list of a delete."""
BULK_SESSION = "SET SESSION unique_checks = 0, foreign_key_checks = 0"
"""For the fill's session only: InnoDB then skips checking unique secondary keys per row
(the rows are unique by construction) and buffers their changes."""


@dataclass
class FillReport:
    rows: dict[str, int] = field(default_factory=dict)
    render_seconds: float = 0.0
    write_seconds: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def fill(cloud: Cloud, url: URL | str, *, now: datetime | None = None,
         writers: int = WRITERS) -> FillReport:
    """Create the schema where missing, then replace every table's rows with the model's,
    under ``cloud.lock``; ``writers`` connections write groups of tables at once."""
    create_schema(url)
    engine = create_engine(url, pool_size=writers)
    report = FillReport()
    try:
        with cloud.lock:
            began = time.monotonic()
            rows = all_rows(cloud, Facts.of(cloud, now or datetime.now(UTC)))
            report.render_seconds = time.monotonic() - began
            began = time.monotonic()
            with ThreadPoolExecutor(writers, thread_name_prefix="database-fill") as pool:
                done = [pool.submit(_replace, engine, group, rows)
                        for group in balanced_groups(rows, writers)]
                for future in done:
                    report.rows.update(future.result())
            report.rows = {table: report.rows[table] for table in ALL_TABLES}
            report.write_seconds = time.monotonic() - began
    finally:
        engine.dispose()
    return report


def balanced_groups(rows: Rows, count: int) -> list[list[str]]:
    """The tables in ``count`` groups of about the same size (rows times the text of the
    first row: escaping the values is most of the client's work), the biggest first, each
    to the lightest group so far; an empty group is dropped."""
    size = {table: len(found) * sum(len(str(value)) + 4 for value in found[0].values())
            if found else 0 for table, found in rows.items()}
    groups: list[list[str]] = [[] for _ in range(max(1, count))]
    loads = [0] * len(groups)
    for table in sorted(size, key=lambda name: (-size[name], name)):
        lightest = loads.index(min(loads))
        groups[lightest].append(table)
        loads[lightest] += size[table]
    return [group for group in groups if group]


def _replace(engine: Engine, tables: list[str], rows: Rows) -> dict[str, int]:
    written = {}
    with engine.begin() as connection:
        connection.exec_driver_sql(BULK_SESSION)
        for table in tables:
            connection.exec_driver_sql(f"DELETE FROM {quoted(table)}")  # noqa: S608
            written[table] = insert_rows(connection, table, rows[table])
    return written


def quoted(table: str) -> str:
    """```database`.`table``` for a name of :data:`ALL_TABLES` (no other reaches SQL)."""
    if table not in ALL_TABLES:
        raise ValueError(f"not a table of the sandbox's database: {table}")
    database, _, name = table.partition(".")
    return f"`{database}`.`{name}`"


def delete_keys(connection: Connection, keys: Iterable[Key]) -> int:
    """Delete the rows ``keys`` name: one ``IN`` list per table and column for
    single-column keys, one statement per row of values otherwise; returns rows deleted."""
    single: dict[tuple[str, str], set[object]] = defaultdict(set)
    composite: dict[tuple[str, tuple[str, ...]], set[tuple[object, ...]]] = defaultdict(set)
    for item in keys:
        if len(item.columns) == 1:
            single[(item.table, item.columns[0])].add(item.values[0])
        else:
            composite[(item.table, item.columns)].add(item.values)
    deleted = 0
    for (table, column), values in single.items():
        ordered = sorted(values, key=str)
        for start in range(0, len(ordered), DELETE_CHUNK):
            chunk = ordered[start:start + DELETE_CHUNK]
            marks = ", ".join(["%s"] * len(chunk))
            result = connection.exec_driver_sql(
                f"DELETE FROM {quoted(table)} WHERE {_column(column)} IN ({marks})",  # noqa: S608
                tuple(chunk))
            deleted += result.rowcount
    for (table, columns), rows in composite.items():
        where = " AND ".join(f"{_column(column)} = %s" for column in columns)
        for values in sorted(rows, key=str):
            result = connection.exec_driver_sql(
                f"DELETE FROM {quoted(table)} WHERE {where}", values)  # noqa: S608
            deleted += result.rowcount
    return deleted


def insert_all(connection: Connection, rows: Rows) -> int:
    """Insert ``rows`` table by table in :data:`ALL_TABLES` order; returns how many."""
    return sum(insert_rows(connection, table, rows[table])
               for table in ALL_TABLES if rows.get(table))


def run_each(connection: Connection, statement: str,
             parameters: Sequence[dict[str, object]]) -> None:
    """``statement`` once per parameter set (a soft delete per instance, say)."""
    iterator = iter(parameters)
    while chunk := list(islice(iterator, DELETE_CHUNK)):
        connection.exec_driver_sql(statement, chunk)


def _column(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"not a column name: {name!r}")
    return f"`{name}`"

"""The shapes the database view passes around: rows per table, and the keys naming the
rows one model object owns (what a follower deletes before writing the object again)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from topology.sandbox.database.schema import TABLES

Row = dict[str, Any]
Rows = dict[str, list[Row]]
"""``database.table`` -> rows (column -> value)."""

ALL_TABLES: tuple[str, ...] = tuple(f"{database}.{table}"
                                    for database, tables in TABLES.items() for table in tables)


@dataclass(frozen=True)
class Key:
    """The rows of ``table`` whose ``columns`` hold ``values``."""

    table: str
    columns: tuple[str, ...]
    values: tuple[Any, ...]


def key(table: str, **where: Any) -> Key:
    return Key(table, tuple(where), tuple(where.values()))


def add(into: Rows, more: Rows) -> Rows:
    for table, rows in more.items():
        into.setdefault(table, []).extend(rows)
    return into

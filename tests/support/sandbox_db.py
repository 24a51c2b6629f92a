"""Reading the sandbox's tables back and comparing them with the model's rows."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy
from sqlalchemy.engine import URL, Engine

from topology.sandbox.database.facts import Facts
from topology.sandbox.database.rows import all_rows
from topology.sandbox.database.schema import table_definition
from topology.sandbox.database.tables import ALL_TABLES
from topology.sandbox.database.writer import quoted
from topology.sandbox.model import Cloud

SOFT_DELETED = {"nova.instances": "deleted", "nova.instance_info_caches": "deleted",
                "nova_api.instance_mappings": "queued_for_delete"}
"""Nova's tables keeping rows of deleted instances, and the column that says so."""


@dataclass(frozen=True)
class Changed:
    """A change as the churn hands it to its followers."""

    op: str
    at: datetime
    objects: dict[str, Any]


def emptied_engine(url: URL) -> Iterator[Engine]:
    """An engine on ``url``; afterwards the sandbox tables are left empty (for a fixture:
    ``yield from emptied_engine(mariadb_url)``)."""
    engine = sqlalchemy.create_engine(url)
    try:
        yield engine
        empty_tables(engine)
    finally:
        engine.dispose()


def empty_tables(engine: Engine) -> None:
    """Leave the shared server's sandbox tables empty (other tests insert rows of their
    own, with ids ours would collide with)."""
    with engine.begin() as connection:
        for table in ALL_TABLES:
            connection.exec_driver_sql(f"DELETE FROM {quoted(table)}")  # noqa: S608


def table_rows(engine: Engine, table: str) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        result = connection.exec_driver_sql(f"SELECT * FROM {quoted(table)}")  # noqa: S608
        return [dict(row._mapping) for row in result]


def live(table: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    column = SOFT_DELETED.get(table)
    return [row for row in rows if column is None or not row[column]]


def _ordered(table: str, rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    columns = table_definition(table).column_names()
    return sorted((tuple(row[c] for c in columns) for row in rows), key=repr)


def differences(engine: Engine, cloud: Cloud, now: datetime) -> dict[str, dict[str, list[Any]]]:
    """Per table, the rows the database has (deleted instances aside) that the model does
    not render now (``extra``) and those it lacks (``missing``); empty when they agree."""
    with cloud.lock:
        expected = all_rows(cloud, Facts.of(cloud, now))
    found: dict[str, dict[str, list[Any]]] = {}
    for table in ALL_TABLES:
        have = _ordered(table, live(table, table_rows(engine, table)))
        want = _ordered(table, expected[table])
        if have != want:
            found[table] = {"extra": [row for row in have if row not in want],
                            "missing": [row for row in want if row not in have]}
    return found


def kind(value: Any) -> str:
    """A value's kind, the same for a row of ours and the lab's JSON recording of one."""
    if value is None:
        return "null"
    if isinstance(value, datetime):
        return "datetime"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return type(value).__name__
    if re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", value):
        return "datetime"
    try:
        parsed = json.loads(value)
    except ValueError:
        return "str"
    return "json" if isinstance(parsed, dict | list) else "str"

"""Reading MariaDB's ``CREATE TABLE`` statements (as SHOW CREATE TABLE writes them):
each column's name, type, nullability and the rest of its definition, and the table's
options. Enough to compare two statements column by column, not a SQL parser."""

from __future__ import annotations

import re
from dataclasses import dataclass

_TABLE = re.compile(r"CREATE TABLE (?:IF NOT EXISTS )?`(?P<name>[^`]+)` \(")
# a column line: `name` type[(arguments)][ unsigned] rest  (enum values hold no ")")
_COLUMN = re.compile(r"^\s*`(?P<name>[^`]+)` (?P<type>[a-z]+(?:\([^)]*\))?(?: unsigned)?)"
                     r"(?P<rest>.*?),?$")
_OPTIONS = re.compile(r"^\)\s*(?P<options>.*?);?$")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    """As MariaDB writes it: ``varchar(36)``, ``int(11)``, ``enum('a','b')``."""
    nullable: bool
    definition: str
    """The rest of its definition, as written: ``NOT NULL DEFAULT 'normal'``."""


@dataclass(frozen=True)
class TableDefinition:
    name: str
    columns: tuple[Column, ...]
    options: str
    """``ENGINE=InnoDB DEFAULT CHARSET=... COLLATE=...``."""

    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)


def parse_create_table(statement: str) -> TableDefinition:
    """The table a ``CREATE TABLE`` statement defines; ``--`` comment lines are skipped.

    Raises ValueError when the statement is not one such table definition.
    """
    lines = [line for line in statement.strip().splitlines()
             if line.strip() and not line.lstrip().startswith("--")]
    table = _TABLE.match(lines[0]) if lines else None
    options = _OPTIONS.match(lines[-1]) if len(lines) > 2 else None
    if table is None or options is None:
        raise ValueError(f"not a CREATE TABLE statement: {statement.strip()[:80]!r}")
    columns = []
    for line in lines[1:-1]:
        column = _COLUMN.match(line)
        if column:
            rest = column["rest"].strip()
            columns.append(Column(column["name"], column["type"], "NOT NULL" not in rest,
                                  rest))
    if not columns:
        raise ValueError(f"table {table['name']} has no column lines")
    return TableDefinition(table["name"], tuple(columns), options["options"].strip())

"""The sandbox's OpenStack tables against the real ones recorded from the migrations
(tests/fixtures/openstack-schema): a drift on either side fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from topology.sandbox.database.ddl import Column, parse_create_table
from topology.sandbox.database.schema import DATABASES, TABLES, table_definition

RECORDED = Path(__file__).resolve().parents[1] / "fixtures" / "openstack-schema"
RECORDED_TABLES = sorted(path.name.removesuffix(".sql") for path in RECORDED.glob("*.sql"))
KEY = re.compile(r"(PRIMARY KEY|(?:UNIQUE )?KEY `[^`]+`) \(([^)]*)\)")


def recorded_statement(table: str) -> str:
    return (RECORDED / f"{table}.sql").read_text(encoding="utf-8")


def keys(statement: str) -> list[tuple[str, str]]:
    return sorted(KEY.findall(re.sub(r"\s+", " ", statement)))


def test_the_recording_holds_the_tables_the_loader_reads() -> None:
    assert {table.partition(".")[0] for table in RECORDED_TABLES} == set(DATABASES)
    for table in ("nova.instances", "nova.compute_nodes", "nova_api.aggregate_hosts",
                  "neutron.agents", "neutron.ports", "neutron.ml2_vxlan_endpoints",
                  "keystone.project"):
        assert table in RECORDED_TABLES
    ports = parse_create_table(recorded_statement("neutron.ports"))
    assert ports.columns[1] == Column("id", "varchar(36)", False, "NOT NULL")
    assert len(ports.columns) == 11


def test_the_sandbox_has_exactly_the_recorded_tables() -> None:
    ours = sorted(f"{database}.{name}" for database, tables in TABLES.items()
                  for name in tables)
    assert ours == RECORDED_TABLES


@pytest.mark.parametrize("table", RECORDED_TABLES)
def test_columns_and_options_are_the_real_ones(table: str) -> None:
    real = parse_create_table(recorded_statement(table))
    ours = table_definition(table)
    assert ours.name == real.name == table.partition(".")[2]
    assert ours.columns == real.columns  # names, order, types, nullability, defaults
    assert ours.options == real.options


@pytest.mark.parametrize("table", RECORDED_TABLES)
def test_keys_are_the_real_ones_without_foreign_keys_or_checks(table: str) -> None:
    database, _, name = table.partition(".")
    ours = TABLES[database][name]
    assert keys(ours) == keys(recorded_statement(table))
    assert "FOREIGN KEY" not in ours and "CHECK" not in ours


def test_the_parser_reads_each_column_and_the_options() -> None:
    table = parse_create_table("""-- a comment line
CREATE TABLE IF NOT EXISTS `t` (
  `id` varchar(36) NOT NULL,
  `mode` enum('a b','c') DEFAULT NULL,
  `n` int(10) unsigned NOT NULL DEFAULT 0,
  `s` varchar(16) NOT NULL DEFAULT 'ACTIVE',
  PRIMARY KEY (`id`),
  KEY `k` (`n`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;""")
    assert table.name == "t"
    assert table.columns == (
        Column("id", "varchar(36)", False, "NOT NULL"),
        Column("mode", "enum('a b','c')", True, "DEFAULT NULL"),
        Column("n", "int(10) unsigned", False, "NOT NULL DEFAULT 0"),
        Column("s", "varchar(16)", False, "NOT NULL DEFAULT 'ACTIVE'"))
    assert table.options == "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"


@pytest.mark.parametrize("text", ["", "SELECT 1", "CREATE TABLE `t` (\n  KEY `k` (`n`)\n)"])
def test_the_parser_refuses_what_is_not_a_table(text: str) -> None:
    with pytest.raises(ValueError):
        parse_create_table(text)

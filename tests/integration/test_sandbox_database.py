"""The sandbox's OpenStack tables in a real MariaDB: what MariaDB reports after
``create_schema`` is the real schema recorded from the migrations, and ``insert_rows``
fills the tables with real rows (the lab's recording) and in bulk."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy
from sqlalchemy.engine import URL, Engine

from bench.daemons import port_rows
from topology.sandbox.database.ddl import parse_create_table
from topology.sandbox.database.schema import TABLES, create_schema, insert_rows

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
RECORDED = sorted(path.name.removesuffix(".sql")
                  for path in (FIXTURES / "openstack-schema").glob("*.sql"))
LAB_ROWS = FIXTURES / "lab" / "db"


@pytest.fixture(scope="module")
def engine(mariadb_url: URL) -> Iterator[Engine]:
    create_schema(mariadb_url)
    create_schema(mariadb_url)  # again: what exists is kept, nothing fails
    engine = sqlalchemy.create_engine(mariadb_url)
    yield engine
    engine.dispose()


@pytest.fixture
def emptied(engine: Engine) -> Iterator[list[str]]:
    """Tables a test fills, emptied again afterwards (other tests share the server)."""
    tables: list[str] = []
    yield tables
    with engine.begin() as connection:
        for table in tables:
            database, _, name = table.partition(".")
            connection.exec_driver_sql(f"DELETE FROM `{database}`.`{name}`")  # noqa: S608


def _expected_default(definition: str) -> str | None:
    """information_schema's COLUMN_DEFAULT for a column written so in CREATE TABLE."""
    found = re.search(r"DEFAULT ('[^']*'|\S+)", definition)
    return found.group(1) if found else None


@pytest.mark.parametrize("table", RECORDED)
def test_mariadb_reports_the_recorded_columns_keys_and_options(engine: Engine,
                                                               table: str) -> None:
    real = (FIXTURES / "openstack-schema" / f"{table}.sql").read_text(encoding="utf-8")
    definition = parse_create_table(real)
    database, _, name = table.partition(".")
    where = {"database": database, "table": name}
    with engine.connect() as connection:
        columns = connection.execute(sqlalchemy.text(
            "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA "
            "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = :database "
            "AND TABLE_NAME = :table ORDER BY ORDINAL_POSITION"), where).all()
        indexes = set(connection.execute(sqlalchemy.text(
            "SELECT DISTINCT INDEX_NAME FROM information_schema.STATISTICS "
            "WHERE TABLE_SCHEMA = :database AND TABLE_NAME = :table"), where).scalars())
        engine_name, collation = connection.execute(sqlalchemy.text(
            "SELECT ENGINE, TABLE_COLLATION FROM information_schema.TABLES "
            "WHERE TABLE_SCHEMA = :database AND TABLE_NAME = :table"), where).one()
    assert [tuple(row) for row in columns] == [
        (column.name, column.type, "YES" if column.nullable else "NO",
         _expected_default(column.definition),
         "auto_increment" if "AUTO_INCREMENT" in column.definition else "")
        for column in definition.columns]
    recorded_keys = set(re.findall(r"^\s*(?:UNIQUE )?KEY `([^`]+)`", real, re.MULTILINE))
    primary = {"PRIMARY"} if "PRIMARY KEY" in real else set()
    assert indexes == recorded_keys | primary
    assert f"ENGINE={engine_name}" in definition.options
    assert f"COLLATE={collation}" in definition.options


def test_the_labs_recorded_rows_load_into_the_sandbox_tables(engine: Engine,
                                                             emptied: list[str]) -> None:
    loaded: dict[str, int] = {}
    for path in sorted(LAB_ROWS.glob("*.json")):
        table = path.name.removesuffix(".json")
        rows = json.loads(path.read_text(encoding="utf-8"))
        emptied.append(table)
        loaded[table] = insert_rows(engine, table, rows)
    with engine.connect() as connection:
        counted = {table: connection.exec_driver_sql(  # names of the recorded files
            "SELECT COUNT(*) FROM `{}`.`{}`".format(*table.split("."))).scalar()  # noqa: S608
            for table in loaded}
        network_info = connection.exec_driver_sql(
            "SELECT network_info FROM nova.instance_info_caches LIMIT 1").scalar()
    assert counted == loaded
    assert sum(loaded.values()) > 50 and loaded["neutron.ports"] > 0
    assert isinstance(json.loads(network_info), list)


def test_insert_rows_fills_in_chunks_in_one_transaction(engine: Engine,
                                                        emptied: list[str]) -> None:
    emptied.append("neutron.ports")
    count = insert_rows(engine, "neutron.ports", iter(port_rows(12_001)), chunk_size=5000)
    with engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT COUNT(*), COUNT(DISTINCT mac_address) "
                                            "FROM neutron.ports").one()
    assert count == 12_001 and tuple(stored) == (12_001, 12_001)


def test_insert_rows_writes_nothing_when_a_row_is_wrong(engine: Engine,
                                                        emptied: list[str]) -> None:
    emptied.append("neutron.ports")
    rows = port_rows(7000)
    del rows[6500]["ip_allocation"]  # after the first chunk was sent
    with pytest.raises(ValueError, match="row 6501 has other columns"):
        insert_rows(engine, "neutron.ports", rows, chunk_size=5000)
    with pytest.raises(ValueError, match="has no column colour"):
        insert_rows(engine, "neutron.ports", [{**rows[0], "colour": "red"}])
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT COUNT(*) FROM neutron.ports").scalar() == 0


def test_every_sandbox_table_is_created(engine: Engine) -> None:
    with engine.connect() as connection:
        present = {f"{database}.{name}" for database, name in connection.execute(
            sqlalchemy.text("SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES "
                            "WHERE TABLE_SCHEMA IN :databases").bindparams(
                sqlalchemy.bindparam("databases", expanding=True)),
            {"databases": list(TABLES)})}
    assert present == set(RECORDED)

"""Get: read the rows of nova, nova_api and neutron the inventory needs (reference §7.3),
through SQLAlchemy and PyMySQL.

Schema names are found with ``SHOW DATABASES`` (neutron's is the one name holding
``neutron``), tables with ``SHOW TABLES``; only names found there reach SQL, quoted. A
database that cannot be reached raises :class:`SourceError` naming its host and the reason,
never the password; a schema whose queries fail is recorded in
:attr:`DbSnapshot.failed` and the other is still read.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from loaders.database.snapshot import (
    NEUTRON,
    NOVA,
    TUNNEL_TYPES,
    DbSnapshot,
    Row,
    db_snapshot,
    plain,
    plain_row,
)
from loaders.seam import SourceError
from topology.environments import EnvironmentConfig

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 5
READ_TIMEOUT = 120

# nova's aggregate tables (in nova_api since Newton, in nova before), read whole.
_NOVA_API_TABLES = ("aggregates", "aggregate_hosts", "aggregate_metadata")
_INSTANCE_COLUMNS = ("uuid", "display_name", "host", "node", "project_id",
                     "availability_zone", "deleted")


class _SchemaError(Exception):
    """One schema's queries failed (the message says why)."""


def _url(env: EnvironmentConfig) -> URL:
    try:
        url = make_url(env.database_url)
    except ArgumentError:
        raise SourceError(f"environment {env.name!r}: the database URL is not valid") from None
    if url.drivername in ("mysql", "mariadb"):
        url = url.set(drivername=f"{url.drivername}+pymysql")
    return url


def _where(url: URL) -> str:
    return f"database at {url.host or 'localhost'}:{url.port or 3306}"


def _reason(exc: BaseException, url: URL) -> str:
    """The driver's own words (``(2003, "Can't connect ...")``), never the password."""
    orig = getattr(exc, "orig", None) or exc
    message = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    if url.password:
        message = message.replace(str(url.password), "***")
    return message


def fetch_database(env: EnvironmentConfig) -> DbSnapshot:
    """The nova and neutron rows of ``env``'s database (see the module's doc)."""
    if not env.database_url:
        raise SourceError(f"environment {env.name!r} has no database configured")
    url = _url(env)
    where = _where(url)
    began = time.perf_counter()
    engine = create_engine(url, poolclass=NullPool, connect_args={
        "connect_timeout": CONNECT_TIMEOUT, "read_timeout": READ_TIMEOUT})
    tables: dict[str, list[Row]] = {}
    failed: dict[str, str] = {}
    try:
        with engine.connect() as connection:
            databases = [str(row[0]) for row in connection.exec_driver_sql("SHOW DATABASES")]
            now = plain(connection.exec_driver_sql("SELECT UTC_TIMESTAMP()").scalar())
            neutron = _neutron_schema(databases)
            for scope, read in ((NOVA, _read_nova), (NEUTRON, _read_neutron)):
                try:
                    tables.update(read(connection, databases, neutron))
                except _SchemaError as exc:
                    failed[scope] = str(exc)
                except SQLAlchemyError as exc:
                    failed[scope] = _reason(exc, url)
                connection.rollback()
    except SQLAlchemyError as exc:
        raise SourceError(f"{where}: {_reason(exc, url)}") from None
    finally:
        engine.dispose()
    snapshot = db_snapshot(tables, neutron=neutron or NEUTRON,
                           host=url.render_as_string(hide_password=True), now=now,
                           failed=failed)
    snapshot.seconds = time.perf_counter() - began
    log.info("%s read in %.1f s: %d instances, %d compute nodes, %d aggregates, %d agents, "
             "%d routers, %s%s", where, snapshot.seconds, len(snapshot.instances),
             len(snapshot.compute_nodes), len(snapshot.aggregates), len(snapshot.agents),
             len(snapshot.routers),
             ", ".join(f"{len(rows)} {kind} endpoints"
                       for kind, rows in snapshot.tunnel_endpoints.items()) or "no endpoints",
             "".join(f"; {scope} FAILED: {why}" for scope, why in failed.items()))
    return snapshot


def _neutron_schema(databases: list[str]) -> str | None:
    found = [name for name in databases if NEUTRON in name]
    return found[0] if len(found) == 1 else None


def _quoted(schema: str, table: str) -> str:
    return f"`{schema.replace('`', '``')}`.`{table.replace('`', '``')}`"


def _tables_of(connection: Connection, schema: str) -> set[str]:
    return {str(row[0]) for row in
            connection.exec_driver_sql(f"SHOW TABLES FROM `{schema.replace('`', '``')}`")}


def _select(connection: Connection, schema: str, table: str,
            columns: tuple[str, ...] | None = None, where: str = "") -> list[Row]:
    names = ", ".join(f"`{c}`" for c in columns) if columns else "*"
    statement = f"SELECT {names} FROM {_quoted(schema, table)} {where}"  # noqa: S608
    return [plain_row(row._mapping) for row in connection.execute(text(statement))]


def _read_nova(connection: Connection, databases: list[str],
               neutron: str | None) -> dict[str, list[Row]]:
    if NOVA not in databases:
        raise _SchemaError("no database named nova")
    tables: dict[str, list[Row]] = {}
    nova_tables = _tables_of(connection, NOVA)
    api = "nova_api" if "nova_api" in databases else None
    api_tables = _tables_of(connection, api) if api else set()
    schema = api if "aggregates" in api_tables else NOVA  # nova_api since Newton
    for table in _NOVA_API_TABLES:
        if table in (api_tables if schema == api else nova_tables):
            tables[f"{schema}.{table}"] = _select(connection, schema, table)
    tables["nova.instances"] = _select(connection, NOVA, "instances", _INSTANCE_COLUMNS,
                                       "WHERE deleted = 0")
    tables["nova.instance_info_caches"] = _select(
        connection, NOVA, "instance_info_caches", ("instance_uuid", "network_info", "deleted"),
        "WHERE deleted = 0")
    tables["nova.compute_nodes"] = _select(
        connection, NOVA, "compute_nodes", ("hypervisor_hostname", "host", "host_ip", "deleted"),
        "WHERE deleted = 0")
    return tables


def _read_neutron(connection: Connection, databases: list[str],
                  neutron: str | None) -> dict[str, list[Row]]:
    if neutron is None:
        found = [name for name in databases if NEUTRON in name]
        raise _SchemaError(f"neutron's database not found: {len(found)} names hold 'neutron'"
                           + (f" ({', '.join(found)})" if found else ""))
    present = _tables_of(connection, neutron)
    tables = {f"{neutron}.agents": _select(connection, neutron, "agents"),
              f"{neutron}.routers": _select(connection, neutron, "routers")}
    for kind in TUNNEL_TYPES:
        table = f"ml2_{kind}_endpoints"
        if table in present:
            tables[f"{neutron}.{table}"] = _select(connection, neutron, table)
    return tables

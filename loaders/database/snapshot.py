"""What the OpenStack databases hold that the inventory needs, as plain data.

:func:`db_snapshot` is pure: it turns the rows of the tables read (``database.table`` ->
rows, as :mod:`loaders.database.client` reads them, or as the lab recorded them) into a
:class:`DbSnapshot`: deleted rows left out, JSON columns parsed, times as ISO text.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

Row = dict[str, Any]
Tables = Mapping[str, list[Row]]

NOVA = "nova"
NEUTRON = "neutron"
TUNNEL_TYPES: tuple[str, ...] = ("vxlan", "gre", "geneve")


@dataclass
class DbSnapshot:
    """The rows read, by what they are (scopes ``nova`` and ``neutron``)."""

    host: str = ""
    """The database server, for messages."""
    aggregates: list[Row] = field(default_factory=list)
    """``id``, ``name``, ``hosts`` (names), ``metadata`` (key -> value)."""
    agents: list[Row] = field(default_factory=list)
    """neutron's agents, ``configurations`` parsed."""
    tunnel_endpoints: dict[str, list[Row]] = field(default_factory=dict)
    """Tunnel type -> ``ml2_<type>_endpoints`` rows."""
    routers: list[Row] = field(default_factory=list)
    instances: list[Row] = field(default_factory=list)
    """Not deleted, with ``network_info`` parsed from their info cache (``[]`` without)."""
    compute_nodes: list[Row] = field(default_factory=list)
    now: str | None = None
    """The database's clock (UTC) when it was read: agents' liveness is judged by it."""
    failed: dict[str, str] = field(default_factory=dict)
    """Scope (``nova``, ``neutron``) -> why it was not read."""
    seconds: float = 0.0

    def host_ips(self) -> dict[str, str]:
        """Hypervisor host name -> ``compute_nodes.host_ip``."""
        return {str(row["hypervisor_hostname"]): str(row["host_ip"])
                for row in self.compute_nodes if row.get("host_ip")}


def plain(value: Any) -> Any:
    """A column's value as plain data: times as ISO text, decimals as numbers."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def plain_row(row: Mapping[str, Any]) -> Row:
    return {str(key): plain(value) for key, value in row.items()}


def _live(rows: list[Row]) -> list[Row]:
    return [row for row in rows if not row.get("deleted")]


def _json(text: Any, default: Any) -> Any:
    if isinstance(text, dict | list):
        return text
    if not text:
        return default
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return default


def aggregates(tables: Tables) -> list[Row]:
    """Nova's host aggregates with their hosts and metadata: ``nova_api`` since Newton,
    ``nova`` (soft-deleted rows) before."""
    schema = "nova_api" if "nova_api.aggregates" in tables else NOVA
    rows = _live(list(tables.get(f"{schema}.aggregates", [])))
    hosts: dict[Any, list[str]] = {}
    for row in _live(list(tables.get(f"{schema}.aggregate_hosts", []))):
        hosts.setdefault(row["aggregate_id"], []).append(str(row["host"]))
    metadata: dict[Any, dict[str, str]] = {}
    for row in _live(list(tables.get(f"{schema}.aggregate_metadata", []))):
        metadata.setdefault(row["aggregate_id"], {})[str(row["key"])] = row["value"]
    return [{"id": row["id"], "name": row["name"], "uuid": row.get("uuid"),
             "hosts": hosts.get(row["id"], []), "metadata": metadata.get(row["id"], {})}
            for row in rows]


def instances(tables: Tables) -> list[Row]:
    caches = {row["instance_uuid"]: row.get("network_info")
              for row in _live(list(tables.get("nova.instance_info_caches", [])))}
    return [{"uuid": row["uuid"], "display_name": row.get("display_name"),
             "host": row.get("host"), "node": row.get("node"),
             "project_id": row.get("project_id"),
             "availability_zone": row.get("availability_zone"),
             "network_info": _json(caches.get(row["uuid"]), [])}
            for row in _live(list(tables.get("nova.instances", [])))]


def agents(tables: Tables, neutron: str = NEUTRON) -> list[Row]:
    return [{**row, "configurations": _json(row.get("configurations"), {})}
            for row in tables.get(f"{neutron}.agents", [])]


def db_snapshot(tables: Tables, *, neutron: str = NEUTRON, host: str = "",
                now: str | None = None, failed: Mapping[str, str] | None = None) -> DbSnapshot:
    """The snapshot of ``tables`` (``neutron``: the name of neutron's schema)."""
    return DbSnapshot(
        host=host,
        aggregates=aggregates(tables),
        agents=agents(tables, neutron),
        tunnel_endpoints={kind: list(tables[f"{neutron}.ml2_{kind}_endpoints"])
                          for kind in TUNNEL_TYPES
                          if f"{neutron}.ml2_{kind}_endpoints" in tables},
        routers=list(tables.get(f"{neutron}.routers", [])),
        instances=instances(tables),
        compute_nodes=_live(list(tables.get("nova.compute_nodes", []))),
        now=now,
        failed=dict(failed or {}),
    )

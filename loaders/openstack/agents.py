"""Nova's host aggregates with a ``host_ref`` per member (``DbFetchAggregates``,
``DbFetchAggregateHosts``), and neutron's agents under ``<host>-network_agents``
(``DbFetchHostNetworkAgents``): from the database, the agents from the API without one.

The database does not say which region an aggregate belongs to: it goes to its hosts'
region, else to the region of the zone its metadata names, else (one region) the only one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from loaders.openstack.common import NOVA_DB_SCOPE, add, bad, fields_of, warn
from loaders.openstack.regions import Regions
from loaders.openstack.snapshot import Doc
from loaders.report import LoadReport
from loaders.scan.tree import Tree
from topology.store import Provenance

AGENT_DOWN_TIME = 75.0
"""Seconds without a heartbeat after which neutron takes an agent as down (its default)."""


def write_aggregates(tree: Tree, aggregates: list[Doc], regions: Regions,
                     report: LoadReport) -> None:
    part = report.part("aggregates")
    zone_regions = {zone: region for region, zones in regions.zones.items()
                    for zone in zones}
    for aggregate in aggregates:
        part.read += 1
        name, where = str(aggregate.get("name")), f"aggregate {aggregate.get('id')}"
        region = _region_of(tree, aggregate, regions, zone_regions)
        if region is None and report.scopes_failed:
            _kept(report, NOVA_DB_SCOPE, "aggregates", f"{where} ({name})")
            continue
        if region is None:
            bad(report, "aggregates", f"{where} ({name})",
                "its region is not known (no known host, no known zone)")
            continue
        doc = add(tree, report, "aggregates", f"{where} ({name})", NOVA_DB_SCOPE,
                  "aggregate", str(aggregate["id"]), name, f"{region}-aggregates", {})
        if doc is None:
            continue
        for host in aggregate.get("hosts") or []:
            if host not in tree:
                warn(report, "aggregates", f"{where} ({name})",
                     f"its host {host!r} is not known")
            add(tree, report, "aggregates", f"{where} host {host}", NOVA_DB_SCOPE,
                "host_ref", f"aggregate-{name}-{host}", host, doc["id"],
                {"ref_id": host if host in tree else None})


def _region_of(tree: Tree, aggregate: Doc, regions: Regions,
               zone_regions: Mapping[str, str]) -> str | None:
    for host in aggregate.get("hosts") or []:
        scope = tree.scopes.get(host)
        if scope is not None and scope.scope in regions.names:
            return scope.scope
    zone = (aggregate.get("metadata") or {}).get("availability_zone")
    if zone in zone_regions:
        return zone_regions[zone]
    return regions.names[0] if len(regions.names) == 1 else None


def _kept(report: LoadReport, scope: Provenance, part: str, where: str) -> None:
    """Left out for want of what a failed scope would have given (its host, its region):
    the scope is then not complete, so that what it wrote before is kept, not cleaned up."""
    warn(report, part, where, "left out: its host or region was not read")
    report.scopes_failed.setdefault(
        scope.key, "some of its objects hang under hosts or regions that were not read")


def alive(agent: Doc, now: str | None) -> bool | None:
    """Neutron's ``alive``: a heartbeat within :data:`AGENT_DOWN_TIME` of ``now`` (the
    database's clock); None when either time is unknown."""
    try:
        beat = dt.datetime.fromisoformat(str(agent.get("heartbeat_timestamp")))
        clock = dt.datetime.fromisoformat(str(now))
    except ValueError:
        return None
    return abs((clock - beat).total_seconds()) <= AGENT_DOWN_TIME


def write_network_agents(tree: Tree, agents: list[Doc], scope: Provenance,
                         liveness: Mapping[str, bool | None], report: LoadReport) -> None:
    """Each agent as ``<binary>-<agent id>`` named by its binary, with its row's fields
    (``configurations`` parsed), ``agent_id`` and ``alive``."""
    part = report.part("network_agents")
    for agent in agents:
        part.read += 1
        agent_id, binary = str(agent.get("id") or ""), str(agent.get("binary") or "")
        host = str(agent.get("host") or "")
        where = f"agent {agent_id} ({binary} on {host})"
        if (tree.get(host) or {}).get("type") != "host":
            if report.scopes_failed:
                _kept(report, scope, "network_agents", where)
            else:
                warn(report, "network_agents", where, "left out: its host is not known")
            continue
        fields = fields_of(agent)
        fields.update({"agent_id": agent_id, "admin_state_up": bool(agent.get("admin_state_up")),
                       "alive": liveness.get(agent_id, agent.get("alive"))})
        add(tree, report, "network_agents", where, scope, "network_agent",
            f"{binary}-{agent_id}", binary, f"{host}-network_agents", fields)

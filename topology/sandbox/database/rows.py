"""The model as rows: every table at once (:func:`all_rows`, for a fill), or the rows of
one object that changed (:data:`KINDS`, for a follower).

A kind says, for one sort of model object, its identity, whether the cloud still has it,
the keys of the rows it owns (deleted before it is written again, or for good), and its
rows. ``host`` rewrites what moves with a host's load (its compute node and its agents'
reports); ``vlan`` is one VLAN id's allocation row, always present with the VLAN type
driver, allocated while a network holds the id.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from topology.sandbox.database import keystone_rows, neutron_rows, nova_rows
from topology.sandbox.database.facts import Facts
from topology.sandbox.database.tables import ALL_TABLES, Key, Rows, add
from topology.sandbox.model import Cloud, Host


@dataclass(frozen=True)
class Kind:
    name: str
    ident: Callable[[Any], Hashable]
    alive: Callable[[Cloud, Any], bool]
    keys: Callable[[Any], list[Key]]
    render: Callable[[Any, Facts], Rows]


def _host_rows(host: Host, facts: Facts) -> Rows:
    return add(nova_rows.compute_node_rows(host, facts), neutron_rows.agent_rows(host, facts))


def _vlan_rows(vlan: int, facts: Facts) -> Rows:
    return neutron_rows.vlan_rows([vlan], neutron_rows.allocated_vlans(facts.cloud))


def _in(index: str, name: str, keys: Callable[[Any], list[Key]],
        render: Callable[[Any, Facts], Rows], ident: str = "id") -> Kind:
    """A kind of object the cloud indexes in ``cloud.<index>`` by its ``ident``."""

    def identity(obj: Any) -> Hashable:
        return getattr(obj, ident)

    def alive(cloud: Cloud, obj: Any) -> bool:
        return getattr(cloud, index).get(identity(obj)) is obj

    return Kind(name, identity, alive, keys, render)


KINDS: dict[str, Kind] = {kind.name: kind for kind in (
    _in("instances", "instance", nova_rows.instance_keys, nova_rows.instance_rows),
    _in("ports", "port", neutron_rows.port_keys, neutron_rows.port_rows),
    _in("networks_by_id", "network", neutron_rows.network_keys, neutron_rows.network_rows),
    _in("subnets", "subnet", neutron_rows.subnet_keys, neutron_rows.subnet_rows),
    _in("routers", "router", neutron_rows.router_keys, neutron_rows.router_rows),
    _in("floating_ips", "floating_ip", neutron_rows.floating_ip_keys,
        neutron_rows.floating_ip_rows),
    _in("hosts_by_name", "host",
        lambda h: nova_rows.compute_node_keys(h) + neutron_rows.agent_keys(h), _host_rows,
        ident="name"),
    Kind("vlan", lambda v: v, lambda c, v: True, lambda v: [neutron_rows.vlan_key(v)],
         _vlan_rows),
)}


def all_rows(cloud: Cloud, facts: Facts) -> Rows:
    """Every table's rows (an empty list for a table with none), in :data:`ALL_TABLES`
    order."""
    rows: Rows = {table: [] for table in ALL_TABLES}
    rows["keystone.project"] = keystone_rows.project_rows(cloud)
    for host in cloud.hosts:
        add(rows, _host_rows(host, facts))
        rows["nova.services"] += [nova_rows.service_row(s, facts) for s in host.services]
    rows["nova_api.host_mappings"] = [nova_rows.host_mapping_row(host, number)
                                      for number, host in enumerate(cloud.computes, start=1)]
    rows["nova_api.cell_mappings"] = nova_rows.cell_mapping_rows(facts)
    add(rows, nova_rows.aggregate_rows(cloud.aggregates))
    for instance in cloud.instances.values():
        add(rows, nova_rows.instance_rows(instance, facts))
    for network in cloud.all_networks():
        add(rows, neutron_rows.network_rows(network, facts))
        for subnet in network.subnets:
            add(rows, neutron_rows.subnet_rows(subnet, facts))
    for port in cloud.ports.values():
        add(rows, neutron_rows.port_rows(port, facts))
    for router in cloud.routers.values():
        add(rows, neutron_rows.router_rows(router, facts))
    for fip in cloud.floating_ips.values():
        add(rows, neutron_rows.floating_ip_rows(fip, facts))
    add(rows, neutron_rows.tunnel_endpoint_rows(cloud.hosts, facts))
    add(rows, neutron_rows.vlan_rows(neutron_rows.all_vlans(facts),
                                     neutron_rows.allocated_vlans(cloud)))
    add(rows, neutron_rows.security_group_rows(cloud.all_projects, facts))
    return rows

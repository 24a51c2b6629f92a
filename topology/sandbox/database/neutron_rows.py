"""Neutron's rows for the model (ML2 with OVS or Linux bridge, VXLAN or VLAN): networks
with their segments, subnets, ports with their address, binding and router attachment,
routers, floating IPs, agents, tunnel endpoints, VLAN allocations, default security
groups, and the ``standardattributes`` row each of those resources points at.

Revision numbers, segments, security groups, projects and statuses are the model's, as
every view shows them: ports Neutron makes for itself (router gateways, floating IPs)
belong to no project (``""``); a floating IP's own port is never bound and its status is
``N/A``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from topology.sandbox.database import agent_reports
from topology.sandbox.database.facts import Facts, naive
from topology.sandbox.database.tables import Key, Row, Rows, key
from topology.sandbox.database.vifs import binding_details, vif_type
from topology.sandbox.model import (
    BUILT_AT,
    PHYSICAL_NETWORK,
    ROUTER_GATEWAY_OWNER,
    ROUTER_INTERFACE_OWNER,
    VLAN_RANGE,
    VXLAN_UDP_PORT,
    Cloud,
    FloatingIp,
    Host,
    Network,
    Port,
    Project,
    Router,
    Subnet,
)

ATTRIBUTES = "neutron.standardattributes"
ROUTER_PORT_OWNERS = (ROUTER_INTERFACE_OWNER, ROUTER_GATEWAY_OWNER)


def _attributes(attr_id: int, resource_type: str, created: datetime, updated: datetime,
                revision: int, description: str = "") -> Row:
    return {"id": attr_id, "resource_type": resource_type, "created_at": naive(created),
            "updated_at": naive(updated), "description": description,
            "revision_number": revision}


# -- networks and subnets ----------------------------------------------------------------


def network_rows(network: Network, facts: Facts) -> Rows:
    return {
        "neutron.networks": [{
            "project_id": network.project.id, "id": network.id, "name": network.name,
            "status": "ACTIVE", "admin_state_up": 1, "vlan_transparent": None,
            "standard_attr_id": network.standard_attr_id, "availability_zone_hints": None,
            "mtu": network.mtu}],
        "neutron.networksegments": [{
            "id": network.segment_id, "network_id": network.id,
            "network_type": network.network_type,
            "physical_network": network.physical_network,
            "segmentation_id": network.segmentation_id or None, "is_dynamic": 0,
            "segment_index": 0, "standard_attr_id": network.segment_attr_id, "name": None}],
        ATTRIBUTES: [
            _attributes(network.standard_attr_id, "networks", network.created_at,
                        network.updated_at, network.revision),
            _attributes(network.segment_attr_id, "segments", network.created_at,
                        network.created_at, 0)],
    }


def network_keys(network: Network) -> list[Key]:
    return [key("neutron.networks", id=network.id),
            key("neutron.networksegments", network_id=network.id),
            key(ATTRIBUTES, id=network.standard_attr_id),
            key(ATTRIBUTES, id=network.segment_attr_id)]


def subnet_rows(subnet: Subnet, facts: Facts) -> Rows:
    network = subnet.network
    return {
        "neutron.subnets": [{
            "project_id": network.project.id, "id": subnet.id, "name": subnet.name,
            "network_id": network.id, "ip_version": 4, "cidr": subnet.cidr,
            "gateway_ip": subnet.gateway, "enable_dhcp": 0 if network.external else 1,
            "ipv6_ra_mode": None, "ipv6_address_mode": None, "subnetpool_id": None,
            "standard_attr_id": subnet.standard_attr_id, "segment_id": None, "in_use": 1}],
        ATTRIBUTES: [_attributes(subnet.standard_attr_id, "subnets", subnet.created_at,
                                 subnet.created_at, subnet.revision)],
    }


def subnet_keys(subnet: Subnet) -> list[Key]:
    return [key("neutron.subnets", id=subnet.id), key(ATTRIBUTES, id=subnet.standard_attr_id)]


# -- ports -------------------------------------------------------------------------------


def port_rows(port: Port, facts: Facts) -> Rows:
    owner = port.device_owner
    rows: Rows = {
        "neutron.ports": [{
            "project_id": port.tenant_id, "id": port.id,
            "name": "", "network_id": port.network.id, "mac_address": port.mac,
            "admin_state_up": 1, "status": port.status,
            "device_id": port.device_id, "device_owner": owner,
            "standard_attr_id": port.standard_attr_id, "ip_allocation": "immediate"}],
        "neutron.ml2_port_bindings": [{
            "port_id": port.id, "host": port.host_name,
            "vif_type": vif_type(port, facts.mechanism), "vnic_type": "normal", "profile": "",
            "vif_details": binding_details(port, facts.mechanism), "status": "ACTIVE"}],
        ATTRIBUTES: [_attributes(port.standard_attr_id, "ports", port.created_at,
                                 port.updated_at, port.revision)],
    }
    if port.ip and port.subnet is not None:
        rows["neutron.ipallocations"] = [{"port_id": port.id, "ip_address": port.ip,
                                          "subnet_id": port.subnet.id,
                                          "network_id": port.network.id}]
    if owner in ROUTER_PORT_OWNERS:
        rows["neutron.routerports"] = [{"router_id": port.device_id, "port_id": port.id,
                                        "port_type": owner}]
    return rows


def port_keys(port: Port) -> list[Key]:
    return [key("neutron.ports", id=port.id), key("neutron.ipallocations", port_id=port.id),
            key("neutron.ml2_port_bindings", port_id=port.id),
            key("neutron.routerports", port_id=port.id),
            key(ATTRIBUTES, id=port.standard_attr_id)]


# -- routers and floating IPs ------------------------------------------------------------


def router_rows(router: Router, facts: Facts) -> Rows:
    return {
        "neutron.routers": [{
            "project_id": router.project.id, "id": router.id, "name": router.name,
            "status": router.status, "admin_state_up": 1,
            "gw_port_id": router.gateway.id if router.gateway is not None else None,
            "enable_snat": 1, "standard_attr_id": router.standard_attr_id,
            "flavor_id": None}],
        ATTRIBUTES: [_attributes(router.standard_attr_id, "routers", router.created_at,
                                 router.updated_at, router.revision)],
    }


def router_keys(router: Router) -> list[Key]:
    return [key("neutron.routers", id=router.id), key(ATTRIBUTES, id=router.standard_attr_id)]


def floating_ip_rows(fip: FloatingIp, facts: Facts) -> Rows:
    return {
        "neutron.floatingips": [{
            "project_id": fip.project.id, "id": fip.id, "floating_ip_address": fip.address,
            "floating_network_id": fip.network.id, "floating_port_id": fip.port.id,
            "fixed_port_id": fip.fixed_port.id if fip.fixed_port is not None else None,
            "fixed_ip_address": fip.fixed_ip,
            "router_id": fip.router.id if fip.router is not None else None,
            "last_known_router_id": None, "status": fip.status,
            "standard_attr_id": fip.standard_attr_id}],
        ATTRIBUTES: [_attributes(fip.standard_attr_id, "floatingips", fip.created_at,
                                 fip.updated_at, fip.revision)],
    }


def floating_ip_keys(fip: FloatingIp) -> list[Key]:
    return [key("neutron.floatingips", id=fip.id), key(ATTRIBUTES, id=fip.standard_attr_id)]


# -- hosts -------------------------------------------------------------------------------


def agent_rows(host: Host, facts: Facts) -> Rows:
    started = naive(BUILT_AT)
    rows = []
    for agent in host.agents:
        versions = agent_reports.resource_versions(agent)
        rows.append({
            "id": agent.id, "agent_type": agent.agent_type, "binary": agent.binary,
            "topic": agent.topic, "host": host.name, "admin_state_up": 1,
            "created_at": started, "started_at": started, "heartbeat_timestamp": facts.now,
            "description": None,
            "configurations": json.dumps(agent_reports.configurations(agent, facts.cloud)),
            "load": agent_reports.load(agent),
            "availability_zone": agent.availability_zone,
            "resource_versions": json.dumps(versions) if versions is not None else None,
            "resources_synced": None})
    return {"neutron.agents": rows}


def agent_keys(host: Host) -> list[Key]:
    return [key("neutron.agents", host=host.name)]


def tunnel_endpoint_rows(hosts: Iterable[Host], facts: Facts) -> Rows:
    """Every host's L2 agent registers its tunnel address (VXLAN only)."""
    if not facts.vxlan:
        return {}
    return {"neutron.ml2_vxlan_endpoints": [
        {"ip_address": host.tunnel_ip, "udp_port": VXLAN_UDP_PORT, "host": host.name}
        for host in hosts]}


# -- VLAN allocations and security groups ------------------------------------------------


def allocated_vlans(cloud: Cloud) -> set[int]:
    return {network.segmentation_id for network in cloud.networks
            if network.network_type == "vlan" and network.physical_network == PHYSICAL_NETWORK}


def vlan_rows(vlan_ids: Iterable[int], allocated: set[int]) -> Rows:
    """The tenant range's rows of ``ml2_vlan_allocations`` (VLAN type driver only)."""
    return {"neutron.ml2_vlan_allocations": [
        {"physical_network": PHYSICAL_NETWORK, "vlan_id": vlan,
         "allocated": 1 if vlan in allocated else 0} for vlan in vlan_ids]}


def vlan_key(vlan: int) -> Key:
    return key("neutron.ml2_vlan_allocations", physical_network=PHYSICAL_NETWORK, vlan_id=vlan)


def all_vlans(facts: Facts) -> range:
    low, high = VLAN_RANGE
    return range(low, high + 1) if not facts.vxlan else range(0)


def security_group_rows(projects: Iterable[Project], facts: Facts) -> Rows:
    """The default security group of each project that has one (the model gives one to
    the projects that use Neutron: admin, which owns the external network, and the
    tenants)."""
    groups, attributes = [], []
    for project in projects:
        if not project.security_group_id:
            continue
        attr_id = project.security_group_attr_id
        groups.append({"project_id": project.id, "id": project.security_group_id,
                       "name": "default", "standard_attr_id": attr_id, "stateful": 1})
        attributes.append(_attributes(attr_id, "securitygroups", BUILT_AT, BUILT_AT, 1,
                                      "Default security group"))
    return {"neutron.securitygroups": groups, ATTRIBUTES: attributes}

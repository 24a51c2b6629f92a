"""Neutron's JSON for the model's networks, subnets, ports, routers, floating IPs and agents,
field for field as Neutron ML2 (with the extensions of a standard deployment) writes them.

Ports bound by the OVS driver have ``vif_type`` ``ovs`` with the hybrid plug details, by the
Linux bridge driver ``bridge``; unbound ports ``unbound``. Revision numbers, projects,
statuses and security groups are the model's (Neutron's own ports have none and no port
security; a floating IP's own port is never bound and its status is ``N/A``).
"""

from __future__ import annotations

from datetime import datetime

from topology.sandbox.api import agents
from topology.sandbox.api.timefmt import seconds_z, spaced
from topology.sandbox.model import (
    BUILT_AT,
    Agent,
    Cloud,
    FloatingIp,
    Network,
    Port,
    Router,
    Subnet,
)


def _owned(project_id: str) -> dict[str, str]:
    return {"project_id": project_id, "tenant_id": project_id}


def network(item: Network) -> dict[str, object]:
    body: dict[str, object] = {
        "admin_state_up": True,
        "availability_zone_hints": [],
        "availability_zones": item.availability_zones,
        "created_at": seconds_z(item.created_at),
        "description": "",
        "id": item.id,
        "ipv4_address_scope": None,
        "ipv6_address_scope": None,
        "mtu": item.mtu,
        "name": item.name,
        "port_security_enabled": True,
        "provider:network_type": item.network_type,
        "provider:physical_network": item.physical_network,
        "provider:segmentation_id": item.segmentation_id or None,
        "revision_number": item.revision,
        "router:external": item.external,
        "shared": False,
        "status": "ACTIVE",
        "subnets": [s.id for s in item.subnets],
        "tags": [],
        "updated_at": seconds_z(item.updated_at),
        **_owned(item.project.id),
    }
    if item.external:  # the auto-allocated-topology extension marks external networks only
        body["is_default"] = False
    return body


def subnet(item: Subnet) -> dict[str, object]:
    start, end = item.pool
    return {
        "allocation_pools": [{"end": end, "start": start}],
        "cidr": item.cidr,
        "created_at": seconds_z(item.created_at),
        "description": "",
        "dns_nameservers": [],
        "enable_dhcp": not item.network.external,
        "gateway_ip": item.gateway,
        "host_routes": [],
        "id": item.id,
        "ip_version": 4,
        "ipv6_address_mode": None,
        "ipv6_ra_mode": None,
        "name": item.name,
        "network_id": item.network.id,
        "revision_number": item.revision,
        "service_types": [],
        "subnetpool_id": None,
        "tags": [],
        "updated_at": seconds_z(item.created_at),
        **_owned(item.network.project.id),
    }


def _binding(port: Port, cloud: Cloud) -> tuple[str, dict[str, object]]:
    """(vif_type, vif_details) of ``port`` as the mechanism driver bound it."""
    if port.host is None:
        return "unbound", {}
    if cloud.shape.mechanism_driver == "LXB":
        return "bridge", {"bound_drivers": {"0": "linuxbridge"}, "connectivity": "l2",
                          "port_filter": True}
    return "ovs", {"bound_drivers": {"0": "openvswitch"},
                   "bridge_name": agents.INTEGRATION_BRIDGE, "connectivity": "l2",
                   "datapath_type": agents.DATAPATH_TYPE, "ovs_hybrid_plug": True,
                   "port_filter": True}


def port(item: Port, cloud: Cloud) -> dict[str, object]:
    vif_type, vif_details = _binding(item, cloud)
    fixed = ([{"ip_address": item.ip, "subnet_id": item.subnet.id}]
             if item.ip and item.subnet is not None else [])
    return {
        "admin_state_up": True,
        "allowed_address_pairs": [],
        "binding:host_id": item.host_name,
        "binding:profile": {},
        "binding:vif_details": vif_details,
        "binding:vif_type": vif_type,
        "binding:vnic_type": "normal",
        "created_at": seconds_z(item.created_at),
        "description": "",
        "device_id": item.device_id,
        "device_owner": item.device_owner,
        "extra_dhcp_opts": [],
        "fixed_ips": fixed,
        "id": item.id,
        "mac_address": item.mac,
        "name": "",
        "network_id": item.network.id,
        "port_security_enabled": not item.neutron_owned,
        "revision_number": item.revision,
        "security_groups": item.security_group_ids,
        "status": item.status,
        "tags": [],
        "updated_at": seconds_z(item.updated_at),
        **_owned(item.tenant_id),
    }


def router(item: Router) -> dict[str, object]:
    gateway = item.gateway
    gateway_info = None if gateway is None else {
        "enable_snat": True,
        "external_fixed_ips": ([{"ip_address": gateway.ip, "subnet_id": gateway.subnet.id}]
                               if gateway.subnet is not None else []),
        "network_id": gateway.network.id,
    }
    return {
        "admin_state_up": True,
        "availability_zone_hints": [],
        "availability_zones": item.availability_zones,
        "created_at": seconds_z(item.created_at),
        "description": "",
        "distributed": False,
        "external_gateway_info": gateway_info,
        "flavor_id": None,
        "ha": False,
        "id": item.id,
        "name": item.name,
        "revision_number": item.revision,
        "routes": [],
        "status": item.status,
        "tags": [],
        "updated_at": seconds_z(item.updated_at),
        **_owned(item.project.id),
    }


def floating_ip(item: FloatingIp) -> dict[str, object]:
    fixed = item.fixed_port
    details = None if fixed is None else {
        "admin_state_up": True, "device_id": fixed.device_id,
        "device_owner": fixed.device_owner, "mac_address": fixed.mac, "name": "",
        "network_id": fixed.network.id, "status": fixed.status,
    }
    return {
        "created_at": seconds_z(item.created_at),
        "description": "",
        "fixed_ip_address": item.fixed_ip,
        "floating_ip_address": item.address,
        "floating_network_id": item.network.id,
        "id": item.id,
        "port_details": details,
        "port_id": fixed.id if fixed is not None else None,
        "revision_number": item.revision,
        "router_id": item.router.id if item.router is not None else None,
        "status": item.status,
        "tags": [],
        "updated_at": seconds_z(item.updated_at),
        **_owned(item.project.id),
    }


def agent(item: Agent, cloud: Cloud, heartbeat: datetime) -> dict[str, object]:
    return {
        "admin_state_up": True,
        "agent_type": item.agent_type,
        "alive": True,
        "availability_zone": item.availability_zone,
        "binary": item.binary,
        "configurations": agents.configurations(item, cloud),
        "created_at": spaced(BUILT_AT),
        "description": None,
        "heartbeat_timestamp": spaced(heartbeat),
        "host": item.host.name,
        "id": item.id,
        "resources_synced": None,
        "started_at": spaced(BUILT_AT),
        "topic": item.topic,
    }

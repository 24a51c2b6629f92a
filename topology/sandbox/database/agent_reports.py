"""What each Neutron agent of the model last reported, as ``neutron.agents`` keeps it: the
``configurations`` of its state report, its ``load``, ``availability_zone`` and
``resource_versions``, consistent with the cloud's mechanism driver (OVS or Linux bridge)
and type driver (VXLAN or VLAN).

The wiring is the hosts' (:mod:`topology.sandbox.hosts.layout`, whose bridge and interface
mappings these are): ``br-int`` integrates, VXLAN tunnels leave from the host's tunnel
address, ``br-floating`` holds the external network (``physnet-ex``) on network hosts,
``br-prv`` the tenant VLANs (``physnet1``) with the VLAN type driver; with Linux bridge the
physical networks map to NICs instead (``physnet1`` to ``eth1``, ``physnet-ex`` to a
network host's ``eth2``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from topology.sandbox.database.facts import DATAPATH_TYPE, NEUTRON_ZONE
from topology.sandbox.hosts.layout import (
    INTEGRATION_BRIDGE,
    bridge_mappings,
    interface_mappings,
)
from topology.sandbox.model import Agent, Cloud, Host

_INVENTORY_DEFAULTS = {"allocation_ratio": 1.0, "min_unit": 1, "reserved": 0, "step_size": 1}
_OVS_IFACE_TYPES = ("erspan", "geneve", "gre", "internal", "ip6erspan", "ip6gre", "lisp",
                    "patch", "stt", "system", "tap", "vxlan")
# The versions of the objects an L2 agent consumes over RPC (neutron Zed's); the DHCP,
# L3 and metadata agents report none.
L2_RESOURCE_VERSIONS = {
    "AddressGroup": "1.2", "Agent": "1.1", "ConntrackHelper": "1.0",
    "LocalIPAssociation": "1.0", "Log": "1.0", "NDPProxy": "1.0", "Network": "1.1",
    "Port": "1.7", "PortForwarding": "1.3", "QosPolicy": "1.10", "SecurityGroup": "1.5",
    "SecurityGroupRule": "1.2", "SubPort": "1.0", "Subnet": "1.1", "Trunk": "1.1",
}
L2_BINARIES = ("neutron-openvswitch-agent", "neutron-linuxbridge-agent")


def configurations(agent: Agent, cloud: Cloud) -> dict[str, Any]:
    reports: dict[str, Callable[[Host, Cloud], dict[str, Any]]] = {
        "neutron-openvswitch-agent": _openvswitch,
        "neutron-linuxbridge-agent": _linuxbridge,
        "neutron-dhcp-agent": _dhcp,
        "neutron-l3-agent": _l3,
        "neutron-metadata-agent": _metadata,
    }
    return reports[agent.binary](agent.host, cloud)


def availability_zone(agent: Agent) -> str | None:
    """Only the DHCP and L3 agents belong to a Neutron availability zone."""
    return NEUTRON_ZONE if agent.binary in ("neutron-dhcp-agent", "neutron-l3-agent") else None


def resource_versions(agent: Agent) -> dict[str, str] | None:
    return dict(L2_RESOURCE_VERSIONS) if agent.binary in L2_BINARIES else None


def load(agent: Agent) -> int:
    """The scheduler's load figure: networks for a DHCP agent (its ``dhcp_load_type``);
    the others keep 0."""
    return len(agent.host.dhcp_ports) if agent.binary == "neutron-dhcp-agent" else 0


def _vxlan(cloud: Cloud) -> bool:
    return cloud.shape.type_driver == "vxlan"


def _openvswitch(host: Host, cloud: Cloud) -> dict[str, Any]:
    vxlan = _vxlan(cloud)
    mappings = bridge_mappings(cloud, host)
    return {
        "arp_responder_enabled": False,
        "baremetal_smartnic": False,
        "bridge_mappings": mappings,
        "datapath_type": DATAPATH_TYPE,
        "devices": len(host.ports),
        "enable_distributed_routing": False,
        "extensions": [],
        "in_distributed_mode": False,
        "integration_bridge": INTEGRATION_BRIDGE,
        "l2_population": vxlan,
        "log_agent_heartbeats": False,
        "ovs_capabilities": {"datapath_types": ["netdev", "system"],
                             "iface_types": list(_OVS_IFACE_TYPES)},
        "ovs_hybrid_plug": True,  # the iptables firewall: a qbr bridge between tap and br-int
        "resource_provider_bandwidths": {},
        "resource_provider_hypervisors": {bridge: host.name for bridge in mappings.values()},
        "resource_provider_inventory_defaults": dict(_INVENTORY_DEFAULTS),
        "resource_provider_packet_processing_inventory_defaults": dict(_INVENTORY_DEFAULTS),
        "resource_provider_packet_processing_with_direction": {},
        "resource_provider_packet_processing_without_direction": {},
        "tunnel_types": ["vxlan"] if vxlan else [],
        "tunneling_ip": host.tunnel_ip if vxlan else None,
        "vhostuser_socket_dir": "/var/run/openvswitch",
    }


def _linuxbridge(host: Host, cloud: Cloud) -> dict[str, Any]:
    report: dict[str, Any] = {
        "bridge_mappings": {},
        "devices": len(host.ports),
        "extensions": [],
        "interface_mappings": interface_mappings(cloud, host),
    }
    if _vxlan(cloud):  # the agent reports its tunnel only in VXLAN mode
        report.update({"l2_population": True, "tunnel_types": ["vxlan"],
                       "tunneling_ip": host.tunnel_ip})
    return report


def _dhcp(host: Host, cloud: Cloud) -> dict[str, Any]:
    networks = [port.network for port in host.dhcp_ports]
    return {
        "dhcp_driver": "neutron.agent.linux.dhcp.Dnsmasq",
        "dhcp_lease_duration": 86400,
        "log_agent_heartbeats": False,
        "networks": len(networks),
        "ports": sum(len(network.ports) for network in networks),
        "subnets": sum(len(network.subnets) for network in networks),
    }


def _l3(host: Host, cloud: Cloud) -> dict[str, Any]:
    routers = host.routers
    return {
        "agent_mode": "legacy",
        "ex_gw_ports": sum(1 for router in routers if router.gateway is not None),
        "extensions": [],
        "floating_ips": sum(1 for fip in cloud.floating_ips.values()
                            if fip.router is not None and fip.router.host is host),
        "handle_internal_only_routers": True,
        "interface_driver": ("openvswitch" if cloud.shape.mechanism_driver == "OVS"
                             else "linuxbridge"),
        "interfaces": sum(len(router.interfaces) for router in routers),
        "log_agent_heartbeats": False,
        "routers": len(routers),
    }


def _metadata(host: Host, cloud: Cloud) -> dict[str, Any]:
    """Neutron Zed's metadata agent names the metadata host ``nova_metadata_host`` (older
    releases, which Calipso read, said ``nova_metadata_ip``)."""
    return {
        "log_agent_heartbeats": False,
        "metadata_proxy_socket": "/var/lib/neutron/metadata_proxy",
        "nova_metadata_host": host.mgmt_ip,
        "nova_metadata_port": 8775,
    }

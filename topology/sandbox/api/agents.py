"""What each Neutron agent of the model reports in ``configurations``, as the real agents
do, consistent with the cloud's mechanism driver (OVS or Linux bridge) and type driver
(VXLAN or VLAN).

Bridges and interfaces are the model's (:func:`topology.sandbox.model.bridge_mappings`,
:func:`~topology.sandbox.model.interface_mappings`), so the hosts' command outputs show the
same wiring: ``br-int`` integrates, ``br-tun`` carries VXLAN tunnels from the host's tunnel
address, physical networks go to their bridges (OVS) or interfaces (Linux bridge).
"""

from __future__ import annotations

from topology.sandbox.model import (
    Agent,
    Cloud,
    Host,
    bridge_mappings,
    interface_mappings,
)

INTEGRATION_BRIDGE = "br-int"
TUNNEL_BRIDGE = "br-tun"
DATAPATH_TYPE = "system"
# The placement inventory defaults the OVS agent reports (neutron's defaults).
_INVENTORY_DEFAULTS = {"allocation_ratio": 1.0, "min_unit": 1, "reserved": 0, "step_size": 1}
_OVS_IFACE_TYPES = ["erspan", "geneve", "gre", "internal", "ip6erspan", "ip6gre", "lisp",
                    "patch", "stt", "system", "tap", "vxlan"]


def configurations(agent: Agent, cloud: Cloud) -> dict[str, object]:
    reports = {
        "neutron-openvswitch-agent": _openvswitch,
        "neutron-linuxbridge-agent": _linuxbridge,
        "neutron-dhcp-agent": _dhcp,
        "neutron-l3-agent": _l3,
        "neutron-metadata-agent": _metadata,
    }
    return reports[agent.binary](agent.host, cloud)


def _vxlan(cloud: Cloud) -> bool:
    return cloud.shape.type_driver == "vxlan"


def _openvswitch(host: Host, cloud: Cloud) -> dict[str, object]:
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
        "ovs_hybrid_plug": True,  # the iptables firewall: qbr bridges between tap and br-int
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


def _linuxbridge(host: Host, cloud: Cloud) -> dict[str, object]:
    report: dict[str, object] = {
        "bridge_mappings": {},
        "devices": len(host.ports),
        "extensions": [],
        "interface_mappings": interface_mappings(cloud, host),
    }
    if _vxlan(cloud):  # the agent reports these in VXLAN mode only
        report.update({"l2_population": True, "tunnel_types": ["vxlan"],
                       "tunneling_ip": host.tunnel_ip})
    return report


def _dhcp(host: Host, cloud: Cloud) -> dict[str, object]:
    networks = [port.network for port in host.dhcp_ports]
    return {
        "dhcp_driver": "neutron.agent.linux.dhcp.Dnsmasq",
        "dhcp_lease_duration": 86400,
        "log_agent_heartbeats": False,
        "networks": len(networks),
        "ports": sum(len(n.ports) for n in networks),
        "subnets": sum(len(n.subnets) for n in networks),
    }


def _l3(host: Host, cloud: Cloud) -> dict[str, object]:
    routers = host.routers
    return {
        "agent_mode": "legacy",
        "ex_gw_ports": sum(1 for r in routers if r.gateway is not None),
        "extensions": [],
        "floating_ips": sum(1 for fip in cloud.floating_ips.values()
                            if fip.router is not None and fip.router.host is host),
        "handle_internal_only_routers": True,
        "interface_driver": "openvswitch" if cloud.shape.mechanism_driver == "OVS"
        else "linuxbridge",
        "interfaces": sum(len(r.interfaces) for r in routers),
        "log_agent_heartbeats": False,
        "routers": len(routers),
    }


def _metadata(host: Host, cloud: Cloud) -> dict[str, object]:
    return {
        "log_agent_heartbeats": False,
        "metadata_proxy_socket": "/var/lib/neutron/metadata_proxy",
        "nova_metadata_host": host.mgmt_ip,
        "nova_metadata_port": 8775,
    }

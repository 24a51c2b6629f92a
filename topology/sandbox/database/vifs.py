"""A port as its mechanism driver bound it (``neutron.ml2_port_bindings``) and as Nova
caches it for its instance (``nova.instance_info_caches.network_info``).

The binding keeps ``vif_details`` without ``bound_drivers`` (Neutron adds that when it
shows a port; Nova's cache holds the shown form). OVS binds with the hybrid plug (the
iptables firewall), Linux bridge as ``bridge`` on ``brq<network11>``. A port on no host
is ``unbound`` with empty details, as the lab's floating-IP port is.
"""

from __future__ import annotations

import json
from typing import Any

from topology.sandbox.database.facts import DATAPATH_TYPE, INTEGRATION_BRIDGE, Facts
from topology.sandbox.model import Instance, Port

UNBOUND = "unbound"


def vif_type(port: Port, mechanism: str) -> str:
    if port.host is None:
        return UNBOUND
    return "bridge" if mechanism == "LXB" else "ovs"


def vif_details(port: Port, mechanism: str) -> dict[str, Any]:
    if port.host is None:
        return {}
    if mechanism == "LXB":
        return {"connectivity": "l2", "port_filter": True}
    return {"connectivity": "l2", "port_filter": True, "ovs_hybrid_plug": True,
            "datapath_type": DATAPATH_TYPE, "bridge_name": INTEGRATION_BRIDGE}


def binding_details(port: Port, mechanism: str) -> str:
    """``ml2_port_bindings.vif_details`` as Neutron stores it (``""`` when unbound)."""
    details = vif_details(port, mechanism)
    return json.dumps(details) if details else ""


def network_info(instance: Instance, facts: Facts) -> str:
    """The instance's ports, in its order, as Nova's info cache keeps them (JSON). A port
    the cloud no longer has (its network went away) has left the cache."""
    ports = facts.cloud.ports
    return json.dumps([vif(port, facts) for port in instance.ports
                       if ports.get(port.id) is port])


def vif(port: Port, facts: Facts) -> dict[str, Any]:
    network = port.network
    lxb = facts.mechanism == "LXB"
    kind = vif_type(port, facts.mechanism)
    meta: dict[str, Any] = {"injected": False, "tenant_id": network.project.id,
                            "mtu": network.mtu, "physical_network": network.physical_network,
                            "tunneled": network.network_type == "vxlan"}
    if lxb:
        meta["should_create_bridge"] = True
    details = vif_details(port, facts.mechanism)
    if details:
        details["bound_drivers"] = {"0": "linuxbridge" if lxb else "openvswitch"}
    return {
        "id": port.id,
        "address": port.mac,
        "network": {
            "id": network.id,
            "bridge": f"brq{network.id[:11]}" if lxb else INTEGRATION_BRIDGE,
            "label": network.name,
            "subnets": _subnets(port, facts),
            "meta": meta,
        },
        "type": kind,
        "details": details,
        "devname": f"tap{port.short}",
        "ovs_interfaceid": port.id if kind == "ovs" else None,
        "qbh_params": None,
        "qbg_params": None,
        "active": port.status == "ACTIVE",
        "vnic_type": "normal",
        "profile": {},
        "preserve_on_delete": False,
        "delegate_create": True,
        "meta": {},
    }


def _subnets(port: Port, facts: Facts) -> list[dict[str, Any]]:
    """The subnet the port has its address on (Nova lists only those)."""
    subnet = port.subnet
    if subnet is None or not port.ip:
        return []
    fip = facts.floating_by_port.get(port.id)
    floating = ([{"address": fip.address, "type": "floating", "version": 4, "meta": {}}]
                if fip is not None else [])
    dhcp = not subnet.network.external
    return [{
        "cidr": subnet.cidr,
        "dns": [],
        "gateway": {"address": subnet.gateway, "type": "gateway", "version": 4, "meta": {}},
        "ips": [{"address": port.ip, "type": "fixed", "version": 4, "meta": {},
                 "floating_ips": floating}],
        "routes": [],
        "version": 4,
        "meta": {"dhcp_server": subnet.dhcp_ip} if dhcp else {},
    }]

"""A port as its mechanism driver bound it (``neutron.ml2_port_bindings``) and as Nova
caches it for its instance (``nova.instance_info_caches.network_info``).

The binding's type and details are the notifications' (:data:`VIF`: OVS with the hybrid
plug, Linux bridge as ``bridge`` on ``brq<network11>``). The table keeps ``vif_details``
without ``bound_drivers``, as the lab's rows do; Nova's cache holds the form Neutron shows,
with it. A port on no host is ``unbound`` with empty details, as the lab's floating-IP
port is.
"""

from __future__ import annotations

import json
from typing import Any

from topology.sandbox.database.facts import Facts
from topology.sandbox.hosts.layout import INTEGRATION_BRIDGE, linux_bridge_name
from topology.sandbox.model import Instance, Port
from topology.sandbox.notifications.neutron import BOUND_DRIVER, VIF

UNBOUND = "unbound"


def vif_type(port: Port, mechanism: str) -> str:
    return VIF[mechanism][0] if port.host is not None else UNBOUND


def vif_details(port: Port, mechanism: str) -> dict[str, Any]:
    return dict(VIF[mechanism][1]) if port.host is not None else {}


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
        details["bound_drivers"] = {"0": BOUND_DRIVER[kind]}
    return {
        "id": port.id,
        "address": port.mac,
        "network": {
            "id": network.id,
            "bridge": linux_bridge_name(network) if lxb else INTEGRATION_BRIDGE,
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

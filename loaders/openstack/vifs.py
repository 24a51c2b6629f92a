"""An instance's ``network_info`` when the database cannot give nova's cache: built from
neutron's ports of the instance, as close to the cache's shape as the API allows."""

from __future__ import annotations

from collections.abc import Mapping

from loaders.openstack.snapshot import Doc


def instance_ports(server: Doc, ports: list[Doc]) -> list[Doc]:
    """The server's ports in nova's order, as far as ``addresses`` shows it (by MAC), the
    others after."""
    order: dict[str, int] = {}
    for entries in (server.get("addresses") or {}).values():
        for entry in entries or []:
            mac = entry.get("OS-EXT-IPS-MAC:mac_addr")
            if mac and mac not in order:
                order[mac] = len(order)
    return sorted(ports, key=lambda p: order.get(str(p.get("mac_address")), len(order)))


def network_info(ports: list[Doc], networks: Mapping[str, Doc], subnets: Mapping[str, Doc],
                 floating: Mapping[str, list[str]]) -> list[Doc]:
    return [vif(port, networks.get(str(port.get("network_id"))), subnets,
                floating.get(str(port.get("id")), [])) for port in ports]


def vif(port: Doc, network: Doc | None, subnets: Mapping[str, Doc],
        floating_ips: list[str]) -> Doc:
    port_id = str(port.get("id"))
    kind = port.get("binding:vif_type")
    network = network or {}
    by_subnet: dict[str, list[str]] = {}
    for fixed in port.get("fixed_ips") or []:
        by_subnet.setdefault(str(fixed.get("subnet_id")), []).append(fixed.get("ip_address"))
    cached = []
    for subnet_id, addresses in by_subnet.items():
        subnet = subnets.get(subnet_id, {})
        version = subnet.get("ip_version", 4)
        cached.append({
            "cidr": subnet.get("cidr"), "version": version,
            "gateway": {"address": subnet.get("gateway_ip"), "type": "gateway",
                        "version": version},
            "ips": [{"address": address, "type": "fixed", "version": version,
                     "floating_ips": [{"address": f, "type": "floating", "version": 4,
                                       "meta": {}} for f in floating_ips]}
                    for address in addresses],
        })
    return {
        "id": port_id, "address": port.get("mac_address"), "devname": f"tap{port_id[:11]}",
        "type": kind, "vnic_type": port.get("binding:vnic_type", "normal"),
        "active": port.get("status") == "ACTIVE",
        "ovs_interfaceid": port_id if kind == "ovs" else None,
        "preserve_on_delete": False, "details": port.get("binding:vif_details") or {},
        "network": {"id": port.get("network_id"), "label": network.get("name"),
                    "bridge": "br-int" if kind == "ovs" else None,
                    "meta": {"injected": False, "tenant_id": network.get("tenant_id"),
                             "mtu": network.get("mtu")},
                    "subnets": cached},
    }

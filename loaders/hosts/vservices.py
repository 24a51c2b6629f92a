"""vServices (CliFetchHostVservices) and their vNICs (CliFetchVserviceVnics): one per
``qdhcp-``/``qrouter-`` namespace of a network host."""

from __future__ import annotations

import ipaddress

from loaders.hosts.context import HostContext, interface_data
from loaders.hosts.iproute import IpAddress, IpLink
from loaders.scan.facts import Doc

FOLDER_TEXT = {"dhcp": "DHCP servers", "router": "Gateways"}
_NOT_ROUTER_FIELDS = ("id", "name")


def vservice_documents(ctx: HostContext) -> None:
    for namespace in ctx.outputs.namespaces or ():
        kind, _, uuid = namespace.name.partition("-")
        service_type = {"qdhcp": "dhcp", "qrouter": "router"}.get(kind)
        if service_type is None or not uuid:
            continue
        _vservice(ctx, namespace.name, service_type, uuid)


def _vservice(ctx: HostContext, namespace: str, service_type: str, uuid: str) -> None:
    fields: Doc = {"host": ctx.name, "local_service_id": namespace,
                   "service_type": service_type, "parent_text": FOLDER_TEXT[service_type]}
    if service_type == "dhcp":
        network = ctx.cloud.networks.get(uuid)
        label = network.get("name") if network else None
    else:
        router = ctx.cloud.routers.get(uuid)
        label = router.get("name") if router else None
        fields.update(router_fields(router or {}))
    if not label:
        what = "network" if service_type == "dhcp" else "router"
        ctx.warn("vservices", f"{namespace}: its {what} is not known; named by its id")
        label = uuid
    folder = ctx.dynamic_folder("vservices", f"{ctx.name}-vservices",
                                f"{ctx.name}-vservices-{service_type}s",
                                f"vservice_{service_type}s_folder", FOLDER_TEXT[service_type])
    if folder is None:
        return
    vservice_id = f"{ctx.name}-{namespace}"
    links = ctx.outputs.namespace_addresses.get(namespace)
    vnics = [_vnic_fields(ctx, link, namespace) for link in links or ()
             if link.name != "lo" and link.link_type != "loopback"]
    networks = list(dict.fromkeys(v["network"] for v in vnics if v.get("network")))
    if networks:
        fields["network"] = networks
    vservice = ctx.add("vservices", "vservice", vservice_id, f"q{service_type}-{label}",
                       folder["id"], fields)
    if vservice is None or links is None:
        return
    vnics_folder = ctx.dynamic_folder("vnics", vservice_id, f"{vservice_id}-vnics",
                                      "vnics_folder", "vNICs")
    if vnics_folder is None:
        return
    for vnic in vnics:
        name = vnic.pop("name")
        ctx.add("vnics", "vnic", f"{ctx.name}-{name}", name, vnics_folder["id"], vnic)


def router_fields(router: Doc) -> Doc:
    """Every field of the router's row, as CliFetchHostVservice copied them (its own id
    and name aside); neutron's ``project_id`` is also given Calipso's name, ``tenant_id``."""
    fields = {k: v for k, v in router.items() if k not in _NOT_ROUTER_FIELDS}
    if "project_id" in fields:
        fields.setdefault("tenant_id", fields["project_id"])
    return fields


def main_address(link: IpLink) -> IpAddress | None:
    """The interface's own IPv4 address: a router's gateway also carries its floating IPs
    as ``/32`` addresses; Calipso meant the port's own (it cannot make a cidr of a /32)."""
    candidates = [a for a in link.ipv4 if a.prefix < 32] or list(link.ipv4)
    return candidates[0] if candidates else None


def _vnic_fields(ctx: HostContext, link: IpLink, namespace: str) -> Doc:
    fields: Doc = {"name": link.name, "vnic_type": "vservice_vnic", "host": ctx.name,
                   "parent_text": "vNICs", "data": interface_data(link)}
    if link.mac:
        fields["mac_address"] = link.mac
    if link.ipv6_global:
        fields["IPv6 Address"] = link.ipv6_global[-1].address
    address = main_address(link)
    if address is None:
        return fields
    fields.update({"IP Address": address.address, "netmask": address.netmask,
                   "cidr": address.network})
    network = _network_for(ctx, address.network, link.mac, namespace)
    if network is not None:
        fields["network"] = network
    return fields


def _network_for(ctx: HostContext, cidr: str, mac: str | None, namespace: str) -> str | None:
    """The network whose ``cidrs`` hold ``cidr``; when several do (overlapping tenant
    subnets), the one of the neutron port with this MAC, else of the qdhcp namespace."""
    wanted = ipaddress.ip_network(cidr)
    found = [net_id for net_id, net in ctx.cloud.networks.items()
             if any(_same(c, wanted) for c in net.get("cidrs") or ())]
    if len(found) <= 1:
        return found[0] if found else None
    by_mac = next((p.get("network_id") for p in ctx.cloud.ports.values()
                   if mac and p.get("mac_address") == mac), None)
    if by_mac in found:
        return by_mac
    own = namespace.partition("-")[2]
    return own if own in found else found[0]


def _same(cidr: str, wanted: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    try:
        return ipaddress.ip_network(cidr, strict=False) == wanted
    except ValueError:
        return False

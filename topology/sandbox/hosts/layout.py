"""What one host of the model has: its network devices, namespaces and Open vSwitch bridges.

This is the wiring neutron's agents, nova and libvirt would have built on a real host, derived
from the model each time it is asked for (the model changes at run time; nothing is cached).
The renderers print it in the real tools' formats.

Open vSwitch hosts are wired as the demo export says a scan finds them: nova's hybrid plug
(``tap`` in a ``qbr`` Linux bridge, a ``qvb``/``qvo`` veth pair into ``br-int``), the DHCP and
router ports as OVS internal ports moved into their namespaces, ``br-tun`` with one VXLAN port
per tunnel peer, and Mirantis' ``br-mesh`` Linux bridge holding ``eth1.103`` and the tunnel
address. With VLAN tenant networks there is no ``br-tun``; ``eth1`` is a port of ``br-prv``.
Network hosts have ``eth2`` in ``br-floating`` (the external network's physical bridge).

Linux bridge hosts are wired as neutron's linuxbridge agent does: one ``brq<network id[:11]>``
bridge per network with a port on the host, holding the VXLAN device ``vxlan-<VNI>`` (or the
VLAN device ``eth1.<VLAN id>``, or ``eth2`` for the flat external network), the instances'
``tap`` devices and, on network hosts, the root ends of veth pairs whose other ends
(``ns-``, ``qr-``, ``qg-``) live in the namespaces.

Interface indexes must not move when the model changes (a real kernel never renumbers), so
they are derived from stable numbers: fixed ones for the host's own devices, and the neutron
object's ``standard_attr_id`` (unique in the cloud, growing) for a port's or network's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from topology.sandbox.model import (
    BUILT_AT,
    DHCP_OWNER,
    EXTERNAL_BRIDGE,
    EXTERNAL_PHYSICAL_NETWORK,
    ROUTER_GATEWAY_OWNER,
    TENANT_NIC,
    TENANT_VLAN_BRIDGE,
    VXLAN_UDP_PORT,
    Cloud,
    Host,
    Network,
    Port,
    Router,
    bridge_mappings,
    interface_mappings,
)
from topology.sandbox.model import tunnel_peers as model_tunnel_peers

MESH_VLAN = 103  # the VLAN of Mirantis' br-mesh on eth1 (the demo export's eth1.103)
DATAPATH = "ovs-system"
INTEGRATION_BRIDGE = "br-int"
TUNNEL_BRIDGE = "br-tun"
MESH_BRIDGE = "br-mesh"
OVS_VXLAN_DEVICE = f"vxlan_sys_{VXLAN_UDP_PORT}"

_FIXED_INDEX = {"lo": 1, "eth0": 2, "eth1": 3, "eth2": 4, DATAPATH: 5, INTEGRATION_BRIDGE: 6,
                TUNNEL_BRIDGE: 7, OVS_VXLAN_DEVICE: 8, EXTERNAL_BRIDGE: 9, TENANT_VLAN_BRIDGE: 10,
                f"eth1.{MESH_VLAN}": 11, MESH_BRIDGE: 12}
_OBJECT_INDEX_BASE = 16  # a port's or network's devices: base + 4 * standard_attr_id + k
_PCI = {"eth0": "0000:00:03.0/0000:03:00.0", "eth1": "0000:00:03.0/0000:03:00.1",
        "eth2": "0000:00:1c.0/0000:04:00.0"}


@dataclass(frozen=True, slots=True)
class Address:
    """An IPv4 address on a device; ``broadcast`` as neutron and ifupdown set it: the
    network's broadcast address, and on a /31 or /32 (a floating IP on a router's gateway
    port) the address itself, as neutron's l3 agent adds it (the lab's recording shows
    ``inet 203.0.113.140/32 brd 203.0.113.140``)."""

    ip: str
    prefix: int

    @property
    def broadcast(self) -> str:
        if self.prefix >= 31:
            return self.ip
        number = sum(int(part) << (24 - 8 * i) for i, part in enumerate(self.ip.split(".")))
        number |= (1 << (32 - self.prefix)) - 1
        return ".".join(str((number >> shift) & 255) for shift in (24, 16, 8, 0))


@dataclass(slots=True)
class Link:
    """One network device as the kernel shows it.

    ``kind`` is the driver's link kind: ``loopback``, ``physical``, ``veth``, ``bridge``,
    ``vxlan``, ``vlan``, ``tun`` (a VM's tap) or ``openvswitch`` (an OVS internal device).
    ``peer`` is what ``ip`` prints after ``@``: the veth peer's or VLAN parent's name in the
    same namespace, or ``if<index>`` across namespaces; ``link_netns`` names the peer's
    namespace (root side) and ``link_netnsid`` numbers it (namespace side).
    """

    index: int
    name: str
    kind: str
    mac: str
    mtu: int = 1500
    up: bool = True
    carrier: bool = True
    master: str | None = None
    peer: str | None = None
    link_netns: str | None = None
    link_netnsid: int | None = None
    addresses: list[Address] = field(default_factory=list)
    lower: str | None = None  # vlan/vxlan: the device it sends through
    segment: int | None = None  # vlan id or VNI
    local_ip: str | None = None  # vxlan
    pci: str | None = None  # physical: its PCI path under /sys/devices
    created: datetime = BUILT_AT

    @property
    def ovs_port(self) -> bool:
        return self.master == DATAPATH


@dataclass(slots=True)
class Namespace:
    name: str
    netnsid: int
    links: list[Link]


@dataclass(slots=True)
class OvsPort:
    name: str
    type: str = ""  # "" (a system device), internal, patch, vxlan
    tag: int | None = None
    options: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class OvsBridge:
    name: str
    ports: list[OvsPort]


@dataclass(slots=True)
class HostLayout:
    """Everything a host has; ``ovs`` is None on a host without Open vSwitch."""

    host: Host
    links: list[Link]  # the root namespace, by index
    namespaces: list[Namespace]
    ovs: list[OvsBridge] | None
    datapath: list[tuple[str, str]]  # (port, type) in ``ovs-dpctl show`` order
    fdb_remotes: dict[str, list[tuple[str, str]]]  # vxlan device -> [(mac, remote ip)]

    def link(self, name: str, namespace: str | None = None) -> Link | None:
        links = self.links if namespace is None else self.namespace(namespace)
        return next((link for link in links or () if link.name == name), None)

    def namespace(self, name: str) -> list[Link] | None:
        found = next((ns for ns in self.namespaces if ns.name == name), None)
        return None if found is None else found.links

    def bridge_ports(self, bridge: str, links: Iterable[Link] | None = None) -> list[Link]:
        return sorted((link for link in (self.links if links is None else links)
                       if link.master == bridge), key=lambda link: link.name)


# -- names and numbers ---------------------------------------------------------------------------


def derived_mac(host: Host, device: str) -> str:
    """A locally administered MAC, stable for a host's device (the kernel's random ones)."""
    digest = hashlib.sha256(f"{host.name}\0{device}".encode()).digest()
    first = (digest[0] & 0xFC) | 0x02
    return ":".join(f"{byte:02x}" for byte in (first, *digest[1:6]))


def vm_tap_mac(port: Port) -> str:
    """libvirt gives a guest's host-side tap the guest's MAC with 0xfe as first byte."""
    return "fe" + port.mac[2:]


def object_index(standard_attr_id: int, k: int = 0) -> int:
    return _OBJECT_INDEX_BASE + 4 * standard_attr_id + k


def vservice_interface(port: Port) -> str:
    """The name neutron gives a namespace port: ``tap`` (DHCP), ``qg-`` (gateway), ``qr-``."""
    prefix = ("tap" if port.device_owner == DHCP_OWNER
              else "qg-" if port.device_owner == ROUTER_GATEWAY_OWNER else "qr-")
    return f"{prefix}{port.short}"


def veth_namespace_interface(port: Port) -> str:
    """The namespace end of a linuxbridge agent's veth pair (its root end is ``tap...``)."""
    name = vservice_interface(port)
    return f"ns-{port.short}" if name.startswith("tap") else name


def linux_bridge_name(network: Network) -> str:
    return f"brq{network.id[:11]}"


def tunnel_port_name(remote_ip: str) -> str:
    return "vxlan-" + "".join(f"{int(octet):02x}" for octet in remote_ip.split("."))


def dhcp_namespace(port: Port) -> str:
    return f"qdhcp-{port.network.id}"


def router_namespace(router: Router) -> str:
    return f"qrouter-{router.id}"


def namespaces_of(host: Host) -> list[tuple[str, list[Port]]]:
    """The host's qdhcp and qrouter namespaces with the ports inside, in the export's order."""
    spaces = [(dhcp_namespace(port), [port]) for port in host.dhcp_ports]
    for router in host.routers:
        ports = list(router.interfaces)
        if router.gateway is not None:
            ports.append(router.gateway)
        spaces.append((router_namespace(router), ports))
    return spaces


def local_vlan_tags(host: Host) -> dict[str, int]:
    """The OVS agent's local VLAN per network, allocated in the order the export does."""
    for instance in host.instances:
        for port in instance.ports:
            host.tag_for(port.network)
    for _, ports in namespaces_of(host):
        for port in ports:
            host.tag_for(port.network)
    return host.tags


def tunnel_peers(cloud: Cloud, host: Host) -> list[Host]:
    """Who an OVS host has VXLAN tunnels to, as the demo export says (the model's rule)."""
    computes = cloud.computes
    position = computes.index(host) if host.kind == "compute" else None
    return model_tunnel_peers(host, computes, cloud.network_hosts, position)


def floating_addresses(cloud: Cloud, router: Router) -> list[str]:
    return [fip.address for fip in cloud.floating_ips.values() if fip.router is router]


# -- building ------------------------------------------------------------------------------------


def host_layout(cloud: Cloud, host: Host) -> HostLayout:
    """The host's devices as they are now (call with ``cloud.lock`` held)."""
    links = _base_links(host)
    if cloud.shape.mechanism_driver == "OVS":
        layout = _ovs_layout(cloud, host, links)
    else:
        layout = _linux_bridge_layout(cloud, host, links)
    layout.links.sort(key=lambda link: link.index)
    return layout


def _base_links(host: Host) -> list[Link]:
    links = [Link(1, "lo", "loopback", "00:00:00:00:00:00", mtu=65536,
                  addresses=[Address("127.0.0.1", 8)])]
    for pnic in host.pnics:
        links.append(Link(_FIXED_INDEX[pnic.name], pnic.name, "physical", pnic.mac,
                          pci=_PCI[pnic.name]))
    return links


def _pnic(links: list[Link], name: str) -> Link | None:
    return next((link for link in links if link.name == name), None)


def _give_address(host: Host, link: Link | None, pnic_name: str) -> None:
    pnic = next((p for p in host.pnics if p.name == pnic_name), None)
    if link is not None and pnic is not None and pnic.ip:
        link.addresses.append(Address(pnic.ip, pnic.prefix))


def _ovs_layout(cloud: Cloud, host: Host, links: list[Link]) -> HostLayout:
    vxlan = cloud.shape.type_driver == "vxlan"
    tags = local_vlan_tags(host)
    _give_address(host, _pnic(links, "eth0"), "eth0")
    for name in (DATAPATH, INTEGRATION_BRIDGE, *((TUNNEL_BRIDGE,) if vxlan else ())):
        links.append(Link(_FIXED_INDEX[name], name, "openvswitch", derived_mac(host, name),
                          up=False, carrier=False))
    datapath = [(DATAPATH, "internal"), (INTEGRATION_BRIDGE, "internal")]
    integration = [OvsPort(INTEGRATION_BRIDGE, "internal")]
    bridges = [OvsBridge(INTEGRATION_BRIDGE, integration)]
    namespaces: list[Namespace] = []
    eth1 = _pnic(links, "eth1")
    if vxlan:
        datapath += [(TUNNEL_BRIDGE, "internal"), (OVS_VXLAN_DEVICE, "vxlan")]
        links.append(Link(_FIXED_INDEX[OVS_VXLAN_DEVICE], OVS_VXLAN_DEVICE, "vxlan",
                          derived_mac(host, OVS_VXLAN_DEVICE), mtu=65000, master=DATAPATH,
                          segment=0))
        integration.append(_patch("patch-tun", "patch-int"))
        bridges.append(OvsBridge(TUNNEL_BRIDGE, [
            OvsPort(TUNNEL_BRIDGE, "internal"), _patch("patch-int", "patch-tun"),
            *(_tunnel_port(host, peer) for peer in tunnel_peers(cloud, host))]))
        if eth1 is not None:
            mesh_port = f"eth1.{MESH_VLAN}"
            links.append(Link(_FIXED_INDEX[mesh_port], mesh_port, "vlan", eth1.mac,
                              master=MESH_BRIDGE, peer="eth1", lower="eth1", segment=MESH_VLAN))
            mesh = Link(_FIXED_INDEX[MESH_BRIDGE], MESH_BRIDGE, "bridge", eth1.mac)
            _give_address(host, mesh, "eth1")
            links.append(mesh)
    # the agent makes the tenant VLANs' bridge when it starts; the demo export lists the
    # external network's bridge and NIC after every port
    nics, physical = interface_mappings(cloud, host), bridge_mappings(cloud, host)
    early = [physnet for physnet in physical if physnet != EXTERNAL_PHYSICAL_NETWORK]
    late = [physnet for physnet in physical if physnet == EXTERNAL_PHYSICAL_NETWORK]
    for physnet in early:
        _add_physical_bridge(host, links, bridges, integration, datapath, physical[physnet],
                             _pnic(links, nics[physnet]))
    _add_vif_ports(cloud, host, links, integration, datapath, tags, namespaces)
    for physnet in late:
        _add_physical_bridge(host, links, bridges, integration, datapath, physical[physnet],
                             _pnic(links, nics[physnet]))
    return HostLayout(host, links, namespaces, bridges, datapath, {})


def _add_vif_ports(cloud: Cloud, host: Host, links: list[Link], integration: list[OvsPort],
                   datapath: list[tuple[str, str]], tags: dict[str, int],
                   namespaces: list[Namespace]) -> None:
    """The instances' hybrid plugs and the namespaces' internal ports on ``br-int``."""
    for instance in host.instances:
        for port in instance.ports:
            _add_hybrid_plug(host, links, port, instance.running)
            datapath.append((f"qvo{port.short}", "system"))
            integration.append(OvsPort(f"qvo{port.short}", tag=tags[port.network.id]))
    for netnsid, (name, ports) in enumerate(namespaces_of(host)):
        inside = [_namespace_loopback()]
        for port in ports:
            ifname = vservice_interface(port)
            inside.append(Link(object_index(port.standard_attr_id), ifname, "openvswitch",
                               port.mac, mtu=port.network.mtu,
                               addresses=_port_addresses(cloud, port), created=port.created_at))
            datapath.append((ifname, "internal"))
            integration.append(OvsPort(ifname, "internal", tag=tags[port.network.id]))
        namespaces.append(Namespace(name, netnsid, inside))


def _patch(name: str, peer: str) -> OvsPort:
    return OvsPort(name, "patch", options={"peer": peer})


def _tunnel_port(host: Host, peer: Host) -> OvsPort:
    return OvsPort(tunnel_port_name(peer.tunnel_ip), "vxlan", options={
        "df_default": "true", "in_key": "flow", "local_ip": host.tunnel_ip,
        "out_key": "flow", "remote_ip": peer.tunnel_ip})


def _add_physical_bridge(host: Host, links: list[Link], bridges: list[OvsBridge],
                         integration: list[OvsPort], datapath: list[tuple[str, str]],
                         bridge: str, nic: Link | None) -> None:
    """A physical bridge of neutron's OVS agent: ``nic`` in it, patched to ``br-int``."""
    if nic is None:
        return
    short = bridge.removeprefix("br-")
    links.append(Link(_FIXED_INDEX[bridge], bridge, "openvswitch", derived_mac(host, bridge),
                      up=False, carrier=False))
    nic.master = DATAPATH
    integration.append(_patch(f"int-br-{short}", f"phy-br-{short}"))
    bridges.append(OvsBridge(bridge, [OvsPort(bridge, "internal"),
                                      _patch(f"phy-br-{short}", f"int-br-{short}"),
                                      OvsPort(nic.name)]))
    datapath += [(bridge, "internal"), (nic.name, "system")]


def _add_hybrid_plug(host: Host, links: list[Link], port: Port, running: bool) -> None:
    """nova's OVS hybrid plug: the VM's tap in a qbr bridge, a veth pair from it to br-int
    (the tap exists only while the domain runs). The qbr bridge carries the port's MAC, the
    bridge id the demo export records for it."""
    short, mtu, created = port.short, port.network.mtu, port.created_at
    qbr, qvb, qvo = f"qbr{short}", f"qvb{short}", f"qvo{short}"
    links.append(Link(object_index(port.standard_attr_id, 1), qbr, "bridge", port.mac, mtu=mtu,
                      created=created))
    links.append(Link(object_index(port.standard_attr_id, 2), qvb, "veth",
                      derived_mac(host, qvb), mtu=mtu,
                      master=qbr, peer=qvo, created=created))
    links.append(Link(object_index(port.standard_attr_id, 3), qvo, "veth",
                      derived_mac(host, qvo), mtu=mtu,
                      master=DATAPATH, peer=qvb, created=created))
    if running:
        links.append(Link(object_index(port.standard_attr_id), f"tap{short}", "tun",
                          vm_tap_mac(port), mtu=mtu, master=qbr, created=created))


def _port_addresses(cloud: Cloud, port: Port) -> list[Address]:
    subnet = port.subnet if port.subnet is not None else port.network.subnet
    addresses = [Address(port.ip, subnet.prefix)] if port.ip else []
    if port.device_owner == ROUTER_GATEWAY_OWNER:
        router = cloud.routers.get(port.device_id)
        if router is not None:
            addresses += [Address(ip, 32) for ip in floating_addresses(cloud, router)]
    return addresses


def _namespace_loopback() -> Link:
    return Link(1, "lo", "loopback", "00:00:00:00:00:00", mtu=65536,
                addresses=[Address("127.0.0.1", 8)])


def _linux_bridge_layout(cloud: Cloud, host: Host, links: list[Link]) -> HostLayout:
    vxlan = cloud.shape.type_driver == "vxlan"
    _give_address(host, _pnic(links, "eth0"), "eth0")
    _give_address(host, _pnic(links, "eth1"), "eth1")
    nics = interface_mappings(cloud, host)
    networks = list({port.network.id: port.network for port in host.ports}.values())
    bridges: dict[str, Link] = {}
    fdb: dict[str, list[tuple[str, str]]] = {}
    for network in networks:
        bridge = linux_bridge_name(network)
        bridges[network.id] = Link(object_index(network.standard_attr_id), bridge, "bridge",
                                   "", mtu=network.mtu, created=network.created_at)
        links.append(bridges[network.id])
        if network.network_type == "flat":
            nic = _pnic(links, nics.get(network.physical_network or "", ""))
            if nic is not None:
                nic.master = bridge
        elif vxlan:
            device = f"vxlan-{network.segmentation_id}"
            links.append(Link(object_index(network.standard_attr_id, 1), device, "vxlan",
                              derived_mac(host, device), mtu=network.mtu, master=bridge,
                              lower="eth1", segment=network.segmentation_id,
                              local_ip=host.tunnel_ip, created=network.created_at))
            fdb[device] = _l2_population(host, network)
        else:
            name = nics.get(network.physical_network or "", TENANT_NIC)
            device = f"{name}.{network.segmentation_id}"
            nic = _pnic(links, name)
            links.append(Link(object_index(network.standard_attr_id, 1), device, "vlan",
                              nic.mac if nic else derived_mac(host, device), master=bridge,
                              peer=name, lower=name, segment=network.segmentation_id,
                              created=network.created_at))
    for instance in host.instances:
        if not instance.running:
            continue
        for port in instance.ports:
            links.append(Link(object_index(port.standard_attr_id), f"tap{port.short}", "tun",
                              vm_tap_mac(port), mtu=port.network.mtu,
                              master=linux_bridge_name(port.network), created=port.created_at))
    namespaces = []
    for netnsid, (name, ports) in enumerate(namespaces_of(host)):
        inside = [_namespace_loopback()]
        for position, port in enumerate(ports):
            ifname = veth_namespace_interface(port)
            root_index = object_index(port.standard_attr_id)
            inside.append(Link(2 + position, ifname, "veth", port.mac, mtu=port.network.mtu,
                               peer=f"if{root_index}", link_netnsid=0,
                               addresses=_port_addresses(cloud, port), created=port.created_at))
            tap = f"tap{port.short}"
            links.append(Link(root_index, tap, "veth", derived_mac(host, tap),
                              mtu=port.network.mtu, master=linux_bridge_name(port.network),
                              peer=f"if{2 + position}", link_netns=name,
                              created=port.created_at))
        namespaces.append(Namespace(name, netnsid, inside))
    for bridge in bridges.values():  # a bridge takes the lowest MAC of its ports
        macs = [link.mac for link in links if link.master == bridge.name]
        bridge.mac = min(macs) if macs else derived_mac(host, bridge.name)
    return HostLayout(host, links, namespaces, None, [], fdb)


def _l2_population(host: Host, network: Network) -> list[tuple[str, str]]:
    """The forwarding entries neutron's l2population puts on a VXLAN device: a flooding
    entry per other host with a port on the network, then each remote port's MAC."""
    remotes: dict[str, Host] = {}
    entries: list[tuple[str, str]] = []
    for port in network.ports:
        other = port.host
        if other is None or other is host:
            continue
        remotes.setdefault(other.name, other)
        entries.append((port.mac, other.tunnel_ip))
    flooding = [("00:00:00:00:00:00", other.tunnel_ip) for other in remotes.values()]
    return flooding + entries

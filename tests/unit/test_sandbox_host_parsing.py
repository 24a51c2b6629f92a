"""The sandbox's hosts answer every command the host loaders run so that the loaders' own
parsers (``loaders.hosts``) read them as they read the real tools' recorded outputs: both
parse with the same parser, the parsed results have the same structure (each item of a
sandbox's answer populates the fields of some recorded item of its kind, but for the
differences listed below, each with its reason), and the values are the model's.

The hosts are a compute and a network host of a cloud of each shape (Open vSwitch or Linux
bridge, VXLAN or VLAN tenant networks), with one instance stopped, routers with gateways
and floating IPs; every command goes through the gateway as ``ssh <host> sudo <command>``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any

import pytest

from loaders.hosts.ethtool import EthtoolSettings
from loaders.hosts.fdb import FdbEntry
from loaders.hosts.iproute import IpAddress, IpLink
from loaders.hosts.ovs import DatapathPort, OvsInterface, OvsPort
from loaders.hosts.parsers import parse_output, parser_for
from loaders.hosts.system import SysNetEntry
from loaders.hosts.virsh import DomainInterface, DomainXml, VirshDomain
from tests.support.host_answers import COMMAND_KINDS, Answer, answers, recorded, run
from tests.support.structure import (
    Difference,
    Discriminator,
    Item,
    StandIn,
    items,
    mismatches,
)
from topology.sandbox.hosts.layout import tunnel_peers, tunnel_port_name
from topology.sandbox.model import (
    DHCP_OWNER,
    ROUTER_GATEWAY_OWNER,
    Cloud,
    CloudShape,
    Host,
    Port,
    build,
    vservice_ports,
)

NOW = datetime(2026, 12, 1, tzinfo=UTC)
SHAPES = ("OVS/vxlan", "OVS/vlan", "LXB/vlan", "LXB/vxlan")  # mechanism and type drivers

# -- the deliberate differences ------------------------------------------------------------------

_NO_DATAPATH = ("this machine's kernel has no openvswitch module: the recordings' Open "
                "vSwitch runs a userspace datapath")
_NO_NIC = ("this machine's only NIC is its uplink, never a bridge's port")
_QEMU = ("libvirt's qemu driver, which the sandbox stands for, gives every device an "
         "address when a domain is defined; the recordings come from libvirt's test "
         "driver, which keeps only the addresses the defined XML had")
_RUNNING = ("while a domain runs, the qemu driver names its devices (alias), gives the "
            "console a pty, the domain security labels and a resource partition; the "
            "test driver does none of this")

STAND_INS = (
    StandIn(("IpLink", "openvswitch"), (("IpLink", "tun"), ("IpLink", "physical")),
            f"{_NO_DATAPATH}, whose internal ports are tap devices; an OVS internal port "
            "in a namespace is otherwise a plain device, as a NIC is"),
    StandIn(("IpLink", "veth/openvswitch_slave"), (("IpLink", "veth/bridge_slave"),),
            f"the kernel datapath makes its ports ovs-system's (master ovs-system) as a "
            f"bridge makes its ports its own; {_NO_DATAPATH}, which enslaves nothing"),
    StandIn(("IpLink", "vxlan/openvswitch_slave"), (("IpLink", "vxlan/bridge_slave"),),
            f"as for veth/openvswitch_slave: {_NO_DATAPATH}"),
    StandIn(("IpLink", "physical/openvswitch_slave"), (("IpLink", "tun/bridge_slave"),),
            f"{_NO_NIC} (nor in a datapath): compared with the recorded bridge port "
            "without a peer, a tap with carrier"),
    StandIn(("IpLink", "physical/bridge_slave"), (("IpLink", "tun/bridge_slave"),),
            f"{_NO_NIC}: compared with the recorded bridge port without a peer, a tap "
            "with carrier"),
    StandIn(("IpLink", "vlan/bridge_slave"), (("IpLink", "veth/bridge_slave"),),
            "this machine's kernel has no 802.1Q module: a VLAN device shows its parent "
            "after '@' as a veth shows its peer"),
    StandIn(("EthtoolSettings", "openvswitch"), (("EthtoolSettings", "loopback"),),
            f"{_NO_DATAPATH}; the kernel's internal ports report only their link "
            "(internal_dev_ethtool_ops has get_link alone), as the loopback does"),
    StandIn(("DatapathPort", "internal"), (("DatapathPort", "tap"),),
            f"{_NO_DATAPATH}, which shows its internal ports as '(tap)'"),
)

_ETHTOOL_DRIVER = ("the sandbox's NICs are Intel 82599 (ixgbe) ports, as the demo export "
                   "describes them, whose driver reports wake-on and a message level; the "
                   "only recorded NIC, this machine's uplink (virtio_net), reports neither")
_DPCTL = (f"{_NO_DATAPATH}, whose dpctl/show has no mask or cache statistics; the kernel "
          "datapath's has")
DIFFERENCES = (
    *(Difference(("EthtoolSettings", "physical"), f"settings.{key}", _ETHTOOL_DRIVER)
      for key in ("Supports Wake-on", "Wake-on", "Current message level")),
    *(Difference(("Datapath", None), f"stats.{key}", _DPCTL)
      for key in ("masks", "cache", "caches")),
    *(Difference(("DomainXml", state), f"domain.devices.{device}.address", _QEMU)
      for state in ("running", "shut off") for device in ("input", "memballoon", "video")),
    *(Difference(("DomainXml", "running"), path, _RUNNING)
      for path in ("domain.resource", "domain.seclabel", "domain.devices.console.@tty",
                   "domain.devices.console.source", "domain.devices.serial.source",
                   *(f"domain.devices.{device}.alias" for device in (
                       "console", "disk", "input", "interface", "memballoon", "serial",
                       "video")))),
    Difference(("DomainInterface", "bridge"), "element.alias", _RUNNING),
)


def discriminators(answer: Answer) -> Mapping[type, Discriminator]:
    """What tells items of a type apart: a device's kind (from ``ip -d`` in the namespace
    the command saw), an address's family and scope, an interface's or port's type, ..."""
    return {
        IpLink: lambda link: answer.devices[link.name],
        IpAddress: lambda address: f"{address.family} {address.scope}",
        EthtoolSettings: lambda settings: answer.settings[settings.interface],
        OvsPort: lambda port: port.interfaces[0].type or "system",
        OvsInterface: lambda interface: interface.type or "system",
        DatapathPort: lambda port: port.type,
        FdbEntry: lambda entry: " ".join(entry.flags),
        SysNetEntry: lambda entry: "virtual" if entry.virtual else "device",
        VirshDomain: lambda domain: domain.state,
        DomainXml: lambda domain: "running" if domain.id is not None else "shut off",
        DomainInterface: lambda interface: interface.type,
    }


def structure(answers_: tuple[Answer, ...]) -> list[Item]:
    return [item for answer in answers_
            for item in items(answer.parsed, answer.where, discriminators(answer))]


# -- the sandbox's answers -----------------------------------------------------------------------


@cache
def cloud_of(shape: str) -> Cloud:
    """A cloud of the shape, its first compute host with one instance stopped."""
    mechanism, types = shape.split("/")
    cloud = build(CloudShape(compute_hosts=3, network_hosts=1, instances_per_host=2,
                             mechanism_driver=mechanism, type_driver=types))
    cloud.set_power(cloud.computes[0].instances[0], False, NOW)
    return cloud


def hosts(shape: str) -> list[tuple[Cloud, Host]]:
    cloud = cloud_of(shape)
    return [(cloud, cloud.computes[0]), (cloud, cloud.network_hosts[0])]


@pytest.fixture(scope="module")
def ours() -> tuple[Answer, ...]:
    """A compute and a network host's answers in each cloud (made once: a failure too)."""
    return tuple(answer for shape in SHAPES for cloud, host in hosts(shape)
                 for answer in answers(cloud, host, shape))


def of_kind(found: tuple[Answer, ...], kind: str) -> tuple[Answer, ...]:
    return tuple(answer for answer in found if answer.kind == kind)


# -- parsing and structure -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", COMMAND_KINDS)
def test_recorded_and_sandbox_answers_parse_with_the_same_parser(
        kind: str, ours: tuple[Answer, ...]) -> None:
    theirs, mine = of_kind(recorded(), kind), of_kind(ours, kind)
    assert theirs, f"no recording of {kind}"
    assert mine, f"no sandbox host answered {kind}"
    parsers = {parser_for(answer.command) for answer in (*theirs, *mine)}
    assert len(parsers) == 1, parsers
    assert any(answer.parsed for answer in mine)


# ``ip address show`` prints the same sections in the root namespace and in another one:
# the recordings of either are the reference for both.
SAME_OUTPUT = ({"ip address show", "ip netns exec NS ip address show"},)


def reference(kind: str) -> tuple[Answer, ...]:
    kinds = next((group for group in SAME_OUTPUT if kind in group), {kind})
    return tuple(answer for answer in recorded() if answer.kind in kinds)


def structural_mismatches(ours: tuple[Answer, ...], kind: str,
                          differences: tuple[Difference, ...] = DIFFERENCES,
                          stand_ins: tuple[StandIn, ...] = STAND_INS) -> list[str]:
    return mismatches(structure(of_kind(ours, kind)), structure(reference(kind)),
                      differences, stand_ins)


@pytest.mark.parametrize("kind", COMMAND_KINDS)
def test_the_sandbox_s_answers_have_the_recorded_structure(
        kind: str, ours: tuple[Answer, ...]) -> None:
    assert structure(of_kind(ours, kind))
    assert structural_mismatches(ours, kind) == []


def test_every_listed_difference_is_needed(ours: tuple[Answer, ...]) -> None:
    """Without any one of the differences or stand-ins, some answer would not match; and a
    stand-in is only for a kind that no recording has."""
    recorded_kinds = {item.kind for item in structure(recorded())}
    assert not recorded_kinds & {stand_in.kind for stand_in in STAND_INS}
    for difference in DIFFERENCES:
        others = tuple(d for d in DIFFERENCES if d != difference)
        assert any(structural_mismatches(ours, kind, others) for kind in COMMAND_KINDS), \
            difference
    for stand_in in STAND_INS:
        others = tuple(s for s in STAND_INS if s != stand_in)
        assert any(structural_mismatches(ours, kind, DIFFERENCES, others)
                   for kind in COMMAND_KINDS), stand_in


# -- the values are the model's -------------------------------------------------------------------

def parsed(cloud: Cloud, host: Host, command: str) -> Any:
    return parse_output(command, run(cloud, host, command))


def by_name(links: list[IpLink]) -> dict[str, IpLink]:
    return {link.name: link for link in links}


def inet(link: IpLink) -> list[tuple[str, int, str | None]]:
    return [(a.address, a.prefix, a.broadcast) for a in link.ipv4]


# Where a host's tunnel address (eth1's in the model) is: on Mirantis' br-mesh with Open
# vSwitch and VXLAN, nowhere with Open vSwitch and VLAN, on eth1 itself with Linux bridges.
TUNNEL_ADDRESS_ON = {"OVS/vxlan": ["br-mesh"], "OVS/vlan": [], "LXB/vlan": ["eth1"],
                     "LXB/vxlan": ["eth1"]}


def plugged_into(shape: str, port: Port) -> str:
    """The bridge nova plugs an instance's port into: the hybrid plug's qbr, or the
    linuxbridge agent's bridge of the port's network."""
    return f"qbr{port.short}" if shape.startswith("OVS") else f"brq{port.network.id[:11]}"


def neutron_inet(ip: str, prefix: int) -> tuple[str, int, str]:
    """An address as neutron (and ifupdown) put it on a device: with the network's
    broadcast address, or on a /32 the address itself."""
    network = ipaddress.ip_network(f"{ip}/{prefix}", strict=False)
    return ip, prefix, ip if prefix == 32 else str(network.broadcast_address)


@pytest.mark.parametrize("shape", SHAPES)
def test_nics_instances_and_identity(shape: str) -> None:
    for cloud, host in hosts(shape):
        links = by_name(parsed(cloud, host, "ip address show"))
        assert list(by_name(parsed(cloud, host, "ip link show"))) == list(links)
        for pnic in host.pnics:
            assert links[pnic.name].mac == pnic.mac
            (alone,) = parsed(cloud, host, f"ip address show {pnic.name}")
            assert alone == links[pnic.name]
        assert inet(links["eth0"]) == [neutron_inet(host.mgmt_ip, 24)]
        holders = [name for name, link in links.items()
                   if any(a.address == host.tunnel_ip for a in link.ipv4)]
        assert holders == TUNNEL_ADDRESS_ON[shape]
        for instance in host.instances:
            for port in instance.ports:
                tap = links.get(f"tap{port.short}")
                assert (tap is not None) == instance.running
                if tap is not None:
                    assert (tap.mac, tap.mtu) == ("fe" + port.mac[2:], port.network.mtu)
                if shape.startswith("OVS"):
                    assert links[f"qbr{port.short}"].mac == port.mac
                    assert links[f"qvb{port.short}"].master == f"qbr{port.short}"
                    assert links[f"qvo{port.short}"].peer == f"qvb{port.short}"
        entries = parsed(cloud, host, "ls -l /sys/class/net")
        assert sorted(e.name for e in entries) == sorted(links)
        assert [e.name for e in entries if not e.virtual] == [p.name for p in host.pnics]
        assert parsed(cloud, host, "uname -n") == host.name
        release = parsed(cloud, host, "cat /etc/os-release")
        assert (release["ID"], release["VERSION_ID"]) == ("debian", "12")


@pytest.mark.parametrize("shape", SHAPES)
def test_ethtool_agrees_with_ip_link(shape: str) -> None:
    for cloud, host in hosts(shape):
        details = by_name(parsed(cloud, host, "ip -d link show"))
        for name, link in details.items():
            settings = parsed(cloud, host, f"ethtool {name}")
            assert settings.interface == name
            assert settings.link_detected == ("LOWER_UP" in link.flags)
            lower = link.vxlan.dev if link.vxlan is not None else (
                link.peer if link.kind == "vlan" else None)
            if lower is not None:  # a stacked device reports its lower device's settings
                assert settings.speed == parsed(cloud, host, f"ethtool {lower}").speed
        for pnic in host.pnics:
            assert parsed(cloud, host, f"ethtool {pnic.name}").speed == "10000Mb/s"


@pytest.mark.parametrize("shape", SHAPES)
def test_namespaces_hold_the_dhcp_and_router_ports(shape: str) -> None:
    cloud, host = hosts(shape)[1]
    dhcp = "tap" if shape.startswith("OVS") else "ns-"  # the OVS agent's and linuxbridge's
    listed = [ns.name for ns in parsed(cloud, host, "ip netns list")]
    assert listed == [f"qdhcp-{p.network.id}" for p in host.dhcp_ports] + [
        f"qrouter-{r.id}" for r in host.routers]
    assert parsed(cloud, cloud.computes[0], "ip netns list") == []
    for port in host.dhcp_ports:
        inside = by_name(parsed(cloud, host, f"ip netns exec qdhcp-{port.network.id} "
                                             "ip address show"))
        assert list(inside) == ["lo", f"{dhcp}{port.short}"]
        device = inside[f"{dhcp}{port.short}"]
        assert (device.mac, device.mtu) == (port.mac, port.network.mtu)
        assert inet(device) == [neutron_inet(port.ip, port.network.prefix)]
    for router in host.routers:
        assert router.gateway is not None
        inside = by_name(parsed(cloud, host, f"ip netns exec qrouter-{router.id} "
                                             "ip address show"))
        ports = [*router.interfaces, router.gateway]
        assert list(inside) == ["lo", *(f"qr-{p.short}" for p in router.interfaces),
                                f"qg-{router.gateway.short}"]
        for port, name in zip(ports, list(inside)[1:], strict=True):
            assert inside[name].mac == port.mac
            subnet = port.subnet or port.network.subnet
            assert inet(inside[name])[0] == neutron_inet(port.ip, subnet.prefix)
        floating = [f.address for f in cloud.floating_ips.values() if f.router is router]
        assert floating, "the build associates a floating IP through each router"
        assert inet(inside[f"qg-{router.gateway.short}"])[1:] == [
            neutron_inet(address, 32) for address in floating]


@pytest.mark.parametrize("shape", [s for s in SHAPES if s.startswith("OVS")])
def test_open_vswitch_bridges_tags_and_tunnels(shape: str) -> None:
    for cloud, host in hosts(shape):
        show = parsed(cloud, host, "ovs-vsctl show")
        expected = {"br-int", "br-tun" if shape.endswith("vxlan") else "br-prv"}
        if host.kind == "network":
            expected.add("br-floating")
        assert {bridge.name for bridge in show.bridges} == expected
        assert parsed(cloud, host, "ovs-vsctl list-br") == sorted(expected)
        for bridge in show.bridges:
            assert parsed(cloud, host, f"ovs-vsctl list-ifaces {bridge.name}") == sorted(
                port.name for port in bridge.ports if port.name != bridge.name)
        integration = show.bridge("br-int")
        vservice = {DHCP_OWNER: "tap", ROUTER_GATEWAY_OWNER: "qg-"}
        ports = [*(("qvo", p) for i in host.instances for p in i.ports),
                 *((vservice.get(p.device_owner, "qr-"), p) for p in vservice_ports(host))]
        assert ports
        for prefix, port in ports:
            assert integration.port(f"{prefix}{port.short}").tag == host.tags[port.network.id]
        tunnels = [port for bridge in show.bridges for port in bridge.ports
                   if port.interfaces[0].type == "vxlan"]
        peers = {peer.tunnel_ip for peer in tunnel_peers(cloud, host)
                 if shape.endswith("vxlan")}
        assert {port.interfaces[0].options["remote_ip"] for port in tunnels} == peers
        for port in tunnels:
            options = port.interfaces[0].options
            assert options["local_ip"] == host.tunnel_ip
            assert port.name == tunnel_port_name(options["remote_ip"])
        (datapath,) = parsed(cloud, host, "ovs-dpctl show")
        assert parsed(cloud, host, "ovs-appctl dpctl/show") == [datapath]
        in_datapath = {port.name for bridge in show.bridges for port in bridge.ports
                       if port.interfaces[0].type not in ("patch", "vxlan")}
        if shape.endswith("vxlan"):
            in_datapath.add("vxlan_sys_4789")
        assert (datapath.name, datapath.type) == ("ovs-system", "system")
        assert {port.name for port in datapath.ports} == {"ovs-system", *in_datapath}


@pytest.mark.parametrize("shape", SHAPES)
def test_linux_bridges_and_forwarding_entries(shape: str) -> None:
    for cloud, host in hosts(shape):
        details = by_name(parsed(cloud, host, "ip -d link show"))
        bridges = {bridge.bridge_name: bridge for bridge in parsed(cloud, host, "brctl show")}
        for name, bridge in bridges.items():
            assert bridge.bridge_id == "8000." + details[name].mac.replace(":", "")
            assert bridge.interfaces == tuple(sorted(
                link.name for link in details.values() if link.master == name))
        fdb = parsed(cloud, host, "bridge fdb show")
        if shape.startswith("OVS"):
            assert set(bridges) == {f"qbr{p.short}" for i in host.instances for p in i.ports} \
                | ({"br-mesh"} if shape.endswith("vxlan") else set())
            assert not [entry for entry in fdb if entry.dst is not None]
            continue
        networks = {port.network.id: port.network for port in host.ports}.values()
        assert set(bridges) == {f"brq{network.id[:11]}" for network in networks}
        for network in networks:
            segment = network.segmentation_id
            device = f"vxlan-{segment}" if shape.endswith("vxlan") else f"eth1.{segment}"
            if network.external:
                device = "eth2"
            assert details[device].master == f"brq{network.id[:11]}"
            if shape.endswith("vlan") and not network.external:
                assert details[device].peer == "eth1"
                assert f"vlan protocol 802.1Q id {segment} <REORDER_HDR>" in details[device].details
            if not shape.endswith("vxlan") or network.external:
                continue
            vxlan = details[device].vxlan
            assert (vxlan.id, vxlan.local, vxlan.dev) == (segment, host.tunnel_ip, "eth1")
            remote = [(p.mac, p.host.tunnel_ip) for p in network.ports
                      if p.host is not None and p.host is not host]
            flooding = {("00:00:00:00:00:00", ip) for _, ip in remote}
            assert {(e.mac, e.dst) for e in fdb if e.dev == device and e.dst} == \
                set(remote) | flooding


@pytest.mark.parametrize("shape", SHAPES)
def test_domains_are_the_instances(shape: str) -> None:
    cloud = cloud_of(shape)
    host = cloud.computes[0]
    running = [i for i in host.instances if i.running]
    stopped = [i for i in host.instances if not i.running]
    assert running and stopped
    assert parsed(cloud, host, "virsh list") == [
        VirshDomain(i.domain_id, i.local_name, "running") for i in running]
    assert parsed(cloud, host, "virsh list --all") == [
        *(VirshDomain(i.domain_id, i.local_name, "running") for i in running),
        *(VirshDomain(None, i.local_name, "shut off") for i in stopped)]
    for instance in host.instances:
        references = [instance.local_name, instance.id, *(
            [str(instance.domain_id)] if instance.running else [])]
        for reference in references:
            domain = parsed(cloud, host, f"virsh dumpxml {reference}")
            assert (domain.name, domain.uuid, domain.id) == (
                instance.local_name, instance.id, instance.domain_id)
            assert [(i.type, i.mac_address, i.target_dev, i.source_bridge, i.model)
                    for i in domain.interfaces] == [
                ("bridge", p.mac, f"tap{p.short}", plugged_into(shape, p), "virtio")
                for p in instance.ports]

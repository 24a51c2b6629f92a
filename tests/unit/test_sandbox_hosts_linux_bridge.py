"""A sandbox host wired by neutron's linuxbridge agent: one brq bridge per network with the
segment's device (a VLAN sub-interface, a VXLAN device with l2population entries, or eth2
for the flat external network), the instances' taps, and veth pairs into the namespaces."""

from __future__ import annotations

from typing import Any

import pytest

from loaders.hosts.fdb import parse_bridge_fdb_show
from loaders.hosts.iproute import IpLink
from loaders.hosts.parsers import parse_output
from topology.sandbox.faults import Faults
from topology.sandbox.hosts.shell import Shell
from topology.sandbox.model import Cloud, CloudShape, Host, build


def make(type_driver: str) -> Cloud:
    return build(CloudShape(compute_hosts=3, network_hosts=1, projects=2,
                            networks_per_project=2, instances_per_host=2,
                            mechanism_driver="LXB", type_driver=type_driver))


@pytest.fixture
def vlan() -> Cloud:
    return make("vlan")


@pytest.fixture
def vxlan() -> Cloud:
    return make("vxlan")


def run(cloud: Cloud, host: Host, line: str) -> str:
    result = Shell(cloud, Faults(), host).run(line)
    assert (result.status, result.stderr) == (0, ""), result.stderr
    return result.stdout


def parsed(cloud: Cloud, host: Host, command: str) -> Any:
    """The host's answer to ``command`` as the loaders' parser reads it."""
    return parse_output(command, run(cloud, host, command))


def links(cloud: Cloud, host: Host, command: str) -> dict[str, IpLink]:
    return {link.name: link for link in parsed(cloud, host, command)}


def test_each_network_of_the_host_is_a_brq_bridge_with_its_vlan_device(vlan: Cloud) -> None:
    host = vlan.computes[0]
    shown = {bridge.bridge_name: bridge for bridge in parsed(vlan, host, "brctl show")}
    networks = {port.network for port in host.ports}
    assert set(shown) == {f"brq{n.id[:11]}" for n in networks}
    eth1 = host.pnics[1]
    for network in networks:
        bridge = shown[f"brq{network.id[:11]}"]
        taps = {f"tap{p.short}" for i in host.instances for p in i.ports if p.network is network}
        assert bridge.interfaces == tuple(sorted({f"eth1.{network.segmentation_id}", *taps}))
        assert bridge.bridge_id == "8000." + eth1.mac.replace(":", "")  # the lowest: eth1's
    details = links(vlan, host, "ip -d link show")
    for network in networks:
        device = details[f"eth1.{network.segmentation_id}"]
        assert (device.peer, device.kind) == ("eth1", "vlan")
        assert f"vlan protocol 802.1Q id {network.segmentation_id} <REORDER_HDR>" in \
            device.details
        assert device.master == f"brq{network.id[:11]}"


def test_domains_plug_into_the_network_bridge(vlan: Cloud) -> None:
    host = vlan.computes[1]
    instance = host.instances[0]
    domain = parsed(vlan, host, f"virsh dumpxml {instance.local_name}")
    assert [(i.source_bridge, i.target_dev, i.mac_address) for i in domain.interfaces] == [
        (f"brq{p.network.id[:11]}", f"tap{p.short}", p.mac) for p in instance.ports]


def test_namespace_ports_are_veth_pairs_into_the_bridges(vlan: Cloud) -> None:
    host = vlan.network_hosts[0]
    port = host.dhcp_ports[0]
    inside = links(vlan, host, f"ip netns exec qdhcp-{port.network.id} ip address show")
    ns_end = inside[f"ns-{port.short}"]
    assert ns_end.peer is not None and ns_end.peer.startswith("if")
    peer_index = int(ns_end.peer.removeprefix("if"))
    assert (ns_end.link_type, ns_end.mac, ns_end.link_netnsid) == ("ether", port.mac, 0)
    assert ns_end.lines[1] == f"    link/ether {port.mac} brd ff:ff:ff:ff:ff:ff link-netnsid 0"
    assert [(a.address, a.prefix) for a in ns_end.ipv4 if a.broadcast] == [
        (port.ip, port.network.prefix)]
    tap = links(vlan, host, "ip link show")[f"tap{port.short}"]
    assert (tap.index, tap.peer) == (peer_index, "if2")
    assert tap.master == f"brq{port.network.id[:11]}"
    assert (tap.link_netns, tap.link_netnsid) == (f"qdhcp-{port.network.id}", None)
    router = host.routers[0]
    inside = links(vlan, host, f"ip netns exec qrouter-{router.id} ip address show")
    assert router.gateway is not None
    assert list(inside) == ["lo", *(f"qr-{p.short}" for p in router.interfaces),
                            f"qg-{router.gateway.short}"]
    external = {b.bridge_name: b for b in parsed(vlan, host, "brctl show")}[
        f"brq{router.gateway.network.id[:11]}"]
    assert "eth2" in external.interfaces and f"tap{router.gateway.short}" in external.interfaces


def test_no_open_vswitch_on_a_linux_bridge_host(vlan: Cloud) -> None:
    for command in ("ovs-vsctl show", "ovs-dpctl show"):
        result = Shell(vlan, Faults(), vlan.computes[0]).run(f"sudo {command}")
        name = command.split()[0]
        assert (result.status, result.stderr) == (1, f"sudo: {name}: command not found\n")


def test_vxlan_devices_flood_to_the_hosts_sharing_the_network(vxlan: Cloud) -> None:
    host = vxlan.computes[0]
    network = host.instances[0].ports[0].network
    device = f"vxlan-{network.segmentation_id}"
    details = links(vxlan, host, "ip -d link show")[device]
    assert details.vxlan is not None
    assert (details.vxlan.id, details.vxlan.local, details.vxlan.dev,
            details.vxlan.dstport) == (network.segmentation_id, host.tunnel_ip, "eth1", 4789)
    assert details.details[0].startswith(
        f"vxlan id {network.segmentation_id} local {host.tunnel_ip} dev eth1 srcport 0 0 "
        "dstport 4789")
    assert details.master == f"brq{network.id[:11]}"
    fdb = [(e.mac, e.dev, e.dst, e.flags) for e in
           parse_bridge_fdb_show(run(vxlan, host, f"bridge fdb show dev {device}"))]
    remote_hosts = {p.host.name: p.host for p in network.ports
                    if p.host is not None and p.host is not host}
    assert remote_hosts, "the network has ports on other hosts"
    flooding = {dst for mac, dev, dst, flags in fdb if mac == "00:00:00:00:00:00"
                and (dev, flags) == (device, ("self", "permanent"))}
    assert flooding == {h.tunnel_ip for h in remote_hosts.values()}
    for port in network.ports:
        if port.host is not None and port.host is not host:
            assert (port.mac, device, port.host.tunnel_ip, ("self", "permanent")) in fdb
    (address,) = parsed(vxlan, host, "ip address show eth1")
    assert [(a.address, a.prefix) for a in address.ipv4 if a.broadcast] == [
        (host.tunnel_ip, 24)]

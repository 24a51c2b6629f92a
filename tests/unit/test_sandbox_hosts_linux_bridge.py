"""A sandbox host wired by neutron's linuxbridge agent: one brq bridge per network with the
segment's device (a VLAN sub-interface, a VXLAN device with l2population entries, or eth2
for the flat external network), the instances' taps, and veth pairs into the namespaces."""

from __future__ import annotations

import re

import pytest

from tests.support.host_outputs import bridges, entry, parse_xml
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


def test_each_network_of_the_host_is_a_brq_bridge_with_its_vlan_device(vlan: Cloud) -> None:
    host = vlan.computes[0]
    shown = bridges(run(vlan, host, "brctl show"))
    networks = {port.network for port in host.ports}
    assert set(shown) == {f"brq{n.id[:11]}" for n in networks}
    eth1 = host.pnics[1]
    for network in networks:
        bridge_id, interfaces = shown[f"brq{network.id[:11]}"]
        taps = {f"tap{p.short}" for i in host.instances for p in i.ports if p.network is network}
        assert interfaces == sorted({f"eth1.{network.segmentation_id}", *taps})
        assert bridge_id == "8000." + eth1.mac.replace(":", "")  # the lowest MAC: eth1's
    links = run(vlan, host, "ip -d link show")
    for network in networks:
        device = entry(links, f"eth1.{network.segmentation_id}")
        assert re.match(rf"\d+: eth1\.{network.segmentation_id}@eth1: ", device)
        assert f"vlan protocol 802.1Q id {network.segmentation_id} <REORDER_HDR>" in device
        assert f"master brq{network.id[:11]}" in device


def test_domains_plug_into_the_network_bridge(vlan: Cloud) -> None:
    host = vlan.computes[1]
    instance = host.instances[0]
    domain = parse_xml(run(vlan, host, f"virsh dumpxml {instance.local_name}"))
    assert [(i.find("source").get("bridge"), i.find("target").get("dev"),
             i.find("mac").get("address")) for i in domain.findall("devices/interface")] == [
        (f"brq{p.network.id[:11]}", f"tap{p.short}", p.mac) for p in instance.ports]


def test_namespace_ports_are_veth_pairs_into_the_bridges(vlan: Cloud) -> None:
    host = vlan.network_hosts[0]
    port = host.dhcp_ports[0]
    inside = run(vlan, host, f"ip netns exec qdhcp-{port.network.id} ip address show")
    ns_end = entry(inside, f"ns-{port.short}")
    peer_index = re.match(rf"\d+: ns-{port.short}@if(\d+):", ns_end).group(1)
    assert f"link/ether {port.mac} brd ff:ff:ff:ff:ff:ff link-netnsid 0\n" in ns_end
    assert f"inet {port.ip}/{port.network.prefix} brd " in ns_end
    root = run(vlan, host, "ip link show")
    tap = entry(root, f"tap{port.short}")
    assert tap.startswith(f"{peer_index}: tap{port.short}@if2: ")
    assert f"master brq{port.network.id[:11]} " in tap
    assert f"link-netns qdhcp-{port.network.id}\n" in tap
    router = host.routers[0]
    inside = run(vlan, host, f"ip netns exec qrouter-{router.id} ip address show")
    names = re.findall(r"(?m)^\d+: ([^@:]+)", inside)
    assert router.gateway is not None
    assert names == ["lo", *(f"qr-{p.short}" for p in router.interfaces),
                     f"qg-{router.gateway.short}"]
    external = bridges(run(vlan, host, "brctl show"))[f"brq{router.gateway.network.id[:11]}"]
    assert "eth2" in external[1] and f"tap{router.gateway.short}" in external[1]


def test_no_open_vswitch_on_a_linux_bridge_host(vlan: Cloud) -> None:
    for command in ("ovs-vsctl show", "ovs-dpctl show"):
        result = Shell(vlan, Faults(), vlan.computes[0]).run(f"sudo {command}")
        name = command.split()[0]
        assert (result.status, result.stderr) == (1, f"sudo: {name}: command not found\n")


def test_vxlan_devices_flood_to_the_hosts_sharing_the_network(vxlan: Cloud) -> None:
    host = vxlan.computes[0]
    network = host.instances[0].ports[0].network
    device = f"vxlan-{network.segmentation_id}"
    details = entry(run(vxlan, host, "ip -d link show"), device)
    assert (f"vxlan id {network.segmentation_id} local {host.tunnel_ip} dev eth1 srcport 0 0 "
            "dstport 4789") in details
    assert f"master brq{network.id[:11]}" in details
    fdb = run(vxlan, host, f"bridge fdb show dev {device}")
    remote_hosts = {p.host.name: p.host for p in network.ports
                    if p.host is not None and p.host is not host}
    assert remote_hosts, "the network has ports on other hosts"
    flooding = set(re.findall(rf"(?m)^00:00:00:00:00:00 dev {device} dst (\S+) self permanent$",
                              fdb))
    assert flooding == {h.tunnel_ip for h in remote_hosts.values()}
    for port in network.ports:
        if port.host is not None and port.host is not host:
            assert f"{port.mac} dev {device} dst {port.host.tunnel_ip} self permanent\n" in fdb
    address = entry(run(vxlan, host, "ip address show eth1"), "eth1")
    assert f"inet {host.tunnel_ip}/24 brd " in address

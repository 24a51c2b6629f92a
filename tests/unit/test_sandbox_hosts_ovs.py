"""A sandbox host wired with Open vSwitch and VXLAN answers with the model's facts: names,
MACs, local VLAN tags, tunnel peers, addresses; and its answers follow the model's changes."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from tests.support.host_outputs import entry, parse_xml
from topology.sandbox.faults import Faults
from topology.sandbox.hosts.layout import (
    bridge_mappings,
    interface_mappings,
    tunnel_peers,
    tunnel_port_name,
)
from topology.sandbox.hosts.shell import Shell
from topology.sandbox.model import Cloud, CloudShape, Host, build

NOVA = "{http://openstack.org/xmlns/libvirt/nova/1.1}"
NOW = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture
def cloud() -> Cloud:
    return build(CloudShape(compute_hosts=4, network_hosts=2, projects=2,
                            networks_per_project=2, instances_per_host=2))


def run(cloud: Cloud, host: Host, line: str) -> str:
    result = Shell(cloud, Faults(), host).run(line)
    assert result.status == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


def test_virsh_list_shows_the_running_instances_by_domain_id(cloud: Cloud) -> None:
    host = cloud.computes[0]
    rows = run(cloud, host, "virsh list").splitlines()
    assert rows[0].split() == ["Id", "Name", "State"]
    assert set(rows[1]) == {"-"}
    listed = {tuple(row.split()) for row in rows[2:] if row}
    assert listed == {(str(i.domain_id), i.local_name, "running") for i in host.instances}


def test_a_stopped_instance_leaves_virsh_list_but_stays_defined(cloud: Cloud) -> None:
    host = cloud.computes[1]
    stopped, running = host.instances
    cloud.set_power(stopped, False, NOW)
    names = run(cloud, host, "virsh list")
    assert stopped.local_name not in names and running.local_name in names
    every = run(cloud, host, "virsh list --all")
    assert f" -    {stopped.local_name}   shut off" in every
    inactive = parse_xml(run(cloud, host, f"virsh dumpxml {stopped.id}"))
    assert "id" not in inactive.attrib
    assert run(cloud, host, f"brctl show qbr{stopped.ports[0].short}").count("tap") == 0


def test_a_new_instance_appears_with_the_next_domain_id(cloud: Cloud) -> None:
    host = cloud.computes[2]
    before = max(i.domain_id or 0 for i in host.instances)
    network = cloud.projects[0].networks[0]
    new = cloud.create_instance(host, cloud.projects[0], [network], "vm-new", NOW)
    assert new.domain_id == before + 1
    assert f" {new.domain_id}    {new.local_name}   running" in run(cloud, host, "virsh list")
    assert f"qvo{new.ports[0].short}" in run(cloud, host, "ovs-vsctl list-ifaces br-int")


def test_dumpxml_is_nova_s_domain_for_the_instance(cloud: Cloud) -> None:
    host = cloud.computes[0]
    instance = host.instances[0]
    for reference in (str(instance.domain_id), instance.local_name, instance.id):
        text = run(cloud, host, f"virsh dumpxml {reference}")
        domain = parse_xml(text)
        assert domain.attrib == {"type": "kvm", "id": str(instance.domain_id)}
        assert domain.findtext("uuid") == instance.id
        assert domain.findtext("name") == instance.local_name
        assert domain.findtext(f"metadata/{NOVA}instance/{NOVA}name") == instance.name
        interfaces = domain.findall("devices/interface")
        assert [(i.get("type"), i.find("mac").get("address"), i.find("source").get("bridge"),
                 i.find("target").get("dev"), i.find("model").get("type"))
                for i in interfaces] == [
            ("bridge", p.mac, f"qbr{p.short}", f"tap{p.short}", "virtio")
            for p in instance.ports]


def test_br_int_ports_carry_the_networks_local_vlan_tags(cloud: Cloud) -> None:
    host = cloud.computes[0]
    show = run(cloud, host, "ovs-vsctl show")
    for instance in host.instances:
        for port in instance.ports:
            tag = host.tags[port.network.id]
            assert f"        Port qvo{port.short}\n            tag: {tag}\n" in show
    dpctl = run(cloud, host, "ovs-dpctl show")
    numbered = re.findall(r"(?m)^  port (\d+): (\S+)(?: \((.*)\))?$", dpctl)
    assert [name for _, name, _ in numbered[:4]] == ["ovs-system", "br-int", "br-tun",
                                                     "vxlan_sys_4789"]
    assert [number for number, _, _ in numbered] == [str(n) for n in range(len(numbered))]
    qvos = {name for _, name, kind in numbered if name.startswith("qvo") and kind == ""}
    assert qvos == {f"qvo{p.short}" for i in host.instances for p in i.ports}


def test_br_tun_has_a_vxlan_port_to_each_tunnel_peer(cloud: Cloud) -> None:
    for host in (cloud.computes[0], cloud.network_hosts[0]):
        show = run(cloud, host, "ovs-vsctl show")
        peers = tunnel_peers(cloud, host)
        assert peers, "every host of this cloud has peers"
        options = dict(re.findall(
            r"Port (vxlan-[0-9a-f]{8})\n.*\n.*type: vxlan\n\s+options: (\{.*\})", show))
        assert set(options) == {tunnel_port_name(peer.tunnel_ip) for peer in peers}
        for peer in peers:
            text = options[tunnel_port_name(peer.tunnel_ip)]
            assert f'local_ip="{host.tunnel_ip}"' in text
            assert f'remote_ip="{peer.tunnel_ip}"' in text
        ifaces = run(cloud, host, "ovs-vsctl list-ifaces br-tun").split()
        assert ifaces == sorted(ifaces) and "patch-int" in ifaces and "br-tun" not in ifaces


def test_hybrid_plug_bridges_and_the_mesh_bridge(cloud: Cloud) -> None:
    host = cloud.computes[0]
    eth1 = host.pnics[1]
    brctl = run(cloud, host, "brctl show")
    assert f"br-mesh\t\t8000.{eth1.mac.replace(':', '')}\tno\t\teth1.103\n" in brctl
    for instance in host.instances:
        for port in instance.ports:
            short = port.short
            assert (f"qbr{short}\t\t8000.{port.mac.replace(':', '')}\tno\t\tqvb{short}\n"
                    f"\t\t\t\t\t\t\ttap{short}\n") in brctl
    addresses = run(cloud, host, "ip address show")
    assert f"inet {host.tunnel_ip}/24 brd " in entry(addresses, "br-mesh")
    assert f"inet {host.mgmt_ip}/24 brd " in entry(addresses, "eth0")
    assert "inet " not in entry(addresses, "eth1")
    tap = entry(addresses, f"tap{host.instances[0].ports[0].short}")
    assert "master qbr" in tap and "link/ether fe:16:3e:" in tap


def test_pnics_are_the_devices_behind_pci(cloud: Cloud) -> None:
    host = cloud.network_hosts[0]
    lines = run(cloud, host, 'ls -l /sys/class/net | grep ^l | grep -v "/virtual/"')
    assert [line.rsplit("/", 1)[1] for line in lines.splitlines()] == [
        pnic.name for pnic in host.pnics]
    for pnic in host.pnics:
        shown = run(cloud, host, f"ip address show {pnic.name}")
        assert f"link/ether {pnic.mac} " in shown
        ethtool = run(cloud, host, f"ethtool {pnic.name}")
        assert "\tSpeed: 10000Mb/s\n" in ethtool and "\tLink detected: yes\n" in ethtool


def test_network_host_namespaces_hold_the_dhcp_and_router_ports(cloud: Cloud) -> None:
    host = cloud.network_hosts[0]
    listed = [line.split()[0] for line in run(cloud, host, "ip netns list").splitlines()]
    assert listed == [f"qdhcp-{p.network.id}" for p in host.dhcp_ports] + [
        f"qrouter-{r.id}" for r in host.routers]
    port = host.dhcp_ports[0]
    dhcp = run(cloud, host, f"ip netns exec qdhcp-{port.network.id} ip address show")
    tap = entry(dhcp, f"tap{port.short}")
    assert f"link/ether {port.mac} " in tap
    assert f"inet {port.ip}/{port.network.prefix} brd " in tap
    router = host.routers[0]
    inside = run(cloud, host, f"sudo ip netns exec qrouter-{router.id} ip address show")
    for interface in router.interfaces:
        assert f"inet {interface.ip}/" in entry(inside, f"qr-{interface.short}")
    assert router.gateway is not None
    gateway = entry(inside, f"qg-{router.gateway.short}")
    assert f"inet {router.gateway.ip}/" in gateway
    fips = [f.address for f in cloud.floating_ips.values() if f.router is router]
    assert fips, "the build associates a floating IP through this router"
    for address in fips:
        assert f"inet {address}/32 brd {address} scope global qg-{router.gateway.short}" in gateway
    tags = host.tags
    show = run(cloud, host, "ovs-vsctl show")
    assert (f"Port tap{port.short}\n            tag: {tags[port.network.id]}\n"
            f"            Interface tap{port.short}\n                type: internal") in show


def test_a_new_router_and_its_interface_make_a_namespace(cloud: Cloud) -> None:
    project = cloud.projects[1]
    router = cloud.create_router(project, "router-extra", NOW)
    port = cloud.add_router_interface(router, project.networks[1].subnets[0], NOW)
    host = router.host
    assert host is not None
    assert f"qrouter-{router.id} (id: " in run(cloud, host, "ip netns list")
    inside = run(cloud, host, f"ip netns exec qrouter-{router.id} ip address show")
    assert f"inet {port.ip}/" in entry(inside, f"qr-{port.short}")
    cloud.remove_router_interface(router, port, NOW)
    cloud.delete_router(router)
    assert f"qrouter-{router.id}" not in run(cloud, host, "ip netns list")


def test_interface_indexes_do_not_move_when_others_go(cloud: Cloud) -> None:
    host = cloud.computes[3]
    first, second = host.instances
    name = f"qvo{second.ports[0].short}"
    before = entry(run(cloud, host, "ip link show"), name).split(":")[0]
    cloud.delete_instance(first)
    after = entry(run(cloud, host, "ip link show"), name).split(":")[0]
    assert before == after
    assert f"qvo{first.ports[0].short}" not in run(cloud, host, "ip link show")


def test_network_hosts_have_no_libvirt(cloud: Cloud) -> None:
    result = Shell(cloud, Faults(), cloud.network_hosts[0]).run("virsh list")
    assert (result.status, result.stderr) == (127, "bash: virsh: command not found\n")


def test_vlan_networks_go_through_the_mapped_physical_bridges() -> None:
    cloud = build(CloudShape(compute_hosts=2, network_hosts=1, instances_per_host=1,
                             type_driver="vlan"))
    compute, network = cloud.computes[0], cloud.network_hosts[0]
    assert bridge_mappings(cloud, compute) == {"physnet1": "br-prv"}
    assert bridge_mappings(cloud, network) == {"physnet1": "br-prv",
                                               "physnet-ex": "br-floating"}
    for host in (compute, network):
        bridges = run(cloud, host, "ovs-vsctl list-br").split()
        assert bridges == sorted(["br-int", *bridge_mappings(cloud, host).values()])
        nics = interface_mappings(cloud, host)
        for physnet, bridge in bridge_mappings(cloud, host).items():
            short = bridge.removeprefix("br-")
            assert run(cloud, host, f"ovs-vsctl list-ifaces {bridge}").split() == [
                nics[physnet], f"phy-br-{short}"]
            assert "master ovs-system state UP" in entry(
                run(cloud, host, "ip link show"), nics[physnet])
        show = run(cloud, host, "ovs-vsctl show")
        assert "type: vxlan" not in show and "br-tun" not in show
        assert "br-mesh" not in run(cloud, host, "brctl show")
    dpctl = run(cloud, compute, "ovs-dpctl show")
    assert re.findall(r"(?m)^  port \d+: (\S+)", dpctl)[:4] == [
        "ovs-system", "br-int", "br-prv", "eth1"]

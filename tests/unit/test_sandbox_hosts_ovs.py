"""A sandbox host wired with Open vSwitch and VXLAN answers with the model's facts: names,
MACs, local VLAN tags, tunnel peers, addresses; and its answers follow the model's changes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from loaders.hosts.brctl import LinuxBridge, parse_brctl_show
from loaders.hosts.iproute import IpLink
from loaders.hosts.parsers import parse_output
from loaders.hosts.system import parse_ls_sys_class_net
from loaders.hosts.virsh import VirshDomain
from topology.sandbox.faults import Faults
from topology.sandbox.hosts.layout import (
    bridge_mappings,
    interface_mappings,
    tunnel_peers,
    tunnel_port_name,
)
from topology.sandbox.hosts.shell import Shell
from topology.sandbox.model import Cloud, CloudShape, Host, build

NOVA = "http://openstack.org/xmlns/libvirt/nova/1.1"
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


def parsed(cloud: Cloud, host: Host, command: str) -> Any:
    """The host's answer to ``command`` as the loaders' parser reads it."""
    return parse_output(command, run(cloud, host, command))


def link(cloud: Cloud, host: Host, command: str, name: str,
         namespace: str | None = None) -> IpLink:
    """One device of an ``ip link``/``ip address`` listing (exactly one of that name)."""
    line = command if namespace is None else f"ip netns exec {namespace} {command}"
    (found,) = [item for item in parsed(cloud, host, line) if item.name == name]
    return found


def test_virsh_list_shows_the_running_instances_by_domain_id(cloud: Cloud) -> None:
    host = cloud.computes[0]
    listed = parsed(cloud, host, "virsh list")  # its header and rule, or a ParseError
    assert set(listed) == {VirshDomain(i.domain_id, i.local_name, "running")
                           for i in host.instances}


def test_a_stopped_instance_leaves_virsh_list_but_stays_defined(cloud: Cloud) -> None:
    host = cloud.computes[1]
    stopped, running = host.instances
    cloud.set_power(stopped, False, NOW)
    names = [domain.name for domain in parsed(cloud, host, "virsh list")]
    assert stopped.local_name not in names and running.local_name in names
    assert VirshDomain(None, stopped.local_name, "shut off") in parsed(
        cloud, host, "virsh list --all")
    inactive = parsed(cloud, host, f"virsh dumpxml {stopped.id}")
    assert inactive.id is None and "@id" not in inactive.domain
    (bridge,) = parse_brctl_show(run(cloud, host, f"brctl show qbr{stopped.ports[0].short}"))
    assert bridge.interfaces == (f"qvb{stopped.ports[0].short}",)


def test_a_new_instance_appears_with_the_next_domain_id(cloud: Cloud) -> None:
    host = cloud.computes[2]
    before = max(i.domain_id or 0 for i in host.instances)
    network = cloud.projects[0].networks[0]
    new = cloud.create_instance(host, cloud.projects[0], [network], "vm-new", NOW)
    assert new.domain_id == before + 1
    assert VirshDomain(new.domain_id, new.local_name, "running") in parsed(
        cloud, host, "virsh list")
    assert f"qvo{new.ports[0].short}" in parsed(cloud, host, "ovs-vsctl list-ifaces br-int")


def test_dumpxml_is_nova_s_domain_for_the_instance(cloud: Cloud) -> None:
    host = cloud.computes[0]
    instance = host.instances[0]
    for reference in (str(instance.domain_id), instance.local_name, instance.id):
        domain = parsed(cloud, host, f"virsh dumpxml {reference}")
        assert {key: value for key, value in domain.domain.items() if key.startswith("@")} \
            == {"@type": "kvm", "@id": str(instance.domain_id)}
        assert domain.id == instance.domain_id
        assert domain.uuid == instance.id
        assert domain.name == instance.local_name
        nova = domain.domain["metadata"]["nova:instance"]
        assert (nova["@xmlns:nova"], nova["nova:name"]) == (NOVA, instance.name)
        assert [(i.type, i.mac_address, i.source_bridge, i.target_dev, i.model)
                for i in domain.interfaces] == [
            ("bridge", p.mac, f"qbr{p.short}", f"tap{p.short}", "virtio")
            for p in instance.ports]


def test_br_int_ports_carry_the_networks_local_vlan_tags(cloud: Cloud) -> None:
    host = cloud.computes[0]
    integration = parsed(cloud, host, "ovs-vsctl show").bridge("br-int")
    for instance in host.instances:
        for port in instance.ports:
            tag = host.tags[port.network.id]
            assert integration.port(f"qvo{port.short}").tag == tag
    (datapath,) = parsed(cloud, host, "ovs-dpctl show")
    numbered = datapath.ports
    assert [port.name for port in numbered[:4]] == ["ovs-system", "br-int", "br-tun",
                                                    "vxlan_sys_4789"]
    assert [port.number for port in numbered] == list(range(len(numbered)))
    qvos = {port.name for port in numbered if port.name.startswith("qvo") and port.type is None}
    assert qvos == {f"qvo{p.short}" for i in host.instances for p in i.ports}


def test_br_tun_has_a_vxlan_port_to_each_tunnel_peer(cloud: Cloud) -> None:
    for host in (cloud.computes[0], cloud.network_hosts[0]):
        tunnels = parsed(cloud, host, "ovs-vsctl show").bridge("br-tun")
        peers = tunnel_peers(cloud, host)
        assert peers, "every host of this cloud has peers"
        options = {port.name: port.interfaces[0].options for port in tunnels.ports
                   if port.interfaces[0].type == "vxlan"}
        assert set(options) == {tunnel_port_name(peer.tunnel_ip) for peer in peers}
        for peer in peers:
            found = options[tunnel_port_name(peer.tunnel_ip)]
            assert found["local_ip"] == host.tunnel_ip
            assert found["remote_ip"] == peer.tunnel_ip
        ifaces = parsed(cloud, host, "ovs-vsctl list-ifaces br-tun")
        assert ifaces == sorted(ifaces) and "patch-int" in ifaces and "br-tun" not in ifaces


def test_hybrid_plug_bridges_and_the_mesh_bridge(cloud: Cloud) -> None:
    host = cloud.computes[0]
    eth1 = host.pnics[1]
    brctl = parsed(cloud, host, "brctl show")
    assert LinuxBridge("br-mesh", f"8000.{eth1.mac.replace(':', '')}", False,
                       ("eth1.103",)) in brctl
    for instance in host.instances:
        for port in instance.ports:
            short = port.short
            assert LinuxBridge(f"qbr{short}", f"8000.{port.mac.replace(':', '')}", False,
                               (f"qvb{short}", f"tap{short}")) in brctl
    mesh = link(cloud, host, "ip address show", "br-mesh")
    assert [(a.address, a.prefix) for a in mesh.ipv4 if a.broadcast] == [(host.tunnel_ip, 24)]
    eth0 = link(cloud, host, "ip address show", "eth0")
    assert [(a.address, a.prefix) for a in eth0.ipv4 if a.broadcast] == [(host.mgmt_ip, 24)]
    assert link(cloud, host, "ip address show", "eth1").ipv4 == ()
    short = host.instances[0].ports[0].short
    tap = link(cloud, host, "ip address show", f"tap{short}")
    assert tap.master == f"qbr{short}" and tap.mac.startswith("fe:16:3e:")


def test_pnics_are_the_devices_behind_pci(cloud: Cloud) -> None:
    host = cloud.network_hosts[0]
    entries = parse_ls_sys_class_net(
        run(cloud, host, 'ls -l /sys/class/net | grep ^l | grep -v "/virtual/"'))
    assert [entry.name for entry in entries] == [pnic.name for pnic in host.pnics]
    assert not any(entry.virtual for entry in entries)
    for pnic in host.pnics:
        (shown,) = parsed(cloud, host, f"ip address show {pnic.name}")
        assert (shown.name, shown.link_type, shown.mac) == (pnic.name, "ether", pnic.mac)
        ethtool = parsed(cloud, host, f"ethtool {pnic.name}")
        assert (ethtool.speed, ethtool.link_detected) == ("10000Mb/s", True)


def test_network_host_namespaces_hold_the_dhcp_and_router_ports(cloud: Cloud) -> None:
    host = cloud.network_hosts[0]
    listed = [namespace.name for namespace in parsed(cloud, host, "ip netns list")]
    assert listed == [f"qdhcp-{p.network.id}" for p in host.dhcp_ports] + [
        f"qrouter-{r.id}" for r in host.routers]
    port = host.dhcp_ports[0]
    tap = link(cloud, host, "ip address show", f"tap{port.short}",
               f"qdhcp-{port.network.id}")
    assert tap.mac == port.mac
    assert [(a.address, a.prefix) for a in tap.ipv4 if a.broadcast] == [
        (port.ip, port.network.prefix)]
    router = host.routers[0]
    inside = {item.name: item for item in parsed(
        cloud, host, f"sudo ip netns exec qrouter-{router.id} ip address show")}
    for interface in router.interfaces:
        assert interface.ip in [a.address for a in inside[f"qr-{interface.short}"].ipv4]
    assert router.gateway is not None
    gateway = inside[f"qg-{router.gateway.short}"]
    assert router.gateway.ip in [a.address for a in gateway.ipv4]
    fips = [f.address for f in cloud.floating_ips.values() if f.router is router]
    assert fips, "the build associates a floating IP through this router"
    for address in fips:
        assert (address, 32, address, "global", gateway.name) in [
            (a.address, a.prefix, a.broadcast, a.scope, a.label) for a in gateway.ipv4]
    tags = host.tags
    shown = parsed(cloud, host, "ovs-vsctl show").bridge("br-int").port(f"tap{port.short}")
    assert shown.tag == tags[port.network.id]
    assert [(i.name, i.type) for i in shown.interfaces] == [(f"tap{port.short}", "internal")]


def test_a_new_router_and_its_interface_make_a_namespace(cloud: Cloud) -> None:
    project = cloud.projects[1]
    router = cloud.create_router(project, "router-extra", NOW)
    port = cloud.add_router_interface(router, project.networks[1].subnets[0], NOW)
    host = router.host
    assert host is not None
    listed = {ns.name: ns.id for ns in parsed(cloud, host, "ip netns list")}
    assert listed[f"qrouter-{router.id}"] is not None
    inside = link(cloud, host, "ip address show", f"qr-{port.short}", f"qrouter-{router.id}")
    assert port.ip in [a.address for a in inside.ipv4]
    cloud.remove_router_interface(router, port, NOW)
    cloud.delete_router(router)
    assert f"qrouter-{router.id}" not in [ns.name for ns in parsed(cloud, host, "ip netns list")]


def test_interface_indexes_do_not_move_when_others_go(cloud: Cloud) -> None:
    host = cloud.computes[3]
    first, second = host.instances
    name, gone = f"qvo{second.ports[0].short}", f"qvo{first.ports[0].short}"
    before = link(cloud, host, "ip link show", name).index
    cloud.delete_instance(first)
    after = link(cloud, host, "ip link show", name).index
    assert before == after
    assert gone not in [
        item.name for item in parsed(cloud, host, "ip link show")]


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
        bridges = parsed(cloud, host, "ovs-vsctl list-br")
        assert bridges == sorted(["br-int", *bridge_mappings(cloud, host).values()])
        nics = interface_mappings(cloud, host)
        for physnet, bridge in bridge_mappings(cloud, host).items():
            short = bridge.removeprefix("br-")
            assert parsed(cloud, host, f"ovs-vsctl list-ifaces {bridge}") == [
                nics[physnet], f"phy-br-{short}"]
            nic = link(cloud, host, "ip link show", nics[physnet])
            assert (nic.master, nic.state) == ("ovs-system", "UP")
        show = parsed(cloud, host, "ovs-vsctl show")
        names = [name for bridge in show.bridges for port in bridge.ports
                 for name in (bridge.name, port.name, *(i.name for i in port.interfaces))]
        types = {i.type for bridge in show.bridges for port in bridge.ports
                 for i in port.interfaces}
        assert "vxlan" not in types and not any("br-tun" in name for name in names)
        assert "br-mesh" not in [b.bridge_name for b in parsed(cloud, host, "brctl show")]
    (datapath,) = parsed(cloud, compute, "ovs-dpctl show")
    assert [port.name for port in datapath.ports[:4]] == [
        "ovs-system", "br-int", "br-prv", "eth1"]

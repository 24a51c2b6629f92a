"""What the sandbox's hosts answer is what the demo export says a scan of them found: the
same vEdge ports (numbers, internal flags, local VLAN tags), tunnel ports, bridges and their
interfaces, domains' vNICs, namespace vNICs and pNICs.

One deliberate difference: the export gives ``eth1`` the tunnel address, while a host with
Mirantis' ``br-mesh`` carries it on that bridge (``eth1.103`` is the bridge's port), which
is also where the export's otep says the address is (its vconnector is ``br-mesh``).
"""

from __future__ import annotations

from typing import Any

import pytest

from loaders.hosts.iproute import IpLink
from loaders.hosts.parsers import parse_output
from loaders.hosts.system import parse_ls_sys_class_net
from topology.demo import DemoShape, generate
from topology.sandbox.faults import Faults
from topology.sandbox.hosts.shell import Shell
from topology.sandbox.model import Cloud, Host, build, netmask

Doc = dict[str, Any]
SHAPE = DemoShape(environment="hosts", compute_hosts=4, network_hosts=2, projects=3,
                  networks_per_project=2, instances_per_host=2, vnics_per_instance=2, seed=5)


@pytest.fixture(scope="module")
def inventory() -> list[Doc]:
    return generate(SHAPE)["inventory"]


@pytest.fixture(scope="module")
def cloud() -> Cloud:
    return build(SHAPE)


def run(cloud: Cloud, host: Host, line: str) -> str:
    result = Shell(cloud, Faults(), host).run(line)
    assert (result.status, result.stderr) == (0, ""), result.stderr
    return result.stdout


def parsed(cloud: Cloud, host: Host, command: str) -> Any:
    """The host's answer to ``command`` as the loaders' parser reads it."""
    return parse_output(command, run(cloud, host, command))


def inet(link: IpLink) -> list[tuple[str, int]]:
    return [(address.address, address.prefix) for address in link.ipv4]


def docs(inventory: list[Doc], type_: str, host: Host, **fields: Any) -> list[Doc]:
    return [d for d in inventory if d["type"] == type_ and d.get("host") == host.name
            and all(d.get(k) == v for k, v in fields.items())]


def decode(value: Any) -> Any:
    """Undo Calipso's ``[dot]`` key encoding."""
    if isinstance(value, dict):
        return {k.replace("[dot]", "."): decode(v) for k, v in value.items()}
    return value


def test_vedge_ports_and_tags(inventory: list[Doc], cloud: Cloud) -> None:
    for host in cloud.hosts:
        (vedge,) = docs(inventory, "vedge", host)
        (datapath,) = parsed(cloud, host, "ovs-dpctl show")
        ports = {port.name: {"id": str(port.number), "internal": port.internal,
                             "name": port.name} for port in datapath.ports}
        for bridge in parsed(cloud, host, "ovs-vsctl show").bridges:
            for port in bridge.ports:
                if port.name in ports and port.tag is not None:
                    ports[port.name]["tag"] = str(port.tag)
        assert ports == decode(vedge["ports"])


def test_tunnel_ports(inventory: list[Doc], cloud: Cloud) -> None:
    for host in cloud.hosts:
        (vedge,) = docs(inventory, "vedge", host)
        tunnels = parsed(cloud, host, "ovs-vsctl show").bridge("br-tun")
        shown = {port.name: {"name": port.name, "interface": interface.name,
                             "type": interface.type, "options": dict(interface.options)}
                 for port in tunnels.ports for interface in port.interfaces
                 if interface.type == "vxlan"}
        assert shown == decode(vedge["tunnel_ports"])


def test_bridges_and_their_interfaces(inventory: list[Doc], cloud: Cloud) -> None:
    for host in cloud.hosts:
        shown = {f"{host.name}-{bridge.bridge_name}-{bridge.bridge_id}":
                 sorted(bridge.interfaces) for bridge in parsed(cloud, host, "brctl show")}
        exported = {d["id"]: sorted(d["interfaces_names"])
                    for d in docs(inventory, "vconnector", host)}
        assert shown == exported


def test_the_otep_s_address_is_on_its_vconnector(inventory: list[Doc], cloud: Cloud) -> None:
    for host in cloud.hosts:
        (otep,) = docs(inventory, "otep", host)
        holders = [link.name for link in parsed(cloud, host, "ip address show")
                   if any(ip == otep["ip_address"] for ip, _ in inet(link))]
        assert [f"{host.name}-{name}" for name in holders] == [otep["vconnector"]]


def test_instance_vnics(inventory: list[Doc], cloud: Cloud) -> None:
    for host in cloud.computes:
        for instance in host.instances:
            domain = parsed(cloud, host, f"virsh dumpxml {instance.domain_id}")
            shown = {f"{host.name}-{i.target_dev}": (i.type, i.mac_address, i.source_bridge,
                                                     i.model) for i in domain.interfaces}
            exported = {d["id"]: (d["@type"], d["mac"]["@address"], d["source"]["@bridge"],
                                  d["model"]["@type"])
                        for d in docs(inventory, "vnic", host, instance_id=instance.id)}
            assert shown == exported


def test_vservices_and_their_vnics(inventory: list[Doc], cloud: Cloud) -> None:
    for host in cloud.network_hosts:
        namespaces = [namespace.name for namespace in parsed(cloud, host, "ip netns list")]
        assert sorted(namespaces) == sorted(
            d["local_service_id"] for d in docs(inventory, "vservice", host))
        shown = {}
        for namespace in namespaces:
            for link in parsed(cloud, host, f"ip netns exec {namespace} ip address show"):
                if link.name != "lo":
                    (ip, prefix), = inet(link)
                    shown[f"{host.name}-{link.name}"] = (link.mac, ip, netmask(prefix))
        exported = {d["id"]: (d["mac_address"], d["IP Address"], d["netmask"])
                    for d in docs(inventory, "vnic", host, vnic_type="vservice_vnic")}
        assert shown == exported


def test_pnics(inventory: list[Doc], cloud: Cloud) -> None:
    for host in cloud.hosts:
        listing = run(cloud, host, 'ls -l /sys/class/net | grep ^l | grep -v "/virtual/"')
        names = [entry.name for entry in parse_ls_sys_class_net(listing)]
        exported = {d["name"]: d for d in docs(inventory, "host_pnic", host)}
        assert sorted(names) == sorted(exported)
        for name in names:
            (link,) = parsed(cloud, host, f"ip address show {name}")
            pnic = exported[name]
            assert (link.name, link.mac) == (name, pnic["mac_address"])
            addresses = [ip for ip, _ in inet(link)]
            if name == "eth1":  # the tunnel address lives on br-mesh (see the docstring)
                assert addresses == [] and pnic["IP Address"] == host.tunnel_ip
            else:
                assert addresses == ([pnic["IP Address"]] if "IP Address" in pnic else [])
            ethtool = parsed(cloud, host, f"ethtool {name}").settings
            for key in ("Speed", "Duplex", "Auto-negotiation", "Port", "Supported ports",
                        "Link detected"):
                assert ethtool[key] == pnic[key], key

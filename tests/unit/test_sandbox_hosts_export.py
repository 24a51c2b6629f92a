"""What the sandbox's hosts answer is what the demo export says a scan of them found: the
same vEdge ports (numbers, internal flags, local VLAN tags), tunnel ports, bridges and their
interfaces, domains' vNICs, namespace vNICs and pNICs.

One deliberate difference: the export gives ``eth1`` the tunnel address, while a host with
Mirantis' ``br-mesh`` carries it on that bridge (``eth1.103`` is the bridge's port), which
is also where the export's otep says the address is (its vconnector is ``br-mesh``).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support.host_outputs import bridges, ip_entries, parse_xml, vsctl_ports
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
        dpctl = run(cloud, host, "ovs-dpctl show")
        ports = {name: {"id": number, "internal": kind == "internal", "name": name}
                 for number, name, kind in re.findall(
                     r"(?m)^  port (\d+): (\S+)(?: \((\w+)[:)])?", dpctl)}
        for name, port in vsctl_ports(run(cloud, host, "ovs-vsctl show")).items():
            if name in ports and port["tag"] is not None:
                ports[name]["tag"] = port["tag"]
        assert ports == decode(vedge["ports"])


def test_tunnel_ports(inventory: list[Doc], cloud: Cloud) -> None:
    for host in cloud.hosts:
        (vedge,) = docs(inventory, "vedge", host)
        shown = {name: {"name": name, "interface": name, "type": port["type"],
                        "options": port["options"]}
                 for name, port in vsctl_ports(run(cloud, host, "ovs-vsctl show")).items()
                 if port["bridge"] == "br-tun" and port["type"] == "vxlan"}
        assert shown == decode(vedge["tunnel_ports"])


def test_bridges_and_their_interfaces(inventory: list[Doc], cloud: Cloud) -> None:
    for host in cloud.hosts:
        listed = bridges(run(cloud, host, "brctl show"))
        shown = {f"{host.name}-{name}-{bridge_id}": sorted(interfaces)
                 for name, (bridge_id, interfaces) in listed.items()}
        exported = {d["id"]: sorted(d["interfaces_names"])
                    for d in docs(inventory, "vconnector", host)}
        assert shown == exported


def test_the_otep_s_address_is_on_its_vconnector(inventory: list[Doc], cloud: Cloud) -> None:
    for host in cloud.hosts:
        (otep,) = docs(inventory, "otep", host)
        holders = [name for name, entry in ip_entries(run(cloud, host, "ip address show")).items()
                   if any(ip == otep["ip_address"] for ip, _ in entry["inet"])]
        assert [f"{host.name}-{name}" for name in holders] == [otep["vconnector"]]


def test_instance_vnics(inventory: list[Doc], cloud: Cloud) -> None:
    for host in cloud.computes:
        for instance in host.instances:
            xml = run(cloud, host, f"virsh dumpxml {instance.domain_id}")
            domain = parse_xml(xml)
            shown = {f"{host.name}-{i.find('target').get('dev')}": (
                i.get("type"), i.find("mac").get("address"), i.find("source").get("bridge"),
                i.find("model").get("type")) for i in domain.findall("devices/interface")}
            exported = {d["id"]: (d["@type"], d["mac"]["@address"], d["source"]["@bridge"],
                                  d["model"]["@type"])
                        for d in docs(inventory, "vnic", host, instance_id=instance.id)}
            assert shown == exported


def test_vservices_and_their_vnics(inventory: list[Doc], cloud: Cloud) -> None:
    for host in cloud.network_hosts:
        namespaces = [line.split()[0] for line in run(cloud, host, "ip netns list").splitlines()]
        assert sorted(namespaces) == sorted(
            d["local_service_id"] for d in docs(inventory, "vservice", host))
        shown = {}
        for namespace in namespaces:
            listing = run(cloud, host, f"ip netns exec {namespace} ip address show")
            for name, entry in ip_entries(listing).items():
                if name != "lo":
                    (ip, prefix), = entry["inet"]
                    shown[f"{host.name}-{name}"] = (entry["mac"], ip, netmask(prefix))
        exported = {d["id"]: (d["mac_address"], d["IP Address"], d["netmask"])
                    for d in docs(inventory, "vnic", host, vnic_type="vservice_vnic")}
        assert shown == exported


def test_pnics(inventory: list[Doc], cloud: Cloud) -> None:
    for host in cloud.hosts:
        listing = run(cloud, host, 'ls -l /sys/class/net | grep ^l | grep -v "/virtual/"')
        names = [line.rsplit("/", 1)[1] for line in listing.splitlines()]
        exported = {d["name"]: d for d in docs(inventory, "host_pnic", host)}
        assert sorted(names) == sorted(exported)
        for name in names:
            entry = ip_entries(run(cloud, host, f"ip address show {name}"))[name]
            pnic = exported[name]
            assert entry["mac"] == pnic["mac_address"]
            addresses = [ip for ip, _ in entry["inet"]]
            if name == "eth1":  # the tunnel address lives on br-mesh (see the docstring)
                assert addresses == [] and pnic["IP Address"] == host.tunnel_ip
            else:
                assert addresses == ([pnic["IP Address"]] if "IP Address" in pnic else [])
            ethtool = dict(re.findall(r"(?m)^\t([^:\t]+): (.*)$",
                                      run(cloud, host, f"ethtool {name}")))
            for key in ("Speed", "Duplex", "Auto-negotiation", "Port", "Supported ports",
                        "Link detected"):
                assert ethtool[key] == pnic[key], key

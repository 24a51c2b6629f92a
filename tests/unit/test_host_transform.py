"""The hosts' transform: on the real captures of the lab host (every qdhcp/qrouter
namespace, OVS bridge and datapath port there becomes an object or a port of the vEdge),
and on the sandbox's rendered outputs of a small OVS/VXLAN cloud, compared with what
Calipso's scan stores (the oracle, ``topology.demo``): the same ids, types, names,
parents, paths and fields, but for the deliberate differences listed in
``tests.support.host_scan.DIFFERENCES`` (each must occur)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from loaders.calipso.reader import convert_extended_json
from loaders.hosts.bonds import parse_bonding
from loaders.hosts.collect import HostOutputs, collect_host
from loaders.hosts.ovs import parse_ovs_dpctl_show, parse_ovs_vsctl_show
from loaders.hosts.parsers import parse_output
from loaders.hosts.ssh import CommandError
from loaders.hosts.transform import host_documents
from loaders.links.finders import find_links
from loaders.report import LoadReport
from loaders.scan.facts import CloudFacts, HostFacts
from loaders.scan.tree import Links, Tree
from tests.support.host_scan import (
    API,
    DIFFERENCES,
    HOST_FOLDERS,
    SKIPPED_KEYS,
    ShellRunner,
    cloud_facts,
    compare,
    env_for,
    host_subtree,
    host_tree,
    model_documents,
    oracle_inventory,
    scanned,
)
from topology.demo import generate_cloud
from topology.environments import EnvironmentConfig
from topology.sandbox.model import Cloud, CloudShape, build
from topology.store import Provenance

LAB = Path(__file__).parents[1] / "fixtures" / "hosts" / "lab"
MACHINE = LAB.parent / "machine"
NOVA_NODE = "-c test://WORK_FOLDER/virsh-nova-node.xml "  # the capture's nova-like domains
ENV = EnvironmentConfig("lab")
OVS_AGENT_ID = "9a0c1c5e-0000-4000-8000-00000000ab01"


# -- the lab's captures ------------------------------------------------------------------------


class CaptureRunner:
    """Answers a host's commands from the lab's captures (``index.json``); a command not
    captured fails as it would there (no bonding module: no /proc/net/bonding)."""

    def __init__(self, folder: Path) -> None:
        index = json.loads((folder / "index.json").read_text())
        self.captures: dict[str, tuple[str, str, int]] = {}
        for capture in index["captures"]:
            command = capture["command"]
            if command.startswith("ovs-appctl -t "):  # the capture's control socket
                command = "ovs-appctl " + command.split(maxsplit=3)[3]
            command = command.replace(NOVA_NODE, "")
            self.captures[command] = ((folder / capture["file"]).read_text(),
                                      capture["stderr"], capture["exit_status"])
        self.host = self.captures["uname -n"][0].strip()

    def run(self, host: str, command: str) -> str:
        assert host == self.host
        if command not in self.captures:
            raise CommandError(host, command, 2,
                               f"ls: cannot access '{command.split()[-1]}': No such file or "
                               "directory\n" if command.startswith("ls ") else "not captured")
        stdout, stderr, status = self.captures[command]
        if status or stderr:
            raise CommandError(host, command, status, stderr)
        return stdout


def _lab_facts(runner: CaptureRunner) -> tuple[HostFacts, CloudFacts]:
    """The lab host as the API would show it: an OVS agent (VXLAN), and its networks with
    the CIDRs their DHCP namespaces serve."""
    host = HostFacts(runner.host, ["Controller", "Network", "Compute"], agents=[{
        "id": OVS_AGENT_ID, "agent_type": "Open vSwitch agent", "host": runner.host,
        "binary": "neutron-openvswitch-agent",
        "configurations": {"tunnel_types": ["vxlan"], "tunneling_ip": "192.0.2.2"}}])
    cloud = CloudFacts()
    for name in (LAB / "ip-netns-list.txt").read_text().split():
        if name.startswith("qdhcp-"):
            text = runner.captures[f"ip netns exec {name} ip address show"][0]
            links = parse_output("ip address show", text)
            cidrs = [a.network for link in links for a in link.ipv4 if link.name != "lo"]
            uuid = name.removeprefix("qdhcp-")
            cloud.networks[uuid] = {"id": uuid, "name": f"net-{uuid[:4]}", "cidrs": cidrs}
    cloud.hosts[host.name] = host
    return host, cloud


def _tree_for(host: str, instances: list[str] = ()) -> Tree:
    tree = Tree("lab")
    tree.seed({"id": host, "type": "host", "id_path": f"/lab/{host}",
               "name_path": f"/lab/{host}"})
    for types_name, type_, text in HOST_FOLDERS:
        tree.folder(API, host, types_name, type_, text)
    for uuid in instances:
        tree.add(API, "instance", uuid, uuid, f"{host}-instances")
        tree.folder(API, uuid, "vnics", "vnics_folder", "vNICs")
    return tree


@cache
def _lab() -> tuple[Tree, LoadReport, HostOutputs]:
    runner = CaptureRunner(LAB)
    host, cloud = _lab_facts(runner)
    outputs = collect_host(runner, host, ENV)
    tree = _tree_for(host.name)
    report = LoadReport("hosts", "lab")
    host_documents(tree, host, cloud, outputs, ENV, report)
    return tree, report, outputs


def test_lab_every_namespace_becomes_a_vservice_with_its_vnics() -> None:
    tree, report, _ = _lab()
    host = CaptureRunner(LAB).host
    namespaces = [n for n in (LAB / "ip-netns-list.txt").read_text().split()
                  if n.startswith(("qdhcp-", "qrouter-"))]
    assert len(namespaces) == 3
    vservices = {d["id"]: d for d in tree.of_type("vservice")}
    assert set(vservices) == {f"{host}-{n}" for n in namespaces}
    for namespace in namespaces:
        links = parse_output("ip address show",
                             (LAB / f"ip-netns-exec-{namespace}-ip-address-show.txt").read_text())
        vnics = tree.children(f"{host}-{namespace}-vnics")
        assert {v["name"] for v in vnics} == {link.name for link in links} - {"lo"}
        for vnic in vnics:
            assert vnic["id"] == f"{host}-{vnic['name']}"
            assert vnic["vnic_type"] == "vservice_vnic" and vnic["mac_address"]
            assert vnic["cidr"] and vnic["netmask"] == "255.255.255.0"
    router = vservices[f"{host}-qrouter-d24c9c48-cc22-4d5e-9211-cd764c0ecbf5"]
    assert router["name"] == "qrouter-d24c9c48-cc22-4d5e-9211-cd764c0ecbf5"  # no router row
    assert router["parent_id"] == f"{host}-vservices-routers"
    gateway = tree.get(f"{host}-qg-b9e0004c-0f")
    assert gateway is not None
    assert (gateway["IP Address"], gateway["cidr"]) == ("203.0.113.111", "203.0.113.0/24")
    dhcp = vservices[f"{host}-qdhcp-7b625714-fad0-4d11-8bf6-1aaa8b852f28"]
    assert dhcp["name"] == "qdhcp-net-7b62"
    assert dhcp["network"] == ["7b625714-fad0-4d11-8bf6-1aaa8b852f28"]
    assert any("qrouter-d24c9c48" in w for w in report.part("vservices").warnings)


def test_lab_every_ovs_bridge_and_port_is_on_the_vedge() -> None:
    tree, _, outputs = _lab()
    assert outputs.datapath_command == "ovs-appctl dpctl/show"  # userspace OVS
    (vedge,) = tree.of_type("vedge")
    assert vedge["id"] == OVS_AGENT_ID and vedge["name"] == "vm-OVS"
    show = parse_ovs_vsctl_show((LAB / "ovs-vsctl-show.txt").read_text())
    datapath = parse_ovs_dpctl_show((LAB / "ovs-appctl-dpctl-show.txt").read_text())
    ports = vedge["ports"]
    assert set(ports) == {p.name for dp in datapath for p in dp.ports}
    for bridge in show.bridges:
        assert ports[bridge.name]["internal"] is True  # a '(tap)' port of the netdev path
        for port in bridge.ports:
            if any(i.type == "patch" for i in port.interfaces):
                continue  # patch ports live in OVS only, never in the datapath
            assert port.name in ports
            if port.tag is not None:
                assert ports[port.name]["tag"] == str(port.tag)
    assert ports["tap537601a9-03"] == {"id": "4", "name": "tap537601a9-03",
                                       "internal": False, "tag": "2"}
    assert vedge["tunnel_ports"] == {}  # one host: no tunnel
    (otep,) = tree.of_type("otep")
    assert otep["ip_address"] == "192.0.2.2" and otep["vconnector"] == "vm-eth0"
    assert otep["udp_port"] == 4789 and otep["parent_id"] == OVS_AGENT_ID


def test_lab_pnic_and_problems() -> None:
    tree, report, _ = _lab()
    (pnic,) = tree.of_type("host_pnic")
    assert pnic["id"] == "eth0-" + pnic["mac_address"]
    assert pnic["IP Address"] == "192.0.2.2" and pnic["Link detected"] == "yes"
    assert pnic["Speed"] == "Unknown!" and pnic["state"] == "UP"
    assert pnic["parent_id"] == "vm-host_pnics"
    assert tree.scopes[pnic["id"]] == Provenance("cli", "vm")
    assert report.bad_count == 0  # ovs-dpctl's failure is expected on a userspace OVS
    assert tree.of_type("vconnector") == []  # the lab has no Linux bridge


# -- the sandbox's rendered outputs against the oracle ------------------------------------------


@cache
def _sandbox() -> tuple[Cloud, list[dict], Tree, LoadReport]:
    cloud = build(CloudShape(compute_hosts=2, network_hosts=1, instances_per_host=2,
                             projects=2, networks_per_project=2))
    oracle = oracle_inventory(cloud)
    facts = cloud_facts(cloud, oracle)
    tree = host_tree(cloud, oracle, cloud.hosts)
    env = env_for(cloud)
    report = LoadReport("hosts", cloud.shape.environment)
    runner = ShellRunner(cloud)
    for host in cloud.hosts:
        outputs = collect_host(runner, facts.hosts[host.name], env)
        host_documents(tree, facts.hosts[host.name], facts, outputs, env, report)
    return cloud, oracle, tree, report


def test_sandbox_hosts_equal_the_oracle_but_for_the_listed_differences() -> None:
    cloud, oracle, tree, report = _sandbox()
    occurred = set()
    for host in cloud.hosts:
        mine, theirs = scanned(tree, host.name), host_subtree(oracle, host.name)
        assert len(mine) == len(theirs) > 5
        unexplained, seen = compare(mine, theirs, DIFFERENCES)
        assert unexplained == [], "\n".join(unexplained[:20])
        occurred |= seen
    assert [d.reason for d in DIFFERENCES if d not in occurred] == []
    assert report.ok, report.format()
    counts = {t: len(tree.of_type(t)) for t in ("host_pnic", "vconnector", "vedge", "otep",
                                                 "vservice", "vnic")}
    assert counts == {"host_pnic": 7, "vconnector": 7, "vedge": 3, "otep": 3,
                      "vservice": 6, "vnic": 4 + 4 + 6}


def test_a_failed_command_is_reported_and_the_rest_is_read() -> None:
    cloud = build(CloudShape(compute_hosts=1, network_hosts=1, instances_per_host=1))
    oracle = oracle_inventory(cloud)
    facts = cloud_facts(cloud, oracle)
    compute = cloud.computes[0].name

    class Failing(ShellRunner):
        def run(self, host: str, command: str) -> str:
            if command in ("brctl show", "virsh list") or command.startswith("ethtool"):
                raise CommandError(host, command, 1, "brctl: permission denied\nmore\n")
            return super().run(host, command)

    outputs = collect_host(Failing(cloud), facts.hosts[compute], env_for(cloud))
    tree = host_tree(cloud, oracle, [cloud.computes[0]])
    report = LoadReport("hosts", "sandbox")
    host_documents(tree, facts.hosts[compute], facts, outputs, env_for(cloud), report)
    bad = [str(p) for p in report.part("vconnectors").bad]
    assert bad == [f"{compute}: brctl show: {compute}: 'brctl show' failed (exit status 1): "
                   "'brctl: permission denied'"]
    assert len(report.part("vnics").bad) == 1 and len(report.part("host_pnics").bad) == 2
    assert tree.of_type("vconnector") == [] and tree.of_type("vnic") == []
    assert len(tree.of_type("host_pnic")) == 2  # without their ethtool fields
    assert "Speed" not in tree.of_type("host_pnic")[0]
    assert len(tree.of_type("vedge")) == 1 and len(tree.of_type("otep")) == 1


def test_an_object_that_cannot_join_the_tree_is_reported_the_others_are_added() -> None:
    cloud = build(CloudShape(compute_hosts=1, network_hosts=1, instances_per_host=1))
    oracle = oracle_inventory(cloud)
    facts = cloud_facts(cloud, oracle)
    network = cloud.network_hosts[0]
    outputs = collect_host(ShellRunner(cloud), facts.hosts[network.name], env_for(cloud))
    tree = Tree(cloud.shape.environment)
    tree.seed({"id": network.name, "type": "host", "id_path": "/x", "name_path": "/x"})
    tree.folder(API, network.name, "host_pnics", "pnics_folder", "host_pNICs")
    report = LoadReport("hosts", "sandbox")
    host_documents(tree, facts.hosts[network.name], facts, outputs, env_for(cloud), report)
    assert len(tree.of_type("host_pnic")) == 3
    assert report.part("vedges").bad and report.part("vconnectors").bad
    assert "is not known" in report.part("vedges").bad[0].reason


@pytest.mark.parametrize("missing", ["ovs", "datapaths"])
def test_no_vedge_when_ovs_could_not_be_read(missing: str) -> None:
    cloud = build(CloudShape(compute_hosts=1, network_hosts=1, instances_per_host=1))
    oracle = oracle_inventory(cloud)
    facts = cloud_facts(cloud, oracle)
    host = cloud.computes[0]
    outputs = collect_host(ShellRunner(cloud), facts.hosts[host.name], env_for(cloud))
    setattr(outputs, missing, None)
    tree = host_tree(cloud, oracle, [host])
    host_documents(tree, facts.hosts[host.name], facts, outputs, env_for(cloud),
                   LoadReport("hosts", "sandbox"))
    assert tree.of_type("vedge") == [] and tree.of_type("otep") == []
    assert len(tree.of_type("vnic")) == 1


BONDING = """Ethernet Channel Bonding Driver: v5.10.0

Bonding Mode: IEEE 802.3ad Dynamic link aggregation
Transmit Hash Policy: layer2 (0)
MII Status: up
MII Polling Interval (ms): 100

802.3ad info
LACP rate: slow
Min links: 0

Slave Interface: eth1
MII Status: up
Speed: 10000 Mbps
Permanent HW addr: 00:25:90:00:00:01
Slave queue ID: 0

Slave Interface: eth2
MII Status: down
Permanent HW addr: 00:25:90:00:00:02
"""


def test_bonding_is_read_as_calipso_did() -> None:
    fields, slaves = parse_bonding(BONDING)
    assert fields["Bonding Mode"] == "IEEE 802.3ad Dynamic link aggregation"
    assert fields["MII Status"] == "up"
    assert fields["802.3ad info"] == {"LACP rate": "slow", "Min links": "0"}
    assert slaves["eth1"]["Permanent HW addr"] == "00:25:90:00:00:01"
    assert slaves["eth2"]["MII Status"] == "down"


def test_linux_bridge_hosts_vconnectors_and_oteps() -> None:
    """No oracle renders Linux bridge clouds: the model says what each host must show."""
    cloud = build(CloudShape(compute_hosts=2, network_hosts=1, instances_per_host=2,
                             mechanism_driver="LXB"))
    docs = model_documents(cloud)
    facts = cloud_facts(cloud, docs)
    tree = host_tree(cloud, docs, cloud.hosts)
    env = env_for(cloud)
    report = LoadReport("hosts", "sandbox")
    runner = ShellRunner(cloud)
    for host in cloud.hosts:
        outputs = collect_host(runner, facts.hosts[host.name], env)
        host_documents(tree, facts.hosts[host.name], facts, outputs, env, report)
    assert report.ok, report.format()
    assert tree.of_type("vedge") == []
    tunnel_ips = {host.tunnel_ip for host in cloud.hosts}
    for host in cloud.hosts:
        agent = facts.hosts[host.name].agents[0]
        assert agent["agent_type"] == "Linux bridge agent"
        bridges = [d for d in tree.of_type("vconnector") if d["host"] == host.name]
        assert bridges and all(b["name"].startswith(f"{host.name}-brq") for b in bridges)
        assert all(b["configurations"] == agent["configurations"] for b in bridges)
        ports = {p.id[:11]: p for p in host.ports}
        for bridge in bridges:
            for name, interface in bridge["interfaces"].items():
                if name.startswith("tap") and name[3:] in ports:
                    assert interface["mac_address"] == ports[name[3:]].mac
        oteps = [d for d in tree.of_type("otep") if d["host"] == host.name]
        vnis = {n.segmentation_id for n in cloud.all_networks()
                if any(f"vxlan-{n.segmentation_id}" in b["interfaces"] for b in bridges)}
        assert {o["id"] for o in oteps} == {f"{host.name}-otep-vxlan-{v}" for v in vnis}
        for otep in oteps:
            parent = tree.get(otep["parent_id"])
            assert parent is not None and parent["type"] == "vconnector"
            assert otep["vconnector"] == parent["name"]
            assert (otep["ip_address"], otep["udp_port"], otep["overlay_type"],
                    otep["state"]) == (host.tunnel_ip, 4789, "vxlan", "UP")
            if "bridge dst" in otep:
                assert otep["bridge dst"] in tunnel_ips - {host.tunnel_ip}
    oteps = tree.of_type("otep")
    assert len(oteps) >= 4 and len(tree.of_type("vservice")) == 6
    assert sum("bridge dst" in otep for otep in oteps) >= 2


def test_a_bond_is_a_pnic_with_its_members() -> None:
    cloud = build(CloudShape(compute_hosts=1, network_hosts=1, instances_per_host=1))
    oracle = oracle_inventory(cloud)
    facts = cloud_facts(cloud, oracle)
    host = cloud.computes[0]
    outputs = collect_host(ShellRunner(cloud), facts.hosts[host.name], env_for(cloud))
    eth1 = host.pnics[1]
    outputs.bonds = {"bond0": BONDING.replace("00:25:90:00:00:01", eth1.mac)}
    (bond_link,) = parse_output("ip address show", (
        "9: bond0: <BROADCAST,MULTICAST,MASTER,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP "
        "group default qlen 1000\n    link/ether 02:00:00:00:00:09 brd ff:ff:ff:ff:ff:ff\n"))
    outputs.addresses = [*(outputs.addresses or []), bond_link]
    tree = host_tree(cloud, oracle, [host])
    report = LoadReport("hosts", "sandbox")
    host_documents(tree, facts.hosts[host.name], facts, outputs, env_for(cloud), report)
    bond = tree.get("bond0-02:00:00:00:00:09")
    assert bond is not None and bond["parent_id"] == f"{host.name}-host_pnics"
    assert (bond["EtherChannel"], bond["EtherChannel Master"], bond["Link detected"]) == (
        True, "", "yes")
    assert bond["members"]["eth1"] == {"name": "eth1", "mac_address": eth1.mac,
                                       "id": eth1.id, "EtherChannel Master": bond["id"]}
    member = tree.get(eth1.id)
    assert member is not None and member["EtherChannel Master"] == bond["id"]
    assert report.ok


def test_a_name_with_shell_syntax_never_reaches_a_command_line() -> None:
    cloud = build(CloudShape(compute_hosts=1, network_hosts=1, instances_per_host=1))
    facts = cloud_facts(cloud, oracle_inventory(cloud))
    host = cloud.computes[0].name

    class Hostile(ShellRunner):
        def run(self, host: str, command: str) -> str:
            text = super().run(host, command)
            if command == "ls -l /sys/class/net":
                text += ("lrwxrwxrwx 1 root root 0 Nov 24 12:00 x;reboot -> "
                         "../../devices/pci0000:00/net/x;reboot\n")
            return text

    runner = Hostile(cloud)
    outputs = collect_host(runner, facts.hosts[host], env_for(cloud))
    assert not any("reboot" in command for _, command in runner.commands)
    assert outputs.problems == [("(interface 'x;reboot')", "not read: the name is not a "
                                 "plain word and will not be put in a command line")]
    assert set(outputs.pnic_addresses) == {"eth0", "eth1"}


def test_machine_capture_instance_vnics_bridges_and_a_linux_bridge_otep() -> None:
    """The machine capture: libvirt's test driver with nova-like domains, a qbr bridge, a
    Linux bridge agent's brq bridge with its vxlan device, and a bridge with no port."""
    runner = CaptureRunner(MACHINE)
    uuids = ["0f4a2c1e-6b7d-4e8f-9a0b-1c2d3e4f5a61", "1a5b3d2f-7c8e-4f9a-8b1c-2d3e4f5a6b72"]
    host = HostFacts(runner.host, ["Compute"], agents=[{
        "id": "lxb-agent", "agent_type": "Linux bridge agent", "host": runner.host,
        "configurations": {"tunnel_types": ["vxlan"], "tunneling_ip": "198.51.100.7"}}],
        instances=[{"id": u, "uuid": u, "network_info": [
            {"devname": "tapc4a1b2c3-d4", "network": {"id": "net-a"}}]} for u in uuids],
        ports=[{"id": "c4a1b2c3-d4e5-4f60-8a1b-2c3d4e5f6a01", "mac_address": "fa:16:3e:c4:a1:01",
                "network_id": "net-a"}])
    env = EnvironmentConfig("machine", mechanism_drivers=("OVS", "LXB"))
    outputs = collect_host(runner, host, env)
    assert [c for c, _ in outputs.problems] == []
    tree = _tree_for(host.name, uuids)
    report = LoadReport("hosts", "machine")
    host_documents(tree, host, CloudFacts(), outputs, env, report)
    vnics = {d["id"]: d for d in tree.of_type("vnic")}
    first = vnics[f"{host.name}-tapc4a1b2c3-d4"]
    assert first["parent_id"] == f"{uuids[0]}-vnics"
    assert (first["@type"], first["mac"], first["source"], first["target"], first["model"],
            first["mtu"]) == ("bridge", {"@address": "fa:16:3e:c4:a1:01"},
                              {"@bridge": "qbrc4a1b2c3-d4"}, {"@dev": "tapc4a1b2c3-d4"},
                              {"@type": "virtio"}, {"@size": "1450"})
    assert (first["instance_id"], first["mac_address"], first["source_bridge"],
            first["network"]) == (uuids[0], "fa:16:3e:c4:a1:01", "qbrc4a1b2c3-d4", "net-a")
    ovs_plugged = vnics[f"{host.name}-tapc5b2c3d4-e5"]
    assert ovs_plugged["virtualport"] == {
        "@type": "openvswitch",
        "parameters": {"@interfaceid": "c5b2c3d4-e5f6-4071-9b2c-3d4e5f6a7b02"}}
    assert len(vnics) == 3  # instance-00000003 is not one of this host's instances
    bridges = {d["name"]: d for d in tree.of_type("vconnector")}
    assert set(bridges) == {f"{host.name}-{b}" for b in
                            ("brq7ca9c3a2-7f", "qbrc4a1b2c3-d4", "virbr0")}
    qbr = bridges[f"{host.name}-qbrc4a1b2c3-d4"]
    assert qbr["interfaces"]["qvbc4a1b2c3-d4"]["mac_address"] == "fa:16:3e:c4:a1:01"
    assert qbr["network"] == "net-a"
    assert bridges[f"{host.name}-virbr0"]["interfaces_names"] == []
    (otep,) = tree.of_type("otep")
    assert otep["id"] == f"{host.name}-otep-vxlan-1001"
    assert otep["vconnector"] == f"{host.name}-brq7ca9c3a2-7f"
    assert (otep["ip_address"], otep["mtu"]) == ("198.51.100.7", 1450)
    assert tree.of_type("host_pnic") == []  # every interface of the capture is virtual
    assert report.ok, report.format()


def test_the_link_finders_find_the_oracles_links_over_the_host_objects() -> None:
    """The API side's objects as the oracle has them, the hosts' as the transform made
    them from the sandbox's outputs: every discovered link is the oracle's, field for
    field."""
    cloud = build(CloudShape(compute_hosts=2, network_hosts=1, instances_per_host=2))
    oracle = oracle_inventory(cloud)
    facts = cloud_facts(cloud, oracle)
    env = env_for(cloud)
    tree = Tree(cloud.shape.environment)
    ours = {d["id"] for h in cloud.hosts for d in host_subtree(oracle, h.name)}
    for doc in oracle:
        if doc["id"] not in ours:
            tree.insert(API, {k: v for k, v in doc.items() if k not in SKIPPED_KEYS})
    report = LoadReport("hosts", "sandbox")
    runner = ShellRunner(cloud)
    for host in cloud.hosts:
        outputs = collect_host(runner, facts.hosts[host.name], env)
        host_documents(tree, facts.hosts[host.name], facts, outputs, env, report)
    links = Links(cloud.shape.environment)
    find_links(tree, links, env.mechanism_drivers, env.type_drivers, report)
    fields = ("link_type", "source_id", "target_id", "link_name", "state", "host",
              "attributes", "source_label", "target_label")

    def rows(docs: list[dict]) -> list[tuple]:
        return sorted(tuple(json.dumps(d.get(f), sort_keys=True) for f in fields)
                      for d in docs)

    expected = [convert_extended_json(d) for d in generate_cloud(cloud)["links"]]
    assert len(links.docs) == len(expected) > 60
    assert rows(links.docs) == rows(expected)
    assert report.ok, report.format()


def test_vlan_ovs_hosts_name_the_pnic_of_their_mapped_bridge() -> None:
    """VLAN tenant networks: no otep; the vEdge's ``pnic`` is the pNIC in the agent's
    mapped bridge, which gets its datapath ``port_id``; the link finders then join them."""
    cloud = build(CloudShape(compute_hosts=2, network_hosts=1, instances_per_host=1,
                             type_driver="vlan"))
    docs = model_documents(cloud)
    facts = cloud_facts(cloud, docs)
    tree = host_tree(cloud, docs, cloud.hosts)
    env = env_for(cloud)
    report = LoadReport("hosts", "sandbox")
    runner = ShellRunner(cloud)
    for host in cloud.hosts:
        outputs = collect_host(runner, facts.hosts[host.name], env)
        host_documents(tree, facts.hosts[host.name], facts, outputs, env, report)
    assert report.ok, report.format()
    assert tree.of_type("otep") == []
    for vedge in tree.of_type("vedge"):
        mappings = facts.hosts[vedge["host"]].agents[0]["configurations"]["bridge_mappings"]
        assert mappings and vedge["pnic"] == "eth1"  # in br-prv, the tenant physnet's bridge
        pnic = next(d for d in tree.of_type("host_pnic")
                    if d["host"] == vedge["host"] and d["name"] == "eth1")
        assert pnic["port_id"] == vedge["ports"]["eth1"]["id"]
    links = Links(cloud.shape.environment)
    find_links(tree, links, env.mechanism_drivers, env.type_drivers, report)
    vedge_pnic = [d for d in links.docs if d["link_type"] == "vedge-host_pnic"]
    assert len(vedge_pnic) == len(cloud.hosts)
    assert all(d["link_name"].startswith("Port-") for d in vedge_pnic)

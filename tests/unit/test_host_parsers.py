"""The host-command parsers (loaders/hosts) on every recorded real output
(tests/fixtures/hosts, written by scripts/capture-host-outputs.py), checked against what
the capture script built (machine) and what the lab's scenario makes (lab); and garbled
output refused with the command named."""

from __future__ import annotations

import ipaddress
import json
import re
from pathlib import Path

import pytest

from loaders.hosts.brctl import parse_brctl_show
from loaders.hosts.ethtool import parse_ethtool
from loaders.hosts.fdb import parse_bridge_fdb_show
from loaders.hosts.iproute import (
    IpLink,
    parse_ip_address_show,
    parse_ip_detail_link_show,
    parse_ip_link_show,
)
from loaders.hosts.netns import parse_ip_netns_list
from loaders.hosts.ovs import (
    parse_ovs_dpctl_show,
    parse_ovs_options,
    parse_ovs_vsctl_list_br,
    parse_ovs_vsctl_list_ifaces,
    parse_ovs_vsctl_show,
)
from loaders.hosts.parsers import COMMANDS, parse_output, parser_for
from loaders.hosts.parsing import ParseError
from loaders.hosts.system import parse_ls_sys_class_net, parse_os_release, parse_uname_n
from loaders.hosts.virsh import parse_virsh_dumpxml, parse_virsh_list

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hosts"
SCENARIOS = ("machine", "lab")

# What scripts/capture-host-outputs.py builds (its fixed names, MACs and addresses).
QDHCP_A = "qdhcp-7ca9a1e0-5d3b-4f6c-9e21-3b8d0c4a1f01"
QDHCP_B = "qdhcp-7ca9b2f1-6e4c-4a7d-8f32-4c9e1d5b2a02"
QROUTER = "qrouter-7ca9f5c4-9b7f-4dae-9c65-7fc04a8e5d05"
BR_INT_TAGS = {"qvoc4a1b2c3-d4": 1, "tapc5b2c3d4-e5": 2, "tapd1a2b3c4-e5": 1,
               "tapd2b3c4d5-f6": 2, "tape1c2d3e4-f5": 1, "tape2d3e4f5-a6": 2,
               "tapf3e4f5a6-b7": 3}
VXLAN_OPTIONS = {"df_default": "true", "egress_pkt_mark": "0", "in_key": "flow",
                 "local_ip": "192.0.2.11", "out_key": "flow"}


def _index(scenario: str) -> dict:
    return json.loads((FIXTURES / scenario / "index.json").read_text(encoding="utf-8"))


def _captures() -> list[tuple[str, dict]]:
    return [(scenario, entry) for scenario in SCENARIOS
            for entry in _index(scenario)["captures"]]


def _text(scenario: str, slug: str) -> str:
    return (FIXTURES / scenario / f"{slug}.txt").read_text(encoding="utf-8")


def _parsed(scenario: str, slug: str):
    entry = next(e for e in _index(scenario)["captures"] if e["slug"] == slug)
    assert entry["exit_status"] == 0, entry["stderr"]
    return parse_output(entry["command"], _text(scenario, slug))


def _by_name(links: list[IpLink]) -> dict[str, IpLink]:
    return {link.name: link for link in links}


# -- every capture -----------------------------------------------------------------------------


@pytest.mark.parametrize(("scenario", "entry"), _captures(),
                         ids=[f"{s}/{e['slug']}" for s, e in _captures()])
def test_every_successful_capture_parses(scenario: str, entry: dict) -> None:
    text = _text(scenario, entry["slug"])
    if entry["exit_status"] != 0:
        assert text == ""
        assert entry["stderr"]
        return
    result = parse_output(entry["command"], text)
    if (scenario, entry["slug"]) != ("lab", "brctl-show"):  # the lab has no Linux bridge
        assert result


def test_every_parser_reads_some_capture() -> None:
    used = {parser_for(entry["command"]) for _, entry in _captures()
            if entry["exit_status"] == 0}
    assert used == {parser for _, parser in COMMANDS}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_index_says_what_ran_when_and_with_which_versions(scenario: str) -> None:
    index = _index(scenario)
    slugs = [entry["slug"] for entry in index["captures"]]
    assert len(slugs) == len(set(slugs))
    for entry in index["captures"]:
        assert (FIXTURES / scenario / entry["file"]).is_file()
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", entry["date"])
        assert entry["tool_version"] and entry["package"] and entry["package_version"]
        assert entry["command"].split()[0] in {entry["tool"], "ip"}
    # ovs-dpctl reaches only a kernel datapath: its failure is recorded, dpctl/show stands in
    dpctl = next(e for e in index["captures"] if e["slug"] == "ovs-dpctl-show")
    assert dpctl["exit_status"] != 0
    assert "kernel module" in dpctl["stderr"]
    assert any("ovs-dpctl" in note for note in index["notes"])


def test_capture_folders_hold_only_indexed_files_and_no_credentials() -> None:
    for scenario in SCENARIOS:
        listed = {entry["file"] for entry in _index(scenario)["captures"]}
        for path in (FIXTURES / scenario).iterdir():
            assert path.name in listed | {"index.json", "virsh-nova-node.xml"}
            assert not re.search(r"(?i)passw(or)?d|secret|token|private key", path.read_text())


# -- machine: namespaces and addresses ---------------------------------------------------------


def test_machine_netns_list_names_the_built_namespaces_with_their_ids() -> None:
    namespaces = {ns.name: ns.id for ns in _parsed("machine", "ip-netns-list")}
    assert {QDHCP_A, QDHCP_B, QROUTER, "tcap-host"} <= set(namespaces)
    assert all(isinstance(namespaces[name], int) for name in (QDHCP_A, QDHCP_B, QROUTER))
    assert namespaces["tcap-host"] is None  # no id seen from inside itself


def test_machine_dhcp_namespace_addresses() -> None:
    links = _by_name(_parsed("machine", f"ip-netns-exec-{QDHCP_A}-ip-address-show"))
    assert set(links) == {"lo", "ns-d1a2b3c4-e5"}
    port = links["ns-d1a2b3c4-e5"]
    assert port.mac == "fa:16:3e:d1:a2:01"
    assert port.state == "UP" and "UP" in port.flags
    assert port.link_netns == "tcap-host"
    assert [a.cidr for a in port.ipv4] == ["10.10.1.2/24"]
    assert port.ipv4[0].netmask == "255.255.255.0"
    assert port.ipv4[0].network == "10.10.1.0/24"
    assert [a.cidr for a in port.ipv6_global] == ["fd10:10:1::2/64"]
    assert [a.scope for a in port.ipv6] == ["global", "link"]
    # its peer "ifN" is the root end's index on the host
    host = _by_name(_parsed("machine", "ip-link-show"))
    assert port.peer == f"if{host['tapd1a2b3c4-e5'].index}"
    assert host["tapd1a2b3c4-e5"].peer == f"if{port.index}"
    assert host["tapd1a2b3c4-e5"].link_netns == QDHCP_A


def test_machine_second_dhcp_namespace_has_the_metadata_address_and_no_global_ipv6() -> None:
    port = _by_name(_parsed("machine", f"ip-netns-exec-{QDHCP_B}-ip-address-show"))[
        "ns-d2b3c4d5-f6"]
    assert [a.cidr for a in port.ipv4] == ["10.10.2.2/24", "169.254.169.254/32"]
    assert port.ipv6_global == ()


def test_machine_router_namespace_interfaces() -> None:
    links = _by_name(_parsed("machine", f"ip-netns-exec-{QROUTER}-ip-address-show"))
    assert set(links) == {"lo", "qr-e1c2d3e4-f5", "qr-e2d3e4f5-a6", "qg-f3e4f5a6-b7"}
    assert [a.cidr for a in links["qg-f3e4f5a6-b7"].ipv4] == ["203.0.113.10/24",
                                                              "203.0.113.20/32"]
    assert [a.cidr for a in links["qr-e1c2d3e4-f5"].ipv6_global] == ["fd10:10:1::1/64"]
    assert links["qr-e2d3e4f5-a6"].mac == "fa:16:3e:e2:d3:12"
    assert links["lo"].ipv4[0].cidr == "127.0.0.1/8" and links["lo"].link_type == "loopback"


def test_machine_host_addresses_masters_and_peers() -> None:
    links = _by_name(_parsed("machine", "ip-address-show"))
    eth1 = links["eth1"]
    assert (eth1.mac, eth1.peer, eth1.mtu) == ("52:54:00:7c:a9:11", "tcap-sw1", 1500)
    assert [a.cidr for a in eth1.ipv4] == ["192.0.2.11/24"]
    assert eth1.ipv4[0].label == "eth1"
    assert [a.cidr for a in eth1.ipv6_global] == ["2001:db8:11::11/64"]
    assert links["qvbc4a1b2c3-d4"].master == "qbrc4a1b2c3-d4"
    assert links["qvbc4a1b2c3-d4"].peer == "qvoc4a1b2c3-d4"
    assert links["tapc4a1b2c3-d4"].state == "DOWN" and "NO-CARRIER" in links[
        "tapc4a1b2c3-d4"].flags
    assert (links["vxlan-1001"].master, links["vxlan-1001"].mtu) == ("brq7ca9c3a2-7f", 1450)
    assert links["br-int"].mac == "6e:7c:a9:00:00:01"
    one = parse_ip_address_show(_text("machine", "ip-address-show-eth1"))
    assert one == [eth1]


def test_machine_ip_link_show_lists_the_same_interfaces_without_addresses() -> None:
    with_addresses = _parsed("machine", "ip-address-show")
    links = _parsed("machine", "ip-link-show")
    assert [(link.index, link.name, link.mac) for link in links] == [
        (link.index, link.name, link.mac) for link in with_addresses]
    assert all(link.addresses == () and link.details == () for link in links)


def test_machine_ip_detail_shows_kinds_and_the_vxlan_settings() -> None:
    links = _by_name(_parsed("machine", "ip-d-link-show"))
    vxlan = links["vxlan-1001"].vxlan
    assert vxlan is not None
    assert (vxlan.id, vxlan.local, vxlan.dev, vxlan.dstport, vxlan.remote) == (
        1001, "192.0.2.11", "eth1", 4789, None)
    assert links["vxlan-1001"].kind == "vxlan"
    assert links["vxlan-1001"].slave_kind == "bridge_slave"
    assert (links["qvbc4a1b2c3-d4"].kind, links["qvbc4a1b2c3-d4"].slave_kind) == (
        "veth", "bridge_slave")
    assert links["br-int"].kind == "tun" and links["br-int"].slave_kind is None
    assert links["qbrc4a1b2c3-d4"].kind == "bridge"
    assert links["lo"].kind is None and links["eth1"].vxlan is None


def test_machine_fdb_has_the_l2pop_entries_of_the_vxlan_device() -> None:
    entries = _parsed("machine", "bridge-fdb-show")
    remote = {(e.mac, e.dst) for e in entries if e.dev == "vxlan-1001" and e.dst}
    assert remote == {("00:00:00:00:00:00", "192.0.2.12"), ("00:00:00:00:00:00", "192.0.2.13"),
                      ("fa:16:3e:c8:e5:05", "192.0.2.12")}
    learned = [e for e in entries if e.mac == "6e:7c:a9:c4:a1:02"]
    assert [(e.dev, e.master, e.flags) for e in learned] == [
        ("qvbc4a1b2c3-d4", "qbrc4a1b2c3-d4", ("permanent",))]


def test_machine_brctl_show_joins_continuation_lines() -> None:
    bridges = {b.bridge_name: b for b in _parsed("machine", "brctl-show")}
    assert set(bridges) == {"brq7ca9c3a2-7f", "qbrc4a1b2c3-d4", "virbr0"}
    assert bridges["brq7ca9c3a2-7f"].interfaces == ("tapc6c3d4e5-f6", "tapc7d4e5f6-a7",
                                                    "vxlan-1001")
    assert bridges["qbrc4a1b2c3-d4"].interfaces == ("qvbc4a1b2c3-d4", "tapc4a1b2c3-d4")
    assert bridges["qbrc4a1b2c3-d4"].bridge_id == "8000.6e7ca9c4a101"
    assert not bridges["qbrc4a1b2c3-d4"].stp_enabled
    assert bridges["virbr0"].interfaces == () and bridges["virbr0"].stp_enabled


def test_machine_sys_class_net_marks_every_built_device_virtual() -> None:
    entries = {e.name: e for e in _parsed("machine", "ls-l-sys-class-net")}
    assert {"eth1", "eth2", "br-int", "vxlan-1001", "lo"} <= set(entries)
    assert entries["eth1"].target == "../../devices/virtual/net/eth1"
    assert all(entry.virtual for entry in entries.values())


def test_machine_ethtool_values_and_continuation_lines() -> None:
    eth2 = _parsed("machine", "ethtool-eth2")
    assert eth2.interface == "eth2"
    assert (eth2.speed, eth2.duplex, eth2.link_detected) == ("1000Mb/s", "Full", False)
    assert eth2.settings["Auto-negotiation"] == "on"
    assert eth2.settings["Current message level"] == ["0x00000007 (7)", "drv probe link"]
    tap = _parsed("machine", "ethtool-tapc4a1b2c3-d4")
    assert tap.settings["Current message level"] == "0x00000000 (0)"  # blank line ignored
    assert _parsed("machine", "ethtool-eth1").speed == "10000Mb/s"
    bridge = _parsed("machine", "ethtool-qbrc4a1b2c3-d4")
    assert (bridge.speed, bridge.link_detected) == ("10000Mb/s", True)  # its veth port's


# -- machine: Open vSwitch ---------------------------------------------------------------------


def test_machine_ovs_show_bridges_ports_tags_and_options() -> None:
    show = _parsed("machine", "ovs-vsctl-show")
    assert show.managers == ("ptcp:6640:127.0.0.1",)
    index = _index("machine")["captures"]
    version = next(e for e in index if e["slug"] == "ovs-vsctl-show")["tool_version"]
    assert show.ovs_version == version.rsplit(" ", 1)[-1]
    assert {b.name for b in show.bridges} == {"br-int", "br-tun", "br-ex"}
    assert {(b.datapath_type, b.fail_mode) for b in show.bridges} == {("netdev", "secure")}
    br_int = show.bridge("br-int")
    assert br_int is not None
    assert {p.name: p.tag for p in br_int.ports if p.tag is not None} == BR_INT_TAGS
    patch = br_int.port("patch-tun")
    assert patch is not None
    assert (patch.interfaces[0].type, dict(patch.interfaces[0].options)) == (
        "patch", {"peer": "patch-int"})
    assert br_int.port("br-int").interfaces[0].type == "internal"
    br_tun = show.bridge("br-tun")
    tunnels = {p.name: p.interfaces[0] for p in br_tun.ports if p.name.startswith("vxlan-")}
    assert {name: (i.type, dict(i.options)) for name, i in tunnels.items()} == {
        "vxlan-c000020c": ("vxlan", {**VXLAN_OPTIONS, "remote_ip": "192.0.2.12"}),
        "vxlan-c000020d": ("vxlan", {**VXLAN_OPTIONS, "remote_ip": "192.0.2.13"}),
    }
    eth2 = show.bridge("br-ex").port("eth2")
    assert eth2.interfaces[0].type == "" and eth2.tag is None


def test_machine_list_ifaces_agree_with_ovs_show() -> None:
    show = _parsed("machine", "ovs-vsctl-show")
    assert _parsed("machine", "ovs-vsctl-list-br") == ["br-ex", "br-int", "br-tun"]
    for bridge in show.bridges:
        interfaces = {i.name for p in bridge.ports for i in p.interfaces} - {bridge.name}
        assert set(_parsed("machine", f"ovs-vsctl-list-ifaces-{bridge.name}")) == interfaces


def test_machine_userspace_datapath_ports() -> None:
    [datapath] = _parsed("machine", "ovs-appctl-dpctl-show")
    assert (datapath.type, datapath.name) == ("netdev", "ovs-netdev")
    ports = {p.name: p for p in datapath.ports}
    assert {name for name, p in ports.items() if p.type == "tap"} == {
        "ovs-netdev", "br-int", "br-tun", "br-ex"}
    assert (ports["vxlan_sys_4789"].type, ports["vxlan_sys_4789"].options) == (
        "vxlan", "packet_type=ptap")
    assert set(BR_INT_TAGS) | {"eth2"} <= set(ports)
    assert ports["eth2"].type is None
    assert not any(p.internal for p in datapath.ports)  # userspace: '(tap)', not '(internal)'
    assert [p.number for p in datapath.ports] == list(range(len(datapath.ports)))
    assert datapath.stats["flows"].isdigit()


def test_kernel_datapath_marks_internal_ports() -> None:
    # The kernel datapath's format (not capturable here: this kernel has no openvswitch)
    text = ("system@ovs-system:\n  lookups: hit:0 missed:0 lost:0\n  flows: 0\n"
            "  masks: hit:0 total:0 hit/pkt:0.00\n  caches:\n    masks-cache: size:256\n"
            "  port 0: ovs-system (internal)\n  port 1: br-int (internal)\n  port 2: eth0\n"
            "  port 3: vxlan_sys_4789 (vxlan: packet_type=ptap)\n")
    [datapath] = parse_ovs_dpctl_show(text)
    assert [(p.number, p.name, p.internal) for p in datapath.ports] == [
        (0, "ovs-system", True), (1, "br-int", True), (2, "eth0", False),
        (3, "vxlan_sys_4789", False)]
    assert datapath.stats["masks"] == "hit:0 total:0 hit/pkt:0.00"


def test_ovs_show_of_older_versions_quotes_names_and_reports_errors() -> None:
    text = ('0f8ce2b3-63f5-4e56-9c1d-2f5b1c0a9d11\n    Bridge "br-int"\n'
            '        Port "tap1"\n            tag: 4095\n            trunks: [10, 20]\n'
            '            Interface "tap1"\n'
            '                error: "could not open network device tap1 (No such device)"\n'
            '    ovs_version: "2.5.0"\n')
    show = parse_ovs_vsctl_show(text)
    port = show.bridge("br-int").port("tap1")
    assert (port.tag, port.trunks) == (4095, (10, 20))
    assert port.interfaces[0].error == "could not open network device tap1 (No such device)"
    assert show.ovs_version == "2.5.0"


# -- machine: libvirt --------------------------------------------------------------------------


def test_machine_virsh_lists() -> None:
    assert [(d.id, d.name, d.state) for d in _parsed("machine", "virsh-list")] == [
        (1, "test", "running")]
    assert [(d.id, d.name, d.state) for d in _parsed("machine", "virsh-nova-list-all")] == [
        (1, "instance-00000001", "running"), (2, "instance-00000002", "running"),
        (None, "instance-00000003", "shut off")]
    assert len(_parsed("machine", "virsh-nova-list")) == 3


def test_machine_dumpxml_normalises_one_and_several_interfaces() -> None:
    default = _parsed("machine", "virsh-dumpxml-1")
    assert [(i.type, i.mac_address, i.target_dev) for i in default.interfaces] == [
        ("network", "aa:bb:cc:dd:ee:ff", "testnet0")]
    one = _parsed("machine", "virsh-nova-dumpxml-1")
    assert (one.name, one.uuid, one.id) == ("instance-00000001",
                                            "0f4a2c1e-6b7d-4e8f-9a0b-1c2d3e4f5a61", 1)
    assert [(i.source_bridge, i.target_dev, i.mac_address, i.model) for i in one.interfaces] == [
        ("qbrc4a1b2c3-d4", "tapc4a1b2c3-d4", "fa:16:3e:c4:a1:01", "virtio")]
    two = _parsed("machine", "virsh-nova-dumpxml-2")
    assert [(i.source_bridge, i.target_dev) for i in two.interfaces] == [
        ("br-int", "tapc5b2c3d4-e5"), ("brq7ca9c3a2-7f", "tapc6c3d4e5-f6")]
    ovs = two.interfaces[0].element
    assert ovs["virtualport"]["@type"] == "openvswitch"
    assert ovs["virtualport"]["parameters"]["@interfaceid"] == (
        "c5b2c3d4-e5f6-4071-9b2c-3d4e5f6a7b02")
    assert ovs["mtu"]["@size"] == "1450"
    assert _parsed("machine", "virsh-nova-dumpxml-3").interfaces == ()


def test_machine_identity() -> None:
    release = _parsed("machine", "os-release")
    assert (release["ID"], release["VERSION_ID"]) == ("debian", "12")
    assert release["PRETTY_NAME"] == "Debian GNU/Linux 12 (bookworm)"
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.-]*", _parsed("machine", "uname-n"))


# -- lab -----------------------------------------------------------------------------------------


def _lab_namespaces() -> dict[str, list[IpLink]]:
    return {ns.name: _parsed("lab", f"ip-netns-exec-{ns.name}-ip-address-show")
            for ns in _parsed("lab", "ip-netns-list")
            if ns.name.startswith(("qdhcp-", "qrouter-"))}


def test_lab_namespaces_hold_the_scenario_subnets() -> None:
    namespaces = _lab_namespaces()
    dhcp = [links for name, links in namespaces.items() if name.startswith("qdhcp-")]
    routers = [links for name, links in namespaces.items() if name.startswith("qrouter-")]
    assert len(dhcp) == 2 and len(routers) == 1
    dhcp_addresses = {a.cidr for links in dhcp for link in links if link.name != "lo"
                      for a in link.ipv4}
    assert {ipaddress.ip_interface(c).network for c in dhcp_addresses} == {
        ipaddress.ip_network("10.10.0.0/24"), ipaddress.ip_network("10.20.0.0/24")}
    assert all(link.name.startswith("ns-") for links in dhcp for link in links
               if link.name != "lo")
    router = _by_name(routers[0])
    gateways = {a.cidr for name, link in router.items() if name.startswith("qr-")
                for a in link.ipv4}
    assert gateways == {"10.10.0.1/24", "10.20.0.1/24"}
    [qg] = [link for name, link in router.items() if name.startswith("qg-")]
    assert [a.prefix for a in qg.ipv4] == [24, 32]  # the gateway, then the floating IP
    assert all(a.network.startswith("203.0.113.") for a in qg.ipv4)


def test_lab_namespace_ends_pair_with_the_br_int_taps() -> None:
    host = _by_name(_parsed("lab", "ip-link-show"))
    br_int = set(_parsed("lab", "ovs-vsctl-list-ifaces-br-int"))
    for name, links in _lab_namespaces().items():
        for link in links:
            if link.name == "lo":
                continue
            tap = "tap" + link.name.split("-", 1)[1]
            assert tap in br_int
            assert host[tap].link_netns == name
            assert link.peer == f"if{host[tap].index}" and host[tap].peer == f"if{link.index}"
            assert link.link_netnsid == 0


def test_lab_ovs_show_matches_list_ifaces_and_dpctl() -> None:
    show = _parsed("lab", "ovs-vsctl-show")
    assert {b.name for b in show.bridges} == set(_parsed("lab", "ovs-vsctl-list-br"))
    assert all(b.controllers == ("tcp:127.0.0.1:6633",) for b in show.bridges)
    assert all(b.datapath_type == "netdev" for b in show.bridges)
    br_int = show.bridge("br-int")
    taps = {p.name: p.tag for p in br_int.ports if p.name.startswith("tap")}
    assert set(taps) == {i for i in _parsed("lab", "ovs-vsctl-list-ifaces-br-int")
                         if i.startswith("tap")}
    assert set(taps.values()) == {1, 2, 3}
    assert br_int.port("int-br-ex").interfaces[0].options == {"peer": "phy-br-ex"}
    [datapath] = _parsed("lab", "ovs-appctl-dpctl-show")
    assert set(taps) <= {p.name for p in datapath.ports}


def test_lab_pnic_is_the_one_non_virtual_interface() -> None:
    entries = _parsed("lab", "ls-l-sys-class-net")
    assert [e.name for e in entries if not e.virtual] == ["eth0"]
    assert "/virtio" in next(e.target for e in entries if e.name == "eth0")
    ethtool = _parsed("lab", "ethtool-eth0")
    assert (ethtool.interface, ethtool.link_detected) == ("eth0", True)
    [eth0] = _parsed("lab", "ip-address-show-eth0")
    assert eth0.name == "eth0" and eth0.state == "UP" and eth0.ipv4 and eth0.mac
    assert "nodad" in eth0.ipv6_global[0].flags
    assert _parsed("lab", "brctl-show") == []  # an OVS host: no Linux bridge at all


def test_lab_detail_and_fdb_cover_every_interface() -> None:
    detail = _parsed("lab", "ip-d-link-show")
    assert [link.name for link in detail] == [link.name for link in
                                              _parsed("lab", "ip-link-show")]
    kinds = {link.name: link.kind for link in detail}
    assert kinds["br-int"] == "tun" and kinds["ifb0"] == "ifb"
    assert all(kinds[name] == "veth" for name in kinds if name.startswith("tap"))
    devices = {entry.dev for entry in _parsed("lab", "bridge-fdb-show")}
    assert {"eth0", "br-int"} <= devices


# -- dispatch and refusals ---------------------------------------------------------------------


def test_parser_for_reads_command_lines_as_loaders_run_them() -> None:
    assert parser_for("sudo ip netns exec qdhcp-1 ip address show") is parse_ip_address_show
    assert parser_for("ip  addr show eth0") is parse_ip_address_show
    assert parser_for("ovs-appctl -t ovs-vswitchd dpctl/show") is parse_ovs_dpctl_show
    assert parser_for("virsh dumpxml 3") is parse_virsh_dumpxml
    for command in ("ip route show", "ovs-vsctl show; rm -rf /", "ethtool"):
        with pytest.raises(ValueError, match="no parser"):
            parser_for(command)


GARBLED = [
    (parse_ip_address_show, "ip address show", "hello world\n"),
    (parse_ip_address_show, "ip address show", ""),
    (parse_ip_address_show, "ip address show", "    link/ether 00:11:22:33:44:55\n"),
    (parse_ip_link_show, "ip link show", "2: eth0: <UP> qdisc noqueue state UP\n"),
    (parse_ip_detail_link_show, "ip -d link show",
     "2: vx: <UP> mtu 1450 state UP\n    vxlan local 10.0.0.1 dstport 4789\n"),
    (parse_ip_address_show, "ip address show",
     "2: eth0: <UP> mtu 1500 state UP\n    inet 10.0.0.300/24 scope global eth0\n"),
    (parse_ip_netns_list, "ip netns list", "qdhcp-1 (id: x)\n"),
    (parse_bridge_fdb_show, "bridge fdb show", "dev eth0 self permanent\n"),
    (parse_bridge_fdb_show, "bridge fdb show", "00:11:22:33:44:55 dst 10.0.0.2 self\n"),
    (parse_brctl_show, "brctl show", "qbr1\t8000.001122334455\tno\t\ttap1\n"),
    (parse_brctl_show, "brctl show",
     "bridge name\tbridge id\t\tSTP enabled\tinterfaces\nqbr1\tnot-an-id\tno\n"),
    (parse_ethtool, "ethtool", "\tSpeed: 1000Mb/s\n"),
    (parse_ethtool, "ethtool", "Settings for eth0:\n\tSpeed 1000Mb/s\n"),
    (parse_ovs_vsctl_show, "ovs-vsctl show", "Bridge br-int\n"),
    (parse_ovs_vsctl_show, "ovs-vsctl show",
     "0f8ce2b3-63f5-4e56-9c1d-2f5b1c0a9d11\n   Bridge br-int\n"),
    (parse_ovs_vsctl_show, "ovs-vsctl show",
     "0f8ce2b3-63f5-4e56-9c1d-2f5b1c0a9d11\n    Bridge br-int\n        Port p1\n"),
    (parse_ovs_vsctl_show, "ovs-vsctl show",
     "0f8ce2b3-63f5-4e56-9c1d-2f5b1c0a9d11\n    Bridge b\n        Port p\n"
     "            Interface p\n                options: peer=x\n"),
    (parse_ovs_dpctl_show, "ovs-dpctl show", "  port 1: br-int (internal)\n"),
    (parse_ovs_dpctl_show, "ovs-dpctl show", "system@ovs-system:\n  what is this\n"),
    (parse_ovs_vsctl_list_ifaces, "ovs-vsctl list-ifaces", "tap1 tap2\n"),
    (parse_ovs_vsctl_list_br, "ovs-vsctl list-br", "br int\n"),
    (parse_virsh_list, "virsh list", "1 instance-1 running\n"),
    (parse_virsh_list, "virsh list", " Id   Name   State\n------\n x  vm  running\n"),
    (parse_virsh_dumpxml, "virsh dumpxml", "<domain><name>x</name>"),
    (parse_virsh_dumpxml, "virsh dumpxml", "<network><name>default</name></network>"),
    (parse_ls_sys_class_net, "ls -l /sys/class/net", "eth0 -> ../../devices/pci/eth0\n"),
    (parse_ls_sys_class_net, "ls -l /sys/class/net",
     "lrwxrwxrwx 1 root root 0 Dec  5 02:44 eth0\n"),
    (parse_os_release, "cat /etc/os-release", "Debian GNU/Linux\n"),
    (parse_os_release, "cat /etc/os-release", 'NAME="unterminated\n'),
    (parse_uname_n, "uname -n", ""),
    (parse_uname_n, "uname -n", "node-1 node-2\n"),
]


@pytest.mark.parametrize(("parser", "command", "text"), GARBLED,
                         ids=[f"{c}:{t[:20]!r}" for _, c, t in GARBLED])
def test_garbled_output_is_refused_naming_the_command(parser, command: str, text: str) -> None:
    with pytest.raises(ParseError) as caught:
        parser(text)
    assert isinstance(caught.value, ValueError)
    assert str(caught.value).startswith(f"{command}: ")
    assert caught.value.command == command


def test_ovs_options_keep_quoted_values_with_commas_and_escapes() -> None:
    assert parse_ovs_options('{a="x, y", b=plain, "c"="q\\"uote"}') == {
        "a": "x, y", "b": "plain", "c": 'q"uote'}
    assert parse_ovs_options("{}") == {}

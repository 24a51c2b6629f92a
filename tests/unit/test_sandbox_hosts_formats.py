"""The sandbox's outputs are laid out like the real tools' (recorded under
``tests/fixtures/hosts/<scenario>/``, listed by each scenario's ``index.json``).

For each command a grammar names the kinds of line the real output has (the header, the
four-space continuation lines, the fields in their order). Every line of every recorded
capture must be one of them (the grammar describes reality), every line the sandbox prints
must be one too, and the sandbox may use only kinds of line, and successions of kinds, that
the recordings show, except the few listed as not recordable on this machine (its kernel
has no Open vSwitch datapath and no 802.1Q module).

``sandbox-reference`` is always there; the ``machine`` and ``lab`` scenarios of the host
loaders' recordings are used as well when present.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

import pytest

from loaders.hosts.virsh import parse_virsh_dumpxml
from topology.sandbox.faults import Faults
from topology.sandbox.hosts.shell import Shell
from topology.sandbox.model import Cloud, CloudShape, build

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hosts"
MAC = r"(?:[0-9a-f]{2}:){5}[0-9a-f]{2}"
IPV4 = r"\d+\.\d+\.\d+\.\d+"
Grammar = Sequence[tuple[str, str]]

IP_LISTING: Grammar = (
    ("header", r"\d+: [^:@\s]+(@[^:\s]+)?: <[A-Z0-9_,-]*> mtu \d+ qdisc \S+( master \S+)? "
               r"state (UP|DOWN|UNKNOWN)( mode DEFAULT)? group default qlen \d+"),
    ("link", rf"    link/(ether|loopback) {MAC} brd {MAC}( link-netns \S+| link-netnsid \d+)?"),
    ("inet", rf"    inet {IPV4}/\d+( brd {IPV4})? scope (global|host) \S+"),
    ("inet6", r"    inet6 [0-9a-f:]+/\d+ scope (global|link|host) (\w+ )*"),
    ("lifetime", r"       valid_lft forever preferred_lft forever"),
)
_SIZES = (r"addrgenmode eui64 numtxqueues \d+ numrxqueues \d+ gso_max_size \d+ gso_max_segs \d+ "
          r"tso_max_size \d+ tso_max_segs \d+ gro_max_size \d+ (parentbus \S+ parentdev \S+ )?")
IP_DETAILS: Grammar = (
    ("header", IP_LISTING[0][1]),
    ("link", rf"    link/(ether|loopback) {MAC} brd {MAC}( link-netns \S+| link-netnsid \d+)? "
             rf"promiscuity \d+  allmulti \d+ minmtu \d+ maxmtu \d+ ({_SIZES})?"),
    ("kind:{}", r"    (veth|bridge|vxlan|vlan|tun|openvswitch|ifb) (.* )?"),
    ("slave:{}", r"    (bridge_slave|openvswitch_slave) .* "),
)
BRCTL: Grammar = (
    ("header", r"bridge name\tbridge id\t\tSTP enabled\tinterfaces"),
    ("bridge", r"\S+\t\t8000\.[0-9a-f]{12}\t(no|yes)\t\t\S*"),
    ("more", r"\t{7}\S+"),
)
FDB: Grammar = (
    ("{}", rf"{MAC} dev \S+ (self permanent|master \S+ permanent|master \S+ |"
           rf"dst {IPV4} self permanent)"),
)
VSCTL: Grammar = (
    ("uuid", r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
    ("manager", r'    Manager "\S+"'),
    ("manager-connected", r"        is_connected: (true|false)"),
    ("bridge", r"    Bridge \S+"),
    ("controller", r'        Controller "\S+"'),
    ("controller-connected", r"            is_connected: (true|false)"),
    ("fail_mode", r"        fail_mode: \S+"),
    ("datapath_type", r"        datapath_type: \S+"),
    ("port", r"        Port \S+"),
    ("tag", r"            tag: \d+"),
    ("interface", r"            Interface \S+"),
    ("type", r"                type: \S+"),
    ("options", r"                options: \{(\w+=(\w[\w.-]*|\"[^\"]*\")(, )?)+\}"),
    ("error", r'                error: ".*"'),
    ("version", r'    ovs_version: "[\d.]+"'),
)
DPCTL: Grammar = (
    ("datapath", r"\w+@[\w-]+:"),
    ("lookups", r"  lookups: hit:\d+ missed:\d+ lost:\d+"),
    ("flows", r"  flows: \d+"),
    ("masks", r"  masks: hit:\d+ total:\d+ hit/pkt:\d+\.\d\d"),
    ("cache", r"  cache: hit:\d+ hit-rate:\d+\.\d\d%"),
    ("caches", r"  caches:"),
    ("masks-cache", r"    masks-cache: size:\d+"),
    ("port", r"  port \d+: \S+( \(\w+(: \w+=\S+(, \w+=\S+)*)?\))?"),
)
NETNS: Grammar = (("namespace", r"\S+( \(id: \d+\))?"),)
_LS_ENTRY = r"lrwxrwxrwx 1 root root 0 \w{3} [ \d]\d (\d\d:\d\d| \d{4}) \S+ -> \.\./\.\./devices/"
SYSFS: Grammar = (
    ("total", r"total 0"),
    ("virtual", _LS_ENTRY + r"virtual/net/\S+"),
    ("device", _LS_ENTRY + r"pci[\w:./]+/net/\S+"),
)
ETHTOOL: Grammar = (
    ("settings", r"Settings for \S+:"),
    ("field", r"\t[^\t:]+: .*"),
    ("more-modes", r"\t {24}\S.*"),
    ("message-level", r" {8}Current message level: 0x[0-9a-f]{8} \(\d+\)"),
    ("message-names", r" {31}[\w ]+| {30}"),
)
# What the sandbox prints that this machine cannot record: the kernel datapath of Open
# vSwitch (its devices, their slaves, its statistics and internal ports) and VLAN devices.
# A NIC of several speeds lists its link modes on several lines; this machine's has none.
NOT_RECORDABLE = {"kind:openvswitch", "slave:openvswitch_slave", "kind:vlan", "masks", "cache",
                  "caches", "masks-cache", "more-modes"}
# A succession needing a physical NIC in a bridge (this machine's only NIC is its uplink).
NOT_RECORDABLE_STEPS = {("link", "slave:bridge_slave")}
# In ovs-vsctl show, whichever line ends a port (its interface, type, options or error) may
# be followed by the next port, the next bridge or the version; which one a recording shows
# depends only on the database's hash order.
PORT_ENDS = {(end, after) for end in ("interface", "type", "options", "error")
             for after in ("port", "bridge", "version")}


def _kind(line: str, grammar: Grammar) -> str:
    for name, pattern in grammar:
        match = re.fullmatch(pattern, line)
        if match:
            return name.format(match.group(1)) if "{}" in name else name
    raise AssertionError(f"a line of no known kind: {line!r}")


def kinds(text: str, grammar: Grammar) -> list[str]:
    return [_kind(line, grammar) for line in text.splitlines()]


def _fdb_kind(line: str) -> str:
    return " ".join(word for word in line.split()[2:] if not re.fullmatch(
        rf"{MAC}|{IPV4}|\S+-\S+|eth\S*|br\S*|lo|ovs\S*|tap\S*|q\S+|vxlan\S*|virbr\d|tcap\S*",
        word))


@cache
def recorded() -> list[dict[str, str]]:
    """Every successful capture of every scenario: slug, scenario and text."""
    found = []
    for index in sorted(FIXTURES.glob("*/index.json")):
        for capture in json.loads(index.read_text())["captures"]:
            path = index.parent / capture["file"]
            if capture["exit_status"] == 0 and path.exists():
                found.append({"scenario": index.parent.name, "slug": capture["slug"],
                              "text": path.read_text()})
    return found


def real(pattern: str) -> list[str]:
    texts = [c["text"] for c in recorded() if re.fullmatch(pattern, c["slug"]) and c["text"]]
    assert texts, f"no recorded capture matches {pattern}"
    return texts


@cache
def clouds() -> tuple[Cloud, ...]:
    return tuple(build(CloudShape(compute_hosts=3, network_hosts=1, instances_per_host=2,
                                  mechanism_driver=mechanism, type_driver=types))
                 for mechanism in ("OVS", "LXB") for types in ("vxlan", "vlan"))


def ours(line: str, *, computes: bool = True, networks: bool = True,
         mechanisms: Iterable[str] = ("OVS", "LXB")) -> list[str]:
    """The command's output on a compute and a network host of each kind of cloud."""
    texts = []
    for cloud in clouds():
        if cloud.shape.mechanism_driver not in mechanisms:
            continue
        hosts = ([cloud.computes[0]] if computes else []) + (
            [cloud.network_hosts[0]] if networks else [])
        for host in hosts:
            result = Shell(cloud, Faults(), host).run(line)
            assert (result.status, result.stderr) == (0, ""), (line, result.stderr)
            texts.append(result.stdout)
    return texts


def transitions(sequence: list[str]) -> set[tuple[str, str]]:
    return set(itertools.pairwise(sequence))


def check_layout(ours_texts: list[str], real_texts: list[str], grammar: Grammar,
                 also_valid: set[tuple[str, str]] | None = None) -> None:
    real_kinds = [kinds(text, grammar) for text in real_texts]
    our_kinds = [kinds(text, grammar) for text in ours_texts]
    seen = {kind for sequence in real_kinds for kind in sequence}
    used = {kind for sequence in our_kinds for kind in sequence}
    assert used - seen <= NOT_RECORDABLE, used - seen
    seen_steps = {step for sequence in real_kinds for step in transitions(sequence)}
    seen_steps |= also_valid or set()
    for sequence in our_kinds:
        odd = {(a, b) for a, b in transitions(sequence) - seen_steps - NOT_RECORDABLE_STEPS
               if a not in NOT_RECORDABLE and b not in NOT_RECORDABLE}
        assert not odd, odd


def test_ip_address_show() -> None:
    check_layout(ours("ip address show"), real(r"ip-address-show(-.*)?"), IP_LISTING)


def test_ip_link_show() -> None:
    check_layout(ours("ip link show"), real(r"ip-link-show"), IP_LISTING)


def test_ip_netns_exec_ip_address_show() -> None:
    texts = []
    for cloud in clouds():
        host = cloud.network_hosts[0]
        for port in host.dhcp_ports[:1]:
            texts += ours(f"ip netns exec qdhcp-{port.network.id} ip address show",
                          computes=False, mechanisms=(cloud.shape.mechanism_driver,))
        for router in host.routers[:1]:
            texts += ours(f"ip netns exec qrouter-{router.id} ip address show",
                          computes=False, mechanisms=(cloud.shape.mechanism_driver,))
    check_layout(texts, real(r"ip-netns-exec-.*-ip-address-show"), IP_LISTING)


def test_ip_d_link_show_lines_and_fields() -> None:
    mine, theirs = ours("ip -d link show"), real(r"ip-d-link-show(-.*)?")
    check_layout(mine, theirs, IP_DETAILS)

    def keys(texts: list[str], word: str) -> set[tuple[str, ...]]:
        """The option names of each ``word`` line, in order (up to the sizes, which the
        grammar checks)."""
        lines = [line.split(" addrgenmode ")[0].split()[1:] for text in texts
                 for line in text.splitlines() if line.startswith(f"    {word} ")]
        return {tuple(fields[0::2]) for fields in lines}

    for word in ("bridge", "bridge_slave"):
        assert keys(mine, word) <= keys(theirs, word), word


def test_ip_netns_list() -> None:
    check_layout(ours("ip netns list", computes=False), real(r"ip-netns-list"), NETNS)


def test_brctl_show() -> None:
    mine, theirs = ours("brctl show"), real(r"brctl-show")
    check_layout(mine, theirs, BRCTL)


def test_bridge_fdb_show() -> None:
    mine, theirs = ours("bridge fdb show"), real(r"bridge-fdb-show")
    for text in [*mine, *theirs]:
        kinds(text, FDB)
    seen = {_fdb_kind(line) for text in theirs for line in text.splitlines()}
    used = {_fdb_kind(line) for text in mine for line in text.splitlines()}
    assert used <= seen, used - seen


def test_ovs_vsctl_show() -> None:
    check_layout(ours("ovs-vsctl show", mechanisms=("OVS",)), real(r"ovs-vsctl-show"), VSCTL,
                 PORT_ENDS)


def test_ovs_dpctl_show() -> None:
    """The kernel datapath is not recordable here; ``ovs-appctl dpctl/show`` of the
    userspace one prints the same header and port lines."""
    check_layout(ours("ovs-dpctl show", mechanisms=("OVS",)),
                 real(r"ovs-(appctl-)?dpctl-show"), DPCTL)


def test_ovs_vsctl_list_ifaces() -> None:
    for text in [*ours("ovs-vsctl list-ifaces br-int", mechanisms=("OVS",)),
                 *real(r"ovs-vsctl-list-ifaces-.*")]:
        names = text.splitlines()
        assert names == sorted(names) and all(re.fullmatch(r"\S+", n) for n in names)


def test_ls_l_sys_class_net() -> None:
    # entries are sorted by name: a device's entry may come before or after a virtual one
    by_name = {(a, b) for a in ("total", "virtual", "device") for b in ("virtual", "device")}
    check_layout(ours("ls -l /sys/class/net"), real(r"ls-l-sys-class-net"), SYSFS, by_name)


def test_ethtool() -> None:
    mine = []
    for cloud in clouds():
        host = cloud.computes[0]
        instance = host.instances[0]
        names = ["eth0", "lo", f"tap{instance.ports[0].short}"]
        for name in names:
            mine += ours(f"ethtool {name}", networks=False,
                         mechanisms=(cloud.shape.mechanism_driver,))
    theirs = real(r"ethtool-.*")
    check_layout(mine, theirs, ETHTOOL)

    def fields(text: str) -> list[str]:
        return [line.split(":")[0].strip() for line in text.splitlines()[1:] if ":" in line]

    before = {(a, b) for text in theirs for i, a in enumerate(fields(text))
              for b in fields(text)[i + 1:]}
    for text in mine:
        ordered = fields(text)
        reversed_pairs = {(a, b) for i, a in enumerate(ordered) for b in ordered[i + 1:]
                          if (b, a) in before}
        assert not reversed_pairs, reversed_pairs


def test_os_release_is_debian_12_exactly() -> None:
    mine = ours("cat /etc/os-release")
    for text in real(r"os-release"):
        assert mine == [text] * len(mine)


def _virsh_table_ok(text: str) -> None:
    lines = text.split("\n")
    header, rule, rows = lines[0], lines[1], [line for line in lines[2:] if line]
    assert lines[-2:] == ["", ""], "a blank line ends the table"
    assert header.startswith(" Id   ") and header.endswith("State")
    name_at, state_at = header.index("Name"), header.index("State")
    for row in rows:
        assert row[name_at - 1] == " " and row[name_at] != " "
        assert row[state_at - 1] == " " and row[state_at] != " "
        assert row[state_at - 3:state_at] == "   "
    widest_state = max([len("State"), *(len(row[state_at:]) for row in rows)])
    assert rule == "-" * (state_at + widest_state + 2)


def test_virsh_list() -> None:
    theirs = real(r"virsh-(nova-)?list(-all)?")
    for text in theirs:
        _virsh_table_ok(text)
    cloud = clouds()[0]
    host = cloud.computes[0]
    shell = Shell(cloud, Faults(), host)
    for text in (shell.run("virsh list").stdout, shell.run("virsh list --all").stdout):
        _virsh_table_ok(text)


def _xml_layout(text: str) -> list[str]:
    """Each line's indentation is two spaces per open element; attributes of libvirt's own
    elements are single-quoted (nova's metadata keeps its double quotes)."""
    assert text.endswith("</domain>\n\n")
    depth, problems = 0, []
    for line in text.splitlines()[:-1]:
        stripped = line.strip()
        if stripped.startswith("</"):
            depth -= 1
        if len(line) - len(line.lstrip(" ")) != 2 * depth:
            problems.append(line)
        if "nova:" not in stripped and '="' in stripped:
            problems.append(line)
        tag = re.match(r"<([\w:]+)", stripped)
        if tag and not stripped.endswith("/>") and f"</{tag.group(1)}>" not in stripped:
            depth += 1
    return problems


def _interface_children(text: str) -> list[set[str]]:
    """Each ``<interface>``'s child elements, as the loaders' parser reads the domain."""
    return [{key for key in interface.element if not key.startswith("@")}
            for interface in parse_virsh_dumpxml(text).interfaces]


def test_virsh_dumpxml() -> None:
    theirs = real(r"virsh-nova-dumpxml-.*")
    for text in theirs:
        assert _xml_layout(text) == []
    cloud = clouds()[0]
    host = cloud.computes[0]
    shell = Shell(cloud, Faults(), host)
    core = {"mac", "source", "target", "model"}
    recorded_children = set()
    for text in theirs:
        for children in _interface_children(text):
            assert core <= children
            recorded_children |= children
    for instance in host.instances:
        text = shell.run(f"virsh dumpxml {instance.id}").stdout
        assert _xml_layout(text) == []
        assert _interface_children(text)
        for children in _interface_children(text):
            # libvirt's qemu driver names a running domain's devices (alias); its test
            # driver, which made the recordings, does not
            assert core <= children and children - recorded_children <= {"alias"}


@pytest.mark.parametrize("slug", ["ethtool-missing", "ip-address-show-missing",
                                  "ip-netns-exec-missing", "ls-bonding-missing",
                                  "brctl-show-missing"])
def test_errors_are_the_recorded_ones(slug: str) -> None:
    index = json.loads((FIXTURES / "sandbox-reference" / "index.json").read_text())
    capture = next(c for c in index["captures"] if c["slug"] == slug)
    stdout = (FIXTURES / "sandbox-reference" / capture["file"]).read_text()
    command = capture["command"].replace("tssh-nosuch", "qdhcp-nosuch")
    cloud = clouds()[0]
    result = Shell(cloud, Faults(), cloud.network_hosts[0]).run(command)
    stderr = capture["stderr"].replace("tssh-nosuch", "qdhcp-nosuch")
    assert (result.stdout, result.stderr, result.status) == (
        stdout, stderr, capture["exit_status"])

"""The host commands the loaders run, by kind: as the real tools answered them (recorded
under ``tests/fixtures/hosts/<scenario>/``, listed by each ``index.json``) and as a sandbox
host answers them through the gateway (``ssh <host> sudo <command>``), each parsed by the
loaders' parser (``loaders.hosts.parsers``).

Each answer also knows the devices of the network namespace its command saw (from ``ip -d
link show`` there), so that a parsed device or ethtool answer can be told by its kind.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from loaders.hosts.iproute import IpLink, parse_ip_detail_link_show
from loaders.hosts.parsers import parse_output
from topology.sandbox.faults import Faults
from topology.sandbox.hosts.shell import Shell
from topology.sandbox.model import Cloud, Host

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hosts"
SSH = "ssh -q -o StrictHostKeyChecking=no"

# Each kind of command line the loaders run (as the captures ran it: virsh with -c URI,
# ovs-appctl with -t TARGET).
COMMAND_KINDS: dict[str, re.Pattern[str]] = {kind: re.compile(pattern) for kind, pattern in (
    ("ip link show", r"ip link show"),
    ("ip address show", r"ip address show(?: \S+)?"),
    ("ip -d link show", r"ip -d link show(?: \S+)?"),
    ("ip netns list", r"ip netns list"),
    ("ip netns exec NS ip address show", r"ip netns exec \S+ ip address show"),
    ("bridge fdb show", r"bridge fdb show"),
    ("brctl show", r"brctl show"),
    ("ethtool IF", r"ethtool \S+"),
    ("ovs-vsctl show", r"ovs-vsctl show"),
    ("ovs-vsctl list-ifaces BR", r"ovs-vsctl list-ifaces \S+"),
    ("ovs-vsctl list-br", r"ovs-vsctl list-br"),
    ("ovs-dpctl show", r"ovs-dpctl show|ovs-appctl(?: -t \S+)? dpctl/show"),
    ("virsh list", r"virsh(?: -c \S+)? list(?: --all)?"),
    ("virsh dumpxml", r"virsh(?: -c \S+)? dumpxml \S+"),
    ("ls -l /sys/class/net", r"ls -l /sys/class/net"),
    ("cat /etc/os-release", r"cat /etc/os-release"),
    ("uname -n", r"uname -n"),
)}
NETNS_EXEC = re.compile(r"ip netns exec (\S+) (.+)")


@dataclass(frozen=True)
class Answer:
    where: str                      # scenario and namespace, or the cloud's shape and host
    command: str
    kind: str                       # its key in COMMAND_KINDS
    text: str
    parsed: object
    devices: Mapping[str, str]      # device name -> kind, in the namespace the command saw
    settings: Mapping[str, str]     # device name -> kind of the device whose link settings
    #                                 ethtool shows for it (a stacked device shows its lower's)


def command_kind(command: str) -> str | None:
    found = [kind for kind, pattern in COMMAND_KINDS.items() if pattern.fullmatch(command)]
    assert len(found) <= 1, (command, found)
    return found[0] if found else None


def device_kind(link: IpLink) -> str:
    """What ``ip -d link show`` says a device is: its kind (a device without one is the
    loopback or a NIC), and the kind of bridge it is a port of: ``veth/bridge_slave``."""
    kind = link.kind or ("loopback" if link.link_type == "loopback" else "physical")
    return f"{kind}/{link.slave_kind}" if link.slave_kind else kind


def _kinds(links: list[IpLink]) -> tuple[dict[str, str], dict[str, str]]:
    """Device kinds by name, and whose link settings each reports: a VXLAN device with a
    lower device (``dev``) and a VLAN device (its parent after ``@``) report their lower
    device's (recorded for VXLAN: ethtool-vxlan-dev; the kernel's 8021q does the same)."""
    by_name = {link.name: link for link in links}
    devices = {link.name: device_kind(link) for link in links}
    settings = {}
    for link in links:
        lower = link.vxlan.dev if link.vxlan is not None else (
            link.peer if link.kind == "vlan" else None)
        owner = by_name.get(lower or "", link)
        settings[link.name] = device_kind(owner).split("/")[0]
    return devices, settings


def _namespace_kinds(links: list[IpLink], where: str) -> dict[str, str]:
    """The recorded namespaces have no ``ip -d`` capture; they hold only the loopback and
    the namespace ends of veth pairs (as the captures' notes say), which ``ip`` shows with
    their peer's index (``@if<N>``)."""
    kinds = {}
    for link in links:
        if link.link_type == "loopback":
            kinds[link.name] = "loopback"
        elif re.fullmatch(r"if\d+", link.peer or ""):
            kinds[link.name] = "veth"
        else:
            raise AssertionError(f"{where}: cannot tell what {link.name} is")
    return kinds


@cache
def recorded() -> tuple[Answer, ...]:
    """Every successful capture of a command the loaders run, parsed."""
    answers = []
    for index_file in sorted(FIXTURES.glob("*/index.json")):
        scenario = index_file.parent
        captures = [c for c in json.loads(index_file.read_text())["captures"]
                    if c["exit_status"] == 0]
        listings = {c["namespace"]: parse_ip_detail_link_show((scenario / c["file"]).read_text())
                    for c in captures if c["command"] == "ip -d link show"}
        for capture in captures:
            command, kind = capture["command"], command_kind(capture["command"])
            if kind is None:
                continue
            where = f"{scenario.name}/{capture['namespace']}: {command}"
            text = (scenario / capture["file"]).read_text()
            parsed = parse_output(command, text)
            if kind == "ip netns exec NS ip address show":
                assert isinstance(parsed, list)
                devices = settings = _namespace_kinds(parsed, where)
            else:
                devices, settings = _kinds(listings.get(capture["namespace"], []))
            answers.append(Answer(where, command, kind, text, parsed, devices, settings))
    return tuple(answers)


def run(cloud: Cloud, host: Host, command: str) -> str:
    """``command`` on ``host`` as the loaders run it: through the gateway (the first network
    host), ``ssh <host> sudo <command>``; it must succeed quietly."""
    gateway = (cloud.network_hosts or cloud.hosts)[0]
    result = Shell(cloud, Faults(), gateway).run(f"{SSH} {host.name} sudo {command}")
    assert (result.status, result.stderr) == (0, ""), (host.name, command, result.stderr)
    return result.stdout


def commands(cloud: Cloud, host: Host) -> list[str]:
    """Every command a loader runs on ``host``, following the host's own answers (its
    devices, namespaces, bridges and domains) as a loader does."""
    listing = parse_ip_detail_link_show(run(cloud, host, "ip -d link show"))
    devices = [link.name for link in listing]
    listed = parse_output("ip netns list", run(cloud, host, "ip netns list"))
    namespaces = [namespace.name for namespace in listed]
    lines = ["ip link show", "ip address show",
             *(f"ip address show {pnic.name}" for pnic in host.pnics),
             "ip -d link show", *(f"ip -d link show {name}" for name in devices[:3]),
             "ip netns list", *(f"ip netns exec {ns} ip address show" for ns in namespaces),
             "bridge fdb show", "brctl show", *(f"ethtool {name}" for name in devices),
             "ls -l /sys/class/net", "cat /etc/os-release", "uname -n"]
    if cloud.shape.mechanism_driver == "OVS":
        bridges = parse_output("ovs-vsctl list-br", run(cloud, host, "ovs-vsctl list-br"))
        lines += ["ovs-vsctl show", "ovs-vsctl list-br",
                  *(f"ovs-vsctl list-ifaces {bridge}" for bridge in bridges),
                  "ovs-dpctl show", "ovs-appctl dpctl/show"]
    if host.kind == "compute":
        listed = parse_output("virsh list --all", run(cloud, host, "virsh list --all"))
        lines += ["virsh list", "virsh list --all",
                  *(f"virsh dumpxml {domain.name}" for domain in listed),
                  *(f"virsh dumpxml {domain.id}" for domain in listed if domain.id is not None)]
    return lines


def answers(cloud: Cloud, host: Host, label: str) -> list[Answer]:
    """What ``host`` answers to every command of :func:`commands`, parsed."""
    found = []
    for command in commands(cloud, host):
        kind = command_kind(command)
        assert kind is not None, command
        text = run(cloud, host, command)
        namespace = NETNS_EXEC.fullmatch(command)
        listing = run(cloud, host, "ip -d link show" if namespace is None else
                      f"ip netns exec {namespace.group(1)} ip -d link show")
        devices, settings = _kinds(parse_ip_detail_link_show(listing))
        found.append(Answer(f"{label}/{host.name}: {command}", command, kind, text,
                            parse_output(command, text), devices, settings))
    return found

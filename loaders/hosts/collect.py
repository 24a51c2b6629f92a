"""What to run on one host, and its parsed outputs (Calipso §7.2, per host type and
mechanism driver).

The first command (``ip address show``, which the otep and the bridges' MACs need anyway)
runs alone: a host that cannot be reached fails there, with one timeout, and raises
:class:`loaders.seam.SourceError`. The rest runs concurrently in two rounds (what to list,
then one command per listed thing), bounded by the gateway's session pool. A command that
fails or prints what its parser does not know is recorded in :attr:`HostOutputs.problems`
with the command line, and only that part of the host is missing.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from loaders.hosts.brctl import LinuxBridge
from loaders.hosts.ethtool import EthtoolSettings
from loaders.hosts.fdb import FdbEntry
from loaders.hosts.iproute import IpLink
from loaders.hosts.netns import Namespace
from loaders.hosts.ovs import Datapath, OvsShow
from loaders.hosts.parsers import parse_output
from loaders.hosts.parsing import ParseError
from loaders.hosts.ssh import CommandError
from loaders.hosts.system import SysNetEntry
from loaders.hosts.virsh import DomainXml, VirshDomain
from loaders.scan.facts import HostFacts
from loaders.seam import SourceError
from topology.environments import EnvironmentConfig

log = logging.getLogger(__name__)

OVS_AGENT = "Open vSwitch agent"
LXB_AGENT = "Linux bridge agent"
VSERVICE_PREFIXES = ("qdhcp-", "qrouter-")
PNIC_HOST_TYPES = ("Network", "Compute", "Kube-node")
NO_BONDING = "No such file or directory"
WORKERS = 8  # commands of one host in flight at once (the gateway's pool bounds the total)
# A name the host printed that goes into a command line must be a plain word: Linux allows
# ';', '$'... in interface names, and those must never reach a shell.
PLAIN_NAME = re.compile(r"[A-Za-z0-9_.@:+=-]+")


class Runner(Protocol):
    """Runs one command on one host (:class:`loaders.hosts.ssh.SshGateway` does)."""

    def run(self, host: str, command: str) -> str: ...


# Nova's hypervisor types whose driver is libvirt (virsh reads their domains).
LIBVIRT_HYPERVISORS = frozenset({"qemu", "kvm", "lxc", "xen", "uml", "parallels",
                                 "virtuozzo"})


def runs_libvirt(host: HostFacts) -> bool:
    """Whether virsh can tell this host's instances' vNICs: nova's driver is libvirt's
    (or nova does not say). Another driver (fake, ironic, vmware) has no domains."""
    kind = host.hypervisor_type.lower()
    return not kind or kind in LIBVIRT_HYPERVISORS


@dataclass(frozen=True)
class Plan:
    """Which of Calipso's host fetchers apply to a host."""

    pnics: bool
    vservices: bool
    instance_vnics: bool
    bridges: bool
    ovs: bool
    lxb_oteps: bool
    """A Linux bridge agent with tunnel types: its oteps need ``ip -d link show`` and
    ``bridge fdb show``."""

    @classmethod
    def of(cls, host: HostFacts, env: EnvironmentConfig) -> Plan:
        drivers = {driver.upper() for driver in env.mechanism_drivers}
        ovs_agent = any(agent.get("agent_type") == OVS_AGENT for agent in host.agents)
        lxb_tunnels = any(agent.get("agent_type") == LXB_AGENT
                          and (agent.get("configurations") or {}).get("tunnel_types")
                          for agent in host.agents)
        return cls(
            pnics=any(kind in host.host_type for kind in PNIC_HOST_TYPES),
            vservices="Network" in host.host_type,
            instance_vnics=("Compute" in host.host_type and bool(host.instances)
                            and runs_libvirt(host)),
            bridges=bool(drivers & {"OVS", "LXB"}),
            ovs="OVS" in drivers and ovs_agent,
            lxb_oteps="LXB" in drivers and lxb_tunnels,
        )


@dataclass
class HostOutputs:
    """One host's parsed command outputs; ``None``: not run, or it failed (see
    ``problems``)."""

    host: str
    addresses: list[IpLink] | None = None
    """``ip address show``: every interface with its addresses."""
    interfaces: list[SysNetEntry] | None = None
    pnic_addresses: dict[str, IpLink] = field(default_factory=dict)
    pnic_ethtool: dict[str, EthtoolSettings] = field(default_factory=dict)
    bonds: dict[str, str] = field(default_factory=dict)
    """Bond name -> ``cat /proc/net/bonding/<bond>`` as printed."""
    namespaces: list[Namespace] | None = None
    namespace_addresses: dict[str, list[IpLink]] = field(default_factory=dict)
    domains: list[VirshDomain] | None = None
    domain_xml: dict[int, DomainXml] = field(default_factory=dict)
    bridges: list[LinuxBridge] | None = None
    ovs: OvsShow | None = None
    datapaths: list[Datapath] | None = None
    datapath_command: str = ""
    detail_links: list[IpLink] | None = None
    """``ip -d link show`` (Linux bridge oteps)."""
    fdb: list[FdbEntry] | None = None
    """``bridge fdb show`` (Linux bridge oteps)."""
    problems: list[tuple[str, str]] = field(default_factory=list)
    """(command, why) for every command that failed or could not be parsed."""
    commands: int = 0
    seconds: float = 0.0


class _Reader:
    """Runs a host's commands, parses them and records what went wrong."""

    def __init__(self, runner: Runner, outputs: HostOutputs) -> None:
        self.runner = runner
        self.out = outputs
        self._lock = threading.Lock()

    def plain(self, name: str, what: str) -> bool:
        """Is ``name`` safe to put in a command line? (An unsafe one is reported.)"""
        if PLAIN_NAME.fullmatch(name):
            return True
        self.out.problems.append((f"({what} {name!r})", "not read: the name is not a plain "
                                  "word and will not be put in a command line"))
        return False

    def text(self, command: str, *, quiet: Callable[[CommandError], bool] | None = None
             ) -> str | None:
        with self._lock:
            self.out.commands += 1
        try:
            return self.runner.run(self.out.host, command)
        except CommandError as error:
            if quiet is None or not quiet(error):
                self.out.problems.append((command, str(error)))
            return None

    def parsed(self, command: str, *,
               quiet: Callable[[CommandError], bool] | None = None) -> Any:
        text = self.text(command, quiet=quiet)
        if text is None:
            return None
        try:
            return parse_output(command, text)
        except ParseError as error:
            self.out.problems.append((command, f"output not understood: {error}"))
            return None


def _together(pool: ThreadPoolExecutor, calls: Iterable[Callable[[], None]]) -> None:
    """Run ``calls`` at once; wait for all; re-raise the first error (SourceError first)."""
    futures: list[Future[None]] = [pool.submit(call) for call in calls]
    errors = [f.exception() for f in futures]
    found = [e for e in errors if e is not None]
    for error in found:
        if isinstance(error, SourceError):
            raise error
    if found:
        raise found[0]


def collect_host(runner: Runner, host: HostFacts, env: EnvironmentConfig, *,
                 workers: int = WORKERS) -> HostOutputs:
    """Read one host; :class:`SourceError` when it cannot be reached at all."""
    started = time.perf_counter()
    plan = Plan.of(host, env)
    out = HostOutputs(host.name)
    read = _Reader(runner, out)
    out.addresses = read.parsed("ip address show")  # alone: an unreachable host ends here
    with ThreadPoolExecutor(max_workers=max(1, workers),
                            thread_name_prefix=f"host-{host.name}") as pool:
        _together(pool, _listings(read, plan))
        _together(pool, _details(read, plan))
    out.seconds = time.perf_counter() - started
    log.debug("host %s: %d commands in %.2f s, %d problem(s)", host.name, out.commands,
              out.seconds, len(out.problems))
    return out


def _listings(read: _Reader, plan: Plan) -> list[Callable[[], None]]:
    out = read.out
    calls: list[Callable[[], None]] = []

    def setter(name: str, command: str) -> Callable[[], None]:
        return lambda: setattr(out, name, read.parsed(command))

    if plan.pnics:
        calls.append(setter("interfaces", "ls -l /sys/class/net"))
        calls.append(lambda: _bond_names(read))
    if plan.vservices:
        calls.append(setter("namespaces", "ip netns list"))
    if plan.instance_vnics:
        calls.append(setter("domains", "virsh list"))
    if plan.bridges:
        calls.append(setter("bridges", "brctl show"))
    if plan.ovs:
        calls.append(setter("ovs", "ovs-vsctl show"))
        calls.append(lambda: _datapaths(read))
    if plan.lxb_oteps:
        calls.append(setter("detail_links", "ip -d link show"))
        calls.append(setter("fdb", "bridge fdb show"))
    return calls


def _bond_names(read: _Reader) -> None:
    text = read.text("ls -1 /proc/net/bonding/", quiet=lambda e: NO_BONDING in e.stderr)
    for name in (text or "").split():
        read.out.bonds[name] = ""


def _datapaths(read: _Reader) -> None:
    """``ovs-dpctl show`` talks to the kernel datapath only; a userspace OVS (the lab's)
    answers ``ovs-appctl dpctl/show`` instead."""
    kernel = read.text("ovs-dpctl show", quiet=lambda e: True)
    command = "ovs-dpctl show"
    if kernel is not None:
        try:
            parsed: list[Datapath] = parse_output(command, kernel)  # type: ignore[assignment]
        except ParseError:
            parsed = []
        if parsed:
            read.out.datapaths, read.out.datapath_command = parsed, command
            return
    command = "ovs-appctl dpctl/show"
    read.out.datapaths = read.parsed(command)
    read.out.datapath_command = command


def _details(read: _Reader, plan: Plan) -> list[Callable[[], None]]:
    out = read.out
    calls: list[Callable[[], None]] = []
    for entry in out.interfaces or ():
        if not entry.virtual and read.plain(entry.name, "interface"):
            calls.append(lambda name=entry.name: _pnic(read, name))
    for bond in list(out.bonds):
        if read.plain(bond, "bond"):
            calls.append(lambda bond=bond: _bond(read, bond))
        else:
            out.bonds.pop(bond)
    for namespace in _vservice_namespaces(out.namespaces or ()):
        if read.plain(namespace, "namespace"):
            calls.append(lambda ns=namespace: _namespace(read, ns))
    for domain in out.domains or ():
        if domain.id is not None:
            calls.append(lambda number=domain.id: _domain(read, number))
    return calls


def _vservice_namespaces(namespaces: Sequence[Namespace]) -> list[str]:
    return [ns.name for ns in namespaces if ns.name.startswith(VSERVICE_PREFIXES)]


def _pnic(read: _Reader, name: str) -> None:
    links = read.parsed(f"ip address show {name}")
    if links:
        read.out.pnic_addresses[name] = links[0]
    settings = read.parsed(f"ethtool {name}")
    if settings is not None:
        read.out.pnic_ethtool[name] = settings


def _bond(read: _Reader, bond: str) -> None:
    text = read.text(f"cat /proc/net/bonding/{bond}")
    if text is None:
        read.out.bonds.pop(bond, None)
    else:
        read.out.bonds[bond] = text


def _namespace_gone(error: CommandError) -> bool:
    """The namespace went away between ``ip netns list`` and reading it (a router or a
    DHCP service deleted meanwhile): not a problem."""
    return "Cannot open network namespace" in str(error)


def _namespace(read: _Reader, namespace: str) -> None:
    links = read.parsed(f"ip netns exec {namespace} ip address show", quiet=_namespace_gone)
    if links is not None:
        read.out.namespace_addresses[namespace] = links


def _domain_gone(error: CommandError) -> bool:
    """The domain stopped or went away between ``virsh list`` and its ``dumpxml`` (a cloud
    that changes while it is read): not a problem, it is simply not there any more."""
    text = str(error)
    return "failed to get domain" in text or "Domain not found" in text


def _domain(read: _Reader, number: int) -> None:
    xml = read.parsed(f"virsh dumpxml {number}", quiet=_domain_gone)
    if xml is not None:
        read.out.domain_xml[number] = xml


def collect_hosts(runner: Runner, hosts: Sequence[HostFacts], env: EnvironmentConfig, *,
                  parallel: int = 4) -> dict[str, HostOutputs | SourceError]:
    """Read several hosts at once: each host's outputs, or why it could not be read."""
    results: dict[str, HostOutputs | SourceError] = {}

    def one(host: HostFacts) -> None:
        try:
            results[host.name] = collect_host(runner, host, env)
        except SourceError as error:
            results[host.name] = error

    with ThreadPoolExecutor(max_workers=max(1, parallel), thread_name_prefix="hosts") as pool:
        list(pool.map(one, hosts))
    return {host.name: results[host.name] for host in hosts}

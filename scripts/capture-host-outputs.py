#!/usr/bin/env python3
"""Capture the real host tools' output as test fixtures.

Two modes:

* default (``machine``): build a small, known host on this machine, capture every command
  Calipso's host fetchers run against it, and remove everything built, even on failure or
  Ctrl-C. The host is a network namespace ``tcap-host`` holding neutron-like namespaces
  (``qdhcp-<uuid>``, ``qrouter-<uuid>``) reached through veth pairs, Linux bridges (nova's
  hybrid ``qbr``, a linuxbridge-agent ``brq`` with a vxlan device and l2pop fdb entries, an
  empty ``virbr0``), pNIC-like devices, and Open vSwitch in userspace mode with its own
  ovsdb-server and ovs-vswitchd (private run, db, log and config folders) holding
  ``br-int``, ``br-tun`` and ``br-ex`` as the neutron OVS agent makes them. libvirt's test
  driver answers ``virsh`` (the built-in ``test:///default`` and a node file with nova-like
  domains).
* ``--from-lab``: capture the same commands against what already exists in this machine's
  root namespace (the lab's OVS, namespaces and devices); builds nothing, changes nothing.

Each capture is written as ``<out>/<scenario>/<slug>.txt`` (the tool's standard output as
printed) and listed in ``<out>/<scenario>/index.json`` with its command, exit status,
standard error, tool and package versions and the time. Python 3 standard library only;
run as root; installs nothing (it names the Debian package of a missing tool).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "tests" / "fixtures" / "hosts"
TIMEOUT = 60  # seconds any one command may take

# The Debian package that ships each tool (named when the tool is missing).
PACKAGES = {
    "ip": "iproute2",
    "bridge": "iproute2",
    "brctl": "bridge-utils",
    "ethtool": "ethtool",
    "ovs-vsctl": "openvswitch-switch",
    "ovs-dpctl": "openvswitch-switch",
    "ovs-vswitchd": "openvswitch-switch",
    "ovs-appctl": "openvswitch-common",
    "ovsdb-server": "openvswitch-common",
    "ovsdb-tool": "openvswitch-common",
    "virsh": "libvirt-clients",
    "sysctl": "procps",
    "cat": "coreutils",
    "ls": "coreutils",
    "uname": "coreutils",
}
LAB_TOOLS = ("ip", "bridge", "brctl", "ethtool", "ovs-vsctl", "ovs-dpctl", "ovs-appctl")
MACHINE_TOOLS = (*LAB_TOOLS, "ovs-vswitchd", "ovsdb-server", "ovsdb-tool", "virsh", "sysctl")
OVS_SCHEMA = Path("/usr/share/openvswitch/vswitch.ovsschema")

# Refuse to write anything that looks like a credential.
SECRET = re.compile(r"(?i)passw(or)?d|secret|token|private key|BEGIN [A-Z ]*KEY")

# --- the machine scenario's host: every name and address is fixed, so tests can assert them.
HOST_NS = "tcap-host"
NET_A = "7ca9a1e0-5d3b-4f6c-9e21-3b8d0c4a1f01"   # vxlan tenant network, OVS, IPv4 + IPv6
NET_B = "7ca9b2f1-6e4c-4a7d-8f32-4c9e1d5b2a02"   # vxlan tenant network, OVS, IPv4 + metadata
NET_C = "7ca9c3a2-7f5d-4b8e-9a43-5dae2e6c3b03"   # vxlan network of a linuxbridge agent
ROUTER = "7ca9f5c4-9b7f-4dae-9c65-7fc04a8e5d05"
QDHCP_A = f"qdhcp-{NET_A}"
QDHCP_B = f"qdhcp-{NET_B}"
QROUTER = f"qrouter-{ROUTER}"
NAMESPACES = (HOST_NS, QDHCP_A, QDHCP_B, QROUTER)

TUNNEL_IP = "192.0.2.11"
TUNNEL_PEERS = ("192.0.2.12", "192.0.2.13")
VNI_C = 1001


def dev(prefix: str, port_id: str) -> str:
    """Neutron's device name for a port: a prefix and the port id's first 11 characters."""
    return prefix + port_id[:11]


@dataclass(frozen=True)
class Port:
    """A neutron-like port: its id and MAC."""

    id: str
    mac: str


DHCP_A = Port("d1a2b3c4-e5f6-4a7b-8c9d-0e1f2a3b4c01", "fa:16:3e:d1:a2:01")
DHCP_B = Port("d2b3c4d5-f6a7-4b8c-9dae-1f2a3b4c5d02", "fa:16:3e:d2:b3:02")
QR_A = Port("e1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d11", "fa:16:3e:e1:c2:11")
QR_B = Port("e2d3e4f5-a6b7-4c8d-9eaf-1a2b3c4d5e12", "fa:16:3e:e2:d3:12")
QG = Port("f3e4f5a6-b7c8-4d9e-8fa0-2b3c4d5e6f13", "fa:16:3e:f3:e4:13")
VM1 = Port("c4a1b2c3-d4e5-4f60-8a1b-2c3d4e5f6a01", "fa:16:3e:c4:a1:01")  # hybrid: qbr/qvb/qvo
VM2_OVS = Port("c5b2c3d4-e5f6-4071-9b2c-3d4e5f6a7b02", "fa:16:3e:c5:b2:02")  # tap on br-int
VM2_LB = Port("c6c3d4e5-f6a7-4182-8c3d-4e5f6a7b8c03", "fa:16:3e:c6:c3:03")  # tap in brq
LB_DHCP = Port("c7d4e5f6-a7b8-4293-9d4e-5f6a7b8c9d04", "fa:16:3e:c7:d4:04")  # tap in brq
L2POP_MAC = "fa:16:3e:c8:e5:05"  # a remote port's MAC that l2pop points at a peer

VM1_UUID = "0f4a2c1e-6b7d-4e8f-9a0b-1c2d3e4f5a61"
VM2_UUID = "1a5b3d2f-7c8e-4f9a-8b1c-2d3e4f5a6b72"
VM3_UUID = "2b6c4e3a-8d9f-4a0b-9c2d-3e4f5a6b7c83"

NOTES_MACHINE = [
    "Everything was built inside the network namespace tcap-host (the simulated host); the "
    "commands ran there, except virsh, uname, cat /etc/os-release (host-independent) and "
    "ip netns exec (run from tcap-host into the named namespace).",
    "Open vSwitch runs in userspace mode (datapath_type=netdev, ovs-vswitchd "
    "--disable-system): ovs-dpctl show only talks to the kernel datapath, so its capture "
    "records its failure and ovs-appctl dpctl/show (same format, netdev@ovs-netdev) stands "
    "in for it. In userspace, internal ports are tap devices: dpctl shows them as '(tap)', "
    "not '(internal)'.",
    "The qdhcp/qrouter ports are veth pairs as neutron makes them with ovs_use_veth=True "
    "(as in the lab): the root end tap<port id[:11]> in br-int, the namespace end "
    "ns-<port id[:11]> (DHCP), qr-... or qg-... (router).",
    "One host mixes an OVS agent's bridges with a linuxbridge agent's brq bridge and vxlan "
    "device so that every format appears in one capture.",
    "virsh uses libvirt's test driver, built into libvirt0 (a dependency of libvirt-clients):"
    " test:///default and a node file of nova-like domains; no daemon runs.",
]
NOTES_LAB = [
    "Captured from the running Topology lab (topology lab start; topology lab scenario) in "
    "this machine's root namespace; nothing was built or changed.",
    "The lab's Open vSwitch runs in userspace mode: ovs-dpctl show only talks to the kernel "
    "datapath, so its capture records its failure and ovs-appctl dpctl/show stands in.",
    "The lab's nova uses the fake driver: no virsh capture.",
]


class CaptureError(Exception):
    """A failure the script explains and stops on (after cleaning up)."""


class Interrupted(BaseException):
    """A signal (Ctrl-C, SIGTERM, SIGHUP) arrived: stop, then clean up."""


def on_signal(signum: int, _frame: object) -> None:
    raise Interrupted(signal.Signals(signum).name)


def log(message: str) -> None:
    print(f"capture-host-outputs: {message}", file=sys.stderr, flush=True)


# --- running commands -------------------------------------------------------------------------


def in_ns(ns: str | None, argv: Sequence[str]) -> list[str]:
    return ["ip", "netns", "exec", ns, *argv] if ns else list(argv)


def run(argv: Sequence[str], *, ns: str | None = None, env: dict[str, str] | None = None,
        check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a command (in namespace ``ns`` if given); raise CaptureError when it fails."""
    full = in_ns(ns, argv)
    try:
        done = subprocess.run(full, capture_output=True, text=True, env=env, timeout=TIMEOUT,
                              check=False, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        raise CaptureError(f"{' '.join(full)}: no answer in {TIMEOUT} s") from exc
    if check and done.returncode != 0:
        raise CaptureError(f"{' '.join(full)} exited {done.returncode}: "
                           f"{done.stderr.strip() or done.stdout.strip()}")
    return done


class Cleanup:
    """Undo steps, run last-in first-out; each runs even if another fails."""

    def __init__(self) -> None:
        self._steps: list[tuple[str, Callable[[], None]]] = []

    def push(self, what: str, undo: Callable[[], None]) -> None:
        self._steps.append((what, undo))

    def run_all(self) -> list[str]:
        failures = []
        while self._steps:
            what, undo = self._steps.pop()
            try:
                undo()
            except Exception as exc:  # every step must still get its turn
                failures.append(f"{what}: {exc}")
        return failures


# --- requirements -----------------------------------------------------------------------------


def check_requirements(tools: Sequence[str], need_schema: bool) -> None:
    if os.geteuid() != 0:
        raise CaptureError("run as root (it creates network namespaces and devices, and "
                           "runs Open vSwitch)")
    missing = sorted({tool for tool in tools if shutil.which(tool) is None})
    packages = sorted({PACKAGES[tool] for tool in missing})
    if need_schema and not OVS_SCHEMA.exists():
        packages = sorted({*packages, "openvswitch-switch"})
        missing.append(str(OVS_SCHEMA))
    if missing:
        raise CaptureError(f"missing: {', '.join(missing)}; install with: "
                           f"apt-get install {' '.join(packages)} "
                           "(or run scripts/install-sandbox-deps.sh)")


def package_version(package: str) -> str | None:
    if shutil.which("dpkg-query") is None:
        return None
    done = run(["dpkg-query", "-W", "-f=${Version}", package], check=False)
    return (done.stdout.strip() or None) if done.returncode == 0 else None


def tool_version(tool: str) -> str | None:
    flag = "-V" if tool in ("ip", "bridge") else "--version"
    try:
        done = run([tool, flag], check=False)
    except CaptureError:
        return None
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0].strip() if lines else None


# --- captures ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Capture:
    """One command to capture: where its output goes and how it is run."""

    slug: str
    argv: tuple[str, ...]
    ns: str | None = None           # namespace the command runs in (the simulated host)
    env: dict[str, str] | None = None

    @property
    def tool(self) -> str:
        argv = self.argv
        while argv[:3] == ("ip", "netns", "exec") and len(argv) > 4:
            argv = argv[4:]
        return argv[0]


@dataclass
class Recorder:
    """Writes captures into one scenario folder and remembers what the index says."""

    folder: Path
    entries: list[dict[str, object]] = field(default_factory=list)
    hidden: dict[str, str] = field(default_factory=dict)  # run-specific text -> stand-in
    _versions: dict[str, dict[str, str | None]] = field(default_factory=dict)

    def hide(self, text: str) -> str:
        for actual, stand_in in self.hidden.items():
            text = text.replace(actual, stand_in)
        return text

    def versions(self, tool: str) -> dict[str, str | None]:
        if tool not in self._versions:
            package = PACKAGES.get(tool)
            self._versions[tool] = {
                "tool_version": tool_version(tool),
                "package": package,
                "package_version": package_version(package) if package else None,
            }
        return self._versions[tool]

    def capture(self, item: Capture) -> subprocess.CompletedProcess[str]:
        done = run(item.argv, ns=item.ns, env=item.env, check=False)
        self.record(item, done)
        return done

    def record(self, item: Capture, done: subprocess.CompletedProcess[str],
               note: str | None = None) -> None:
        if any(entry["slug"] == item.slug for entry in self.entries):
            raise CaptureError(f"two captures named {item.slug}")
        for text in (done.stdout, done.stderr):
            if SECRET.search(text):
                raise CaptureError(f"{' '.join(item.argv)}: output looks like it holds a "
                                   "credential; not written")
        path = self.folder / f"{item.slug}.txt"
        path.write_text(done.stdout)
        self.entries.append({
            "slug": item.slug,
            "file": path.name,
            "command": self.hide(" ".join(item.argv)),
            "namespace": item.ns,
            "exit_status": done.returncode,
            "stderr": done.stderr,
            "tool": item.tool,
            **self.versions(item.tool),
            "date": now(),
            **({"note": note} if note else {}),
        })
        state = "ok" if done.returncode == 0 else f"exit {done.returncode}"
        log(f"  {item.slug}: {state}")


def now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def slug_for(*parts: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", "-".join(parts).lower()).strip("-")


def netns_names(ip_netns_list: str) -> list[str]:
    """Names from ``ip netns list`` (the first word; ``(id: N)`` follows some names)."""
    return [line.split()[0] for line in ip_netns_list.splitlines() if line.strip()]


def physical_interfaces(ls_sys_class_net: str) -> list[str]:
    """Interfaces ``ls -l /sys/class/net`` shows as links to a non-virtual device."""
    names = []
    for line in ls_sys_class_net.splitlines():
        if line.startswith("l") and " -> " in line and "/virtual/" not in line:
            names.append(line.split(" -> ")[0].split()[-1])
    return names


def vswitchd_target(env: dict[str, str] | None) -> str:
    """What ``ovs-appctl -t`` should name: the daemon, or its control socket when it was
    started with a pid file elsewhere (the lab's is under the lab's own folders)."""
    run_dir = Path((env or os.environ).get("OVS_RUNDIR", "/var/run/openvswitch"))
    if (run_dir / "ovs-vswitchd.pid").exists():
        return "ovs-vswitchd"
    sockets = [path for path in sorted(run_dir.glob("ovs-vswitchd.*.ctl"))
               if Path(f"/proc/{path.name.split('.')[1]}").exists()]
    if len(sockets) != 1:
        raise CaptureError(f"cannot tell which ovs-vswitchd to ask in {run_dir}: "
                           f"{len(sockets)} live control sockets")
    return str(sockets[0])


def common_captures(recorder: Recorder, ns: str | None, ovs_env: dict[str, str] | None,
                    ethtool_ifs: Sequence[str], address_ifs: Sequence[str]) -> None:
    """The captures both scenarios make; ``ns`` is the host's namespace (None: root)."""
    def cap(slug: str, *argv: str, where: str | None = ns,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return recorder.capture(Capture(slug, argv, where, env))

    cap("uname-n", "uname", "-n", where=None)
    cap("os-release", "cat", "/etc/os-release", where=None)
    listing = cap("ip-netns-list", "ip", "netns", "list")
    for name in netns_names(listing.stdout):
        if re.match(r"q(dhcp|router)-", name):
            cap(slug_for("ip-netns-exec", name, "ip-address-show"),
                "ip", "netns", "exec", name, "ip", "address", "show")
    cap("ip-link-show", "ip", "link", "show")
    cap("ip-address-show", "ip", "address", "show")
    for name in address_ifs:
        cap(slug_for("ip-address-show", name), "ip", "address", "show", name)
    cap("ip-d-link-show", "ip", "-d", "link", "show")
    cap("bridge-fdb-show", "bridge", "fdb", "show")
    cap("brctl-show", "brctl", "show")
    cap("ls-l-sys-class-net", "ls", "-l", "/sys/class/net")
    for name in ethtool_ifs:
        cap(slug_for("ethtool", name), "ethtool", name)
    cap("ovs-vsctl-show", "ovs-vsctl", "show", env=ovs_env)
    cap("ovs-dpctl-show", "ovs-dpctl", "show", env=ovs_env)
    cap("ovs-appctl-dpctl-show", "ovs-appctl", "-t", vswitchd_target(ovs_env), "dpctl/show",
        env=ovs_env)
    bridges = cap("ovs-vsctl-list-br", "ovs-vsctl", "list-br", env=ovs_env)
    for bridge in bridges.stdout.split():
        cap(slug_for("ovs-vsctl-list-ifaces", bridge), "ovs-vsctl", "list-ifaces", bridge,
            env=ovs_env)


# --- the machine scenario: building the host --------------------------------------------------


@dataclass
class Host:
    """Builds the simulated host, registering an undo step for everything it creates."""

    cleanup: Cleanup
    workdir: Path
    skipped: list[dict[str, str]] = field(default_factory=list)

    @property
    def ovs_variables(self) -> dict[str, str]:
        """This run's own Open vSwitch folders: no clash with another OVS on the machine."""
        return {var: str(self.workdir / sub) for var, sub in (
            ("OVS_RUNDIR", "run"), ("OVS_DBDIR", "db"), ("OVS_LOGDIR", "log"),
            ("OVS_SYSCONFDIR", "etc"))}

    @property
    def ovs_env(self) -> dict[str, str]:
        return {**os.environ, **self.ovs_variables}

    def ip(self, *args: str, ns: str | None = HOST_NS) -> None:
        run(["ip", *args], ns=ns)

    def namespace(self, name: str) -> None:
        run(["ip", "netns", "add", name])
        self.cleanup.push(f"namespace {name}",
                          lambda: run(["ip", "netns", "delete", name], check=False))
        # No duplicate address detection: addresses are final at once, never "tentative".
        run(["sysctl", "-q", "-w", "net.ipv6.conf.all.accept_dad=0",
             "net.ipv6.conf.default.accept_dad=0"], ns=name)
        self.ip("link", "set", "lo", "up", ns=name)

    def veth(self, name: str, mac: str | None, peer: str, peer_mac: str | None,
             peer_ns: str = HOST_NS) -> None:
        """A veth pair in the host; the peer may go to another namespace (same name allowed)."""
        self.ip("link", "add", name, "type", "veth", "peer", "name", peer, "netns", peer_ns)
        for ns, dev_name, address in ((HOST_NS, name, mac), (peer_ns, peer, peer_mac)):
            if address:
                self.ip("link", "set", dev_name, "address", address, ns=ns)
            self.ip("link", "set", dev_name, "up", ns=ns)

    def tap(self, name: str, mac: str) -> None:
        self.ip("tuntap", "add", "dev", name, "mode", "tap")
        self.ip("link", "set", name, "address", mac)
        self.ip("link", "set", name, "up")

    def bridge(self, name: str, mac: str, *, stp: bool = False) -> None:
        self.ip("link", "add", name, "address", mac, "type", "bridge", "stp_state",
                "1" if stp else "0", "forward_delay", "0" if not stp else "200")
        self.ip("link", "set", name, "up")

    def addresses(self, ns: str, name: str, *cidrs: str) -> None:
        for cidr in cidrs:
            self.ip("address", "add", cidr, "dev", name, ns=ns)

    def try_step(self, what: str, step: Callable[[], None]) -> None:
        """A step this kernel may not support: record why it was skipped."""
        try:
            step()
        except CaptureError as exc:
            log(f"skipped {what}: {exc}")
            self.skipped.append({"what": what, "why": str(exc)})

    def build(self) -> None:
        for name in NAMESPACES:
            self.namespace(name)
        self.build_nics()
        self.build_linux_bridges()
        self.build_ovs()
        self.build_neutron_namespaces()

    def build_nics(self) -> None:
        # eth1: the tunnel network's NIC (a veth: this kernel may lack the dummy driver).
        self.ip("link", "add", "eth1", "address", "52:54:00:7c:a9:11", "type", "veth", "peer",
                "name", "tcap-sw1", "address", "52:54:00:7c:a9:f1")
        self.ip("link", "set", "tcap-sw1", "up")
        self.ip("link", "set", "eth1", "up")
        self.addresses(HOST_NS, "eth1", f"{TUNNEL_IP}/24", "2001:db8:11::11/64")
        # eth2: the provider network's NIC, in br-ex, with link settings a real NIC reports.
        self.tap("eth2", "52:54:00:7c:a9:12")
        self.try_step("ethtool link settings on eth2", lambda: run(
            ["ethtool", "-s", "eth2", "speed", "1000", "duplex", "full", "autoneg", "on",
             "msglvl", "drv", "on", "probe", "on", "link", "on"], ns=HOST_NS))
        self.try_step("dummy device eth3", lambda: self.ip(
            "link", "add", "eth3", "address", "52:54:00:7c:a9:13", "type", "dummy"))
        self.try_step("VLAN subinterface eth1.100", lambda: self.ip(
            "link", "add", "link", "eth1", "name", "eth1.100", "type", "vlan", "id", "100"))

    def build_linux_bridges(self) -> None:
        # nova's hybrid plug: qbr<port> holding the VM's tap and qvb<port> (peer qvo<port>).
        self.bridge(dev("qbr", VM1.id), "6e:7c:a9:c4:a1:01")
        self.veth(dev("qvb", VM1.id), "6e:7c:a9:c4:a1:02", dev("qvo", VM1.id),
                  "6e:7c:a9:c4:a1:03")
        self.tap(dev("tap", VM1.id), "fe:16:3e:c4:a1:01")
        for port in (dev("qvb", VM1.id), dev("tap", VM1.id)):
            self.ip("link", "set", port, "master", dev("qbr", VM1.id))
        # a linuxbridge agent's brq<network>: the vxlan device and two taps.
        brq = dev("brq", NET_C)
        self.bridge(brq, "6e:7c:a9:c3:a2:01")
        vxlan = f"vxlan-{VNI_C}"
        self.ip("link", "add", vxlan, "address", "6e:7c:a9:10:01:01", "type", "vxlan", "id",
                str(VNI_C), "local", TUNNEL_IP, "dev", "eth1", "dstport", "4789",
                "nolearning", "ttl", "32")
        self.ip("link", "set", vxlan, "master", brq, "up")
        for port in (VM2_LB, LB_DHCP):
            self.tap(dev("tap", port.id), "fe" + port.mac[2:])
            self.ip("link", "set", dev("tap", port.id), "master", brq)
        for peer in TUNNEL_PEERS:  # l2pop's flooding entries, then one unicast entry
            run(["bridge", "fdb", "append", "00:00:00:00:00:00", "dev", vxlan, "dst", peer],
                ns=HOST_NS)
        run(["bridge", "fdb", "replace", L2POP_MAC, "dev", vxlan, "dst", TUNNEL_PEERS[0]],
            ns=HOST_NS)
        # libvirt's default network bridge, empty, STP on.
        self.bridge("virbr0", "52:54:00:7c:a9:00", stp=True)

    def build_ovs(self) -> None:
        env = self.ovs_env
        for sub in ("run", "db", "log", "etc"):
            (self.workdir / sub).mkdir()
        run_dir, db = self.workdir / "run", self.workdir / "db" / "conf.db"
        run(["ovsdb-tool", "create", str(db), str(OVS_SCHEMA)], env=env)
        run(["ovsdb-server", str(db), f"--remote=punix:{run_dir}/db.sock",
             f"--pidfile={run_dir}/ovsdb-server.pid", "--detach", "--no-chdir",
             f"--log-file={self.workdir}/log/ovsdb-server.log"], env=env)
        self.cleanup.push("ovsdb-server", lambda: stop_ovs_daemon("ovsdb-server", run_dir, env))
        version = (tool_version("ovs-vsctl") or "").rsplit(" ", 1)[-1]
        vsctl(env, "--no-wait", "init", "--", "set", "Open_vSwitch", ".",
              f"ovs_version={json.dumps(version)}")
        run(["ovs-vswitchd", f"unix:{run_dir}/db.sock", f"--pidfile={run_dir}/ovs-vswitchd.pid",
             "--detach", "--no-chdir", "--disable-system",
             f"--log-file={self.workdir}/log/ovs-vswitchd.log"], ns=HOST_NS, env=env)
        self.cleanup.push("ovs-vswitchd", lambda: stop_ovs_daemon("ovs-vswitchd", run_dir, env))
        vsctl(env, "set-manager", "ptcp:6640:127.0.0.1")  # listed only: ovsdb-server ignores it
        for bridge, mac in (("br-int", "6e:7c:a9:00:00:01"), ("br-tun", "6e:7c:a9:00:00:02"),
                            ("br-ex", "6e:7c:a9:00:00:03")):
            vsctl(env, "add-br", bridge, "--", "set", "Bridge", bridge, "datapath_type=netdev",
                  "fail_mode=secure", f"other-config:hwaddr={json.dumps(mac)}")
        for bridge, port, peer in (("br-int", "patch-tun", "patch-int"),
                                   ("br-tun", "patch-int", "patch-tun"),
                                   ("br-int", "int-br-ex", "phy-br-ex"),
                                   ("br-ex", "phy-br-ex", "int-br-ex")):
            vsctl(env, "add-port", bridge, port, "--", "set", "Interface", port, "type=patch",
                  f"options:peer={peer}")
        for remote in TUNNEL_PEERS:
            name = "vxlan-" + "".join(f"{int(part):02x}" for part in remote.split("."))
            vsctl(env, "add-port", "br-tun", name, "--", "set", "Interface", name,
                  "type=vxlan", "options:df_default=true", "options:egress_pkt_mark=0",
                  "options:in_key=flow", f"options:local_ip={TUNNEL_IP}",
                  "options:out_key=flow", f"options:remote_ip={remote}")
        vsctl(env, "add-port", "br-ex", "eth2")
        self.tap(dev("tap", VM2_OVS.id), "fe" + VM2_OVS.mac[2:])
        for port, tag in ((dev("qvo", VM1.id), 1), (dev("tap", VM2_OVS.id), 2)):
            vsctl(env, "add-port", "br-int", port, f"tag={tag}")

    def build_neutron_namespaces(self) -> None:
        env = self.ovs_env
        # (namespace, namespace-side name, port, local VLAN tag, addresses)
        plan = (
            (QDHCP_A, dev("ns-", DHCP_A.id), DHCP_A, 1, ("10.10.1.2/24", "fd10:10:1::2/64")),
            (QDHCP_B, dev("ns-", DHCP_B.id), DHCP_B, 2, ("10.10.2.2/24",
                                                         "169.254.169.254/32")),
            (QROUTER, dev("qr-", QR_A.id), QR_A, 1, ("10.10.1.1/24", "fd10:10:1::1/64")),
            (QROUTER, dev("qr-", QR_B.id), QR_B, 2, ("10.10.2.1/24",)),
            (QROUTER, dev("qg-", QG.id), QG, 3, ("203.0.113.10/24", "203.0.113.20/32")),
        )
        for ns, ns_name, port, tag, cidrs in plan:
            root_name = dev("tap", port.id)
            self.veth(root_name, "fe" + port.mac[2:], ns_name, port.mac, peer_ns=ns)
            self.addresses(ns, ns_name, *cidrs)
            vsctl(env, "add-port", "br-int", root_name, f"tag={tag}")


def vsctl(env: dict[str, str], *args: str) -> None:
    run(["ovs-vsctl", "--timeout=30", *args], env=env)


def stop_ovs_daemon(name: str, run_dir: Path, env: dict[str, str]) -> None:
    """Ask the daemon to exit; if it will not, end it by the process id in its pid file."""
    pid_file = run_dir / f"{name}.pid"
    if not pid_file.exists():
        return
    pid = int(pid_file.read_text().split()[0])
    args = ["exit", "--cleanup"] if name == "ovs-vswitchd" else ["exit"]
    run(["ovs-appctl", "--timeout=10", "-t", name, *args], env=env, check=False)
    for _ in range(100):
        if not ours(pid, run_dir):
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGTERM)


def ours(pid: int, run_dir: Path) -> bool:
    """Is ``pid`` alive and one of the daemons started with this run's folders?"""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False
    return str(run_dir) in cmdline


def libvirt_node_xml() -> str:
    """A libvirt test-driver node: nova-like domains with one, two and no interfaces."""
    nova = "http://openstack.org/xmlns/libvirt/nova/1.1"

    def interface(kind: str, port: Port, bridge: str, ovs: bool) -> str:
        virtualport = (f"<virtualport type='openvswitch'><parameters interfaceid='{port.id}'/>"
                       "</virtualport>") if ovs else ""
        return (f"<interface type='{kind}'><mac address='{port.mac}'/>"
                f"<source bridge='{bridge}'/>{virtualport}"
                f"<target dev='{dev('tap', port.id)}'/><model type='virtio'/>"
                "<mtu size='1450'/></interface>")

    def domain(number: int, uuid: str, name: str, interfaces: str) -> str:
        return ("<domain type='test'>"
                f"<name>instance-{number:08x}</name><uuid>{uuid}</uuid>"
                f"<metadata><nova:instance xmlns:nova='{nova}'><nova:name>{name}</nova:name>"
                "</nova:instance></metadata>"
                "<memory unit='KiB'>524288</memory><vcpu>1</vcpu><os><type>hvm</type></os>"
                f"<devices>{interfaces}</devices></domain>")

    return ("<node>"
            + domain(1, VM1_UUID, "tcap-vm1",
                     interface("bridge", VM1, dev("qbr", VM1.id), ovs=False))
            + domain(2, VM2_UUID, "tcap-vm2",
                     interface("bridge", VM2_OVS, "br-int", ovs=True)
                     + interface("bridge", VM2_LB, dev("brq", NET_C), ovs=False))
            + domain(3, VM3_UUID, "tcap-vm3", "")
            + "</node>\n")


SHUT_OFF = "instance-00000003"


def virsh_captures(recorder: Recorder, workdir: Path) -> None:
    node = workdir / "libvirt-node.xml"
    node.write_text(libvirt_node_xml())
    (recorder.folder / "virsh-nova-node.xml").write_text(node.read_text())
    # The work folder differs at each run: the index names it WORK_FOLDER.
    recorder.hidden[str(node)] = "WORK_FOLDER/virsh-nova-node.xml"
    for prefix, uri in (("virsh", "test:///default"), ("virsh-nova", f"test://{node}")):
        listing = recorder.capture(Capture(f"{prefix}-list", ("virsh", "-c", uri, "list")))
        for line in listing.stdout.splitlines()[2:]:
            if line.split() and line.split()[0].isdigit():
                domain_id = line.split()[0]
                recorder.capture(Capture(f"{prefix}-dumpxml-{domain_id}",
                                         ("virsh", "-c", uri, "dumpxml", domain_id)))
    shut_off_listing(recorder, f"test://{node}")


def shut_off_listing(recorder: Recorder, uri: str) -> None:
    """``virsh list --all`` with a shut-off domain.

    The test driver keeps no state between connections and starts every domain of a node
    file, so one virsh session destroys a domain, then lists; only the listing is kept.
    """
    done = run(["virsh", "-c", uri, f"destroy {SHUT_OFF}; list --all"], check=False)
    header = done.stdout.find(" Id ")
    if done.returncode != 0 or header < 0:
        raise CaptureError(f"virsh -c {uri}: destroy and list failed: {done.stderr.strip()}")
    listing = subprocess.CompletedProcess(done.args, 0, done.stdout[header:], done.stderr)
    recorder.record(Capture("virsh-nova-list-all", ("virsh", "-c", uri, "list", "--all")),
                    listing, note=f"run in one virsh session after 'destroy {SHUT_OFF}'; "
                                  "only list's output is kept")


# --- the two modes ----------------------------------------------------------------------------


def refuse_leftovers() -> None:
    existing = set(netns_names(run(["ip", "netns", "list"]).stdout))
    clash = [name for name in NAMESPACES if name in existing]
    if clash:
        raise CaptureError(f"namespace(s) {', '.join(clash)} already exist (left by a run that "
                           "was killed?); remove them with: "
                           + "; ".join(f"ip netns delete {name}" for name in clash))


def capture_machine(recorder: Recorder, cleanup: Cleanup) -> dict[str, object]:
    check_requirements(MACHINE_TOOLS, need_schema=True)
    refuse_leftovers()
    workdir = Path(tempfile.mkdtemp(prefix="tcap-"))
    cleanup.push(f"folder {workdir}", lambda: shutil.rmtree(workdir, ignore_errors=True))
    host = Host(cleanup, workdir)
    log(f"building the host in namespace {HOST_NS} (work folder {workdir})")
    host.build()
    log("capturing")
    common_captures(
        recorder, HOST_NS, host.ovs_env,
        ethtool_ifs=("eth1", "eth2", dev("tap", VM1.id), dev("qbr", VM1.id), "br-int"),
        address_ifs=("eth1", "eth2", dev("tap", VM1.id)))
    virsh_captures(recorder, workdir)
    return {"notes": NOTES_MACHINE, "skipped": host.skipped, "host_namespace": HOST_NS,
            "ovs_environment": {var: value.replace(str(workdir), "WORK_FOLDER")
                                for var, value in host.ovs_variables.items()}}


def capture_lab(recorder: Recorder) -> dict[str, object]:
    check_requirements(LAB_TOOLS, need_schema=False)
    if run(["ovs-vsctl", "--timeout=5", "show"], check=False).returncode != 0:
        raise CaptureError("no Open vSwitch answers on this machine: is the lab running? "
                           "(topology lab start; topology lab scenario)")
    listing = run(["ls", "-l", "/sys/class/net"]).stdout
    pnics = physical_interfaces(listing)
    common_captures(recorder, None, None, ethtool_ifs=pnics, address_ifs=pnics)
    return {"notes": NOTES_LAB, "skipped": [], "host_namespace": None}


def check_replaceable(folder: Path) -> None:
    """The scenario's folder may be replaced only if it is empty or an earlier capture."""
    if folder.exists() and not (folder / "index.json").exists() and any(folder.iterdir()):
        raise CaptureError(f"{folder} exists and is not a capture folder (no index.json)")


def publish(staging: Path, folder: Path) -> None:
    """Replace the scenario's folder by the finished capture."""
    check_replaceable(folder)
    if folder.exists():
        shutil.rmtree(folder)
    staging.rename(folder)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=("Capture the real host tools' output (virsh, ovs-vsctl, ovs-dpctl, "
                     "brctl, ip, bridge, ethtool, ...) as test fixtures: "
                     "<out>/<scenario>/<slug>.txt and index.json. Without --from-lab it builds "
                     "a small known host (namespaces, veth pairs, bridges, vxlan, userspace "
                     "Open vSwitch, libvirt's test driver), captures it and removes it. "
                     "Run as root."))
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"fixtures folder (default: {DEFAULT_OUT.relative_to(REPO)})")
    parser.add_argument("--from-lab", action="store_true",
                        help="capture what exists (the running lab) instead of building a host")
    parser.add_argument("--scenario", help="sub-folder name (default: machine, or lab)")
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    scenario = args.scenario or ("lab" if args.from_lab else "machine")
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", scenario):
        log(f"bad scenario name {scenario!r}: lower-case letters, digits and '-'")
        return 2
    folder = args.out.resolve() / scenario
    cleanup = Cleanup()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_signal)
    status = 0
    try:
        check_replaceable(folder)
        folder.parent.mkdir(parents=True, exist_ok=True)
        # Captures go to a staging folder: an interrupted run leaves the old capture whole.
        staging = Path(tempfile.mkdtemp(prefix=f".{scenario}-partial-", dir=folder.parent))
        cleanup.push(f"folder {staging}", lambda: shutil.rmtree(staging, ignore_errors=True))
        recorder = Recorder(staging)
        started = now()
        extra = capture_lab(recorder) if args.from_lab else capture_machine(recorder, cleanup)
        index = {"scenario": scenario, "script": "scripts/capture-host-outputs.py",
                 "started": started, "finished": now(), "kernel": os.uname().release,
                 **extra, "captures": recorder.entries}
        (staging / "index.json").write_text(json.dumps(index, indent=2) + "\n")
        publish(staging, folder)
        log(f"{len(recorder.entries)} captures in {folder}")
    except CaptureError as exc:
        log(f"error: {exc}")
        status = 1
    except Interrupted as exc:
        log(f"interrupted ({exc}); cleaning up")
        status = 130
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)  # let the cleanup finish
        failures = cleanup.run_all()
        for failure in failures:
            log(f"cleanup failed: {failure}")
        if failures:
            status = status or 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

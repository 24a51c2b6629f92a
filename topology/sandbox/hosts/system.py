"""A host's other listings: ``brctl show`` (bridge-utils 1.7), ``ethtool <if>`` (6.1),
``ls -l /sys/class/net``, ``/etc/os-release`` (Debian 12, the lab's and this machine's),
``uname`` and ``arch``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from topology.sandbox.hosts.iproute import bridge_id
from topology.sandbox.hosts.layout import Link

OS_RELEASE = (
    'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'
    'NAME="Debian GNU/Linux"\n'
    'VERSION_ID="12"\n'
    'VERSION="12 (bookworm)"\n'
    "VERSION_CODENAME=bookworm\n"
    "ID=debian\n"
    'HOME_URL="https://www.debian.org/"\n'
    'SUPPORT_URL="https://www.debian.org/support"\n'
    'BUG_REPORT_URL="https://bugs.debian.org/"\n'
)
KERNEL_RELEASE = "6.1.0-27-amd64"
KERNEL_VERSION = "#1 SMP PREEMPT_DYNAMIC Debian 6.1.115-1 (2024-11-01)"
MACHINE = "x86_64"

# ethtool's answer for a device that does not exist: one complaint per settings request on
# standard error, then "No data available" on standard output, exit status 75.
ETHTOOL_NO_DEVICE = "netlink error: no device matches name (offset 24)\n" \
                    "netlink error: No such device\n"
ETHTOOL_MISSING_STDERR = ETHTOOL_NO_DEVICE * 5
ETHTOOL_MISSING_STDOUT = "No data available\n"
ETHTOOL_MISSING_STATUS = 75

_NOT_REPORTED = (
    "\tSupported ports: [  ]",
    "\tSupported link modes:   Not reported",
    "\tSupported pause frame use: No",
    "\tSupports auto-negotiation: No",
    "\tSupported FEC modes: Not reported",
    "\tAdvertised link modes:  Not reported",
    "\tAdvertised pause frame use: No",
    "\tAdvertised auto-negotiation: No",
    "\tAdvertised FEC modes: Not reported",
)
# An Intel 82599 10GbE SFP+ port (ixgbe), the pNICs the demo export describes: its link
# settings (which a VLAN or VXLAN device on it reports as its own), then what its driver
# alone reports (wake-on, message level).
_IXGBE_LINK = (
    "\tSupported ports: [ FIBRE ]",
    "\tSupported link modes:   1000baseT/Full",
    "\t                        10000baseT/Full",
    "\tSupported pause frame use: Symmetric",
    "\tSupports auto-negotiation: No",
    "\tSupported FEC modes: Not reported",
    "\tAdvertised link modes:  10000baseT/Full",
    "\tAdvertised pause frame use: Symmetric",
    "\tAdvertised auto-negotiation: No",
    "\tAdvertised FEC modes: Not reported",
    "\tSpeed: 10000Mb/s",
    "\tDuplex: Full",
    "\tAuto-negotiation: off",
    "\tPort: FIBRE",
    "\tPHYAD: 0",
    "\tTransceiver: internal",
)
_IXGBE_DRIVER = (
    "\tSupports Wake-on: d",
    "\tWake-on: d",
    "        Current message level: 0x00000007 (7)",
    "                               drv probe link",
)
_TWISTED_PAIR = ("\tSpeed: 10000Mb/s", "\tDuplex: Full", "\tAuto-negotiation: off",
                 "\tPort: Twisted Pair", "\tPHYAD: 0", "\tTransceiver: internal",
                 "\tMDI-X: Unknown")
_TUN_MESSAGE_LEVEL = ("        Current message level: 0x00000000 (0)",
                      "                              ")


def brctl_show(bridges: Sequence[tuple[Link, Sequence[Link]]]) -> str:
    """One line per bridge (sorted), its first interface on it, the others on lines of seven
    tabs (Calipso joins those continuation lines)."""
    lines = ["bridge name\tbridge id\t\tSTP enabled\tinterfaces"]
    for bridge, ports in sorted(bridges, key=lambda item: item[0].name):
        names = sorted(port.name for port in ports)
        first = names[0] if names else ""
        lines.append(f"{bridge.name}\t\t{bridge_id(bridge.mac, short=False)}\tno\t\t{first}")
        lines.extend(f"\t\t\t\t\t\t\t{name}" for name in names[1:])
    return "".join(f"{line}\n" for line in lines)


def ethtool(link: Link, bridge_has_ports: bool, lower: Link | None = None) -> str:
    """What ``ethtool <if>`` prints for each kind of device: drivers report different
    settings; a VLAN or VXLAN device reports its lower device's link settings (a VXLAN
    device without one, such as Open vSwitch's, reports none: speed and duplex unknown),
    an OVS internal port and the loopback report only their link."""
    detected = "yes" if link.up and link.carrier else "no"
    lines = [f"Settings for {link.name}:", *_link_settings(link, bridge_has_ports, lower)]
    if link.kind == "physical":
        lines += _IXGBE_DRIVER
    elif link.kind == "tun":
        lines += _TUN_MESSAGE_LEVEL
    lines.append(f"\tLink detected: {detected}")
    return "".join(f"{line}\n" for line in lines)


def _link_settings(link: Link, bridge_has_ports: bool, lower: Link | None) -> tuple[str, ...]:
    if link.kind == "physical":
        return _IXGBE_LINK
    if link.kind in ("veth", "tun"):
        return (*_NOT_REPORTED, *_TWISTED_PAIR)
    if link.kind in ("vxlan", "vlan") and lower is not None:
        return _link_settings(lower, False, None)
    if link.kind in ("bridge", "vxlan", "vlan"):
        speed = "10000Mb/s" if link.kind == "bridge" and bridge_has_ports else "Unknown!"
        return (*_NOT_REPORTED, f"\tSpeed: {speed}", "\tDuplex: Unknown! (255)",
                "\tAuto-negotiation: off", "\tPort: Other", "\tPHYAD: 0",
                "\tTransceiver: internal")
    return ()


def sys_class_net(links: Sequence[Link], *, long: bool, now: datetime | None = None) -> str:
    """``ls [-l] /sys/class/net``: a physical device links to its PCI device, any other to
    ``devices/virtual/net``; ``ls -l`` dates an entry like ls does (the year for one older
    than six months)."""
    now = now or datetime.now(UTC)
    names = sorted(links, key=lambda link: link.name)
    if not long:
        return "".join(f"{link.name}\n" for link in names)
    lines = ["total 0"]
    for link in names:
        target = (f"../../devices/pci0000:00/{link.pci}/net/{link.name}" if link.pci
                  else f"../../devices/virtual/net/{link.name}")
        lines.append(f"lrwxrwxrwx 1 root root 0 {ls_date(link.created, now)} {link.name} "
                     f"-> {target}")
    return "".join(f"{line}\n" for line in lines)


def ls_date(when: datetime, now: datetime) -> str:
    recent = now - timedelta(days=182) < when <= now + timedelta(hours=1)
    day = f"{when.day:2d}"
    return f"{when:%b} {day} {when:%H:%M}" if recent else f"{when:%b} {day}  {when:%Y}"


def uname(host_name: str, flags: str) -> str:
    """``uname`` with letters from ``-snrvma`` (``-a``: all, with the OS name)."""
    parts = {"s": "Linux", "n": host_name, "r": KERNEL_RELEASE, "v": KERNEL_VERSION,
             "m": MACHINE}
    if "a" in flags:
        return " ".join([*parts.values(), "GNU/Linux"]) + "\n"
    chosen = [parts[letter] for letter in "snrvm" if letter in flags] or [parts["s"]]
    return " ".join(chosen) + "\n"

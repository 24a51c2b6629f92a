"""``ip link show``, ``ip address show [DEV]`` and ``ip -d link show`` (iproute2).

All three print one section per interface: a header line ``N: name[@peer]: <FLAGS> mtu ...
state ...``, then indented lines: ``link/<type> ...``, ``inet``/``inet6`` addresses (each
followed by a ``valid_lft`` line), ``altname``, and with ``-d`` the device's details
(``vxlan id ...``, ``veth``, ``tun type tap ...``, ``bridge_slave ...``).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from loaders.hosts.parsing import ParseError, content_lines, is_mac

HEADER = re.compile(r"(\d+):\s+([^\s:@]+)(?:@([^\s:]+))?:\s+<([^>]*)>\s*(.*)")
ADDRESS_KEYS = {"brd", "peer", "scope", "metric", "proto"}
# Words that can open a detail line of ``ip -d`` without naming the device's kind.
NOT_A_KIND = {"addrgenmode", "numtxqueues", "altname", "alias", "vf", "prop"}


@dataclass(frozen=True)
class IpAddress:
    """One ``inet``/``inet6`` line."""

    family: str                     # "inet" or "inet6"
    address: str
    prefix: int
    scope: str | None = None
    broadcast: str | None = None
    peer: str | None = None
    label: str | None = None        # IPv4 only: the interface or its alias label
    flags: tuple[str, ...] = ()     # dynamic, secondary, tentative, noprefixroute, ...

    @property
    def cidr(self) -> str:
        return f"{self.address}/{self.prefix}"

    @property
    def netmask(self) -> str:
        return str(ipaddress.ip_interface(self.cidr).netmask)

    @property
    def network(self) -> str:
        return str(ipaddress.ip_interface(self.cidr).network)


@dataclass(frozen=True)
class Vxlan:
    """A vxlan device's settings from ``ip -d link show``."""

    id: int
    local: str | None
    remote: str | None
    group: str | None
    dev: str | None
    dstport: int | None


@dataclass(frozen=True)
class IpLink:
    """One interface's section."""

    index: int
    name: str
    peer: str | None                # after '@': a peer's or lower device's name, "ifN", "NONE"
    flags: tuple[str, ...]          # BROADCAST, MULTICAST, UP, LOWER_UP, NO-CARRIER, ...
    mtu: int
    state: str                      # UP, DOWN, UNKNOWN, ...
    attributes: Mapping[str, str]   # every "key value" pair of the header (qdisc, mode, ...)
    link_type: str | None           # ether, loopback, none, ...
    mac: str | None
    link_netns: str | None = None   # the peer's namespace, by name ...
    link_netnsid: int | None = None  # ... or by id
    altnames: tuple[str, ...] = ()
    addresses: tuple[IpAddress, ...] = ()
    details: tuple[str, ...] = ()   # ip -d: the device's detail lines
    vxlan: Vxlan | None = None      # ip -d: a vxlan device's settings
    lines: tuple[str, ...] = field(default=(), repr=False)

    @property
    def master(self) -> str | None:
        return self.attributes.get("master")

    @property
    def ipv4(self) -> tuple[IpAddress, ...]:
        return tuple(a for a in self.addresses if a.family == "inet")

    @property
    def ipv6(self) -> tuple[IpAddress, ...]:
        return tuple(a for a in self.addresses if a.family == "inet6")

    @property
    def ipv6_global(self) -> tuple[IpAddress, ...]:
        return tuple(a for a in self.ipv6 if a.scope == "global")

    @property
    def kind(self) -> str | None:
        """The device's kind from ``ip -d`` (vxlan, veth, tun, bridge, ...), if shown."""
        for line in self.details:
            word = line.split()[0]
            if word not in NOT_A_KIND and not word.endswith("_slave"):
                return word
        return None

    @property
    def slave_kind(self) -> str | None:
        """``bridge_slave``, ``openvswitch_slave``, ... from ``ip -d``, if shown."""
        for line in self.details:
            word = line.split()[0]
            if word.endswith("_slave"):
                return word
        return None


def parse_ip_link_show(text: str) -> list[IpLink]:
    """``ip link show``: every interface, without addresses."""
    return _parse(text, "ip link show")


def parse_ip_address_show(text: str) -> list[IpLink]:
    """``ip address show [DEV]`` (also run in a namespace with ``ip netns exec``)."""
    return _parse(text, "ip address show")


def parse_ip_detail_link_show(text: str) -> list[IpLink]:
    """``ip -d link show``: with each device's details (vxlan id, local, dstport, ...)."""
    return _parse(text, "ip -d link show")


def _parse(text: str, command: str) -> list[IpLink]:
    sections: list[list[str]] = []
    for line in content_lines(text):
        if not line[0].isspace():
            sections.append([line])
        elif not sections:
            raise ParseError(command, "indented line before any interface", line)
        else:
            sections[-1].append(line)
    if not sections:
        raise ParseError(command, "no interface in the output")
    links = [_link(section, command) for section in sections]
    names = [link.name for link in links]
    if len(set(names)) != len(names):
        raise ParseError(command, f"an interface appears twice: {sorted(names)}")
    return links


def _link(section: list[str], command: str) -> IpLink:
    header = HEADER.fullmatch(section[0])
    if header is None:
        raise ParseError(command, "not an interface header", section[0])
    index, name, peer, flags, rest = header.groups()
    attributes = _pairs(rest.split(), command, section[0])
    if "mtu" not in attributes or not attributes["mtu"].isdigit():
        raise ParseError(command, "interface header without its mtu", section[0])
    link_type = mac = link_netns = netnsid = None
    altnames: list[str] = []
    addresses: list[IpAddress] = []
    details: list[str] = []
    for line in section[1:]:
        words = line.split()
        if words[0].startswith("link/"):
            link_type = words[0].removeprefix("link/")
            if len(words) > 1 and is_mac(words[1]):
                mac = words[1]
            link_netns = _after(words, "link-netns")
            netnsid = _after(words, "link-netnsid")
        elif words[0] in ("inet", "inet6"):
            addresses.append(_address(words, command, line))
        elif words[0] in ("valid_lft", "preferred_lft"):
            if not addresses:
                raise ParseError(command, "address lifetime without an address", line)
        elif words[0] == "altname" and len(words) == 2:
            altnames.append(words[1])
        else:
            details.append(line.strip())
    return IpLink(
        index=int(index), name=name, peer=peer,
        flags=tuple(flag for flag in flags.split(",") if flag),
        mtu=int(attributes["mtu"]), state=attributes.get("state", "UNKNOWN"),
        attributes=attributes, link_type=link_type, mac=mac, link_netns=link_netns,
        link_netnsid=int(netnsid) if netnsid and netnsid.isdigit() else None,
        altnames=tuple(altnames), addresses=tuple(addresses), details=tuple(details),
        vxlan=next((_vxlan(line, command) for line in details if line.split()[0] == "vxlan"),
                   None),
        lines=tuple(section))


def _pairs(words: list[str], command: str, line: str) -> dict[str, str]:
    if len(words) % 2:
        raise ParseError(command, "interface header is not 'key value' pairs", line)
    return dict(zip(words[::2], words[1::2], strict=True))


def _after(words: list[str], key: str) -> str | None:
    return words[words.index(key) + 1] if key in words[:-1] else None


def _address(words: list[str], command: str, line: str) -> IpAddress:
    family = words[0]
    address, _, prefix = words[1].partition("/")
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError as exc:
        raise ParseError(command, f"not an address: {address}", line) from exc
    if (parsed.version == 4) != (family == "inet") or (prefix and not prefix.isdigit()):
        raise ParseError(command, "malformed address line", line)
    values: dict[str, str] = {}
    flags: list[str] = []
    rest = words[2:]
    label = rest.pop() if family == "inet" and rest else None
    position = 0
    while position < len(rest):
        word = rest[position]
        if word in ADDRESS_KEYS and position + 1 < len(rest):
            values[word] = rest[position + 1]
            position += 2
        else:
            flags.append(word)
            position += 1
    peer = values.get("peer")
    if peer and "/" in peer and not prefix:   # point-to-point: the prefix is on the peer
        peer, _, prefix = peer.partition("/")
    return IpAddress(family=family, address=address,
                     prefix=int(prefix) if prefix else parsed.max_prefixlen,
                     scope=values.get("scope"), broadcast=values.get("brd"), peer=peer,
                     label=label, flags=tuple(flags))


def _vxlan(line: str, command: str) -> Vxlan:
    words = line.split()
    vni = _after(words, "id")
    if vni is None or not vni.isdigit():
        raise ParseError(command, "vxlan details without an id", line)
    port = _after(words, "dstport")
    return Vxlan(id=int(vni), local=_after(words, "local"), remote=_after(words, "remote"),
                 group=_after(words, "group"), dev=_after(words, "dev"),
                 dstport=int(port) if port and port.isdigit() else None)

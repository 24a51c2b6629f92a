"""Which parser reads which host command line.

Each parser lives beside its tool (``iproute``, ``netns``, ``fdb``, ``brctl``, ``ethtool``,
``ovs``, ``virsh``, ``system``) with the data it returns. The SSH loader and the sandbox's
tests both go through :func:`parse_output`, so that the sandbox's rendered output is read
exactly as the real tools' recorded output (``tests/fixtures/hosts``) is. Every parser
raises :class:`loaders.hosts.parsing.ParseError` (a ``ValueError`` naming the command) on
output it does not know, rather than returning something half right.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from loaders.hosts.brctl import parse_brctl_show
from loaders.hosts.ethtool import parse_ethtool
from loaders.hosts.fdb import parse_bridge_fdb_show
from loaders.hosts.iproute import (
    parse_ip_address_show,
    parse_ip_detail_link_show,
    parse_ip_link_show,
)
from loaders.hosts.netns import parse_ip_netns_list
from loaders.hosts.ovs import (
    parse_ovs_dpctl_show,
    parse_ovs_vsctl_list_br,
    parse_ovs_vsctl_list_ifaces,
    parse_ovs_vsctl_show,
)
from loaders.hosts.system import parse_ls_sys_class_net, parse_os_release, parse_uname_n
from loaders.hosts.virsh import parse_virsh_dumpxml, parse_virsh_list

Parser = Callable[[str], object]
ARG = r"[^\s;|&<>`$]+"  # one plain argument: no shell syntax

COMMANDS: tuple[tuple[re.Pattern[str], Parser], ...] = tuple(
    (re.compile(pattern), parser) for pattern, parser in (
        (rf"virsh(?: -c {ARG})? list(?: --all)?", parse_virsh_list),
        (rf"virsh(?: -c {ARG})? dumpxml {ARG}", parse_virsh_dumpxml),
        (r"ovs-vsctl show", parse_ovs_vsctl_show),
        (rf"ovs-dpctl show|ovs-appctl(?: -t {ARG})? dpctl/show", parse_ovs_dpctl_show),
        (rf"ovs-vsctl list-ifaces {ARG}", parse_ovs_vsctl_list_ifaces),
        (r"ovs-vsctl list-br", parse_ovs_vsctl_list_br),
        (r"brctl show", parse_brctl_show),
        (rf"ip link show(?: {ARG})?", parse_ip_link_show),
        (rf"ip (?:address|addr|a) show(?: {ARG})?", parse_ip_address_show),
        (rf"ip -d link show(?: {ARG})?", parse_ip_detail_link_show),
        (r"ip netns list", parse_ip_netns_list),
        (rf"ethtool {ARG}", parse_ethtool),
        (r"bridge fdb show", parse_bridge_fdb_show),
        (r"ls -l /sys/class/net", parse_ls_sys_class_net),
        (r"cat /etc/os-release", parse_os_release),
        (r"uname -n", parse_uname_n),
    ))
PREFIX = re.compile(rf"sudo |ip netns exec {ARG} ")


def parser_for(command: str) -> Parser:
    """The parser of a command line as a loader runs it (``sudo`` and ``ip netns exec NS``
    in front are allowed)."""
    rest = " ".join(command.split())
    while (prefix := PREFIX.match(rest)) is not None:
        rest = rest[prefix.end():]
    for pattern, parser in COMMANDS:
        if pattern.fullmatch(rest):
            return parser
    raise ValueError(f"no parser for the command {command!r}")


def parse_output(command: str, text: str) -> object:
    return parser_for(command)(text)

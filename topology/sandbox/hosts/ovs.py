"""Open vSwitch 3.1's listings: ``ovs-vsctl show``, ``ovs-vsctl list-br``,
``ovs-vsctl list-ifaces <bridge>`` and ``ovs-dpctl show`` (the kernel datapath; ``ovs-appctl
dpctl/show`` prints the same).

``ovs-vsctl show`` lists bridges and ports in the database's hash order, not by name; the
sandbox orders them by a hash of the host and the name, so the order looks as arbitrary as a
real host's and stays the same from one call to the next.
"""

from __future__ import annotations

import hashlib
import re
import uuid

from topology.sandbox.hosts.layout import HostLayout, OvsBridge, OvsPort

OVS_VERSION = "3.1.0"
MANAGER = "ptcp:6640:127.0.0.1"
CONTROLLER = "tcp:127.0.0.1:6633"
_BARE = re.compile(r"[A-Za-z_][A-Za-z_.-]*")


def _shuffled(host: str, names: list[str]) -> list[str]:
    return sorted(names, key=lambda name: hashlib.sha256(f"{host}\0{name}".encode()).digest())


def quoted(value: str) -> str:
    """ovsdb's rule: a string that is not a bare identifier (letters, ``_``, ``-``, ``.``;
    no digits) or that reads as a boolean is printed in double quotes."""
    if _BARE.fullmatch(value) and value not in ("true", "false"):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _options(options: dict[str, str]) -> str:
    return "{" + ", ".join(f"{key}={quoted(options[key])}" for key in sorted(options)) + "}"


def vsctl_show(layout: HostLayout) -> str:
    host = layout.host.name
    lines = [str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{host}.open-vswitch")),
             f'    Manager "{MANAGER}"', "        is_connected: true"]
    bridges = {bridge.name: bridge for bridge in layout.ovs or []}
    for name in _shuffled(host, list(bridges)):
        bridge = bridges[name]
        lines += [f"    Bridge {bridge.name}", f'        Controller "{CONTROLLER}"',
                  "            is_connected: true", "        fail_mode: secure",
                  "        datapath_type: system"]
        ports = {port.name: port for port in bridge.ports}
        for port_name in _shuffled(host, list(ports)):
            lines += _port_lines(ports[port_name])
    lines.append(f'    ovs_version: "{OVS_VERSION}"')
    return "".join(f"{line}\n" for line in lines)


def _port_lines(port: OvsPort) -> list[str]:
    lines = [f"        Port {port.name}"]
    if port.tag is not None:
        lines.append(f"            tag: {port.tag}")
    lines.append(f"            Interface {port.name}")
    if port.type:
        lines.append(f"                type: {port.type}")
    if port.options:
        lines.append(f"                options: {_options(port.options)}")
    return lines


def bridge(layout: HostLayout, name: str) -> OvsBridge | None:
    return next((b for b in layout.ovs or [] if b.name == name), None)


def list_br(layout: HostLayout) -> str:
    return "".join(f"{name}\n" for name in sorted(b.name for b in layout.ovs or []))


def list_ifaces(found: OvsBridge) -> str:
    """The bridge's interfaces but its own internal one, sorted (as ovs-vsctl prints them)."""
    names = sorted(port.name for port in found.ports if port.name != found.name)
    return "".join(f"{name}\n" for name in names)


def dpctl_show(layout: HostLayout) -> str:
    """The kernel datapath: statistics, then its ports numbered in the order they were added;
    a tunnel port shows its type and configuration, an internal port ``(internal)``."""
    ports = layout.datapath
    hits, missed = 40 * len(ports) + 7, 3 * len(ports)
    mask_hits = 2 * hits
    lines = ["system@ovs-system:", f"  lookups: hit:{hits} missed:{missed} lost:0",
             f"  flows: {len(ports)}",
             f"  masks: hit:{mask_hits} total:3 hit/pkt:{mask_hits / (hits + missed):.2f}",
             "  cache: hit:0 hit-rate:0.00%", "  caches:", "    masks-cache: size:256"]
    for number, (name, kind) in enumerate(ports):
        suffix = {"system": "", "internal": " (internal)",
                  "vxlan": " (vxlan: packet_type=ptap)"}[kind]
        lines.append(f"  port {number}: {name}{suffix}")
    return "".join(f"{line}\n" for line in lines)

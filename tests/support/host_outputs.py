"""Small readers of host command outputs for the sandbox hosts' tests (the loaders have the
real parsers; these only pick out what a test asserts on)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any


def entry(listing: str, name: str) -> str:
    """One device's entry of an ``ip link``/``ip address`` listing (exactly one)."""
    blocks = re.split(r"(?m)^(?=\d+: )", listing)
    found = [b for b in blocks if re.match(rf"\d+: {re.escape(name)}[@:]", b)]
    assert len(found) == 1, f"{name} appears {len(found)} times"
    return found[0]


def ip_entries(listing: str) -> dict[str, dict[str, Any]]:
    """``ip address show`` as {name: {mac, inet: [(ip, prefix)]}} (name without ``@peer``)."""
    found: dict[str, dict[str, Any]] = {}
    current: dict[str, Any] = {}
    for line in listing.splitlines():
        head = re.match(r"\d+: ([^@:]+)", line)
        if head:
            current = found.setdefault(head.group(1), {"mac": None, "inet": []})
        elif line.startswith("    link/ether "):
            current["mac"] = line.split()[1]
        elif line.startswith("    inet "):
            ip, prefix = line.split()[1].split("/")
            current["inet"].append((ip, int(prefix)))
    return found


def bridges(listing: str) -> dict[str, tuple[str, list[str]]]:
    """``brctl show`` as {bridge: (bridge id, interfaces)}."""
    found: dict[str, tuple[str, list[str]]] = {}
    name = ""
    for line in listing.splitlines()[1:]:
        if line.startswith("\t"):
            found[name][1].append(line.strip())
        else:
            name, bridge_id, _stp, *first = line.split()
            found[name] = (bridge_id, first)
    return found


def vsctl_ports(show: str) -> dict[str, dict[str, Any]]:
    """``ovs-vsctl show`` as {port: {bridge, tag, type, options}}."""
    ports: dict[str, dict[str, Any]] = {}
    bridge = ""
    port: dict[str, Any] = {}
    for line in show.splitlines():
        if line.startswith("    Bridge "):
            bridge = line.split()[1]
        elif line.startswith("        Port "):
            port = ports.setdefault(line.split()[1], {"bridge": bridge, "tag": None,
                                                      "type": "", "options": {}})
        elif line.startswith("            tag: "):
            port["tag"] = line.split()[1]
        elif line.startswith("                type: "):
            port["type"] = line.split()[1]
        elif line.startswith("                options: "):
            body = line.split(": ", 1)[1].strip("{}")
            port["options"] = {k: v.strip('"') for k, v in
                               (item.split("=", 1) for item in body.split(", "))}
    return ports


def parse_xml(text: str) -> ET.Element:
    return ET.fromstring(text)  # noqa: S314 - recordings and the sandbox's own output

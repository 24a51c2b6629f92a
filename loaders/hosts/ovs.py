"""Open vSwitch: ``ovs-vsctl show``, ``ovs-dpctl show`` (or ``ovs-appctl dpctl/show``, the
same format, for a userspace datapath), ``ovs-vsctl list-ifaces BRIDGE`` and
``ovs-vsctl list-br``.

``ovs-vsctl show`` is a tree indented by four spaces: the database's UUID, then
``Manager``, ``Bridge`` (its ``Controller``, settings and ``Port``s), a ``Port``'s settings
(``tag``, ``trunks``) and ``Interface``s, an interface's ``type``, ``options`` and
``error``, and last ``ovs_version``. Names may be quoted (older versions quote names with
a ``-``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from loaders.hosts.parsing import ParseError, content_lines

SHOW = "ovs-vsctl show"
DPCTL = "ovs-dpctl show"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
NAMED = re.compile(r"(Manager|Controller|Bridge|Port|Interface) (\"(?:[^\"\\]|\\.)*\"|\S+)")
SETTING = re.compile(r"([a-z_][a-z0-9_]*): (.*)")
QUOTED = r"\"(?:[^\"\\]|\\.)*\""
OPTION = re.compile(rf"\s*({QUOTED}|[^=,{{}}\s]+)=({QUOTED}|[^,}}]*?)\s*(?:,|$)")
DATAPATH = re.compile(r"(\S+)@(\S+):")
DP_PORT = re.compile(r"port (\d+): (\S+)(?: \((.*)\))?")
DP_STAT = re.compile(r"[a-z][a-z0-9/_-]*:.*")
IFACE_NAME = re.compile(r"[^\s\"]+")


@dataclass(frozen=True)
class OvsInterface:
    name: str
    type: str = ""                              # "" for a system device, else internal, ...
    options: Mapping[str, str] = field(default_factory=dict)  # peer, local_ip, remote_ip, ...
    error: str | None = None
    settings: Mapping[str, str] = field(default_factory=dict)  # every other "key: value"


@dataclass(frozen=True)
class OvsPort:
    name: str
    tag: int | None = None
    trunks: tuple[int, ...] = ()
    interfaces: tuple[OvsInterface, ...] = ()
    settings: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OvsBridge:
    name: str
    datapath_type: str | None = None
    fail_mode: str | None = None
    controllers: tuple[str, ...] = ()
    ports: tuple[OvsPort, ...] = ()
    settings: Mapping[str, str] = field(default_factory=dict)

    def port(self, name: str) -> OvsPort | None:
        return next((port for port in self.ports if port.name == name), None)


@dataclass(frozen=True)
class OvsShow:
    uuid: str
    managers: tuple[str, ...]
    bridges: tuple[OvsBridge, ...]
    ovs_version: str | None

    def bridge(self, name: str) -> OvsBridge | None:
        return next((bridge for bridge in self.bridges if bridge.name == name), None)


@dataclass(frozen=True)
class DatapathPort:
    number: int
    name: str
    type: str | None            # the word in parentheses: internal, tap, vxlan, ... (None: none)
    options: str | None = None  # what follows the type inside the parentheses

    @property
    def internal(self) -> bool:
        """Calipso's flag: the kernel datapath marks internal ports ``(internal)`` (the
        userspace datapath shows its internal ports as ``(tap)``)."""
        return self.type == "internal"


@dataclass(frozen=True)
class Datapath:
    name: str                           # e.g. ovs-system, ovs-netdev
    type: str                           # system (kernel) or netdev (userspace)
    ports: tuple[DatapathPort, ...]
    stats: Mapping[str, str] = field(default_factory=dict)  # lookups, flows, masks, ...


def _unquote(text: str, command: str, line: str) -> str:
    if not text.startswith('"'):
        return text
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise ParseError(command, "bad quoted string", line) from exc
    if not isinstance(value, str):
        raise ParseError(command, "bad quoted string", line)
    return value


def parse_ovs_options(text: str, line: str = "") -> dict[str, str]:
    """An OVSDB map as ``ovs-vsctl show`` prints it: ``{key=value, key="value"}``."""
    inner = text.strip()
    if not (inner.startswith("{") and inner.endswith("}")):
        raise ParseError(SHOW, "options are not a {key=value, ...} map", line or text)
    inner = inner[1:-1].strip()
    options: dict[str, str] = {}
    position = 0
    while position < len(inner):
        match = OPTION.match(inner, position)
        if match is None or match.end() == position:
            raise ParseError(SHOW, "options are not a {key=value, ...} map", line or text)
        options[_unquote(match.group(1), SHOW, line)] = _unquote(match.group(2), SHOW, line)
        position = match.end()
    return options


@dataclass
class _Node:
    """One line of the show tree with the lines indented below it."""

    depth: int
    text: str
    children: list[_Node] = field(default_factory=list)


def _tree(text: str) -> tuple[str, list[_Node]]:
    lines = content_lines(text)
    if not lines or UUID.fullmatch(lines[0].strip()) is None:
        raise ParseError(SHOW, "the output does not start with the database's UUID",
                         lines[0] if lines else None)
    root = _Node(0, lines[0].strip())
    stack = [root]
    for line in lines[1:]:
        spaces = len(line) - len(line.lstrip(" "))
        if spaces % 4 or spaces == 0 or line[spaces:spaces + 1] == "\t":
            raise ParseError(SHOW, "indentation is not by four spaces", line)
        depth = spaces // 4
        while stack[-1].depth >= depth:
            stack.pop()
        if stack[-1].depth != depth - 1:
            raise ParseError(SHOW, "line indented too deeply", line)
        node = _Node(depth, line.strip())
        stack[-1].children.append(node)
        stack.append(node)
    return root.text, root.children


def _setting(node: _Node) -> tuple[str, str]:
    match = SETTING.fullmatch(node.text)
    if match is None:
        raise ParseError(SHOW, "not a 'key: value' line", node.text)
    return match.group(1), match.group(2)


def _split(nodes: list[_Node], *keywords: str
           ) -> tuple[dict[str, list[tuple[str, _Node]]], dict[str, str]]:
    """Sort a level's lines into named children (``Port NAME`` ...) by keyword and
    ``key: value`` settings; anything else is refused. Lines nested under a setting or
    under a ``Manager``/``Controller`` (their connection status) are not read."""
    named: dict[str, list[tuple[str, _Node]]] = {keyword: [] for keyword in keywords}
    settings: dict[str, str] = {}
    for node in nodes:
        match = NAMED.fullmatch(node.text)
        if match is not None and match.group(1) in named:
            named[match.group(1)].append((_unquote(match.group(2), SHOW, node.text), node))
        else:
            key, value = _setting(node)
            settings[key] = value
    return named, settings


def _interface(node: _Node, name: str) -> OvsInterface:
    _, settings = _split(node.children)
    options = parse_ovs_options(settings.pop("options"), node.text) \
        if "options" in settings else {}
    error = settings.pop("error", None)
    return OvsInterface(name=name, type=_unquote(settings.pop("type", ""), SHOW, node.text),
                        options=options,
                        error=_unquote(error, SHOW, node.text) if error else None,
                        settings=settings)


def _port(node: _Node, name: str) -> OvsPort:
    named, settings = _split(node.children, "Interface")
    tag = settings.pop("tag", None)
    if tag is not None and not tag.isdigit():
        raise ParseError(SHOW, f"port {name}: tag is not a number", f"tag: {tag}")
    trunks = settings.pop("trunks", None)
    try:
        trunk_list = tuple(json.loads(trunks)) if trunks else ()
    except ValueError as exc:
        raise ParseError(SHOW, f"port {name}: trunks are not a list", trunks) from exc
    if not named["Interface"]:
        raise ParseError(SHOW, f"port {name} has no interface", node.text)
    return OvsPort(name=name, tag=int(tag) if tag is not None else None, trunks=trunk_list,
                   interfaces=tuple(_interface(child, interface)
                                    for interface, child in named["Interface"]),
                   settings=settings)


def _bridge(node: _Node, name: str) -> OvsBridge:
    named, settings = _split(node.children, "Port", "Controller")
    return OvsBridge(name=name, datapath_type=settings.pop("datapath_type", None),
                     fail_mode=settings.pop("fail_mode", None),
                     controllers=tuple(target for target, _ in named["Controller"]),
                     ports=tuple(_port(child, port) for port, child in named["Port"]),
                     settings=settings)


def parse_ovs_vsctl_show(text: str) -> OvsShow:
    uuid, top = _tree(text)
    named, settings = _split(top, "Bridge", "Manager")
    unknown = set(settings) - {"ovs_version"}
    if unknown:
        raise ParseError(SHOW, f"unknown top-level setting(s) {sorted(unknown)}")
    version = settings.get("ovs_version")
    return OvsShow(uuid=uuid, managers=tuple(target for target, _ in named["Manager"]),
                   bridges=tuple(_bridge(child, bridge) for bridge, child in named["Bridge"]),
                   ovs_version=_unquote(version, SHOW, version) if version else None)


def parse_ovs_dpctl_show(text: str) -> list[Datapath]:
    """``ovs-dpctl show`` / ``ovs-appctl dpctl/show``: each datapath with its ports."""
    datapaths: list[tuple[str, str, list[DatapathPort], dict[str, str]]] = []
    for line in content_lines(text):
        header = DATAPATH.fullmatch(line)
        if header is not None:
            datapaths.append((header.group(2), header.group(1), [], {}))
            continue
        if not line[0].isspace() or not datapaths:
            raise ParseError(DPCTL, "not a datapath header (type@name:)", line)
        if line.startswith("    "):
            continue  # a statistic's own details (e.g. the caches' sizes)
        port = DP_PORT.fullmatch(line.strip())
        if port is not None:
            number, name, kind = port.groups()
            kind_type, _, options = (kind or "").partition(": ")
            datapaths[-1][2].append(DatapathPort(int(number), name, kind_type or None,
                                                 options or None))
        elif DP_STAT.fullmatch(line.strip()):
            key, _, value = line.strip().partition(":")
            datapaths[-1][3][key] = value.strip()
        else:
            raise ParseError(DPCTL, "neither a port nor a statistic", line)
    if not datapaths:
        raise ParseError(DPCTL, "no datapath in the output")
    return [Datapath(name, kind, tuple(ports), stats) for name, kind, ports, stats in datapaths]


def _names(text: str, command: str) -> list[str]:
    names = []
    for line in content_lines(text):
        if IFACE_NAME.fullmatch(line.strip()) is None:
            raise ParseError(command, "not one name a line", line)
        names.append(line.strip())
    return names


def parse_ovs_vsctl_list_ifaces(text: str) -> list[str]:
    """``ovs-vsctl list-ifaces BRIDGE``: the bridge's interface names (its own included)."""
    return _names(text, "ovs-vsctl list-ifaces")


def parse_ovs_vsctl_list_br(text: str) -> list[str]:
    return _names(text, "ovs-vsctl list-br")

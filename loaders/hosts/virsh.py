"""libvirt's ``virsh list [--all]`` and ``virsh dumpxml ID`` (read with xmltodict, as
Calipso does, so that a vNIC keeps every attribute of its ``<interface>`` element)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from xml.parsers.expat import ExpatError

import xmltodict

from loaders.hosts.parsing import ParseError, content_lines

HEADER = re.compile(r"Id\s+Name\s+State")
RULE = re.compile(r"-+")
ROW = re.compile(r"(\d+|-)\s+(\S+)\s+(\S.*)")


@dataclass(frozen=True)
class VirshDomain:
    id: int | None      # None for a domain that is not running ("-")
    name: str
    state: str          # running, paused, shut off, ...


@dataclass(frozen=True)
class DomainInterface:
    """One ``<interface>`` element: the fields Calipso reads, and the element whole."""

    type: str | None            # bridge, network, ethernet, vhostuser, ...
    mac_address: str | None
    source_bridge: str | None
    target_dev: str | None      # the host-side device (tap...): the vNIC's name
    model: str | None
    element: Mapping[str, Any]  # xmltodict's dict: '@type', 'mac': {'@address': ...}, ...


@dataclass(frozen=True)
class DomainXml:
    name: str
    uuid: str
    id: int | None
    interfaces: tuple[DomainInterface, ...]
    domain: Mapping[str, Any]   # xmltodict's dict of the whole <domain> element


def parse_virsh_list(text: str) -> list[VirshDomain]:
    lines = content_lines(text)
    if len(lines) < 2 or HEADER.fullmatch(lines[0].strip()) is None \
            or RULE.fullmatch(lines[1].strip()) is None:
        raise ParseError("virsh list", "no 'Id Name State' header and rule",
                         lines[0] if lines else None)
    domains = []
    for line in lines[2:]:
        match = ROW.fullmatch(line.strip())
        if match is None:
            raise ParseError("virsh list", "not a domain line", line)
        domain_id, name, state = match.groups()
        domains.append(VirshDomain(None if domain_id == "-" else int(domain_id), name,
                                   state.strip()))
    return domains


def _attribute(element: Mapping[str, Any], child: str, attribute: str) -> str | None:
    value = element.get(child)
    return value.get(attribute) if isinstance(value, Mapping) else None


def _as_list(value: Any) -> list[Any]:
    """xmltodict gives one element as a dict and several as a list."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def parse_virsh_dumpxml(text: str) -> DomainXml:
    try:
        document = xmltodict.parse(text)
    except ExpatError as exc:
        raise ParseError("virsh dumpxml", f"not XML ({exc})") from exc
    domain = document.get("domain")
    if not isinstance(domain, Mapping):
        raise ParseError("virsh dumpxml", "the document is not a <domain>")
    name, uuid = domain.get("name"), domain.get("uuid")
    if not isinstance(name, str) or not isinstance(uuid, str):
        raise ParseError("virsh dumpxml", "<domain> without its <name> and <uuid>")
    devices = domain.get("devices")
    elements = _as_list(devices.get("interface")) if isinstance(devices, Mapping) else []
    interfaces = []
    for element in elements:
        if not isinstance(element, Mapping):
            raise ParseError("virsh dumpxml", "an <interface> element without attributes")
        interfaces.append(DomainInterface(
            type=element.get("@type"),
            mac_address=_attribute(element, "mac", "@address"),
            source_bridge=_attribute(element, "source", "@bridge"),
            target_dev=_attribute(element, "target", "@dev"),
            model=_attribute(element, "model", "@type"),
            element=element))
    domain_id = domain.get("@id")
    if domain_id is not None and not str(domain_id).isdigit():
        raise ParseError("virsh dumpxml", f"domain id {domain_id!r} is not a number")
    return DomainXml(name=name, uuid=uuid,
                     id=int(domain_id) if domain_id is not None else None,
                     interfaces=tuple(interfaces), domain=domain)

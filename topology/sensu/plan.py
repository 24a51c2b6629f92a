"""Which Sensu checks an environment gets, from its objects and links (pure).

Calipso's client check templates, one kind each, on the host of what they watch:

- ``otep``, per tunnel port (vxlan, gre, geneve) of an otep:
  ``check_otep_ping.py -I <local ip> <remote ip>``;
- ``vedge`` (OVS, Linux bridge or VPP agent): ``check_vedge.py --kind K [--bridge B ...]``;
- ``vconnector`` (a Linux bridge): ``check_vconnector.py <bridge>``;
- ``host_pnic``: ``check_pnic.py <interface>``;
- ``vservice`` (a DHCP or router namespace):
  ``check_vservice.py <namespace> [--interface <its vNIC> ...]``;
- ``vnic-vconnector``, per link: ``check_vnic_vconnector.py <bridge> <tap>``;
- ``instance``: ``check_instance.py <uuid>``.

Names come from :mod:`topology.sensu.names` only. What cannot be checked (no host, a value
a command cannot take safely, a name Sensu refuses) is listed as skipped with the reason,
never written.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from topology.sensu import names
from topology.sensu.names import LinkReading, ObjectReading, PortReading, Reading

KINDS = ("otep", "vedge", "vconnector", "host_pnic", "vservice", "vnic-vconnector",
         "instance")
OBJECT_KINDS = ("otep", "vedge", "vconnector", "host_pnic", "vservice", "instance")
LINK_TYPES = ("vnic-vconnector", "vservice-vnic")  # links the plan reads
TUNNEL_TYPES = ("vxlan", "gre", "geneve")
VEDGE_KINDS = {"open vswitch agent": "ovs", "neutron-openvswitch-agent": "ovs",
               "linux bridge agent": "linuxbridge", "neutron-linuxbridge-agent": "linuxbridge",
               "vpp": "vpp"}

SENSU_NAME = re.compile(r"[\w.-]+", re.ASCII)  # Sensu 1.x and Sensu Go check names
HOST_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")  # also a folder and file name
INTERFACE = re.compile(r"[^\s/]{1,15}")  # Linux: IFNAMSIZ - 1, no '/' nor blanks
NAMESPACE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
DOMAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]*")

Row = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Check:
    """One check to run on one host."""

    name: str
    kind: str
    host: str
    script: str
    args: tuple[str, ...]
    target: Reading
    """What the handler must map ``name`` back to."""
    timeout: int = 10


@dataclass(frozen=True, slots=True)
class Skipped:
    kind: str
    what: str
    reason: str


@dataclass(slots=True)
class Plan:
    checks: list[Check] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def hosts(self) -> list[str]:
        return sorted({check.host for check in self.checks})

    def by_kind(self) -> dict[str, int]:
        counts = dict.fromkeys(KINDS, 0)
        for check in self.checks:
            counts[check.kind] += 1
        return counts


class NotCheckable(ValueError):
    """Why an object or link gets no check (the message)."""


def attributes(row: Row) -> dict[str, Any]:
    """The object's nested attributes (stored as one JSON text)."""
    raw = row.get("attributes")
    if not raw:
        return {}
    value = json.loads(raw) if isinstance(raw, str) else raw
    return value if isinstance(value, dict) else {}


def local_name(row: Row) -> str:
    """A name without Calipso's ``<host>-`` prefix (``node-1-br-mesh`` -> ``br-mesh``)."""
    name, host = str(row.get("name") or row.get("id") or ""), row.get("host")
    if host and name.startswith(f"{host}-") and len(name) > len(host) + 1:
        return name[len(host) + 1:]
    return name


def _valid(pattern: re.Pattern[str], value: Any, what: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value) or value in (".", ".."):
        raise NotCheckable(f"{what} {value!r} cannot be passed to a check")
    return value


def _ip(value: Any, what: str) -> str:
    try:
        return str(ipaddress.ip_address(str(value)))
    except ValueError:
        raise NotCheckable(f"{what} {value!r} is not an IP address") from None


def _host(row: Row) -> str:
    host = row.get("host")
    if not host:
        raise NotCheckable("no host")
    return _valid(HOST_NAME, host, "host name")


def _check(name: str, kind: str, host: str, script: str, args: Iterable[str],
           target: Reading, timeout: int = 10) -> Check:
    if not SENSU_NAME.fullmatch(name):
        raise NotCheckable(f"check name {name!r} is not a valid Sensu name")
    return Check(name, kind, host, script, tuple(args), target, timeout)


# -- one kind each --------------------------------------------------------------------------

def otep_checks(otep: Row) -> tuple[list[Check], list[Skipped]]:
    """A ping per tunnel port, from the port's local IP to its remote IP."""
    host, otep_id = _host(otep), str(otep["id"])
    checks: list[Check] = []
    skipped: list[Skipped] = []
    for port, spec in sorted(attributes(otep).get("ports", {}).items()):
        try:
            spec = spec if isinstance(spec, dict) else {}
            if spec.get("type") not in TUNNEL_TYPES:
                raise NotCheckable(f"type {spec.get('type')!r} is not a tunnel "
                                   f"({', '.join(TUNNEL_TYPES)})")
            options = spec.get("options") or {}
            remote = _ip(options.get("remote_ip"), "remote_ip")
            local = options.get("local_ip") or otep.get("ip_address")
            args = ["-I", _ip(local, "local_ip"), remote] if local else [remote]
            try:
                name = names.otep_port_check(otep_id, port)
            except ValueError as exc:
                raise NotCheckable(str(exc)) from None
            checks.append(_check(name, "otep", host, "check_otep_ping.py", args,
                                 PortReading("otep", otep_id, port), timeout=15))
        except NotCheckable as exc:
            skipped.append(Skipped("otep", f"otep {otep_id} port {port}", str(exc)))
    return checks, skipped


def vedge_check(vedge: Row) -> Check:
    host = _host(vedge)
    labels = [str(vedge.get(key) or "").lower()
              for key in ("agent_type", "binary", "name")]
    kind = next((VEDGE_KINDS[label] for label in labels if label in VEDGE_KINDS), None)
    if kind is None and any("vpp" in label for label in labels):
        kind = "vpp"
    if kind is None:
        raise NotCheckable(f"unknown vEdge kind (agent_type {vedge.get('agent_type')!r})")
    args = ["--kind", kind]
    if kind == "ovs":
        ports = attributes(vedge).get("ports", {})
        for name, port in sorted(ports.items()):
            if name.startswith("br-") and isinstance(port, dict) and port.get("internal"):
                args += ["--bridge", _valid(INTERFACE, name, "bridge name")]
    return _check(names.object_check("vedge", str(vedge["id"])), "vedge", host,
                  "check_vedge.py", args, ObjectReading("vedge", str(vedge["id"])))


def vconnector_check(vconnector: Row) -> Check:
    host = _host(vconnector)
    if vconnector.get("connector_type") not in (None, "bridge"):
        raise NotCheckable(f"connector type {vconnector.get('connector_type')!r} is not a "
                           "Linux bridge")
    bridge = _valid(INTERFACE, local_name(vconnector), "bridge name")
    object_id = str(vconnector["id"])
    return _check(names.object_check("vconnector", object_id), "vconnector", host,
                  "check_vconnector.py", [bridge], ObjectReading("vconnector", object_id))


def host_pnic_check(pnic: Row) -> Check:
    host = _host(pnic)
    interface = _valid(INTERFACE, pnic.get("local_name") or local_name(pnic), "interface")
    object_id = str(pnic["id"])
    return _check(names.object_check("host_pnic", object_id), "host_pnic", host,
                  "check_pnic.py", [interface], ObjectReading("host_pnic", object_id))


def vservice_check(vservice: Row, interfaces: Sequence[str] = ()) -> Check:
    host = _host(vservice)
    namespace = _valid(NAMESPACE, vservice.get("local_service_id"), "namespace")
    args = [namespace]
    for interface in sorted(set(interfaces)):
        args += ["--interface", _valid(INTERFACE, interface, "interface")]
    object_id = str(vservice["id"])
    return _check(names.object_check("vservice", object_id), "vservice", host,
                  "check_vservice.py", args, ObjectReading("vservice", object_id))


def instance_check(instance: Row) -> Check:
    host = _host(instance)
    object_id = str(instance["id"])
    domain = _valid(DOMAIN, instance.get("uuid") or object_id, "domain")
    return _check(names.object_check("instance", object_id), "instance", host,
                  "check_instance.py", [domain], ObjectReading("instance", object_id))


def tap_name(vnic: Row) -> str:
    """The vNIC's device on the host: libvirt's target dev, else its name less the host."""
    target = attributes(vnic).get("target")
    if isinstance(target, dict) and target.get("@dev"):
        return str(target["@dev"])
    return local_name(vnic)


def vnic_vconnector_check(link: Row) -> Check:
    vnic, vconnector = link["source"], link["target"]
    host = _valid(HOST_NAME, link.get("host") or vnic.get("host") or vconnector.get("host"),
                  "host name")
    bridge = _valid(INTERFACE, local_name(vconnector), "bridge name")
    tap = _valid(INTERFACE, tap_name(vnic), "tap name")
    source, target = str(vnic["id"]), str(vconnector["id"])
    return _check(names.link_check("vnic-vconnector", source, target), "vnic-vconnector",
                  host, "check_vnic_vconnector.py", [bridge, tap],
                  LinkReading("vnic-vconnector", source, target))


# -- the whole environment --------------------------------------------------------------------

def plan_checks(objects: Iterable[Row], links: Iterable[Row]) -> Plan:
    """Every check of an environment: ``objects`` are node properties of the monitored
    types; ``links`` are ``{link_type, host, source, target}`` of :data:`LINK_TYPES`."""
    plan = Plan()
    links = list(links)
    interfaces: dict[str, list[str]] = {}
    for link in links:
        if link["link_type"] == "vservice-vnic":
            interfaces.setdefault(str(link["source"]["id"]), []).append(
                local_name(link["target"]))
    makers = {"vedge": vedge_check, "vconnector": vconnector_check,
              "host_pnic": host_pnic_check, "instance": instance_check,
              "vservice": lambda row: vservice_check(row, interfaces.get(str(row["id"]), ()))}
    for row in objects:
        kind = row.get("type")
        try:
            if kind == "otep":
                checks, skipped = otep_checks(row)
                plan.checks += checks
                plan.skipped += skipped
            elif kind in makers:
                plan.checks.append(makers[kind](row))
        except NotCheckable as exc:
            plan.skipped.append(Skipped(str(kind), f"{kind} {row.get('id')}", str(exc)))
    for link in links:
        if link["link_type"] != "vnic-vconnector":
            continue
        try:
            plan.checks.append(vnic_vconnector_check(link))
        except NotCheckable as exc:
            plan.skipped.append(Skipped("vnic-vconnector", f"link {link['source'].get('id')}"
                                        f" -> {link['target'].get('id')}", str(exc)))
    return plan

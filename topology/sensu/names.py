"""Sensu check names: what Topology provisions, and every reading of a name it receives.

Calipso named its checks after what they watch, and this module keeps its scheme so that
checks already deployed map to the same objects:

- objects: ``<object type>_<object id>`` (``vedge_<agent id>``, ``host_pnic_<name>-<mac>``);
- vNICs of VPP environments: ``vnic_<vnic type>_<vnic id>``, the type being
  ``instance_vnic`` or ``vservice_vnic``;
- tunnel ports of an otep: ``otep_<otep id>_<port name>``;
- links: ``link_<link type>_<source id>_<target id>``;

with ``:`` and ``/`` in ids written ``---..58..---`` and ``---..47..---``. Object types,
ids and link types may themselves contain ``_``, so a name can be read in several ways;
:func:`readings` lists them all (types only from the catalogue), and the handler keeps the
one the graph holds. Nothing is guessed: a name no reading of which exists is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from topology import catalogue

COLON = "---..58..---"
SLASH = "---..47..---"
LINK_PREFIX = "link_"
OTEP = "otep"
VNIC = "vnic"
VNIC_TYPES = ("instance_vnic", "vservice_vnic")


class UnknownCheckNameError(ValueError):
    """A check name that no object or link type of the catalogue begins."""


def encode_id(value: str) -> str:
    """An id as it stands in a check name."""
    return value.replace(":", COLON).replace("/", SLASH)


def decode_id(value: str) -> str:
    return value.replace(COLON, ":").replace(SLASH, "/")


def object_check(object_type: str, object_id: str) -> str:
    """The check name of one object (its type from the catalogue)."""
    catalogue.object_type(object_type)
    return f"{object_type}_{encode_id(object_id)}"


def vnic_check(vnic_type: str, vnic_id: str) -> str:
    """The check name of a vNIC of a VPP environment (``instance_vnic`` or
    ``vservice_vnic``)."""
    if vnic_type not in VNIC_TYPES:
        raise ValueError(f"vnic type must be one of {VNIC_TYPES}, not {vnic_type!r}")
    return f"{VNIC}_{vnic_type}_{encode_id(vnic_id)}"


def otep_port_check(otep_id: str, port: str) -> str:
    """The check name of one tunnel port of an otep (a ping to the remote end)."""
    if not port or "_" in port:
        raise ValueError(f"a tunnel port name must be non-empty and without '_': {port!r}")
    return f"{OTEP}_{encode_id(otep_id)}_{port}"


def link_check(link_type: str, source_id: str, target_id: str) -> str:
    """The check name of one link (its type from the catalogue)."""
    catalogue.link_type(link_type)
    return f"{LINK_PREFIX}{link_type}_{encode_id(source_id)}_{encode_id(target_id)}"


@dataclass(frozen=True, slots=True)
class ObjectReading:
    object_type: str
    object_id: str


@dataclass(frozen=True, slots=True)
class PortReading:
    """A check of one port of an object (an otep's tunnel port)."""

    object_type: str
    object_id: str
    port: str


@dataclass(frozen=True, slots=True)
class LinkReading:
    link_type: str
    source_id: str
    target_id: str


Reading = ObjectReading | PortReading | LinkReading


def _splits(text: str) -> list[tuple[str, str]]:
    """Every ``(left, right)`` of ``text`` cut at one ``_``, both sides non-empty."""
    return [(text[:i], text[i + 1:]) for i, char in enumerate(text)
            if char == "_" and 0 < i < len(text) - 1]


def _link_readings(rest: str) -> list[Reading]:
    readings: list[Reading] = []
    for link in catalogue.link_types(include_derived=True):
        prefix = f"{link.name}_"
        if rest.startswith(prefix):
            readings.extend(LinkReading(link.name, decode_id(source), decode_id(target))
                            for source, target in _splits(rest[len(prefix):]))
    return readings


@cache
def _object_type_names() -> tuple[str, ...]:
    """The catalogue's object types, longest first (sorted once, not per check name)."""
    return tuple(sorted((t.name for t in catalogue.object_types()), key=len, reverse=True))


def _object_readings(name: str) -> list[Reading]:
    readings: list[Reading] = []
    for type_name in _object_type_names():
        prefix = f"{type_name}_"
        if not name.startswith(prefix) or len(name) == len(prefix):
            continue
        rest = name[len(prefix):]
        if type_name == VNIC:
            for vnic_type in VNIC_TYPES:
                if rest.startswith(f"{vnic_type}_") and len(rest) > len(vnic_type) + 1:
                    readings.append(ObjectReading(VNIC, decode_id(rest[len(vnic_type) + 1:])))
        readings.append(ObjectReading(type_name, decode_id(rest)))
        if type_name == OTEP:  # the port is last: cut at the last "_" first
            readings.extend(PortReading(OTEP, decode_id(otep), port)
                            for otep, port in reversed(_splits(rest)))
    return readings


def readings(check_name: str) -> list[Reading]:
    """Every way ``check_name`` names an object, a port or a link, most likely first.

    Raises :class:`UnknownCheckNameError` when no catalogue type begins it.
    """
    if not check_name:
        raise UnknownCheckNameError("empty check name")
    found = (_link_readings(check_name[len(LINK_PREFIX):])
             if check_name.startswith(LINK_PREFIX) else [])
    found += _object_readings(check_name)
    if not found:
        raise UnknownCheckNameError(
            f"check name {check_name!r} names no object or link type Topology knows "
            "(expected <object type>_<id>, otep_<id>_<port> or "
            "link_<link type>_<source id>_<target id>)")
    return found

"""The scan tree indexed once for the link finders.

Calipso's finders asked MongoDB for every end (``find_items`` on type, host and a field);
here each such question is a dict made in one pass over the tree, so linking a tree of
hundreds of thousands of objects never scans it again. Where Calipso asked for a single
match (``get_single``), the first document in tree order wins, as MongoDB's natural order
gave it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from loaders.scan.tree import Tree

Doc = dict[str, Any]

# The types whose documents the finders walk or look up by something other than their id.
_INDEXED_TYPES = ("vnic", "otep", "vconnector", "vedge", "host_pnic", "port", "server_group")


def interface_names(vconnector: Mapping[str, Any]) -> list[str]:
    """A vConnector's interface names (``interfaces_names`` holds names; very old scans
    held the interface dicts themselves)."""
    names = []
    for interface in vconnector.get("interfaces_names") or ():
        name = interface.get("name") if isinstance(interface, Mapping) else interface
        if isinstance(name, str) and name:
            names.append(name)
    return names


def interface(vconnector: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    """One of a vConnector's ``interfaces`` by name. Its keys may be Calipso-encoded
    (``eth1[dot]103``), so the interface's own ``name`` is what counts."""
    interfaces = vconnector.get("interfaces")
    if not isinstance(interfaces, Mapping):
        return None
    found = interfaces.get(name)
    if isinstance(found, Mapping):
        return found
    for candidate in interfaces.values():
        if isinstance(candidate, Mapping) and candidate.get("name") == name:
            return candidate
    return None


@dataclass
class TreeIndex:
    """Lookups over one tree's documents (scanned and seeded alike: a seeded object is in
    the graph, so a link may end at it)."""

    docs: Mapping[str, Doc]
    by_type: dict[str, list[Doc]] = field(default_factory=dict)
    pnic_by_name: dict[tuple[str, str], Doc] = field(default_factory=dict)
    """(host, name) -> host_pnic."""
    pnic_by_ip: dict[tuple[str, str], Doc] = field(default_factory=dict)
    """(host, "IP Address") -> host_pnic."""
    vconnector_by_name: dict[tuple[str, str], Doc] = field(default_factory=dict)
    vconnector_by_interface: dict[tuple[str, str], Doc] = field(default_factory=dict)
    """(host, interface name) -> the vConnector holding it."""
    vnic_by_mac: dict[str, Doc] = field(default_factory=dict)
    networks_by_host: dict[str, list[str]] = field(default_factory=dict)
    """Host -> the network ids of the ports bound to it (``binding:host_id``), in order."""

    @classmethod
    def of(cls, tree: Tree) -> TreeIndex:
        index = cls(tree.docs, {type_: [] for type_ in _INDEXED_TYPES})
        by_type = index.by_type
        for doc in tree.docs.values():
            docs = by_type.get(str(doc.get("type")))
            if docs is not None:
                docs.append(doc)
        for pnic in by_type["host_pnic"]:
            host = pnic.get("host")
            index.pnic_by_name.setdefault((host, pnic.get("name")), pnic)
            if pnic.get("IP Address"):
                index.pnic_by_ip.setdefault((host, pnic["IP Address"]), pnic)
        for vconnector in by_type["vconnector"]:
            host = vconnector.get("host")
            index.vconnector_by_name.setdefault((host, vconnector.get("name")), vconnector)
            for name in interface_names(vconnector):
                index.vconnector_by_interface.setdefault((host, name), vconnector)
        for vnic in by_type["vnic"]:
            if vnic.get("mac_address"):
                index.vnic_by_mac.setdefault(vnic["mac_address"], vnic)
        networks: dict[str, dict[str, None]] = {}
        for port in by_type["port"]:
            host, network_id = port.get("binding:host_id"), port.get("network_id")
            if host and network_id:
                networks.setdefault(host, {})[network_id] = None
        index.networks_by_host = {host: list(ids) for host, ids in networks.items()}
        return index

    def get(self, object_id: Any, type_: str) -> Doc | None:
        """The object with this id if it is of this type (Calipso's ``get_by_id``, which
        ids unique per environment made safe)."""
        if not isinstance(object_id, str):
            return None
        doc = self.docs.get(object_id)
        return doc if doc is not None and doc.get("type") == type_ else None

"""What every link finder works with: the indexed tree, the links found so far, the
environment's drivers and the report its warnings go to."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from loaders.links.index import Doc, TreeIndex
from loaders.report import PartReport
from loaders.scan.tree import Links
from topology.store import Provenance
from topology.store.provenance import HOST_CLI

REPORT_PART = "links"


def first_driver(drivers: Sequence[str] | str | None) -> str | None:
    """The environment's first driver. Calipso's config held ``type_drivers`` as one
    string and ``mechanism_drivers`` as a list; both spellings are taken."""
    if isinstance(drivers, str):
        return drivers or None
    return drivers[0] if drivers else None


@dataclass
class LinkContext:
    index: TreeIndex
    links: Links
    part: PartReport
    ovs: bool
    """The first mechanism driver is OVS: a bridge's interface is the vNIC
    ``<host>-<interface>``; otherwise vNICs are matched by MAC address."""
    vpp: bool
    """VPP is one of the mechanism drivers: a vEdge port sits on a bridge by its own name."""
    vlan: bool
    """``type_drivers`` is vlan: only pNICs a vEdge port uses carry networks."""

    def link(self, link_type: str, source: Doc, target: Doc, link_name: str | None,
             host: Any, *, state: str = "up",
             attributes: Mapping[str, Any] | None = None) -> None:
        """Add one discovered link, scoped by the host whose scan found its ends."""
        if not isinstance(host, str) or not host:
            self.warn(f"{link_type} {source['id']} -> {target['id']}: no host to scope it by")
            return
        self.links.add(Provenance(HOST_CLI, host), link_type, source["id"], target["id"],
                       "" if link_name is None else link_name, host, state=state,
                       attributes=attributes)

    def warn(self, text: str) -> None:
        self.part.warnings.append(text)


def pnic_state(pnic: Mapping[str, Any]) -> str:
    """ethtool's ``Link detected``: up only when it said yes."""
    return "up" if pnic.get("Link detected") == "yes" else "down"

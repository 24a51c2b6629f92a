"""The inventory as the graph holds it, back into a scan tree: what a scan of the links
alone runs the link finders over."""

from __future__ import annotations

import logging
from typing import Any

from loaders.scan.tree import Tree
from topology.store import GraphStore, Provenance
from topology.store.encode import JSON_PROPERTY, nested_values
from topology.store.queries import query

log = logging.getLogger(__name__)

_GRAPH_ONLY = ("first_seen", "last_seen", "source_time", "provenance")


def document_of(props: dict[str, Any]) -> dict[str, Any]:
    """A node's properties as the inventory document they came from: the nested values
    out of their JSON property, the graph's own bookkeeping left out."""
    doc = {k: _plain(v) for k, v in props.items()
           if k not in _GRAPH_ONLY and k != JSON_PROPERTY}
    doc.update(nested_values(props))
    return doc


def _plain(value: Any) -> Any:
    return value.iso_format() if hasattr(value, "iso_format") else value


def read_tree(store: GraphStore, environment: str) -> Tree:
    """Every object of ``environment`` as a tree (each under the scope that wrote it)."""
    tree = Tree(environment)
    for row in store.read(query("scan_inventory"), environment=environment):
        props = row["props"]
        provenance = props.get("provenance")
        scope = Provenance.parse(provenance) if isinstance(provenance, str) and provenance \
            else Provenance("import")
        tree.insert(scope, document_of(props))
    log.info("read %d objects of %s from the graph", len(tree), environment)
    return tree

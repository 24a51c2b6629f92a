"""Implicit links: Calipso's transitive closure over an environment's links.

Pass 0 is every discovered link. Pass n extends each link L created in pass n-1 by each
discovered link M with ``L.target == M.source``, another link type, ``M.target != L.source``
(no 2-cycles) and equal constraint attributes where both carry them; the new link joins
``L.source -> M.target`` with type ``<L's source type>-<M's target type>``, ``implicit``
true, an empty name, ``host``/``switch`` kept when common or one-sided, and the constraint
attributes taken from L, else from M. It stops when a pass adds nothing.

Unlike Calipso, a derived link never replaces a discovered one between the same two
objects (Calipso's upsert key let it), and derived links of an earlier run are removed
first, so the result depends only on the discovered links: re-running changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from topology import catalogue
from topology.store import GraphStore, LinkRecord, Provenance, link_record
from topology.store.queries import query

log = logging.getLogger(__name__)

FRONTIER_BATCH = 5000
PROVENANCE = Provenance("derived", "implicit-links")


@dataclass(frozen=True)
class ImplicitLinksReport:
    removed: int
    created: int
    passes: int


def _common(left: Any, right: Any) -> Any:
    """Calipso: the common value, or the one side that has one, or none when they differ."""
    if left is None:
        return right
    if right is None or left == right:
        return left
    return None


def _candidate_link(environment: str, row: dict[str, Any],
                    constraints: Sequence[str]) -> LinkRecord | None:
    name = f"{row['source_type']}-{row['target_type']}"
    if not catalogue.is_link_type(name):
        return None  # an end type that cannot be linked (not in the catalogue)
    attributes = {}
    for constraint in constraints:
        value = row["l_props"].get(constraint)
        if value is None:
            value = row["m_props"].get(constraint)
        if value is not None:
            attributes[constraint] = value
    document = {"source_id": row["source_id"], "target_id": row["target_id"],
                "link_type": name, "link_name": "", "link_weight": 0, "implicit": True,
                "state": "down" if "down" in (row["l_props"].get("state"),
                                              row["m_props"].get("state")) else "up",
                "host": _common(row["l_host"], row["m_host"]),
                "switch": _common(row["l_switch"], row["m_switch"]),
                "attributes": attributes}
    return link_record(environment, document)


def derive_implicit_links(store: GraphStore, environment: str,
                          constraints: Sequence[str] = ("network",),
                          max_passes: int = 20) -> ImplicitLinksReport:
    """Recompute the environment's implicit links from its discovered links."""
    removed = 0
    while True:
        rows = store.write(query("delete_implicit_links"), environment=environment,
                           limit=store.cleanup_batch_size)
        deleted = int(rows[0]["deleted"]) if rows else 0
        removed += deleted
        if deleted < store.cleanup_batch_size:
            break
    discovered = store.read(query("discovered_links"), environment=environment)
    linked = {(row["source_id"], row["target_id"]) for row in discovered}
    frontier = [{k: row[k] for k in ("source_id", "source_type", "target_id", "link_type",
                                     "host", "switch", "props")} for row in discovered]
    created = 0
    passes = 0
    while frontier and passes < max_passes:
        passes += 1
        new: list[LinkRecord] = []
        next_frontier: list[dict[str, Any]] = []
        for start in range(0, len(frontier), FRONTIER_BATCH):
            rows = store.read(query("implicit_link_candidates"),
                              frontier=frontier[start:start + FRONTIER_BATCH],
                              environment=environment, constraints=list(constraints))
            for row in rows:
                pair = (row["source_id"], row["target_id"])
                if pair in linked:
                    continue  # one link per ordered pair; discovered links win
                record = _candidate_link(environment, row, constraints)
                if record is None:
                    continue
                linked.add(pair)
                new.append(record)
                next_frontier.append({
                    "source_id": record.source_id, "source_type": row["source_type"],
                    "target_id": record.target_id, "link_type": record.link_type,
                    "host": record.props.get("host"), "switch": record.props.get("switch"),
                    "props": {k: record.props[k] for k in constraints
                              if record.props.get(k) is not None}})
        if not new:
            break
        report = store.upsert_links(new, provenance=PROVENANCE)
        if not report.ok:
            raise RuntimeError(f"writing implicit links failed: {report.failed[0]}")
        created += report.written
        log.info("implicit links of %s, pass %d: %d new", environment, passes, len(new))
        frontier = next_frontier
    return ImplicitLinksReport(removed=removed, created=created, passes=passes)

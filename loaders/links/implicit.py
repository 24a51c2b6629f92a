"""Implicit links: Calipso's transitive closure over an environment's links.

Pass 0 is every discovered link between objects on the traffic paths (a server group's
membership links are left out: ``ObjectType.on_paths``). Pass n extends each link L
created in pass n-1 by each discovered link M with ``L.target == M.source``, another link
type, ``M.target != L.source`` (no 2-cycles) and equal constraint attributes where both
carry them; the new link joins ``L.source -> M.target`` with type ``<L's source type>-<M's
target type>``, ``implicit`` true, an empty name, ``host``/``switch`` kept when common or
one-sided, ``state`` down when either part is down, and the constraint attributes taken
from L, else from M. It stops when a pass adds nothing.

Unlike Calipso, a derived link never replaces a discovered one between the same two
objects (Calipso's upsert key let it), and the result depends only on the discovered
links: re-deriving changes nothing.

The closure is computed in memory from one read of the discovered links (they are a
small share of the graph; the derived ones are several times as many), then compared
with the implicit links the graph holds: only the new and changed ones are written, and
only those no longer derived are removed. A rescan that changed no discovered link writes
nothing here.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from topology import catalogue
from topology.gc_pause import paused_gc
from topology.store import GraphStore, LinkRecord, Provenance, link_record
from topology.store.queries import query

log = logging.getLogger(__name__)

PROVENANCE = Provenance("derived", "implicit-links")
DELETE_BATCH = 5000
_COMPARED = ("link_type", "state", "host", "switch")


@dataclass(frozen=True)
class ImplicitLinksReport:
    """What deriving did: links ``created`` (new or changed), ``removed`` (no longer
    derived), ``unchanged``, and the closure's ``passes``."""

    removed: int
    created: int
    passes: int
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.unchanged


def _common(left: Any, right: Any) -> Any:
    """Calipso: the common value, or the one side that has one, or none when they differ."""
    if left is None:
        return right
    if right is None or left == right:
        return left
    return None


@dataclass(slots=True)
class _Link:
    source_id: str
    source_type: str
    target_id: str
    target_type: str
    link_type: str
    state: str | None
    host: str | None
    switch: str | None
    constraints: dict[str, Any]


def _discovered(store: GraphStore, environment: str,
                constraints: Sequence[str]) -> list[_Link]:
    rows = store.read(query("discovered_links"), environment=environment,
                      constraints=list(constraints))
    rows = [row for row in rows
            if _on_paths(row["source_type"]) and _on_paths(row["target_type"])]
    return [_Link(row["source_id"], row["source_type"], row["target_id"], row["target_type"],
                  row["link_type"], row["state"], row["host"], row["switch"],
                  {name: value for name, value in zip(constraints, row["values"], strict=True)
                   if value is not None})
            for row in rows]


def _on_paths(type_name: Any) -> bool:
    """Links of objects off the traffic paths (server groups) are not extended."""
    return not catalogue.is_object_type(type_name) or catalogue.object_type(type_name).on_paths


def closure(discovered: Sequence[_Link], constraints: Sequence[str],
            max_passes: int = 20) -> tuple[dict[tuple[str, str], _Link], int]:
    """The derived links by their ends, and how many passes found them (pure)."""
    starting: dict[str, list[_Link]] = defaultdict(list)
    for link in discovered:
        starting[link.source_id].append(link)
    linked = {(link.source_id, link.target_id) for link in discovered}
    derived: dict[tuple[str, str], _Link] = {}
    frontier = list(discovered)
    passes = 0
    while frontier and passes < max_passes:
        passes += 1
        new: list[_Link] = []
        for left in frontier:
            for right in starting.get(left.target_id, ()):
                if right.link_type == left.link_type or right.target_id == left.source_id:
                    continue
                if any(left.constraints.get(name) is not None
                       and right.constraints.get(name) is not None
                       and left.constraints[name] != right.constraints[name]
                       for name in constraints):
                    continue
                pair = (left.source_id, right.target_id)
                if pair in linked:
                    continue  # one link per ordered pair; discovered (and earlier) win
                link_type = f"{left.source_type}-{right.target_type}"
                if not catalogue.is_link_type(link_type):
                    continue  # an end type that cannot be linked (not in the catalogue)
                linked.add(pair)
                link = _Link(left.source_id, left.source_type, right.target_id,
                             right.target_type, link_type,
                             "down" if "down" in (left.state, right.state) else "up",
                             _common(left.host, right.host), _common(left.switch, right.switch),
                             {name: left.constraints.get(name, right.constraints.get(name))
                              for name in constraints
                              if left.constraints.get(name, right.constraints.get(name))
                              is not None})
                derived[pair] = link
                new.append(link)
        if not new:
            break
        log.debug("implicit links, pass %d: %d new", passes, len(new))
        frontier = new
    return derived, passes


def _record(environment: str, link: _Link) -> LinkRecord:
    return link_record(environment, {
        "source_id": link.source_id, "target_id": link.target_id,
        "link_type": link.link_type, "link_name": "", "link_weight": 0, "implicit": True,
        "state": link.state, "host": link.host, "switch": link.switch,
        "attributes": dict(link.constraints)})


def _same(link: _Link, row: dict[str, Any], constraints: Sequence[str]) -> bool:
    return (all(row[key] == getattr(link, key) for key in _COMPARED)
            and all(value == link.constraints.get(name)
                    for name, value in zip(constraints, row["values"], strict=True)))


def basis(discovered: Sequence[_Link], constraints: Sequence[str], max_passes: int) -> str:
    """A digest of everything the closure depends on: the discovered links (ends, type,
    state, host, switch, constraint values), the constraints and the passes allowed."""
    digest = hashlib.sha256(json.dumps([list(constraints), max_passes]).encode())
    for row in sorted((link.source_id, link.target_id, link.link_type, link.state or "",
                       link.host or "", link.switch or "",
                       json.dumps(link.constraints, sort_keys=True, default=str))
                      for link in discovered):
        digest.update("\0".join(row).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def derive_implicit_links(store: GraphStore, environment: str,
                          constraints: Sequence[str] = ("network",),
                          max_passes: int = 20, *, force: bool = False) -> ImplicitLinksReport:
    """Bring the environment's implicit links in line with its discovered links.

    When the discovered links are those they were last derived from (a digest kept on the
    :Environment node) and the graph still holds as many implicit links as were derived,
    nothing is read or written (``force``: derive anyway)."""
    discovered = _discovered(store, environment, constraints)
    wanted = basis(discovered, constraints, max_passes)
    if not force:
        last = store.read(query("implicit_links_basis"), environment=environment)
        if last and last[0]["basis"] == wanted and last[0]["count"] == last[0]["held"]:
            log.info("implicit links of %s: the discovered links are unchanged; the %d "
                     "derived from them stand", environment, last[0]["held"])
            return ImplicitLinksReport(removed=0, created=0, passes=0,
                                       unchanged=int(last[0]["held"]))
    with paused_gc():
        derived, passes = closure(discovered, constraints, max_passes)
        held = {(row["source_id"], row["target_id"]): row for row in store.read(
            query("implicit_links"), environment=environment,
            constraints=list(constraints))}
    gone = [{"source_id": s, "target_id": t} for (s, t) in held if (s, t) not in derived]
    removed = 0
    for start in range(0, len(gone), DELETE_BATCH):
        rows = store.write(query("delete_implicit_links_between"), environment=environment,
                           pairs=gone[start:start + DELETE_BATCH])
        removed += int(rows[0]["deleted"]) if rows else 0
    changed = [_record(environment, link) for pair, link in derived.items()
               if pair not in held or not _same(link, held[pair], constraints)]
    if changed:
        report = store.upsert_links(changed, provenance=PROVENANCE)
        if not report.ok:
            raise RuntimeError(f"writing implicit links failed: {report.failed[0]}")
    store.write(query("set_implicit_links_basis"), environment=environment, basis=wanted,
                count=len(derived))
    log.info("implicit links of %s: %d derived in %d passes; %d written, %d removed, "
             "%d unchanged", environment, len(derived), passes, len(changed), removed,
             len(derived) - len(changed))
    return ImplicitLinksReport(removed=removed, created=len(changed), passes=passes,
                               unchanged=len(derived) - len(changed))

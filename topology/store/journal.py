"""The topology journal: what each write did to an environment's objects and links.

Every change set that changed objects or links (statuses alone are the status history's,
``(:StatusChange)``) records one ``(:TopologyChange)`` in its own transaction
(``cypher/queries/record_topology_change.cypher``): a change set that rolls back leaves
none, a replayed one (it changes nothing) writes none. A scan or an import writes in many
transactions; it records one entry when it finishes, ``truncated`` with its counts only
(a reader re-reads what it shows). The ``topologyChanged`` subscription reads the journal
by ``recorded_at`` as ``statusChanged`` reads the status history
(:mod:`topology.api.feed`).

Each list holds at most ``max_items`` entries; an entry that had to leave some out says
``truncated``. Objects removed (a subtree delete lists its descendants too) take their
links along: those links are not listed. Entries expire:
:func:`topology.store.cleanup.purge_journal` removes those older than ``journal_ttl``
seconds and all but the newest ``journal_keep`` of each environment.

Pure: building an entry touches no database.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from topology.store.changes import ChangeSet
from topology.store.records import LinkRecord, ObjectRecord
from topology.store.reports import ChangeReport

DEFAULT_MAX_ITEMS = 500  # ids per list of one entry
DEFAULT_TTL = 3600.0  # seconds an entry is kept
DEFAULT_KEEP = 10_000  # entries kept per environment at most
UNKNOWN_SOURCE = "unknown"

Pair = tuple[str, str]


def change_source(change_set: ChangeSet) -> str:
    """The kind of writer of a change set (``event``, ``api``, ``import``...): its
    provenance's source, else those of its items (several joined with ``+``)."""
    if change_set.provenance is not None:
        return change_set.provenance.source
    sources = {item.provenance.source for step in change_set.steps for item in step.items
               if isinstance(item, ObjectRecord | LinkRecord) and item.provenance is not None}
    return "+".join(sorted(sources)) or UNKNOWN_SOURCE


def link_types_of(change_set: ChangeSet) -> dict[Pair, str]:
    """The link type of each link the change set upserts, by (source, target)."""
    return {(item.source_id, item.target_id): item.link_type
            for step in change_set.steps for item in step.items
            if isinstance(item, LinkRecord)}


def _capped(items: Sequence[Any], max_items: int) -> tuple[list[Any], bool]:
    unique = list(dict.fromkeys(items))
    return unique[:max_items], len(unique) > max_items


def _links(pairs: Iterable[Pair], link_types: Mapping[Pair, str], max_items: int
           ) -> tuple[str, bool]:
    kept, cut = _capped(list(pairs), max_items)
    return json.dumps([[s, t, link_types.get((s, t))] for s, t in kept]), cut


def entry(report: ChangeReport, source: str, link_types: Mapping[Pair, str], *,
          max_items: int = DEFAULT_MAX_ITEMS) -> dict[str, Any] | None:
    """The journal entry's properties for a change set's report (``recorded_at`` and the
    environment are the query's), or None when no object or link changed."""
    if not report.topology_changed:
        return None
    props: dict[str, Any] = {"source": source}
    truncated = False
    for name, ids in (("objects_added", report.objects_created),
                      ("objects_changed", report.objects_updated),
                      ("objects_removed", report.objects_deleted)):
        props[name], cut = _capped(ids, max_items)
        truncated |= cut
    for name, pairs in (("links_added", report.links_created),
                        ("links_changed", report.links_updated),
                        ("links_removed", report.links_deleted)):
        props[name], cut = _links(pairs, link_types, max_items)
        truncated |= cut
    props["truncated"] = truncated
    return props


def bulk_entry(source: str, counts: Mapping[str, int]) -> dict[str, Any]:
    """A scan's or an import's entry: nothing listed (``truncated``), its counts only."""
    return {"source": source, "objects_added": [], "objects_changed": [],
            "objects_removed": [], "links_added": "[]", "links_changed": "[]",
            "links_removed": "[]", "truncated": True,
            "counts": json.dumps(dict(counts), sort_keys=True)}


def decoded_links(value: Any) -> list[tuple[str, str, str | None]]:
    """A stored list of links (JSON ``[[source, target, type|null], ...]``) as tuples."""
    if not value:
        return []
    return [(row[0], row[1], row[2] if len(row) > 2 else None) for row in json.loads(value)]

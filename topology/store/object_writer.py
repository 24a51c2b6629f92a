"""Batched object upserts: nodes with their type labels, hung under their parents.

Each batch writes its objects and their containment in one transaction
(``upsert_objects.cypher``). An object whose parent comes later in the input is attached
in a second pass; one whose parent is missing altogether is written and reported as
skipped. Top-level objects hang under their :Environment node.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from topology import catalogue
from topology.store.provenance import Provenance
from topology.store.queries import query
from topology.store.records import ObjectRecord
from topology.store.reports import SkippedRow, WriteReport
from topology.store.scheduler import Batch, Lane, Progress, batches_of

if TYPE_CHECKING:
    from topology.store.graph_store import GraphStore


def object_row(record: ObjectRecord) -> dict[str, Any]:
    """The query row of one object. Its ``source_time`` is the record's own, if any: the
    write's goes once per batch, as ``$source_time`` (packing a datetime per row costs
    the writer more than Neo4j's work on it)."""
    return {
        "id": record.id,
        "labels": list(catalogue.object_type(record.type).labels[1:]),
        "props": record.props,
        "parent_id": None if record.under_environment else record.parent_id,
        "source_time": record.source_time,
    }


def provenance_key(provenance: Provenance | None) -> str | None:
    return provenance.key if provenance is not None else None


def parents_in_order(records: Sequence[ObjectRecord], indices: Sequence[int],
                     batch_size: int) -> list[int]:
    """``indices`` with each batch's share sorted by parent id.

    Concurrent batches hanging children under the same dense parents (folders) deadlock
    on the parents' relationship-group locks when they take them in different orders;
    taken in one order, they queue instead. Batches keep their members, so parents still
    come before their children across batches.
    """
    order: list[int] = []
    for start in range(0, len(indices), batch_size):
        batch = indices[start:start + batch_size]
        order.extend(sorted(batch, key=lambda i: records[i].parent_id or ""))
    return order


class ObjectWriter:
    """Writes objects in batches through a store's scheduler."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store

    def upsert(self, records: Sequence[ObjectRecord], report: WriteReport, *,
               provenance: Provenance | None, source_time: dt.datetime | None,
               progress: Progress | None) -> None:
        by_environment: dict[str, list[int]] = defaultdict(list)
        for index, record in enumerate(records):
            by_environment[record.environment].append(index)
        done = [0]
        for environment, indices in by_environment.items():
            orphans: list[str] = []
            batches = self._batches(environment, records, indices, orphans, report,
                                    provenance, source_time)
            self.store.run_lanes([Lane(batches)], report, progress, len(records), done)
            failed = {i for failure in report.failed for i in failure.indices}
            top_level = [i for i in indices
                         if records[i].under_environment and i not in failed]
            self.attach(environment, "attach_to_environment", records, top_level, report)
            index_of = {records[i].id: i for i in indices}
            unattached = self.attach(environment, "attach_to_parents", records,
                                     [index_of[o] for o in orphans], report)
            for i in unattached:
                report.skipped.append(SkippedRow(
                    i, f"parent {records[i].parent_id!r} of {records[i].id!r} not found"))

    def _batches(self, environment: str, records: Sequence[ObjectRecord],
                 indices: Sequence[int], orphans: list[str], report: WriteReport,
                 provenance: Provenance | None,
                 source_time: dt.datetime | None) -> Iterator[Batch]:
        """One environment's objects as batches, each row built when its batch is due."""
        text = query("upsert_objects")
        memory = self.store.element_ids

        def on_written(rows: Sequence[dict[str, Any]], answer: dict[str, Any]) -> None:
            pairs = answer.get("element_ids", [])
            outdated = len(answer.get("outdated", []))
            report.written += len(pairs) - outdated
            report.outdated += outdated + len(rows) - len(pairs)  # tombstoned: no answer
            orphans.extend(answer.get("orphans", []))
            memory.remember(environment, pairs)

        size = self.store.batch_size
        order = parents_in_order(records, indices, size)
        params = {"environment": environment, "provenance": provenance_key(provenance),
                  "source_time": source_time, "report_created": False}
        for start in range(0, len(order), size):
            chunk = order[start:start + size]
            yield Batch("objects", text, [object_row(records[i]) for i in chunk],
                        chunk, params, on_written)

    def attach(self, environment: str, name: str, records: Sequence[ObjectRecord],
               indices: Sequence[int], report: WriteReport) -> list[int]:
        """Attach objects to their parents; return the indices that found none."""
        if not indices:
            return []
        rows = [{"id": records[i].id, "parent_id": records[i].parent_id} for i in indices]
        attached: set[str] = set()

        def on_attached(chunk: Sequence[dict[str, Any]], answer: dict[str, Any]) -> None:
            attached.update(answer.get("attached", []))

        self.store.run_lanes([Lane(batches_of("containment", query(name), rows, indices,
                                              on_attached, self.store.batch_size,
                                              environment=environment))], report)
        return [i for i in indices if records[i].id not in attached]

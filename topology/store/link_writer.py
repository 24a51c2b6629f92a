"""Batched link upserts: typed relationships, stored source -> target.

Each link type is a lane of the scheduler (:mod:`topology.store.scheduler`): the writers
take batches of different types at once, and go on to the next type without waiting for
the last batch of the one before. Ends are found by element id (remembered from the
objects written, or looked up when a type's batches are due); rows that come back
unwritten are tried once more with their ends looked up afresh, and then reported as
skipped (ends missing or of the wrong type) or outdated (a newer delete of the link).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, LiteralString

from topology import catalogue
from topology.store.object_writer import provenance_key
from topology.store.provenance import Provenance
from topology.store.queries import query
from topology.store.records import LinkRecord
from topology.store.reports import SkippedRow, WriteReport
from topology.store.scheduler import Batch, Lane, Progress, batches_of, chunks

if TYPE_CHECKING:
    from topology.store.graph_store import GraphStore

Unwritten = list[tuple[str, catalogue.LinkType, dict[str, Any]]]


def link_query(link: catalogue.LinkType) -> LiteralString:
    return query("upsert_links",
                 SOURCE_LABEL=catalogue.object_type(link.source_type).label,
                 TARGET_LABEL=catalogue.object_type(link.target_type).label,
                 REL_TYPE=link.relationship_type)


def link_row(element_ids: dict[str, str], index: int, record: LinkRecord) -> dict[str, Any]:
    """The query row of one link, its ends' element ids taken from ``element_ids``; its
    ``source_time`` is the record's own, if any (the write's is ``$source_time``)."""
    return {"i": index, "source_id": record.source_id, "target_id": record.target_id,
            "s": element_ids.get(record.source_id), "t": element_ids.get(record.target_id),
            "props": record.props, "source_time": record.source_time}


def end_labels(type_name: str) -> frozenset[str]:
    link = catalogue.link_type(type_name)
    return frozenset({catalogue.object_type(link.source_type).label,
                      catalogue.object_type(link.target_type).label})


def _ends(rows: Iterable[dict[str, Any]]) -> set[str]:
    return {row[key] for row in rows for key in ("source_id", "target_id")}


class LinkWriter:
    """Writes links in batches through a store's scheduler."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store

    def upsert(self, records: Sequence[LinkRecord], report: WriteReport, *,
               provenance: Provenance | None, source_time: dt.datetime | None,
               progress: Progress | None) -> None:
        by_type: dict[tuple[str, str], list[tuple[int, LinkRecord]]] = defaultdict(list)
        for index, record in enumerate(records):
            by_type[(record.environment, record.link_type)].append((index, record))
        unwritten: Unwritten = []
        params = {"provenance": provenance_key(provenance), "source_time": source_time,
                  "report_created": False}
        lanes = [Lane(self._batches(environment, type_name, items, unwritten, report,
                                    params),
                      rows_left=len(items), labels=end_labels(type_name))
                 for (environment, type_name), items in by_type.items()]
        by_type.clear()  # the lanes hold what they need; the collector need not walk it
        self.store.run_lanes(lanes, report, progress, len(records))
        if unwritten:
            self.store.run_lanes([Lane(self._retry_batches(unwritten, report, params))],
                                 report)

    @staticmethod
    def _count(report: WriteReport, answer: dict[str, Any]) -> set[int]:
        """Count a batch's answer into ``report``; return the rows it wrote."""
        written = set(answer.get("written", []))
        outdated = len(answer.get("outdated", []))
        report.written += len(written) - outdated
        report.outdated += outdated
        return written

    def _batches(self, environment: str, type_name: str,
                 items: list[tuple[int, LinkRecord]], unwritten: Unwritten,
                 report: WriteReport, params: dict[str, Any]) -> Iterator[Batch]:
        """One link type's batches: its ends are looked up, and each batch's rows built,
        only when the writers reach them."""
        link = catalogue.link_type(type_name)
        # Sorted by the end that fewer links share out (the denser one: networks,
        # vEdges...), concurrent batches lock disjoint ranges of the nodes that have
        # relationship-group locks, in one order; sorted by the other end, two batches
        # met on the same dense nodes in any order and deadlocked.
        by_target = (len({r.target_id for _, r in items})
                     < len({r.source_id for _, r in items}))
        items.sort(key=(lambda item: (item[1].target_id, item[1].source_id)) if by_target
                   else (lambda item: (item[1].source_id, item[1].target_id)))
        known = self.store.element_ids_of(
            environment, {r.source_id for _, r in items} | {r.target_id for _, r in items})
        text = link_query(link)
        batch_params = {"environment": environment, "link_type": link.name, **params}

        def on_written(rows: Sequence[dict[str, Any]], answer: dict[str, Any]) -> None:
            written = self._count(report, answer)
            unwritten.extend((environment, link, row) for row in rows
                             if row["i"] not in written)

        for _, chunk in chunks(items, self.store.batch_size):
            yield Batch(f"links of type {type_name}", text,
                        [link_row(known, i, r) for i, r in chunk],
                        [i for i, _ in chunk], batch_params, on_written)

    def _retry_batches(self, unwritten: Unwritten, report: WriteReport,
                       params: dict[str, Any]) -> Iterator[Batch]:
        """The unwritten rows again, with their ends looked up afresh (an end not found by
        its remembered element id may have been deleted and written again since); a row
        that fails again is reported as outdated when a newer delete of the link turned it
        away, else as skipped."""
        by_type: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        links: dict[str, catalogue.LinkType] = {}
        for environment, link, row in unwritten:
            by_type[(environment, link.name)].append(row)
            links[link.name] = link
        for (environment, type_name), rows in by_type.items():
            link = links[type_name]
            known = self.store.element_ids_of(environment, _ends(rows), afresh=True)
            retry = [{**row, "s": known.get(row["source_id"]),
                      "t": known.get(row["target_id"])} for row in rows]

            def on_retried(rows: Sequence[dict[str, Any]], answer: dict[str, Any],
                           link: catalogue.LinkType = link,
                           environment: str = environment) -> None:
                written = self._count(report, answer)
                failed = [row for row in rows if row["i"] not in written]
                buried = (self.store.buried_links(environment, failed, params["source_time"])
                          if failed else set())
                for row in failed:
                    if row["i"] in buried:
                        report.outdated += 1
                    else:
                        report.skipped.append(SkippedRow(row["i"], (
                            f"link {row['source_id']!r} -> {row['target_id']!r}: source "
                            f"({link.source_type}) or target ({link.target_type}) "
                            "not found")))

            yield from batches_of(f"links of type {type_name}", link_query(link), retry,
                                  [row["i"] for row in retry], on_retried,
                                  self.store.batch_size, environment=environment,
                                  link_type=link.name, **params)

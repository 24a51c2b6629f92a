"""Applying a change set inside one transaction.

The same queries as the bulk writers (``upsert_objects``, ``upsert_links``...), run one
after the other in the caller's transaction, step by step in the order the change set
holds them. Only queries run here: the transaction may be retried whole.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, LiteralString

import neo4j

from topology import catalogue
from topology.store import journal
from topology.store.changes import (
    IN_ORDER,
    STATUS_BY_VALUE,
    ChangeSet,
    LinkDelete,
    LinkRollUp,
    LinkStatus,
    ObjectStatus,
    PortStatus,
    Step,
    SubtreeDelete,
)
from topology.store.link_writer import link_query, link_row
from topology.store.object_writer import object_row, provenance_key
from topology.store.queries import query
from topology.store.records import LinkRecord, ObjectRecord
from topology.store.reports import ChangeReport


def _run(tx: neo4j.Transaction, text: LiteralString, **params: Any) -> dict[str, Any]:
    """The single answer row of a query (an empty dict when it returns none)."""
    record = tx.run(text, params).single()
    return dict(record) if record is not None else {}


def _parents_first(records: Sequence[ObjectRecord]) -> list[ObjectRecord]:
    """``records`` in their order, except that a record whose parent's first record comes
    later is preceded by it (and so on up). Writes of one object keep their order (only a
    first write is ever moved forward), and writes of different objects do not depend on
    each other's order, except a child on its parent being there."""
    first: dict[str, int] = {}
    for index, record in enumerate(records):
        first.setdefault(record.id, index)
    placed: set[int] = set()
    order: list[ObjectRecord] = []

    def place(index: int, path: frozenset[int]) -> None:
        if index in placed or index in path:
            return
        parent = first.get(records[index].parent_id or "")
        if parent is not None:
            place(parent, path | {index})
        placed.add(index)
        order.append(records[index])

    for index in range(len(records)):
        place(index, frozenset())
    return order


def warm_up(tx: neo4j.Transaction, environment: str) -> None:
    """Have Neo4j plan the ordered object query now, on no rows (nothing is written): a
    first plan takes it a few hundred milliseconds, which a live writer (the listener)
    would otherwise add to its first batch after every start."""
    _run(tx, query("write_objects_in_order"), environment=environment, provenance=None,
         source_time=None, report_created=True, ttl=0, rows=[])


class ChangeWriter:
    """Runs one change set's steps in a transaction and reports what changed."""

    def __init__(self, change_set: ChangeSet, tombstone_ttl: float,
                 status_history: int, journal_items: int = journal.DEFAULT_MAX_ITEMS
                 ) -> None:
        """``journal_items``: ids per list of its journal entry (0: no entry)."""
        self.change_set = change_set
        self.journal_items = journal_items
        self.environment = change_set.environment
        self.ttl = tombstone_ttl
        self.status_history = status_history
        self.provenance = provenance_key(change_set.provenance)
        self.element_ids: dict[str, str] = {}

    def _time(self, item_time: dt.datetime | None = None) -> dt.datetime | None:
        return item_time or self.change_set.source_time

    def apply(self, tx: neo4j.Transaction) -> ChangeReport:
        report = ChangeReport()
        self.element_ids = {}
        run: list[Step] = []  # consecutive object and subtree-delete steps: one query
        for step in self.change_set.steps:
            if step.kind in IN_ORDER:
                run.append(step)
                continue
            if run:
                self._objects_in_order(tx, run, report)
                run = []
            handler = getattr(self, f"_{step.kind}")
            handler(tx, step, report)
        if run:
            self._objects_in_order(tx, run, report)
        if self.journal_items:
            self._journal(tx, report)
        return report

    def _journal(self, tx: neo4j.Transaction, report: ChangeReport) -> None:
        """The topology journal's entry for what changed (none: nothing did)."""
        link_types = {**report.link_types, **journal.link_types_of(self.change_set)}
        entry = journal.entry(report, journal.change_source(self.change_set), link_types,
                              max_items=self.journal_items)
        if entry is not None:
            tx.run(query("record_topology_change"), environment=self.environment,
                   entry=entry).consume()

    def _objects_in_order(self, tx: neo4j.Transaction, steps: list[Step],
                          report: ChangeReport) -> None:
        """Object upserts and subtree deletes, in their order, in one query."""
        items: list[ObjectRecord | SubtreeDelete] = []
        for step in steps:
            if step.kind == "objects":
                items += _parents_first([i for i in step.items if isinstance(i, ObjectRecord)])
            else:
                items += [i for i in step.items if isinstance(i, SubtreeDelete)]
        rows = [{**object_row(item), "provenance": provenance_key(item.provenance)}
                if isinstance(item, ObjectRecord)
                else {"id": item.object_id, "delete": True, "source_time": item.source_time}
                for item in items]
        answer = _run(tx, query("write_objects_in_order"), environment=self.environment,
                      provenance=self.provenance, source_time=self.change_set.source_time,
                      report_created=True, ttl=self.ttl, rows=rows)
        written: dict[str, bool] = {}  # object id -> any write of it applied
        created: set[str] = set()
        top_level: list[str] = []
        for item, row in zip(items, answer.get("rows", []), strict=True):
            if isinstance(item, SubtreeDelete):
                for removed in row["removed"]:
                    report.objects_deleted += removed["deleted"]
                    for object_id in removed["deleted"]:
                        self.element_ids.pop(object_id, None)
                    if removed["outdated"]:
                        report.objects_outdated.append(item.object_id)
                continue
            written.setdefault(item.id, False)
            for upserted in row["upserted"]:  # none: a tombstone turned it away
                self.element_ids[item.id] = upserted["element_id"]
                if upserted["orphan"]:
                    report.orphans.append(item.id)
                if upserted["fresh"]:
                    written[item.id] = True
                    if item.under_environment:
                        top_level.append(item.id)
                if upserted["created"]:
                    created.add(item.id)
        report.objects_created += [i for i, ok in written.items() if ok and i in created]
        report.objects_updated += [i for i, ok in written.items() if ok and i not in created]
        report.objects_outdated += [i for i, ok in written.items() if not ok]
        if top_level:
            _run(tx, query("attach_to_environment"), environment=self.environment,
                 rows=[{"id": object_id} for object_id in dict.fromkeys(top_level)])

    def _links(self, tx: neo4j.Transaction, step: Step, report: ChangeReport) -> None:
        records = [item for item in step.items if isinstance(item, LinkRecord)]
        ends = {r.source_id for r in records} | {r.target_id for r in records}
        missing = [end for end in ends if end not in self.element_ids]
        if missing:
            found = tx.run(query("element_ids"), environment=self.environment, ids=missing)
            self.element_ids.update((row["id"], row["element_id"]) for row in found)
        groups: dict[tuple[str, str | None], list[int]] = defaultdict(list)
        for index, record in enumerate(records):
            writer = provenance_key(record.provenance) or self.provenance
            groups[(record.link_type, writer)].append(index)
        for (_, writer), indices in groups.items():
            link = records[indices[0]].type
            rows = [link_row(self.element_ids, i, records[i]) for i in indices]
            answer = _run(tx, link_query(link), environment=self.environment,
                          link_type=link.name, provenance=writer,
                          source_time=self.change_set.source_time, report_created=True,
                          rows=rows)
            written = set(answer.get("written", []))
            created = set(answer.get("created", []))
            outdated = set(answer.get("outdated", []))
            unwritten = [row for row in rows if row["i"] not in written]
            buried: set[int] = set()
            if unwritten:
                buried = set(_run(tx, query("buried_links"), environment=self.environment,
                                  rows=unwritten, source_time=self.change_set.source_time
                                  ).get("buried", []))
            for i in indices:
                pair = (records[i].source_id, records[i].target_id)
                if i in outdated or i in buried:
                    report.links_outdated.append(pair)
                elif i not in written:
                    report.links_missing.append(pair)
                elif i in created:
                    report.links_created.append(pair)
                else:
                    report.links_updated.append(pair)

    def _delete_links(self, tx: neo4j.Transaction, step: Step,
                      report: ChangeReport) -> None:
        rows = [{"source_id": item.source_id, "target_id": item.target_id,
                 "source_time": item.source_time}
                for item in step.items if isinstance(item, LinkDelete)]
        answer = _run(tx, query("delete_links"), environment=self.environment, rows=rows,
                      source_time=self._time(), ttl=self.ttl)
        for source_id, target_id, link_type in answer.get("deleted", []):
            report.links_deleted.append((source_id, target_id))
            report.link_types[(source_id, target_id)] = link_type
        report.links_outdated += [(s, t) for s, t in answer.get("outdated", [])]

    def _object_status(self, tx: neo4j.Transaction, step: Step,
                       report: ChangeReport) -> None:
        items = [item for item in step.items if isinstance(item, ObjectStatus)]
        self._write_object_statuses(tx, [
            {"i": i, "id": item.object_id, **_status_fields(item.result)}
            for i, item in enumerate(items)], report)

    def _write_object_statuses(self, tx: neo4j.Transaction, rows: list[dict[str, Any]],
                               report: ChangeReport) -> None:
        answer = _run(tx, query("set_object_status"), environment=self.environment,
                      rows=rows, history_limit=self.status_history)
        found, changed = set(answer.get("found", [])), set(answer.get("changed", []))
        for row in rows:
            if row["i"] in changed:
                report.statuses_changed.append(row["id"])
            elif row["i"] not in found:
                report.statuses_missing.append(row["id"])

    def _link_status(self, tx: neo4j.Transaction, step: Step,
                     report: ChangeReport) -> None:
        items = [item for item in step.items if isinstance(item, LinkStatus)]
        self._write_link_statuses(tx, [
            {"i": i, "source_id": item.source_id, "target_id": item.target_id,
             **_status_fields(item.result)} for i, item in enumerate(items)], report)

    def _write_link_statuses(self, tx: neo4j.Transaction, rows: list[dict[str, Any]],
                             report: ChangeReport) -> None:
        answer = _run(tx, query("set_link_status"), environment=self.environment,
                      rows=rows, history_limit=self.status_history)
        found, changed = set(answer.get("found", [])), set(answer.get("changed", []))
        for row in rows:
            pair = (row["source_id"], row["target_id"])
            if row["i"] in changed:
                report.statuses_changed.append(pair)
            elif row["i"] not in found:
                report.statuses_missing.append(pair)

    def _port_status(self, tx: neo4j.Transaction, step: Step, report: ChangeReport) -> None:
        """Ports' results, then their objects' roll-ups, with the objects locked first so
        that concurrent results of one object's ports do not overwrite each other. Results
        of distinct objects go in one query; an object's second result waits for its
        first (the roll-up reads what the first wrote)."""
        items = [item for item in step.items if isinstance(item, PortStatus)]
        ids = sorted({item.object_id for item in items})
        _run(tx, query("lock_objects"), environment=self.environment, ids=ids)
        rounds: list[list[tuple[int, PortStatus]]] = []
        depth: dict[str, int] = defaultdict(int)
        for i, item in enumerate(items):
            at = depth[item.object_id]
            depth[item.object_id] += 1
            if at == len(rounds):
                rounds.append([])
            rounds[at].append((i, item))
        for batch in rounds:
            answer = _run(tx, query("set_port_status"), environment=self.environment,
                          rows=[{"i": i, "id": item.object_id, "port": item.port,
                                 **_status_fields(item.result)} for i, item in batch])
            rolled = [{**row, "status": STATUS_BY_VALUE[row["status_value"]]}
                      for row in answer.get("rolled", [])]
            found = {row["i"] for row in rolled}
            report.statuses_missing.extend(item.object_id for i, item in batch
                                           if i not in found)
            if rolled:
                self._write_object_statuses(tx, rolled, report)

    def _link_rollups(self, tx: neo4j.Transaction, step: Step,
                      report: ChangeReport) -> None:
        """Links' statuses from their ends, the links locked before the ends are read."""
        by_type: dict[str, list[str]] = defaultdict(list)
        for item in step.items:
            assert isinstance(item, LinkRollUp)
            by_type[item.link_type].append(item.object_id)
        for type_name, ids in by_type.items():
            rel = catalogue.link_type(type_name).relationship_type
            _run(tx, query("lock_links", REL_TYPE=rel), environment=self.environment,
                 ids=ids)
            answer = _run(tx, query("link_rollup", REL_TYPE=rel),
                          environment=self.environment, ids=ids)
            rows = [{**row, "i": i, "status": STATUS_BY_VALUE[row["status_value"]]}
                    for i, row in enumerate(answer.get("rows", []))]
            if rows:
                self._write_link_statuses(tx, rows, report)


def _status_fields(result: Any) -> dict[str, Any]:
    return {"status": result.status, "status_value": result.value,
            "status_text": result.text, "checked_at": result.checked_at}

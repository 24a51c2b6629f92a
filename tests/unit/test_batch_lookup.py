"""The listener's batch lookup answers as the graph will be once the batch commits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from topology.events.contract import Outcome
from topology.events.processing import BatchLookup
from topology.store import ChangeSet, Provenance, object_record

ENV = "e"
T0 = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


class Graph:
    """The committed graph: objects by id (a read-only lookup over a dict)."""

    def __init__(self, objects: list[dict[str, Any]]) -> None:
        self.objects = {o["id"]: o for o in objects}
        self.reads = 0

    def get(self, object_id: str) -> dict[str, Any] | None:
        return self.get_many([object_id]).get(object_id)

    def get_many(self, object_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        self.reads += 1
        return {i: dict(self.objects[i]) for i in object_ids if i in self.objects}

    def find(self, type_name: str, **equals: Any) -> list[dict[str, Any]]:
        self.reads += 1
        return [dict(o) for o in self.objects.values() if o["type"] == type_name
                and all(o.get(k) == v for k, v in equals.items())]

    def children(self, parent_id: str) -> list[dict[str, Any]]:
        self.reads += 1
        return [dict(o) for o in self.objects.values() if o.get("parent_id") == parent_id]

    def descendants(self, object_id: str) -> list[dict[str, Any]]:
        self.reads += 1
        found, pending = [], [object_id]
        while pending:
            parent = pending.pop(0)
            below = [dict(o) for o in self.objects.values() if o.get("parent_id") == parent]
            found += below
            pending += [o["id"] for o in below]
        return found


def doc(object_id: str, type_: str, parent: str, name: str = "", **fields: Any) -> dict:
    path = {"folder": f"/{ENV}/folder", "net": f"/{ENV}/folder/net"}.get(parent, f"/{ENV}")
    return {"id": object_id, "type": type_, "name": name or object_id, "parent_id": parent,
            "parent_type": "x", "id_path": f"{path}/{object_id}", **fields}


def upserts(*docs: dict, at: dt.datetime = T0) -> Outcome:
    change = ChangeSet(ENV, Provenance("event", "t"), at)
    for one in docs:
        change.upsert_object(object_record(ENV, one))
    return Outcome([change])


def delete(object_id: str, at: dt.datetime = T0) -> Outcome:
    change = ChangeSet(ENV, Provenance("event", "t"), at)
    change.delete_subtree(object_id)
    return Outcome([change])


def graph() -> Graph:
    return Graph([doc("folder", "networks_folder", ENV),
                  doc("net", "network", "folder", "old", source_time=T0),
                  doc("p1", "port", "net", device_id="d1")])


def test_pending_upserts_are_seen_newest_first_and_older_ones_are_not() -> None:
    lookup = BatchLookup(graph())
    lookup.note(upserts(doc("net", "network", "folder", "new"), at=T0 + dt.timedelta(1)))
    lookup.note(upserts(doc("net", "network", "folder", "stale"), at=T0))
    lookup.note(upserts(doc("net2", "network", "folder", "made")))
    assert lookup.get("net")["name"] == "new"
    assert lookup.get("net2")["name"] == "made"
    assert sorted(n["name"] for n in lookup.find("network")) == ["made", "new"]
    assert [c["id"] for c in lookup.children("folder")] == ["net", "net2"]


def test_a_pending_delete_takes_the_subtree_and_turns_away_older_writes() -> None:
    lookup = BatchLookup(graph())
    lookup.note(delete("net", at=T0 + dt.timedelta(1)))
    lookup.note(upserts(doc("net", "network", "folder", "late"), at=T0))  # a late create
    assert lookup.get("net") is None
    assert lookup.get("p1") is None  # under the deleted network
    assert lookup.find("port", device_id="d1") == []
    assert lookup.children("net") == []
    lookup.note(upserts(doc("net", "network", "folder", "again"), at=T0 + dt.timedelta(2)))
    assert lookup.get("net")["name"] == "again"


def test_the_graph_is_read_once_per_batch_and_again_after_a_commit() -> None:
    committed = graph()
    lookup = BatchLookup(committed)
    lookup.get("net")
    lookup.get("net")
    lookup.get_many(["net", "p1"])
    assert committed.reads == 2
    lookup.reset()
    lookup.get("net")
    assert committed.reads == 3


def test_merged_change_sets_keep_each_write_its_time_writer_and_order() -> None:
    from topology.store.changes import merged

    first = upserts(doc("net", "network", "folder", "a"), at=T0)
    second = upserts(doc("net", "network", "folder", "b"), doc("n2", "network", "folder"),
                     at=T0 + dt.timedelta(1))
    gone = delete("n2", at=T0 + dt.timedelta(2))
    other = ChangeSet(ENV, Provenance("api", "network"), T0)
    other.upsert_object(object_record(ENV, doc("n3", "network", "folder")))
    sets = merged([*first.changes, *second.changes, *gone.changes, other])
    assert len(sets) == 1 and sets[0].provenance is None and sets[0].source_time is None
    steps = sets[0].steps
    # "net" twice in one step: the store writes these steps row by row, in order
    assert [(s.kind, [getattr(i, "id", getattr(i, "object_id", None)) for i in s.items])
            for s in steps] == [("objects", ["net", "net", "n2"]),
                                ("delete_subtrees", ["n2"]), ("objects", ["n3"])]
    items = [i for s in steps for i in s.items]
    assert [i.source_time for i in items] == [
        T0, T0 + dt.timedelta(1), T0 + dt.timedelta(1), T0 + dt.timedelta(2), T0]
    assert [getattr(i, "provenance", None) for i in items] == [
        *[Provenance("event", "t")] * 3, None, Provenance("api", "network")]


def test_descendants_are_read_once_and_answer_children_with_the_pending_changes() -> None:
    committed = graph()
    committed.objects["v1"] = doc("v1", "vnic", "p1")
    lookup = BatchLookup(committed)
    lookup.note(delete("v1"))
    assert [d["id"] for d in lookup.descendants("folder")] == ["net", "p1"]
    assert committed.reads == 1
    assert lookup.children("p1") == [] and lookup.children("net")[0]["id"] == "p1"
    assert committed.reads == 1  # the subtree's children came with it
    lookup.note(upserts(doc("p2", "port", "net", device_id="d2")))
    assert [c["id"] for c in lookup.children("net")] == ["p1", "p2"]


def test_a_batch_reads_the_ids_its_payloads_name_in_one_query() -> None:
    from topology.events.notification import parse
    from topology.events.processing import ids_named

    network, project = "0b7a6f1e-8a52-4a6e-9a8c-1f2e3d4c5b6a", "4d1c" * 8
    note = parse({"event_type": "network.update.end", "publisher_id": "network.x",
                  "timestamp": "2026-12-05 01:46:48.905859", "payload": {"network": {
                      "id": network, "name": "n", "tenant_id": project,
                      "subnets": ["not-an-id", network]}}})
    assert ids_named(note) == [network, project]
    committed = graph()
    lookup = BatchLookup(committed)
    lookup.prefetch([ids_named(note), ["net", "p1"]])
    assert committed.reads == 1
    assert lookup.get("net")["name"] == "old" and lookup.get(network) is None
    assert committed.reads == 1

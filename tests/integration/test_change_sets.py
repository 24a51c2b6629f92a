"""Change sets against a real Neo4j: one transaction, ordering, tombstones, type changes,
status results and concurrency."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from neo4j.exceptions import Neo4jError

from topology.events.lookup import GraphLookup
from topology.store import (
    ChangeSet,
    GraphStore,
    ObjectRecord,
    Provenance,
    StatusResult,
    link_record,
    object_record,
)
from topology.store.changes import merged

T0 = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
EVENT = Provenance("event", "nova")


def at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def _obj(environment: str, object_id: str, type_name: str = "vnic",
         parent_id: str | None = None, **fields) -> ObjectRecord:
    document = {"id": object_id, "type": type_name, **fields}
    if parent_id is None:
        document |= {"parent_id": environment, "parent_type": "environment"}
    else:
        document["parent_id"] = parent_id
    return object_record(environment, document)


def _ids(store: GraphStore, environment: str) -> set[str]:
    return {row["id"] for row in store.read(
        "MATCH (n:Object {environment: $e}) RETURN n.id AS id", e=environment)}


def _prop(store: GraphStore, environment: str, object_id: str, name: str):
    rows = store.read("MATCH (n:Object {environment: $e, id: $id}) RETURN n[$name] AS v",
                      e=environment, id=object_id, name=name)
    return rows[0]["v"] if rows else None


def _host_tree(environment: str) -> ChangeSet:
    change = ChangeSet(environment, EVENT, at(0))
    change.upsert_object(_obj(environment, "host-1", "host"))
    change.upsert_object(_obj(environment, "vm-1", "instance", parent_id="host-1"))
    change.upsert_object(_obj(environment, "tap-1", "vnic", parent_id="vm-1"))
    change.upsert_link(link_record(environment, {
        "source_id": "vm-1", "target_id": "tap-1", "link_type": "instance-vnic"}))
    return change


def test_a_change_set_commits_objects_links_and_deletes_together(graph_store, environment):
    report = graph_store.apply(_host_tree(environment))
    assert report.objects_created == ["host-1", "vm-1", "tap-1"]
    assert report.links_created == [("vm-1", "tap-1")]
    # CONTAINS counted from objects (the environment's own to host-1 is not).
    assert graph_store.count_relationships(environment) == {"CONTAINS": 2,
                                                             "INSTANCE_VNIC": 1}
    change = ChangeSet(environment, EVENT, at(1))
    change.upsert_object(_obj(environment, "vm-2", "instance", parent_id="host-1"))
    change.delete_subtree("vm-1")
    report = graph_store.apply(change)
    assert report.objects_created == ["vm-2"]
    assert sorted(report.objects_deleted) == ["tap-1", "vm-1"]
    assert _ids(graph_store, environment) == {"host-1", "vm-2"}
    assert graph_store.count_relationships(environment) == {"CONTAINS": 1}


def test_a_failing_change_set_writes_nothing(graph_store, environment):
    graph_store.apply(_host_tree(environment))
    change = ChangeSet(environment, EVENT, at(1))
    change.upsert_object(_obj(environment, "vm-2", "instance", parent_id="host-1"))
    change.delete_subtree("vm-1")
    change.upsert_link(link_record(environment, {
        "source_id": "vm-2", "target_id": "tap-1", "link_type": "instance-vnic"}))
    # Last, a value Neo4j refuses (a map property): the whole transaction rolls back.
    change.upsert_object(ObjectRecord(environment, "bad", "vnic", "host-1", None,
                                      {"id": "bad", "type": "vnic", "oops": {"a": 1}}))
    with pytest.raises(Neo4jError):
        graph_store.apply(change)
    assert _ids(graph_store, environment) == {"host-1", "vm-1", "tap-1"}
    assert graph_store.count_relationships(environment) == {"CONTAINS": 2,
                                                             "INSTANCE_VNIC": 1}


def test_children_before_their_parent_in_a_change_set_are_attached(graph_store,
                                                                   environment):
    change = ChangeSet(environment, EVENT)
    change.upsert_object(_obj(environment, "tap-1", "vnic", parent_id="vm-1"))
    change.upsert_object(_obj(environment, "vm-1", "instance", parent_id="host-1"))
    change.upsert_object(_obj(environment, "host-1", "host"))
    report = graph_store.apply(change)
    assert not report.orphans
    paths = graph_store.read("MATCH (:Environment {name: $e})-[:CONTAINS]->(h)"
                             "-[:CONTAINS]->(v)-[:CONTAINS]->(t) "
                             "RETURN [h.id, v.id, t.id] AS ids", e=environment)
    assert paths == [{"ids": ["host-1", "vm-1", "tap-1"]}]


def test_an_older_write_after_a_newer_one_changes_nothing(graph_store, environment):
    graph_store.apply(_host_tree(environment))
    newer = ChangeSet(environment, EVENT, at(10))
    newer.upsert_object(_obj(environment, "vm-1", "instance", parent_id="host-1",
                             name="new-name"))
    newer.upsert_link(link_record(environment, {
        "source_id": "vm-1", "target_id": "tap-1", "link_type": "instance-vnic",
        "state": "up"}))
    graph_store.apply(newer)
    older = ChangeSet(environment, Provenance("api", "RegionOne"), at(5))
    older.upsert_object(_obj(environment, "vm-1", "instance", parent_id="host-1",
                             name="old-name"))
    older.upsert_link(link_record(environment, {
        "source_id": "vm-1", "target_id": "tap-1", "link_type": "instance-vnic",
        "state": "down"}))
    report = graph_store.apply(older)
    assert report.objects_outdated == ["vm-1"] and not report.objects_updated
    assert report.links_outdated == [("vm-1", "tap-1")] and not report.links_updated
    assert not report.changed
    assert _prop(graph_store, environment, "vm-1", "name") == "new-name"
    assert _prop(graph_store, environment, "vm-1", "provenance") == "event:nova"
    state = graph_store.read("MATCH (:Instance {environment: $e})-[r:INSTANCE_VNIC]->() "
                             "RETURN r.state AS s, r.provenance AS p", e=environment)
    assert state == [{"s": "up", "p": "event:nova"}]
    # As new as the one held: applied (a replay of the same notification).
    same = ChangeSet(environment, EVENT, at(10)).upsert_object(
        _obj(environment, "vm-1", "instance", parent_id="host-1", name="same-time"))
    assert graph_store.apply(same).objects_updated == ["vm-1"]
    # Each record's own time wins over the change set's.
    own = ChangeSet(environment, EVENT, at(20)).upsert_object(object_record(
        environment, {"id": "vm-1", "type": "instance", "parent_id": "host-1",
                      "name": "own-time"}, source_time=at(1)))
    assert graph_store.apply(own).objects_outdated == ["vm-1"]


def test_a_merged_batch_writes_one_object_in_order_with_each_writer(graph_store,
                                                                   environment):
    """A listener's batch (``merged``): one object written several times in one step, by
    two writers, out of time order; each write is judged against the one before it."""
    graph_store.apply(_host_tree(environment))
    api = Provenance("api", "RegionOne")

    def write(name: str, minutes: int, writer: Provenance, **fields) -> ChangeSet:
        return ChangeSet(environment, writer, at(minutes)).upsert_object(
            _obj(environment, "vm-1", "instance", parent_id="host-1", name=name, **fields))

    batch = merged([write("ten", 10, EVENT, vm_state="stopped"),
                    write("five", 5, api, vm_state="active"),  # older than "ten": no-op
                    write("twelve", 12, api),
                    ChangeSet(environment, EVENT, at(12)).upsert_object(
                        _obj(environment, "tap-2", "vnic", parent_id="vm-1"))])
    assert len(batch) == 1 and [step.kind for step in batch[0].steps] == ["objects"]
    [report] = graph_store.apply_all(batch)
    assert report.objects_updated == ["vm-1"] and report.objects_created == ["tap-2"]
    assert not report.objects_outdated
    assert _prop(graph_store, environment, "vm-1", "name") == "twelve"
    assert _prop(graph_store, environment, "vm-1", "vm_state") == "stopped"
    assert _prop(graph_store, environment, "vm-1", "provenance") == "api:RegionOne"
    assert _prop(graph_store, environment, "tap-2", "provenance") == "event:nova"
    # a batch whose every write of an object is older than the graph's: outdated, once
    [late] = graph_store.apply_all(merged([write("a", 1, EVENT), write("b", 2, api)]))
    assert late.objects_outdated == ["vm-1"] and not late.changed
    assert _prop(graph_store, environment, "vm-1", "name") == "twelve"


def test_a_merged_batch_deletes_and_makes_again_in_order(graph_store, environment):
    """Upserts and subtree deletes of one batch go in one query, row by row: a delete
    takes what the rows before it wrote, a later write makes the object again, an older
    one does not."""
    graph_store.apply(_host_tree(environment))

    def vm(name: str, minutes: int) -> ChangeSet:
        return ChangeSet(environment, EVENT, at(minutes)).upsert_object(
            _obj(environment, "vm-1", "instance", parent_id="host-1", name=name))

    def gone(object_id: str, minutes: int) -> ChangeSet:
        return ChangeSet(environment, EVENT, at(minutes)).delete_subtree(object_id)

    tap = ChangeSet(environment, EVENT, at(3)).upsert_object(
        _obj(environment, "tap-2", "vnic", parent_id="vm-1"))
    [report] = graph_store.apply_all(merged([vm("one", 1), tap, gone("vm-1", 4),
                                             vm("stale", 2), vm("back", 6)]))
    assert sorted(report.objects_deleted) == ["tap-1", "tap-2", "vm-1"]
    assert report.objects_created == ["vm-1", "tap-2"] and report.objects_updated == []
    assert _ids(graph_store, environment) == {"host-1", "vm-1"}
    assert _prop(graph_store, environment, "vm-1", "name") == "back"
    [late] = graph_store.apply_all(merged([gone("vm-1", 7), vm("late", 5)]))
    assert late.objects_deleted == ["vm-1"] and late.objects_outdated == ["vm-1"]
    assert _ids(graph_store, environment) == {"host-1"}


def test_writes_without_a_source_time_apply_as_they_come(graph_store, environment):
    graph_store.apply(_host_tree(environment))  # held at T0
    untimed = ChangeSet(environment, EVENT).upsert_object(
        _obj(environment, "vm-1", "instance", parent_id="host-1", name="untimed"))
    assert graph_store.apply(untimed).objects_updated == ["vm-1"]
    assert _prop(graph_store, environment, "vm-1", "name") == "untimed"
    graph_store.delete_object(environment, "vm-1")  # no time: no tombstone
    assert graph_store.apply(_host_tree(environment)).objects_created == ["vm-1", "tap-1"]


def test_a_create_older_than_a_delete_does_not_resurrect(graph_store, environment):
    graph_store.apply(_host_tree(environment))
    delete = ChangeSet(environment, EVENT, at(10)).delete_subtree("vm-1")
    assert sorted(graph_store.apply(delete).objects_deleted) == ["tap-1", "vm-1"]
    late = _host_tree(environment)
    late.source_time = at(5)  # a scan that read the cloud before the delete
    report = graph_store.apply(late)
    assert report.objects_outdated == ["vm-1", "tap-1"]
    # its ends stayed deleted, by a newer delete: the link is turned away too (outdated)
    assert report.links_outdated == [("vm-1", "tap-1")] and report.links_missing == []
    assert _ids(graph_store, environment) == {"host-1"}
    # A create newer than the delete (the id came back) is written.
    again = _host_tree(environment)
    again.source_time = at(11)
    assert graph_store.apply(again).objects_created == ["vm-1", "tap-1"]


def test_a_delete_before_its_create_keeps_the_late_create_out(graph_store, environment):
    """Notifications can arrive out of order: the delete of an object not (yet) in the
    graph still leaves a tombstone."""
    graph_store.apply(ChangeSet(environment, EVENT).upsert_object(
        _obj(environment, "host-1", "host")))
    report = graph_store.apply(ChangeSet(environment, EVENT, at(10)).delete_subtree("vm-9"))
    assert report.objects_deleted == []
    create = ChangeSet(environment, EVENT, at(9)).upsert_object(
        _obj(environment, "vm-9", "instance", parent_id="host-1"))
    assert graph_store.apply(create).objects_outdated == ["vm-9"]
    assert "vm-9" not in _ids(graph_store, environment)


def test_a_delete_older_than_the_last_write_leaves_the_object(graph_store, environment):
    graph_store.apply(_host_tree(environment))
    newer = ChangeSet(environment, EVENT, at(10)).upsert_object(
        _obj(environment, "vm-1", "instance", parent_id="host-1"))
    graph_store.apply(newer)
    report = graph_store.apply(ChangeSet(environment, EVENT, at(5)).delete_subtree("vm-1"))
    assert report.objects_deleted == [] and report.objects_outdated == ["vm-1"]
    assert "vm-1" in _ids(graph_store, environment)


def test_link_deletes_leave_tombstones(graph_store, environment):
    graph_store.apply(_host_tree(environment))
    report = graph_store.apply(
        ChangeSet(environment, EVENT, at(10)).delete_link("vm-1", "tap-1"))
    assert report.links_deleted == [("vm-1", "tap-1")]
    late = ChangeSet(environment, EVENT, at(5)).upsert_link(link_record(environment, {
        "source_id": "vm-1", "target_id": "tap-1", "link_type": "instance-vnic"}))
    assert graph_store.apply(late).links_outdated == [("vm-1", "tap-1")]
    # The bulk path tells a turned-away link from one whose ends are missing.
    bulk = graph_store.upsert_links([link_record(environment, {
        "source_id": "vm-1", "target_id": "tap-1", "link_type": "instance-vnic"},
        source_time=at(6))])
    assert bulk.outdated == 1 and not bulk.skipped and bulk.written == 0
    assert "INSTANCE_VNIC" not in graph_store.count_relationships(environment)


def test_tombstones_expire(graph_store, environment):
    store = GraphStore(graph_store.driver, database=graph_store.database,
                       tombstone_ttl=0.001)
    store.apply(_host_tree(environment))
    store.apply(ChangeSet(environment, EVENT, at(10)).delete_subtree("vm-1"))
    assert store.purge_tombstones() >= 2
    late = _host_tree(environment)
    late.source_time = at(5)
    assert store.apply(late).objects_created == ["vm-1", "tap-1"]


def test_a_type_change_replaces_the_type_labels(graph_store, environment):
    graph_store.apply(ChangeSet(environment, EVENT).upsert_object(
        _obj(environment, "x", "vnics_folder")))
    graph_store.apply(ChangeSet(environment, EVENT).upsert_object(
        _obj(environment, "x", "port")))
    labels = graph_store.read("MATCH (n:Object {environment: $e, id: 'x'}) "
                              "RETURN labels(n) AS labels", e=environment)
    assert sorted(labels[0]["labels"]) == ["Object", "Port"]
    graph_store.upsert_objects([_obj(environment, "x", "instances_folder")])  # bulk too
    assert graph_store.count_labels(environment) == {"Object": 1, "Folder": 1,
                                                     "InstancesFolder": 1}


def test_provenance_is_recorded_on_objects_and_links(graph_store, environment):
    graph_store.apply(_host_tree(environment))
    api = Provenance("api", "RegionOne")
    graph_store.upsert_objects([_obj(environment, "host-1", "host")], provenance=api)
    rows = graph_store.read(
        "MATCH (n:Object {environment: $e}) RETURN n.id AS id, n.provenance AS p "
        "ORDER BY id", e=environment)
    assert rows == [{"id": "host-1", "p": "api:RegionOne"}, {"id": "tap-1", "p": "event:nova"},
                    {"id": "vm-1", "p": "event:nova"}]


def test_status_results_change_status_only_when_it_changes(graph_store, environment):
    graph_store.apply(_host_tree(environment))
    check = ChangeSet(environment)
    check.set_object_status("vm-1", StatusResult(2, "down", at(1)))
    check.set_link_status("vm-1", "tap-1", StatusResult(0, "fine", at(1)))
    check.set_object_status("ghost", StatusResult(0, "?", at(1)))
    report = graph_store.apply(check)
    assert report.statuses_changed == ["vm-1", ("vm-1", "tap-1")]
    assert report.statuses_missing == ["ghost"]
    # Same status again, later: only the time of the latest result moves.
    again = ChangeSet(environment).set_object_status("vm-1", StatusResult(2, "still", at(2)))
    assert graph_store.apply(again).statuses_changed == []
    row = graph_store.read("MATCH (n:Object {environment: $e, id: 'vm-1'}) RETURN "
                           "n.status AS s, n.status_text AS text, n.status_timestamp AS "
                           "since, n.status_checked_at AS checked", e=environment)[0]
    assert (row["s"], row["text"]) == ("Error", "down")
    assert row["since"].to_native() == at(1) and row["checked"].to_native() == at(2)
    # An older result than the latest kept changes nothing.
    old = ChangeSet(environment).set_object_status("vm-1", StatusResult(0, "old", at(0)))
    assert graph_store.apply(old).statuses_changed == []
    assert _prop(graph_store, environment, "vm-1", "status") == "Error"


def test_concurrent_change_sets_on_shared_nodes_all_commit(graph_store, environment):
    """Eight writers update two shared bridges, half of them in the opposite order (so
    they deadlock each other), and hang new vNICs off one of them, at once: deadlocks are
    retried, and every change set commits."""
    errors: list[BaseException] = []
    retries: list[str] = []
    start = threading.Barrier(8, timeout=30)

    def writer(n: int) -> None:
        try:
            start.wait()
            for k in range(5):
                change = ChangeSet(environment, EVENT)
                change.upsert_object(_obj(environment, f"tap-{n}-{k}", "vnic"))
                bridges = [_obj(environment, name, "vconnector", last_writer=n)
                           for name in ("br-1", "br-2")]
                for bridge in bridges if n % 2 else reversed(bridges):
                    change.upsert_object(bridge)
                change.upsert_link(link_record(environment, {
                    "source_id": f"tap-{n}-{k}", "target_id": "br-1",
                    "link_type": "vnic-vconnector"}))
                retries.extend(graph_store.apply(change).retries.elements())
        except BaseException as exc:  # collected: a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert set(retries) <= {"deadlock"}
    assert graph_store.count_relationships(environment)["VNIC_VCONNECTOR"] == 40
    assert graph_store.count_labels(environment)["Vnic"] == 40


def test_warming_up_the_live_queries_writes_nothing(graph_store, environment):
    lookup = GraphLookup(graph_store, environment)
    lookup.warm_up()
    graph_store.warm_up_changes(environment)
    assert lookup.reads == 0
    assert graph_store.read("MATCH (n) WHERE n.environment = $e OR n.name = $e "
                            "RETURN count(n) AS c", e=environment) == [{"c": 0}]

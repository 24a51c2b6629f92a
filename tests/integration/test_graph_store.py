"""The graph store against a real Neo4j: upserts, links, deletes, stale cleanup, rollback."""

from __future__ import annotations

import gc
import logging
import threading

from neo4j.exceptions import TransientError

from topology.store import GraphStore, ObjectRecord, WriteReport, link_record, object_record


def _tree(environment: str) -> list[ObjectRecord]:
    """env -> regions folder -> host -> instances folder -> instance -> vnics folder -> vnic."""
    docs = [
        {"id": f"{environment}-regions", "type": "regions_folder",
         "parent_id": environment, "parent_type": "environment",
         "id_path": f"/{environment}/{environment}-regions"},
        {"id": "node-1", "type": "host", "parent_id": f"{environment}-regions",
         "id_path": f"/{environment}/{environment}-regions/node-1", "host_type": ["Compute"]},
        {"id": "node-1-instances", "type": "instances_folder", "parent_id": "node-1",
         "id_path": f"/{environment}/{environment}-regions/node-1/node-1-instances"},
        {"id": "vm-1", "type": "instance", "parent_id": "node-1-instances",
         "id_path": f"/{environment}/{environment}-regions/node-1/node-1-instances/vm-1",
         "network": ["net-a"], "network_info": [{"devname": "tap1"}]},
        {"id": "vm-1-vnics", "type": "vnics_folder", "parent_id": "vm-1",
         "id_path": f"/{environment}/{environment}-regions/node-1/node-1-instances/vm-1"
                    "/vm-1-vnics"},
        {"id": "node-1-tap1", "type": "vnic", "parent_id": "vm-1-vnics",
         "id_path": f"/{environment}/{environment}-regions/node-1/node-1-instances/vm-1"
                    "/vm-1-vnics/node-1-tap1", "mac_address": "fa:16:3e:00:00:01"},
        {"id": "net-a", "type": "network", "parent_id": f"{environment}-regions",
         "id_path": f"/{environment}/{environment}-regions/net-a", "network": "net-a"},
    ]
    return [object_record(environment, d) for d in docs]


def _links(environment: str):
    return [
        link_record(environment, {"source_id": "vm-1", "target_id": "node-1-tap1",
                                  "link_type": "instance-vnic", "state": "up",
                                  "attributes": {"network": "net-a"}}),
    ]


def _one(store: GraphStore, text, **params):
    rows = store.read(text, **params)
    assert len(rows) == 1, rows
    return rows[0]


def test_objects_get_labels_properties_and_containment(graph_store, environment):
    report = graph_store.upsert_objects(_tree(environment))
    assert report.ok and report.written == 7 and not report.skipped
    assert graph_store.count_labels(environment) == {
        "Object": 7, "Folder": 3, "RegionsFolder": 1, "InstancesFolder": 1,
        "VnicsFolder": 1, "Host": 1, "Instance": 1, "Vnic": 1, "Network": 1}
    vm = _one(graph_store, "MATCH (p:Host)-[:CONTAINS]->(:InstancesFolder)-[:CONTAINS]->"
                           "(i:Instance {environment: $e, id: 'vm-1'}) "
                           "RETURN properties(i) AS p", e=environment)["p"]
    assert vm["network"] == ["net-a"]
    assert vm["type"] == "instance" and vm["name"] == "vm-1"
    assert '"devname": "tap1"' in vm["attributes"]
    assert vm["first_seen"] == vm["last_seen"]
    top = _one(graph_store, "MATCH (:Environment {name: $e})-[:CONTAINS]->(f) "
                            "RETURN f.id AS id", e=environment)
    assert top["id"] == f"{environment}-regions"


def test_upserting_again_changes_nothing_but_last_seen(graph_store, environment):
    graph_store.upsert_objects(_tree(environment))
    graph_store.upsert_links(_links(environment))
    snapshot = "MATCH (n:Object {environment: $e}) RETURN n.id AS id, n.first_seen AS f, " \
               "n.last_seen AS l ORDER BY id"
    before = graph_store.read(snapshot, e=environment)
    graph_store.upsert_objects(_tree(environment))
    graph_store.upsert_links(_links(environment))
    after = graph_store.read(snapshot, e=environment)
    assert [r["f"] for r in before] == [r["f"] for r in after]
    assert all(a["l"] > b["l"] for a, b in zip(after, before, strict=True))
    assert graph_store.count_relationships(environment) == {"CONTAINS": 6, "INSTANCE_VNIC": 1}


def test_moving_an_object_keeps_one_parent(graph_store, environment):
    graph_store.upsert_objects(_tree(environment))
    moved = object_record(environment, {"id": "net-a", "type": "network",
                                        "parent_id": "node-1"})
    graph_store.upsert_objects([moved])
    parents = graph_store.read("MATCH (p)-[:CONTAINS]->(:Network {environment: $e}) "
                               "RETURN p.id AS id", e=environment)
    assert parents == [{"id": "node-1"}]


def test_an_orphan_is_attached_when_written_again_after_its_parent(graph_store, environment):
    """A rescan does not attach objects already under their parent again, but one that
    was written before its parent existed still gets its parent on the next write."""
    child = object_record(environment, {"id": "tap", "type": "vnic", "parent_id": "vm"})
    assert [s.index for s in graph_store.upsert_objects([child]).skipped] == [0]
    graph_store.upsert_objects([object_record(environment, {
        "id": "vm", "type": "instance", "parent_id": environment,
        "parent_type": "environment"})])
    assert not graph_store.upsert_objects([child]).skipped
    assert graph_store.upsert_objects([child]).written == 1  # already attached: unchanged
    parents = graph_store.read("MATCH (p)-[:CONTAINS]->(:Vnic {environment: $e}) "
                               "RETURN p.id AS id", e=environment)
    assert parents == [{"id": "vm"}]


def test_missing_parent_is_reported_not_fatal(graph_store, environment):
    orphan = object_record(environment, {"id": "x", "type": "vnic", "parent_id": "nowhere"})
    report = graph_store.upsert_objects([orphan])
    assert report.ok and report.written == 1
    assert [s.index for s in report.skipped] == [0]
    assert "parent 'nowhere'" in report.skipped[0].reason


def test_links_are_typed_relationships_one_per_ordered_pair(graph_store, environment):
    graph_store.upsert_objects(_tree(environment))
    report = graph_store.upsert_links(_links(environment))
    assert report.ok and report.written == 1
    link = _one(graph_store, "MATCH (:Instance {environment: $e})-[r:INSTANCE_VNIC]->(:Vnic) "
                             "RETURN properties(r) AS p", e=environment)["p"]
    assert link["link_type"] == "instance-vnic"
    assert link["network"] == "net-a" and link["state"] == "up"
    assert link["implicit"] is False

    # A link of another type between the same ordered pair replaces it (Calipso's key).
    implicit = link_record(environment, {"source_id": "vm-1", "target_id": "node-1-tap1",
                                         "link_type": "instance-vnic", "implicit": True})
    graph_store.upsert_links([implicit])
    assert graph_store.count_relationships(environment)["INSTANCE_VNIC"] == 1


def test_link_between_same_pair_of_another_type_is_replaced(graph_store, environment):
    graph_store.upsert_objects([
        object_record(environment, {"id": "v", "type": "vnic"}),
        object_record(environment, {"id": "b", "type": "vconnector"}),
    ])
    graph_store.upsert_links([link_record(environment, {
        "source_id": "v", "target_id": "b", "link_type": "vnic-vconnector"})])
    # vnic-vconnector and an implicit derived type cannot both join v -> b.
    graph_store.upsert_links([link_record(environment, {
        "source_id": "v", "target_id": "b", "link_type": "vnic-vconnector",
        "link_name": "again"})])
    rels = graph_store.count_relationships(environment)
    assert rels == {"VNIC_VCONNECTOR": 1}


def test_links_with_missing_or_mistyped_ends_are_skipped(graph_store, environment):
    graph_store.upsert_objects(_tree(environment))
    records = [
        link_record(environment, {"source_id": "vm-1", "target_id": "ghost",
                                  "link_type": "instance-vnic"}),
        link_record(environment, {"source_id": "net-a", "target_id": "node-1-tap1",
                                  "link_type": "instance-vnic"}),  # net-a is no instance
        *_links(environment),
    ]
    report = graph_store.upsert_links(records)
    assert report.written == 1
    assert sorted(s.index for s in report.skipped) == [0, 1]


def test_links_find_ends_this_store_did_not_write(graph_store, environment):
    graph_store.upsert_objects(_tree(environment))
    other = GraphStore(graph_store.driver, database=graph_store.database)  # nothing known
    report = other.upsert_links(_links(environment))
    assert report.ok and report.written == 1 and not report.skipped
    assert graph_store.count_relationships(environment)["INSTANCE_VNIC"] == 1


def test_links_find_an_end_deleted_and_written_again_since(graph_store, environment):
    """The store remembers each object's element id; one deleted and written again (here
    by another store, so this one's memory is stale) gets a new element id, and Neo4j may
    give the old one to any new node: the link must still join the right objects."""
    graph_store.upsert_objects(_tree(environment))
    graph_store.write("MATCH (n:Object {environment: $e, id: 'node-1-tap1'}) "
                      "DETACH DELETE n", e=environment)
    other = GraphStore(graph_store.driver, database=graph_store.database)
    # New nodes first, which may take the freed element id, then the vNIC again.
    other.upsert_objects([object_record(environment, {"id": f"filler-{i}", "type": "vnic"})
                          for i in range(3)])
    other.upsert_objects([r for r in _tree(environment) if r.id == "node-1-tap1"])
    report = graph_store.upsert_links(_links(environment))
    assert report.ok and report.written == 1 and not report.skipped
    ends = graph_store.read("MATCH (s {environment: $e})-[:INSTANCE_VNIC]->(t) "
                            "RETURN s.id AS s, t.id AS t", e=environment)
    assert ends == [{"s": "vm-1", "t": "node-1-tap1"}]


def test_links_are_written_when_the_element_id_memory_overflows(graph_store, environment):
    """A link type with more distinct ends than the store remembers (the memory is cleared
    as it fills) must still find every end."""
    vnics = [object_record(environment, {"id": f"v{i}", "type": "vnic"}) for i in range(6)]
    bridges = [object_record(environment, {"id": f"b{i}", "type": "vconnector"})
               for i in range(6)]
    other = GraphStore(graph_store.driver, database=graph_store.database, batch_size=2)
    other.element_ids.limit = 3
    other.upsert_objects(vnics + bridges)
    links = [link_record(environment, {"source_id": f"v{i}", "target_id": f"b{i}",
                                       "link_type": "vnic-vconnector"}) for i in range(6)]
    report = other.upsert_links(links)
    assert report.ok and report.written == 6 and not report.skipped
    assert graph_store.count_relationships(environment) == {"VNIC_VCONNECTOR": 6}


def test_a_bulk_write_pauses_the_cyclic_collector(graph_store, environment):
    """More than one batch: the collector is off while it runs and on again after; a
    one-batch write (an event) leaves it alone."""
    seen: list[bool] = []
    rows = [object_record(environment, {"id": f"v{i:04d}", "type": "vnic"})
            for i in range(1200)]  # the session store writes 500 rows a batch
    report = graph_store.upsert_objects(rows, progress=lambda done, total: seen.append(
        gc.isenabled()))
    assert report.ok and seen == [False, False, False]
    assert gc.isenabled()
    seen.clear()
    graph_store.upsert_objects(rows[:3], progress=lambda done, total: seen.append(
        gc.isenabled()))
    assert seen == [True]


def test_written_rows_are_not_left_for_the_cyclic_collector(graph_store, environment):
    """The driver keeps a query's parameters in reference cycles; with the collector paused
    for a bulk write, rows left there would pile up until it resumed."""
    vnics = [object_record(environment, {"id": f"v{i:04d}", "type": "vnic"})
             for i in range(1200)]
    bridges = [object_record(environment, {"id": f"b{i:04d}", "type": "vconnector"})
               for i in range(1200)]
    links = [link_record(environment, {"source_id": f"v{i:04d}", "target_id": f"b{i:04d}",
                                       "link_type": "vnic-vconnector"}) for i in range(1200)]
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        assert graph_store.upsert_objects(vnics + bridges).ok
        assert graph_store.upsert_links(links).written == 1200
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        left = [o for o in gc.garbage if isinstance(o, dict) and "props" in o]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if was:
            gc.enable()
    assert left == []


def test_link_types_stream_through_the_writers_in_one_go(graph_store, environment):
    """Batches of several link types, two writers, tiny batches: every link is written,
    and progress counts up to the total once."""
    store = GraphStore(graph_store.driver, database=graph_store.database, batch_size=2,
                       write_concurrency=2)
    objects = ([object_record(environment, {"id": f"i{i}", "type": "instance"})
                for i in range(5)]
               + [object_record(environment, {"id": f"v{i}", "type": "vnic"})
                  for i in range(5)]
               + [object_record(environment, {"id": f"b{i}", "type": "vconnector"})
                  for i in range(5)])
    assert store.upsert_objects(objects).ok
    links = ([link_record(environment, {"source_id": f"i{i}", "target_id": f"v{i}",
                                        "link_type": "instance-vnic"}) for i in range(5)]
             + [link_record(environment, {"source_id": f"v{i}", "target_id": f"b{i}",
                                          "link_type": "vnic-vconnector"})
                for i in range(5)]
             + [link_record(environment, {"source_id": "v0", "target_id": "nowhere",
                                          "link_type": "vnic-vconnector"})])
    counts: list[int] = []
    report = store.upsert_links(links, progress=lambda done, total: counts.append(done))
    assert report.ok and report.written == 10
    assert [row.index for row in report.skipped] == [10]
    assert counts == sorted(counts) and counts[-1] == 11
    assert report.batches == 6 + 1  # 3 + 3 batches, then the one retry of the missing end
    assert graph_store.count_relationships(environment) == {"INSTANCE_VNIC": 5,
                                                             "VNIC_VCONNECTOR": 5}


def test_a_failed_batch_rolls_back_whole_and_the_others_commit(graph_store, environment):
    rows = [object_record(environment, {"id": f"v{i:04d}", "type": "vnic"})
            for i in range(1200)]
    # A value Neo4j refuses (a map property), hidden in the middle of the second batch.
    poisoned = ObjectRecord(environment, "v0700", "vnic", None, None,
                            {"id": "v0700", "type": "vnic", "bad": {"nested": 1}})
    rows[700] = poisoned
    report = graph_store.upsert_objects(rows)  # the session store writes 500 rows a batch
    assert not report.ok
    assert len(report.failed) == 1
    assert report.failed[0].indices == tuple(range(500, 1000))
    ids = {r["id"] for r in graph_store.read(
        "MATCH (n:Vnic {environment: $e}) RETURN n.id AS id", e=environment)}
    assert len(ids) == 700
    assert "v0499" in ids and "v1000" in ids
    assert not any(f"v{i:04d}" in ids for i in range(500, 1000))


def test_delete_object_removes_descendants_and_all_their_links(graph_store, environment):
    graph_store.upsert_objects(_tree(environment))
    graph_store.upsert_links(_links(environment))
    # A descendant known only by id_path (no CONTAINS) goes too.
    stray = object_record(environment, {
        "id": "stray", "type": "vnic", "parent_id": "elsewhere",
        "id_path": f"/{environment}/{environment}-regions/node-1/node-1-instances/x"})
    graph_store.upsert_objects([stray])
    deleted = graph_store.delete_object(environment, "node-1-instances")
    assert deleted == 5  # folder, vm-1, vnics folder, vnic, stray
    left = {r["id"] for r in graph_store.read(
        "MATCH (n:Object {environment: $e}) RETURN n.id AS id", e=environment)}
    assert left == {f"{environment}-regions", "node-1", "net-a"}
    assert graph_store.count_relationships(environment) == {"CONTAINS": 2}
    assert graph_store.delete_object(environment, "no-such-object") == 0


def test_a_deadlocked_transaction_is_retried_and_counted(graph_store, environment):
    """Two writers lock two objects in opposite orders: Neo4j aborts one with a deadlock,
    and the store retries it (both commit), counting the retry by kind instead of logging
    a warning for it."""
    graph_store.upsert_objects(_tree(environment))
    first_attempt = threading.Barrier(2, timeout=30)
    attempts: list[str] = []
    retried: list[str] = []
    committed: list[str] = []

    def writer(name: str, order: tuple[str, str]) -> None:
        def work(tx) -> None:
            attempts.append(name)
            tx.run("MATCH (n:Object {environment: $e, id: $id}) SET n.lock_test = $name",
                   e=environment, id=order[0], name=name).consume()
            if attempts.count(name) == 1:
                first_attempt.wait()  # both hold their first lock: a cycle follows
            tx.run("MATCH (n:Object {environment: $e, id: $id}) SET n.lock_test = $name",
                   e=environment, id=order[1], name=name).consume()

        graph_store.transactions.write(work, on_retry=retried.append)
        committed.append(name)

    threads = [threading.Thread(target=writer, args=("a", ("vm-1", "net-a"))),
               threading.Thread(target=writer, args=("b", ("net-a", "vm-1")))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(committed) == ["a", "b"]  # both committed in the end
    assert len(attempts) == 3  # one of them was aborted once and retried
    assert retried == ["deadlock"]


def test_a_bulk_write_reports_its_retries_once(graph_store, environment, caplog):
    """Transient failures of batches are summed in the report and logged in one line."""
    graph_store.upsert_objects(_tree(environment))
    report = WriteReport()
    calls = []

    def flaky(tx):
        calls.append(1)
        if len(calls) == 1:
            raise TransientError("simulated deadlock")  # what the server sends, retryable
        return tx.run("RETURN 1 AS one").single()["one"]

    graph_store.transactions.write(flaky, on_retry=lambda kind: report.retries.update([kind]))
    assert len(calls) == 2 and sum(report.retries.values()) == 1
    with caplog.at_level(logging.INFO, logger="topology.store"):
        GraphStore._finish("objects", report, 0.0)
    lines = [r.getMessage() for r in caplog.records if "retried" in r.getMessage()]
    assert len(lines) == 1 and "1 transient failures retried" in lines[0]

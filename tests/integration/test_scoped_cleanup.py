"""Stale cleanup after a scan, scoped by provenance, against a real Neo4j."""

from __future__ import annotations

import datetime as dt

import pytest

from topology.store import ChangeSet, GraphStore, Provenance, link_record, object_record

API = Provenance("api", "RegionOne")
HOST_1 = Provenance("cli", "node-1")
HOST_2 = Provenance("cli", "node-2")
EVENT = Provenance("event", "nova")


def _write(store: GraphStore, environment: str, provenance: Provenance,
           objects: list[tuple[str, str, str | None]],
           links: list[tuple[str, str, str]] = (),
           scan_started: dt.datetime | None = None) -> None:
    """Write as a scope does; a rescan passes its start as the source time, as
    :func:`loaders.seam.run_loader` does."""
    records = [object_record(environment, {
        "id": object_id, "type": type_name,
        **({"parent_id": parent} if parent else
           {"parent_id": environment, "parent_type": "environment"})})
        for object_id, type_name, parent in objects]
    assert store.upsert_objects(records, provenance=provenance, source_time=scan_started).ok
    if links:
        report = store.upsert_links([link_record(environment, {
            "source_id": s, "target_id": t, "link_type": lt}) for s, t, lt in links],
            provenance=provenance, source_time=scan_started)
        assert report.ok and not report.skipped


def _ids(store: GraphStore, environment: str) -> set[str]:
    return {row["id"] for row in store.read(
        "MATCH (n:Object {environment: $e}) RETURN n.id AS id", e=environment)}


def _cloud(store: GraphStore, environment: str) -> None:
    """Hosts and instances from the API; each host's pNICs and bridges from its CLI."""
    _write(store, environment, API, [("node-1", "host", None), ("node-2", "host", None),
                                     ("vm-1", "instance", "node-1"),
                                     ("vm-2", "instance", "node-2")])
    _write(store, environment, HOST_1, [("node-1-eth0", "host_pnic", "node-1"),
                                        ("node-1-br", "vconnector", "node-1")],
           [("node-1-br", "node-1-eth0", "vconnector-host_pnic")])
    _write(store, environment, HOST_2, [("node-2-eth0", "host_pnic", "node-2"),
                                        ("node-2-br", "vconnector", "node-2")],
           [("node-2-br", "node-2-eth0", "vconnector-host_pnic")])


def test_cleanup_of_one_scope_leaves_the_others(graph_store, environment):
    _cloud(graph_store, environment)
    started = graph_store.now()
    # The rescan reads the API (vm-2 is gone) and host node-1 (its bridge is gone);
    # node-2 could not be reached, so its scope is not named.
    _write(graph_store, environment, API, [("node-1", "host", None),
                                           ("node-2", "host", None),
                                           ("vm-1", "instance", "node-1")],
           scan_started=started)
    _write(graph_store, environment, HOST_1, [("node-1-eth0", "host_pnic", "node-1")],
           scan_started=started)
    report = graph_store.remove_stale(environment, started, [API, HOST_1])
    assert report.objects == 2 and report.links == 1
    assert report.scopes == ("api:RegionOne", "cli:node-1")
    assert _ids(graph_store, environment) == {
        "node-1", "node-2", "vm-1", "node-1-eth0", "node-2-eth0", "node-2-br"}
    assert graph_store.count_relationships(environment)["VCONNECTOR_HOST_PNIC"] == 1


def test_what_an_event_wrote_during_the_scan_survives(graph_store, environment):
    _cloud(graph_store, environment)
    started = graph_store.now()
    # During the scan an event creates vm-3 and updates vm-2 (so the event wrote it last).
    event = ChangeSet(environment, EVENT)
    event.upsert_object(object_record(environment, {"id": "vm-3", "type": "instance",
                                                    "parent_id": "node-1"}))
    event.upsert_object(object_record(environment, {"id": "vm-2", "type": "instance",
                                                    "parent_id": "node-2"}))
    graph_store.apply(event)
    _write(graph_store, environment, API, [("node-1", "host", None),
                                           ("node-2", "host", None)], scan_started=started)
    report = graph_store.remove_stale(environment, started, [API])
    assert report.objects == 1  # vm-1 only
    assert {"vm-2", "vm-3"} <= _ids(graph_store, environment)
    assert "vm-1" not in _ids(graph_store, environment)


def test_a_stale_object_takes_its_descendants_and_leaves_tombstones(graph_store,
                                                                   environment):
    _cloud(graph_store, environment)
    before_scan = graph_store.now()
    started = graph_store.now()
    _write(graph_store, environment, API, [("node-1", "host", None),
                                           ("vm-1", "instance", "node-1")],
           scan_started=started)
    report = graph_store.remove_stale(environment, started, [API])
    # node-2 is gone from the API: its instance and the CLI's objects under it go too.
    assert report.objects == 4
    assert _ids(graph_store, environment) == {"node-1", "vm-1", "node-1-eth0", "node-1-br"}
    # A late write that read the cloud before the scan does not bring node-2 back...
    late = ChangeSet(environment, EVENT, before_scan).upsert_object(object_record(
        environment, {"id": "node-2", "type": "host", "parent_id": environment,
                      "parent_type": "environment"}))
    assert graph_store.apply(late).objects_outdated == ["node-2"]
    # ...nor does a timed bulk write of it.
    reinstated = graph_store.upsert_objects([object_record(environment, {
        "id": "node-2-br", "type": "vconnector", "parent_id": "node-1"})],
        source_time=before_scan)
    assert reinstated.outdated == 1 and reinstated.written == 0
    assert "node-2-br" not in _ids(graph_store, environment)


def test_cleanup_without_complete_scopes_removes_nothing(graph_store, environment):
    _cloud(graph_store, environment)
    report = graph_store.remove_stale(environment, graph_store.now(), [])
    assert (report.objects, report.links) == (0, 0)
    assert len(_ids(graph_store, environment)) == 8


def test_stale_cleanup_touches_no_other_environment(graph_store, environment,
                                                    make_environment):
    other = make_environment()
    _cloud(graph_store, other)
    _cloud(graph_store, environment)
    report = graph_store.remove_stale(environment, graph_store.now(),
                                      [API, HOST_1, HOST_2])
    assert report.objects == 8
    assert len(_ids(graph_store, other)) == 8


def test_stale_cleanup_deletes_in_chunks(graph_store, environment):
    rows = [object_record(environment, {"id": f"p{i}", "type": "port"}) for i in range(2500)]
    graph_store.upsert_objects(rows, provenance=API)
    report = graph_store.remove_stale(environment, graph_store.now(), ["api:RegionOne"])
    assert report.objects == 2500  # three chunks of at most 1000
    assert graph_store.count_labels(environment) == {}


def test_remove_stale_refuses_an_empty_environment(graph_store):
    with pytest.raises(ValueError):
        graph_store.remove_stale("", graph_store.now(), [API])


def test_drop_environment_removes_everything_of_it(graph_store, environment):
    _cloud(graph_store, environment)
    graph_store.upsert_environment(environment, {})
    graph_store.delete_object(environment, "vm-1", source_time=graph_store.now())
    assert graph_store.drop_environment(environment) >= 8
    left = graph_store.read(
        "MATCH (n) WHERE n.environment = $e OR n.name = $e RETURN count(n) AS n",
        e=environment)
    assert left == [{"n": 0}]

"""Scans in the graph: requested, taken by exactly one manager, heartbeats, crashed scans
marked failed, schedules queueing one scan when due, and the API's view of them."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from topology.store import GraphStore
from topology.store.scans import ScanLog


@pytest.fixture
def scans(graph_store: GraphStore) -> ScanLog:
    return ScanLog(graph_store)


def test_a_requested_scan_is_taken_once_and_ends_with_its_figures(scans: ScanLog,
                                                                  environment: str) -> None:
    requested = scans.create(environment, "inventory", requested_by="test")
    assert requested.status == "pending" and requested.kind == "inventory"
    taken = [scans.claim_next("runner-a"), scans.claim_next("runner-b")]
    mine = [t for t in taken if t is not None and t.environment == environment]
    assert len(mine) == 1 and mine[0].status == "running" and mine[0].runner == "runner-a"
    scans.heartbeat(requested.id, "ssh")
    assert scans.get(requested.id).phase == "ssh"
    ended = scans.finish(requested.id, "completed_with_errors", counts={"host": 3},
                         errors=["cli:node-2: Connection refused"], objects_written=42,
                         total_seconds=1.5)
    assert ended.status == "completed_with_errors"
    assert ended.counts == {"host": 3} and ended.errors == ["cli:node-2: Connection refused"]
    assert ended.objects_written == 42 and ended.ended_at is not None
    assert [r.id for r in scans.list(environment)] == [requested.id]


def test_concurrent_managers_never_take_the_same_scan(scans: ScanLog, environment: str) -> None:
    ids = {scans.create(environment, "full").id for _ in range(6)}
    taken: list[str] = []
    lock = threading.Lock()

    def manager(name: str) -> None:
        while (record := scans.claim_next(name)) is not None:
            with lock:
                taken.append(record.id)

    threads = [threading.Thread(target=manager, args=(f"m{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    mine = [scan_id for scan_id in taken if scan_id in ids]
    assert sorted(mine) == sorted(ids)  # each exactly once


def test_a_scan_left_running_by_a_stopped_process_is_failed(scans: ScanLog,
                                                            graph_store: GraphStore,
                                                            environment: str) -> None:
    graph_store.upsert_environment(environment, {"scanned": True})
    alive = scans.create(environment, "full", status="running", runner="alive")
    dead = scans.create(environment, "full", status="running", runner="dead")
    graph_store.write("MATCH (s:Scan {id: $id}) SET s.heartbeat_at = "
                      "datetime.transaction() - duration({minutes: 10})", id=dead.id)
    failed = scans.fail_abandoned(stale_seconds=120)
    assert dead.id in failed and alive.id not in failed
    record = scans.get(dead.id)
    assert record.status == "failed" and "no heartbeat" in record.errors[0]
    assert scans.get(alive.id).status == "running"
    scanned = graph_store.read("MATCH (e:Environment {name: $n}) RETURN e.scanned AS s",
                               n=environment)
    assert scanned[0]["s"] is False


def test_a_due_schedule_queues_one_scan_and_moves_on(scans: ScanLog, graph_store: GraphStore,
                                                     environment: str) -> None:
    schedule = scans.schedule(environment, "hourly")
    assert schedule["frequency"] == "hourly"
    assert not [r for r in scans.queue_due("m") if r.environment == environment]
    # the manager was down for five hours: one scan, and the next one in the future
    graph_store.write("MATCH (s:ScanSchedule {environment: $e}) SET s.next_at = "
                      "datetime.transaction() - duration({hours: 5})", e=environment)
    queued = [r for r in scans.queue_due("m") if r.environment == environment]
    assert len(queued) == 1 and queued[0].status == "pending"
    assert queued[0].requested_by == "schedule"
    assert [r for r in scans.queue_due("m") if r.environment == environment] == []
    next_at = scans.schedules(environment)[0]["next_at"]
    assert next_at > dt.datetime.now(dt.UTC)
    assert next_at < dt.datetime.now(dt.UTC) + dt.timedelta(hours=1, minutes=1)
    assert scans.unschedule(environment) and scans.schedules(environment) == []


def test_dropping_an_environment_drops_its_scans(scans: ScanLog, graph_store: GraphStore,
                                                 environment: str) -> None:
    scans.create(environment, "full")
    scans.schedule(environment, "daily")
    graph_store.drop_environment(environment)
    assert scans.list(environment) == [] and scans.schedules(environment) == []


def test_bad_requests_are_refused(scans: ScanLog, environment: str) -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        scans.create(environment, "everything")
    with pytest.raises(ValueError, match="unknown frequency"):
        scans.schedule(environment, "fortnightly")


def test_events_queue_one_scan_per_object_and_it_waits_to_settle(scans: ScanLog,
                                                                 graph_store: GraphStore,
                                                                 environment: str) -> None:
    queued = scans.request_objects(environment, ["node-1", "node-2", "node-1"],
                                   requested_by="events", settle=30.0)
    assert len(queued) == 2
    assert scans.request_objects(environment, ["node-1"], settle=30.0) == []  # pending
    assert scans.claim_next("runner") is None  # both wait for their agents to settle
    graph_store.write("MATCH (s:Scan {environment: $e}) SET s.not_before = datetime() "
                      "- duration({seconds: 1})", e=environment)
    taken = {scans.claim_next("runner").object_id, scans.claim_next("runner").object_id}
    assert taken == {"node-1", "node-2"}
    assert len(scans.request_objects(environment, ["node-1"])) == 1  # none pending now

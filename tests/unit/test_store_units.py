"""The store's pure parts: element-id memory, change sets, provenance, retry policy."""

from __future__ import annotations

import datetime as dt
import threading

import neo4j
import pytest
from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired

from topology.net import free_port
from topology.store import ChangeSet, Provenance, RecordError, StatusResult, object_record
from topology.store.element_ids import ElementIdMemory
from topology.store.transactions import RetryPolicy, Transactions, failure_kind, is_transient

NOW = dt.datetime(2026, 12, 4, tzinfo=dt.UTC)


def test_element_id_memory_splits_known_from_missing_and_forgets() -> None:
    memory = ElementIdMemory()
    memory.remember("e", [("a", "4:x:1"), ("b", "4:x:2")])
    assert memory.split("e", ["a", "c"]) == ({"a": "4:x:1"}, ["c"])
    assert memory.split("other", ["a"]) == ({}, ["a"])
    memory.forget("e", ["a", "zzz"])
    assert memory.split("e", ["a", "b"]) == ({"b": "4:x:2"}, ["a"])
    assert len(memory) == 1
    memory.forget_environment("e")
    assert len(memory) == 0


def test_element_id_memory_is_cleared_past_its_limit() -> None:
    memory = ElementIdMemory(limit=3)
    memory.remember("e", [(str(i), f"id{i}") for i in range(4)])
    assert len(memory) == 4
    memory.remember("e", [("new", "idn")])  # over the limit: start afresh
    assert len(memory) == 1 and memory.split("e", ["0"]) == ({}, ["0"])


def test_element_id_memory_counts_right_under_concurrent_writers() -> None:
    memory = ElementIdMemory(limit=10**9)

    def fill(n: int) -> None:
        for k in range(2000):
            memory.remember(f"env{n % 2}", [(f"{n}-{k}", "x")])
            memory.forget(f"env{n % 2}", [f"{n}-{k - 1}"] if k % 2 else [])

    threads = [threading.Thread(target=fill, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = sum(len(memory.split(f"env{e}", [f"{n}-{k}" for n in range(4)
                                             for k in range(2000)])[0]) for e in (0, 1))
    assert len(memory) == total == 4 * 1000


def test_a_change_set_keeps_its_steps_in_order_and_groups_runs() -> None:
    change = ChangeSet("e", Provenance("event", "neutron"), NOW)
    change.upsert_object(object_record("e", {"id": "a", "type": "port"}))
    change.upsert_object(object_record("e", {"id": "b", "type": "port"}))
    change.delete_link("a", "b")
    change.delete_subtree("c")
    change.upsert_object(object_record("e", {"id": "d", "type": "port"}))
    change.set_object_status("a", StatusResult(1, "warn", NOW))
    assert [(step.kind, len(step.items)) for step in change.steps] == [
        ("objects", 2), ("delete_links", 1), ("delete_subtrees", 1), ("objects", 1),
        ("object_status", 1)]
    assert len(change) == 6 and change


def test_a_change_set_refuses_records_of_another_environment_and_naive_times() -> None:
    with pytest.raises(ValueError, match="environment"):
        ChangeSet("e").upsert_object(object_record("other", {"id": "a", "type": "port"}))
    with pytest.raises(RecordError, match="time zone"):
        ChangeSet("e", source_time=dt.datetime(2026, 1, 1))
    with pytest.raises(RecordError, match="time zone"):
        object_record("e", {"id": "a", "type": "port"}, source_time=dt.datetime(2026, 1, 1))
    with pytest.raises(ValueError):
        ChangeSet("")
    assert not ChangeSet("e")


def test_status_results_name_their_status_and_refuse_unknown_values() -> None:
    assert [StatusResult(v, "", NOW).status for v in (0, 1, 2)] == ["OK", "Warning", "Error"]
    with pytest.raises(ValueError):
        StatusResult(3, "", NOW)


def test_provenance_keys_round_trip_and_unknown_sources_are_refused() -> None:
    assert Provenance("cli", "node-1").key == "cli:node-1"
    assert Provenance("import").key == "import"
    assert Provenance.parse("api:Region:One") == Provenance("api", "Region:One")
    with pytest.raises(ValueError, match="unknown source"):
        Provenance("mongo")


def test_transient_failures_are_named_by_kind() -> None:
    deadlock = Neo4jError._hydrate_neo4j(  # as the driver builds it from the server's
        code="Neo.TransientError.Transaction.DeadlockDetected", message="cycle")
    assert failure_kind(deadlock) == "deadlock" and is_transient(deadlock)
    assert failure_kind(ServiceUnavailable("gone")) == "unavailable"
    assert failure_kind(SessionExpired("leader moved")) == "session expired"
    assert not is_transient(ValueError("no"))


def test_retry_delays_grow_to_their_cap_with_bounded_jitter() -> None:
    policy = RetryPolicy(first_delay=0.1, max_delay=0.5, multiplier=2, jitter=0.2)
    next_delay = policy.delays()
    delays = [next_delay() for _ in range(6)]
    bases = [0.1, 0.2, 0.4, 0.5, 0.5, 0.5]
    assert all(b * 0.8 <= d <= b * 1.2 for d, b in zip(delays, bases, strict=True))


def test_a_write_to_an_unreachable_server_is_retried_until_its_budget_then_raised() -> None:
    """A real driver against a closed loopback port: the failure is transient, so it is
    retried (and counted) until the policy's time budget is spent, then raised."""
    driver = neo4j.GraphDatabase.driver(f"bolt://127.0.0.1:{free_port()}",
                                        connection_timeout=1)
    retried: list[str] = []
    try:
        transactions = Transactions(driver, "neo4j",
                                    RetryPolicy(first_delay=0.01, max_delay=0.02, max_time=0.2))
        with pytest.raises(ServiceUnavailable):
            transactions.write(lambda tx: tx.run("RETURN 1").consume(),
                               on_retry=retried.append)
    finally:
        driver.close()
    assert retried and set(retried) == {"unavailable"}

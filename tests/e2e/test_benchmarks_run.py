"""The benchmarks still run (tiny sizes; this checks they work, it times nothing)."""

from __future__ import annotations

from collections import Counter

import pytest

from bench import api, cliques, daemons, journal, load, sensu
from bench import sandbox as bench_sandbox
from tests.conftest import drop_environment
from tests.support import daemons as daemons_support
from topology import catalogue
from topology.daemons.mariadb import MariaDB
from topology.daemons.rabbitmq import RabbitMQ
from topology.demo import count_objects, generate, shape_for_objects


@pytest.fixture
def bench_env(neo4j_target, monkeypatch):
    config = neo4j_target.config
    monkeypatch.setenv("NEO4J_URI", config.bolt_uri)
    monkeypatch.setenv("NEO4J_USER", config.neo4j.user)
    monkeypatch.setenv("NEO4J_PASSWORD", config.neo4j.password)


LOAD_KEYS = {"benchmark", "timestamp", "machine", "neo4j", "batch_size", "warmup_objects",
             "warmup_rows_per_second", "write_concurrency", "batched_create",
             "batched_create_rounds_rows_per_second", "batched_create_rounds", "batched_update",
             "one_row_per_transaction", "speedup_create_vs_one_row",
             "speedup_update_vs_one_row", "objects_by_label"}


def test_bench_load_writes_every_generated_row_and_reports_each_round(bench_env, graph_store,
                                                                     own_neo4j):
    # Writes and wipes environments of fixed names (bench-load*): not on someone's database.
    result = load.run(objects=200, baseline_rows=40, batch_size=50, concurrency=2,
                      warmup_objects=100, warmup_seconds=0.2, repeat=3)
    assert set(result) >= LOAD_KEYS
    # Every timed write was checked by the benchmark (it stops on a failed or skipped
    # row), so each reports exactly the rows generated for the size asked.
    asked = generate(shape_for_objects(200, environment=load.ENVIRONMENT))
    written = {"objects": len(asked["inventory"]), "links": len(asked["links"])}
    written["rows"] = written["objects"] + written["links"]
    for timed in [*result["batched_create_rounds"], result["batched_update"]]:
        assert {key: timed[key] for key in written} == written
    assert result["batched_create"] in result["batched_create_rounds"]
    # After the update the environment held each object once, under its labels.
    labels: Counter[str] = Counter()
    for doc in asked["inventory"]:
        labels.update(catalogue.object_type(doc["type"]).labels)
    assert result["objects_by_label"] == dict(labels)
    rounds = result["batched_create_rounds_rows_per_second"]
    assert rounds == [r["rows_per_second"] for r in result["batched_create_rounds"]]
    assert len(rounds) == 3
    assert result["batched_create"]["rows_per_second"] == sorted(rounds)[1]  # the median
    assert result["warmup_objects"] == 100 and result["warmup_rows_per_second"]
    # The baseline: the sample's objects (no room left for links in 40 rows), each row
    # in a transaction of its own (hanging top-level objects under the environment: more).
    baseline = result["one_row_per_transaction"]
    sample = count_objects(shape_for_objects(50, environment=load.BASELINE_ENVIRONMENT))
    assert (baseline["objects"], baseline["links"]) == (sample, 0)
    assert baseline["transactions"] >= baseline["rows"] == sample
    # The benchmark removes what it wrote.
    for environment in (load.ENVIRONMENT, load.BASELINE_ENVIRONMENT, load.WARMUP_ENVIRONMENT):
        assert graph_store.count_labels(environment) == {}


def test_bench_cliques_runs_and_agrees_with_calipso(bench_env, graph_store, own_neo4j):
    # Reuses, then drops, the environment bench-cliques: not on someone's database.
    try:
        result = cliques.run(objects=400, samples=5, calipso_samples=2, seed=1,
                             warm_up_seconds=0.2)
    finally:
        drop_environment(graph_store, cliques.ENVIRONMENT)
    for focal_type in cliques.FOCAL_TYPES:
        entry = result["results"][focal_type]
        assert entry["compiled_ms"]["samples"] == 5
        # The benchmark stops when the two differ: this many focal points agreed.
        assert entry["calipso_strategy_ms"]["samples"] == 2
        assert entry["links_per_clique"]["samples"] == 5
        assert entry["links_per_clique"]["p50"] >= 1  # every focal point has a clique
        assert entry["compiled_db_hits"] > 0
        for form in cliques.FORMS:  # both forms timed on the same focal points
            assert entry[f"{form}_ms"]["samples"] == 5
            assert entry[f"{form}_db_hits"] > 0
        assert entry["faster_form"] in cliques.FORMS and entry["faster_by_p50"] >= 1
        # the empty round trip is timed beside them, and the ceiling derived from it
        assert entry["round_trip_ms"]["samples"] == 5
        assert entry["speedup_ceiling_p50"] == round(
            entry["calipso_strategy_ms"]["p50"] / entry["round_trip_ms"]["p50"], 1)
    assert result["target"]["form"] == result["default_form"]
    assert result["target"]["20x_reachable_by_one_query"] == (
        result["results"]["instance"]["speedup_ceiling_p50"] >= 20.0)


def test_bench_api_runs_over_http(bench_env, graph_store, monkeypatch):
    monkeypatch.delenv("TOPOLOGY_CONFIG", raising=False)
    try:
        result = api.run(objects=400, seconds=1, workers=1, rate=50, seed=1,
                         warm_up_seconds=1)
    finally:
        drop_environment(graph_store, cliques.ENVIRONMENT)
    rounds = result["http"]
    assert set(rounds) == {"concurrency_1", "concurrency_16", "offered_50_concurrency_16"}
    for entry in rounds.values():
        # Every answer was checked (HTTP 200, no GraphQL errors, a non-empty clique: else
        # the run fails) and timed; the figures themselves are not judged here.
        assert entry["requests"] > 0 and entry["answers_checked"] == entry["requests"]
        assert set(entry["latency_ms"]) == {"p50", "p90", "p99", "mean", "max"}
        assert "api_server" in entry["cpu_ms_per_request"]
    assert rounds["offered_50_concurrency_16"]["latency_from"] == "schedule"
    assert rounds["concurrency_16"]["latency_from"] == "send"
    assert result["direct_service_ms"]["samples"] == 500
    assert set(result["target"]["rounds"]) == {"concurrency_16", "offered_50_concurrency_16"}


def test_bench_sensu_applies_every_result_it_times(bench_env, graph_store, monkeypatch,
                                                   own_neo4j):
    # Writes and drops the environment bench-sensu: not on someone's database.
    monkeypatch.delenv("TOPOLOGY_CONFIG", raising=False)
    try:
        result = sensu.run(objects=300, batch=20, concurrency=2, workers=1,
                           baseline_results=15, handler_runs=2, warm_up_seconds=0.2)
    finally:
        drop_environment(graph_store, sensu.ENVIRONMENT)
    names = result["check_names"]
    assert names > 20
    # Every answer was checked (HTTP 200, each result applied) and the graph held the
    # status sent for every target afterwards: else the run fails.
    for entry in result["batched_rounds"]:
        assert entry["results"] == names and entry["requests"] == -(-names // 20)
    assert result["batched"] in result["batched_rounds"]
    assert (result["one_per_request"]["results"],
            result["one_per_request"]["requests"]) == (15, 15)
    assert result["handler_command"]["one_event_per_process_ms"]["runs"] == 2
    assert result["handler_command"]["list_per_process"]["events"] == names
    assert set(result["target"]) == {"results_per_second_at_least", "met"}


def test_bench_journal_times_both_ways_and_leaves_nothing(bench_env, graph_store,
                                                          monkeypatch):
    monkeypatch.delenv("TOPOLOGY_CONFIG", raising=False)
    result = journal.run(change_sets=40, block=10, warm_up=2, batches=2, batch_size=5)
    assert result["with_journal"]["count"] == result["without_journal"]["count"] == 20
    # 22 change sets with the journal (warm-up too) and one per batch of it
    assert result["journal_entries_written"] == 22 + 2
    assert result["batches"]["with_journal"]["count"] == 2
    assert graph_store.read("MATCH (c:TopologyChange) WHERE c.environment STARTS WITH "
                            "'bench-journal-' AND c.recorded_at IS NOT NULL "
                            "RETURN c LIMIT 1") == []


def test_bench_daemons_times_a_daemon_and_the_inserts(mariadb_url, tmp_path):
    timed = daemons.time_daemon(MariaDB, tmp_path / "mariadb", rounds=2)
    assert len(timed["starts_s"]) == len(timed["stops_s"]) == 2
    assert timed["first_start_s"] > 0 and timed["start_s"] in timed["starts_s"]
    inserted = daemons.time_inserts(mariadb_url, rows=300, chunk_sizes=(100, 1000))
    assert [r["chunk_size"] for r in inserted["by_chunk_size"]] == [100, 1000]
    assert all(r["rows_per_second"] > 0 for r in inserted["by_chunk_size"])


def test_bench_sandbox_checks_what_it_times(tmp_path):
    daemons_support.require_installed(MariaDB)
    daemons_support.require_installed(RabbitMQ)
    measured = bench_sandbox.measure(hosts=12, instances=30, sessions=3)
    assert measured["problems"] == []
    assert measured["api_servers_listed"] == measured["database_instances"] == 30
    assert measured["ssh_commands"] == 12 and measured["ssh_items_seen"] > 0
    assert measured["stopped"] and measured["memory_mib"] > 0

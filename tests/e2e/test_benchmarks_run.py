"""The benchmarks still run (tiny sizes; this checks they work, it times nothing)."""

from __future__ import annotations

import pytest

from bench import api, cliques, load
from tests.conftest import drop_environment


@pytest.fixture
def bench_env(neo4j_target, monkeypatch):
    config = neo4j_target.config
    monkeypatch.setenv("NEO4J_URI", config.bolt_uri)
    monkeypatch.setenv("NEO4J_USER", config.neo4j.user)
    monkeypatch.setenv("NEO4J_PASSWORD", config.neo4j.password)


def test_bench_load_runs_and_compares_with_one_row_per_transaction(bench_env):
    result = load.run(objects=200, baseline_rows=40, batch_size=50, concurrency=2,
                      warmup_objects=100, warmup_seconds=0.2, repeat=3)
    assert result["batched_create"]["objects"] >= 200
    assert result["one_row_per_transaction"]["transactions"] >= 40
    assert result["speedup_create_vs_one_row"] > 0
    assert result["warmup_rows_per_second"]  # the warm-up rounds are recorded
    rounds = result["batched_create_rounds_rows_per_second"]
    assert len(rounds) == 3
    assert result["batched_create"]["rows_per_second"] == sorted(rounds)[1]  # the median


def test_bench_cliques_runs_and_agrees_with_calipso(bench_env, graph_store):
    try:
        result = cliques.run(objects=400, samples=5, calipso_samples=2, seed=1,
                             warm_up_seconds=0.2)
    finally:
        drop_environment(graph_store, cliques.ENVIRONMENT)
    for focal_type in cliques.FOCAL_TYPES:
        entry = result["results"][focal_type]
        assert entry["compiled_ms"]["samples"] == 5
        assert entry["compiled_db_hits"] > 0


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

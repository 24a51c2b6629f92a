"""bench/events runs (tiny sizes; this checks it works and checks its answers, it times
nothing): both strategies, throughput and latency, the graph compared with the model."""

from __future__ import annotations

import json

import pytest

from bench import common
from bench import events as bench_events

pytestmark = pytest.mark.integration


def test_bench_events_runs_both_strategies_and_checks_the_graph(
        neo4j_target, graph_store, own_neo4j, amqp_url, monkeypatch, tmp_path):
    # Imports and drops the fixed-name environment bench-events: not on someone's database.
    config = neo4j_target.config
    monkeypatch.setenv("NEO4J_URI", config.bolt_uri)
    monkeypatch.setenv("NEO4J_USER", config.neo4j.user)
    monkeypatch.setenv("NEO4J_PASSWORD", config.neo4j.password)
    monkeypatch.delenv("TOPOLOGY_CONFIG", raising=False)
    monkeypatch.setattr(common, "RESULTS", tmp_path)
    output = tmp_path / "events.json"
    assert bench_events.main(["--notifications", "150", "--rate", "20", "--seconds", "1",
                              "--scale", "1", "--warm-up", "20", "--amqp-url", amqp_url,
                              "--output", str(output)]) == 0
    result = json.loads(output.read_text(encoding="utf-8"))
    assert result["benchmark"] == "events"
    notifications = result["stream"]["notifications"]
    assert notifications >= 150
    assert sum(result["stream"]["event_types"].values()) == notifications
    assert set(result["runs"]) == {"batched", "one_per_transaction"}
    assert result["runs"]["one_per_transaction"]["batch_size"] == 1
    for entry in result["runs"].values():
        timed, late = entry["throughput"], entry["latency"]
        # every notification settled, none dead, and the graph agreed with the model
        assert timed["notifications"] == notifications
        assert sum(timed["totals"][o] for o in bench_events.SETTLED) == notifications
        assert timed["totals"]["dead"] == 0
        assert timed["answers"]["agree"] and late["answers"]["agree"]
        assert late["notifications"] == 20
        assert late["max_ms"] >= late["p95_ms"] >= late["p50_ms"] >= 0
    assert graph_store.count_labels(bench_events.ENVIRONMENT) == {}

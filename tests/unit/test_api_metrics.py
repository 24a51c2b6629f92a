"""Metrics of several workers add up through their snapshots in a shared folder."""

from __future__ import annotations

from topology.api.metrics import Metrics


def _value(text: str, prefix: str) -> float:
    rows = [row for row in text.splitlines() if row.startswith(prefix)]
    assert len(rows) == 1, text
    return float(rows[0].rsplit(" ", 1)[1])


def test_each_worker_reports_the_sum_of_all(tmp_path):
    one, two = Metrics(tmp_path, worker="1"), Metrics(tmp_path, worker="2")
    for _ in range(3):
        one.observe("/graphql", "POST", 200, 0.004)
    two.observe("/graphql", "POST", 200, 0.2)
    two.observe("/graphql", "POST", 401, 0.001)
    two.graphql_error("forbidden")
    one.snapshot()
    two.snapshot()
    for metrics in (one, two):
        text = metrics.render()
        ok = 'topology_http_requests_total{route="/graphql",method="POST",status="200"}'
        assert _value(text, ok) == 4
        assert _value(text, 'topology_http_requests_total{route="/graphql",method="POST",'
                            'status="401"}') == 1
        assert _value(text, 'topology_http_request_duration_seconds_count{route='
                            '"/graphql"}') == 5
        assert _value(text, 'topology_http_request_duration_seconds_bucket{route='
                            '"/graphql",le="0.005"}') == 4
        assert _value(text, 'topology_graphql_errors_total{kind="forbidden"}') == 1


def test_without_a_folder_a_worker_reports_its_own(tmp_path):
    alone = Metrics()
    alone.observe("/healthz", "GET", 200, 0.001)
    assert _value(alone.render(), 'topology_http_requests_total{route="/healthz"') == 1
    assert not list(tmp_path.iterdir())


def test_an_unreadable_snapshot_is_skipped(tmp_path):
    (tmp_path / "worker-9.json").write_text("{not json", encoding="utf-8")
    metrics = Metrics(tmp_path, worker="1")
    metrics.observe("/graphql", "POST", 200, 0.01)
    assert _value(metrics.render(), 'topology_http_requests_total{route="/graphql"') == 1

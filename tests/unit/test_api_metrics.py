"""/metrics of several worker processes adds up (prometheus_client's multiprocess mode)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support.prometheus import sample
from topology.api import metrics

# What one worker process does: a few requests and a GraphQL error.
WORKER = """
from topology.api import metrics
for _ in range({requests}):
    metrics.observe("/graphql", "POST", 200, {seconds})
metrics.observe("/graphql", "POST", 401, 0.001)
metrics.graphql_error("forbidden")
"""


def _run_worker(directory, requests: int, seconds: float) -> None:
    env = dict(os.environ, PROMETHEUS_MULTIPROC_DIR=str(directory))
    subprocess.run([sys.executable, "-c", WORKER.format(requests=requests, seconds=seconds)],
                   env=env, check=True)


def test_the_workers_of_a_server_add_up(tmp_path, monkeypatch):
    _run_worker(tmp_path, 3, 0.004)
    _run_worker(tmp_path, 1, 0.2)
    monkeypatch.setenv(metrics.MULTIPROCESS_DIR_VARIABLE, str(tmp_path))
    text, content_type = metrics.render()
    text = text.decode()
    assert content_type.startswith("text/plain")
    requests = "topology_http_requests_total"
    assert sample(text, requests, route="/graphql", method="POST", status="200") == 4
    assert sample(text, requests, route="/graphql", method="POST", status="401") == 2
    duration = "topology_http_request_duration_seconds"
    assert sample(text, f"{duration}_count", route="/graphql") == 6
    assert sample(text, f"{duration}_bucket", route="/graphql", le="0.005") == 5
    assert sample(text, "topology_graphql_errors_total", kind="forbidden") == 2


def test_without_the_folder_a_process_reports_its_own(monkeypatch):
    monkeypatch.delenv(metrics.MULTIPROCESS_DIR_VARIABLE, raising=False)
    line = {"route": "/healthz", "method": "GET", "status": "200"}

    def count() -> float:
        return sample(metrics.render()[0].decode(), "topology_http_requests_total", **line)

    before = count()
    metrics.observe("/healthz", "GET", 200, 0.001)
    assert count() == before + 1

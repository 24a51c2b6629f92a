"""Prometheus metrics of the API (prometheus_client): requests, latencies, GraphQL errors,
Sensu events.

In one process the metrics live in prometheus_client's default registry. ``topology serve``
starts its uvicorn workers with ``PROMETHEUS_MULTIPROC_DIR`` set to a fresh folder (see
:func:`topology.cli.cmd_serve`): prometheus_client then keeps each worker's values in
memory-mapped files there, written as they change, and ``/metrics``, whichever worker
takes the scrape, reads every worker's file: the sums for the whole server. Files of
workers that ended stay, so counters never go down while the server runs.

prometheus_client chooses between the two when it is first imported, so the variable must
be set before this module is.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"  # prometheus_client's own name
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

disable_created_metrics()  # the same series in one process as in multiprocess mode

REQUESTS = Counter("topology_http_requests_total", "HTTP requests by route, method, status.",
                   ["route", "method", "status"])
LATENCY = Histogram("topology_http_request_duration_seconds", "Request latency by route.",
                    ["route"], buckets=BUCKETS)
GRAPHQL_ERRORS = Counter("topology_graphql_errors_total", "GraphQL errors by kind.", ["kind"])
SENSU_EVENTS = Counter("topology_sensu_events_total",
                       "Sensu events received (POST /sensu/events, applySensuEvents) by "
                       "outcome: changed, unchanged, refused.", ["outcome"])
SENSU_OUTCOMES = ("changed", "unchanged", "refused")


def observe(route: str, method: str, status: int, seconds: float) -> None:
    """One HTTP request answered."""
    REQUESTS.labels(route=route, method=method, status=str(status)).inc()
    LATENCY.labels(route=route).observe(seconds)


def graphql_error(kind: str) -> None:
    GRAPHQL_ERRORS.labels(kind=kind).inc()


def expect_graphql_errors(kinds: tuple[str, ...]) -> None:
    """Show each kind from the start, at 0 (a rate over a series that appears only with
    its first error misses that error)."""
    for kind in kinds:
        GRAPHQL_ERRORS.labels(kind=kind)


def sensu_events(counts: dict[str, int]) -> None:
    """Events of one request, by outcome."""
    for outcome, count in counts.items():
        if count:
            SENSU_EVENTS.labels(outcome=outcome).inc(count)


for _outcome in SENSU_OUTCOMES:  # at 0 from the start, like the GraphQL error kinds
    SENSU_EVENTS.labels(outcome=_outcome)


def render() -> tuple[bytes, str]:
    """The Prometheus text of this server (every worker's, in multiprocess mode) and its
    content type."""
    directory = os.environ.get(MULTIPROCESS_DIR_VARIABLE)
    if not directory:
        return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=directory)
    return generate_latest(registry), CONTENT_TYPE_LATEST

"""Prometheus text metrics of the API: requests, latencies and errors, per route.

In-process counters: each uvicorn worker reports its own (scrape them per worker, or run
one worker per replica, as in a cluster).
"""

from __future__ import annotations

import bisect
import threading
from collections import defaultdict

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, str, int], int] = defaultdict(int)
        self.graphql_errors: dict[str, int] = defaultdict(int)
        self.buckets: dict[str, list[int]] = defaultdict(lambda: [0] * len(BUCKETS))
        self.sums: dict[str, float] = defaultdict(float)
        self.counts: dict[str, int] = defaultdict(int)

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        with self._lock:
            self.requests[(route, method, status)] += 1
            index = bisect.bisect_left(BUCKETS, seconds)
            if index < len(BUCKETS):
                self.buckets[route][index] += 1
            self.sums[route] += seconds
            self.counts[route] += 1

    def graphql_error(self, kind: str) -> None:
        with self._lock:
            self.graphql_errors[kind] += 1

    def render(self) -> str:
        lines = ["# HELP topology_http_requests_total HTTP requests by route, method, status.",
                 "# TYPE topology_http_requests_total counter"]
        with self._lock:
            for (route, method, status), count in sorted(self.requests.items()):
                lines.append(f'topology_http_requests_total{{route="{route}",'
                             f'method="{method}",status="{status}"}} {count}')
            lines += ["# HELP topology_http_request_duration_seconds Request latency.",
                      "# TYPE topology_http_request_duration_seconds histogram"]
            for route in sorted(self.counts):
                running = 0
                for bound, count in zip(BUCKETS, self.buckets[route], strict=True):
                    running += count
                    lines.append(f'topology_http_request_duration_seconds_bucket{{route='
                                 f'"{route}",le="{bound}"}} {running}')
                lines.append(f'topology_http_request_duration_seconds_bucket{{route='
                             f'"{route}",le="+Inf"}} {self.counts[route]}')
                lines.append(f'topology_http_request_duration_seconds_sum{{route="{route}"}}'
                             f' {self.sums[route]:.6f}')
                lines.append(f'topology_http_request_duration_seconds_count{{route='
                             f'"{route}"}} {self.counts[route]}')
            lines += ["# HELP topology_graphql_errors_total GraphQL errors by kind.",
                      "# TYPE topology_graphql_errors_total counter"]
            for kind, count in sorted(self.graphql_errors.items()):
                lines.append(f'topology_graphql_errors_total{{kind="{kind}"}} {count}')
        return "\n".join(lines) + "\n"

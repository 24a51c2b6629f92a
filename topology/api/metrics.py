"""Prometheus text metrics of the API: requests, latencies and errors, per route.

Each uvicorn worker counts in its own process. With a shared folder (``topology serve``
sets ``TOPOLOGY_METRICS_DIR`` for its workers), every worker also keeps a snapshot of its
counts there (written by a background thread, at most a second behind), and ``/metrics``
answers with the sum over all the workers of the server, whichever worker takes the
scrape: its own live counts plus the others' snapshots. Snapshots of workers that
ended stay in the sum, so counters never go down while the server runs.
"""

from __future__ import annotations

import bisect
import json
import logging
import os
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
METRICS_DIR_VARIABLE = "TOPOLOGY_METRICS_DIR"
SNAPSHOT_INTERVAL = 1.0  # seconds between a worker's snapshots

log = logging.getLogger(__name__)


class Metrics:
    def __init__(self, share_dir: Path | None = None, worker: str | None = None) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, str, int], int] = defaultdict(int)
        self.graphql_errors: dict[str, int] = defaultdict(int)
        self.buckets: dict[str, list[int]] = defaultdict(lambda: [0] * len(BUCKETS))
        self.sums: dict[str, float] = defaultdict(float)
        self.counts: dict[str, int] = defaultdict(int)
        self.share_dir = share_dir
        self._snapshot_file = (share_dir / f"worker-{worker or os.getpid()}.json"
                               if share_dir else None)
        self._dirty = threading.Event()
        self._flusher: threading.Thread | None = None

    @classmethod
    def from_environment(cls) -> Metrics:
        folder = os.environ.get(METRICS_DIR_VARIABLE)
        return cls(Path(folder) if folder else None)

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        with self._lock:
            self.requests[(route, method, status)] += 1
            index = bisect.bisect_left(BUCKETS, seconds)
            if index < len(BUCKETS):
                self.buckets[route][index] += 1
            self.sums[route] += seconds
            self.counts[route] += 1
        self._changed()

    def graphql_error(self, kind: str) -> None:
        with self._lock:
            self.graphql_errors[kind] += 1
        self._changed()

    # -- sharing between workers -----------------------------------------------------------

    def _state(self) -> dict[str, Any]:
        with self._lock:
            return {"requests": [[r, m, s, n] for (r, m, s), n in self.requests.items()],
                    "graphql_errors": dict(self.graphql_errors),
                    "buckets": {k: list(v) for k, v in self.buckets.items()},
                    "sums": dict(self.sums), "counts": dict(self.counts)}

    def _changed(self) -> None:
        if self._snapshot_file is None:
            return
        self._dirty.set()
        if self._flusher is None:
            with self._lock:
                if self._flusher is None:
                    self._flusher = threading.Thread(target=self._flush_forever, daemon=True,
                                                     name="metrics-snapshot")
                    self._flusher.start()

    def _flush_forever(self) -> None:
        """Write the snapshot at most once a SNAPSHOT_INTERVAL, whenever counts changed
        (off the request path: a request only sets a flag)."""
        while True:
            self._dirty.wait()
            self._dirty.clear()
            self.snapshot()
            time.sleep(SNAPSHOT_INTERVAL)

    def snapshot(self) -> None:
        """Write this worker's counts to the shared folder (atomically replaced)."""
        if self._snapshot_file is None:
            return
        tmp = self._snapshot_file.with_name(f".{self._snapshot_file.name}.tmp")
        try:
            tmp.write_text(json.dumps(self._state()), encoding="utf-8")
            os.replace(tmp, self._snapshot_file)
        except OSError as exc:  # metrics must never fail a request
            log.warning("metrics snapshot not written to %s: %s", self.share_dir, exc)

    def _combined(self) -> Metrics:
        """This worker's live counts plus the other workers' latest snapshots."""
        total = Metrics()
        states = [self._state()]
        if self.share_dir is not None:
            for path in sorted(self.share_dir.glob("worker-*.json")):
                if path == self._snapshot_file:
                    continue
                try:
                    states.append(json.loads(path.read_text(encoding="utf-8")))
                except (OSError, ValueError):
                    continue  # being replaced right now, or gone: next scrape has it
        for state in states:
            for route, method, status, count in state["requests"]:
                total.requests[(route, method, int(status))] += count
            for kind, count in state["graphql_errors"].items():
                total.graphql_errors[kind] += count
            for route, counts in state["buckets"].items():
                total.buckets[route] = [a + b for a, b in
                                        zip(total.buckets[route], counts, strict=True)]
            for route, value in state["sums"].items():
                total.sums[route] += value
            for route, count in state["counts"].items():
                total.counts[route] += count
        return total

    def render(self) -> str:
        """The Prometheus text of every worker of this server together."""
        return self._combined()._render_own()

    def _render_own(self) -> str:
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

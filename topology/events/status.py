"""A listener's figures: counted in memory, written to its :Listener node every few seconds,
read back by ``topology listen --status`` and ``/metrics`` (any API replica sees every
listener's figures, wherever it runs).

Counters per event type and outcome (applied, unchanged, ignored, unknown, retry, dead),
the lag (from a notification's timestamp to its commit, the last and the largest since the
previous write), the queue's depth, the dead letters waiting, and the last error.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from topology.events.processing import OUTCOMES, Verdict
from topology.processes import runner_name
from topology.store import GraphStore
from topology.store.queries import query

HEARTBEAT_STALE = 30.0  # seconds without a status write before a listener counts as down


@dataclass
class ListenerStats:
    """What one listener counted since it started (thread-safe)."""

    environment: str
    queue: str = ""
    runner: str = field(default_factory=runner_name)
    started_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    state: str = "starting"
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    lag_last: float = 0.0
    lag_max: float = 0.0
    queue_depth: int = -1
    dead_depth: int = -1
    dead_letters: int = 0
    last_error: str = ""
    last_error_at: dt.datetime | None = None
    batches: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, verdicts: list[Verdict], committed_at: dt.datetime) -> None:
        with self._lock:
            self.batches += 1
            for verdict in verdicts:
                self.counts[(verdict.event_type or "-", verdict.outcome)] += 1
                if verdict.outcome == "dead":
                    self.dead_letters += 1
                    self._error(f"dead-lettered {verdict.event_type or 'a message'}: "
                                f"{verdict.reason}")
                note = verdict.notification
                if note is not None and verdict.outcome in ("applied", "unchanged"):
                    lag = max(0.0, (committed_at - note.timestamp).total_seconds())
                    self.lag_last = lag
                    self.lag_max = max(self.lag_max, lag)

    def error(self, text: str) -> None:
        with self._lock:
            self._error(text)

    def _error(self, text: str) -> None:
        self.last_error = text[:500]
        self.last_error_at = dt.datetime.now(dt.UTC)

    def totals(self) -> Counter[str]:
        with self._lock:
            totals: Counter[str] = Counter({outcome: 0 for outcome in OUTCOMES})
            for (_, outcome), count in self.counts.items():
                totals[outcome] += count
            return totals

    def properties(self) -> dict[str, Any]:
        """The :Listener node's properties (the maximal lag restarts after each write)."""
        totals = self.totals()
        with self._lock:
            by_type: dict[str, dict[str, int]] = {}
            for (event_type, outcome), count in sorted(self.counts.items()):
                by_type.setdefault(event_type, {})[outcome] = count
            props = {
                "state": self.state, "runner": self.runner, "queue": self.queue,
                "started_at": self.started_at, "counts": json.dumps(by_type, sort_keys=True),
                "lag_seconds": round(self.lag_last, 4), "lag_max_seconds": round(self.lag_max, 4),
                "queue_depth": self.queue_depth, "dead_letter_depth": self.dead_depth,
                "dead_letters": self.dead_letters, "batches": self.batches,
                "last_error": self.last_error or None, "last_error_at": self.last_error_at,
                **{f"total_{outcome}": totals[outcome] for outcome in OUTCOMES},
            }
            self.lag_max = self.lag_last
        return props

    def write(self, store: GraphStore) -> None:
        store.write(query("listener_status_write"), environment=self.environment,
                    props=self.properties())


def read_statuses(store: GraphStore, environment: str | None = None) -> list[dict[str, Any]]:
    """Every listener's figures (or one environment's), each with ``up`` (written within
    :data:`HEARTBEAT_STALE` seconds and running) and ``counts`` decoded."""
    rows = store.read(query("listener_status_read"), environment=environment)
    statuses = []
    for row in rows:
        props = dict(row["props"])
        try:
            props["counts"] = json.loads(props.get("counts") or "{}")
        except ValueError:
            props["counts"] = {}
        props["age_seconds"] = row["age"]
        props["up"] = props.get("state") == "running" and row["age"] <= HEARTBEAT_STALE
        statuses.append(props)
    return statuses


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def metrics_text(statuses: list[dict[str, Any]]) -> str:
    """Prometheus text for the listeners' figures."""
    lines = [
        "# HELP topology_events_total Notifications handled by the listener, by environment, "
        "event type and outcome.",
        "# TYPE topology_events_total counter",
    ]
    for status in statuses:
        env = _label(str(status.get("environment")))
        for event_type, outcomes in sorted(status["counts"].items()):
            for outcome, count in sorted(outcomes.items()):
                lines.append(f'topology_events_total{{environment="{env}",event_type='
                             f'"{_label(event_type)}",outcome="{_label(outcome)}"}} {count}')
    gauges = (
        ("topology_listener_up", "1 when the environment's listener reported within "
         f"{HEARTBEAT_STALE:.0f} s.", lambda s: 1 if s["up"] else 0),
        ("topology_events_lag_seconds", "Seconds from a notification's timestamp to its "
         "commit (the last one).", lambda s: s.get("lag_seconds") or 0),
        ("topology_events_lag_max_seconds", "The largest lag between two status writes.",
         lambda s: s.get("lag_max_seconds") or 0),
        ("topology_events_queue_depth", "Notifications waiting in the listener's queue "
         "(-1: unknown).", lambda s: s.get("queue_depth", -1)),
        ("topology_events_dead_letters", "Messages waiting in the dead-letter queue "
         "(-1: unknown).", lambda s: s.get("dead_letter_depth", -1)),
        ("topology_events_dead_lettered_total", "Messages this listener dead-lettered "
         "since it started.", lambda s: s.get("dead_letters") or 0),
    )
    for name, help_text, value in gauges:
        kind = "counter" if name.endswith("_total") else "gauge"
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
        for status in statuses:
            env = _label(str(status.get("environment")))
            lines.append(f'{name}{{environment="{env}"}} {value(status)}')
    return "\n".join(lines) + "\n"


def format_status(status: dict[str, Any]) -> list[str]:
    """``topology listen --status``: one block per environment."""
    state = status.get("state")
    up = "up" if status["up"] else f"DOWN (last report {status['age_seconds']} s ago)"
    lines = [f"{status.get('environment')}: {state}, {up}, runner {status.get('runner')}, "
             f"queue {status.get('queue')}",
             f"  waiting {status.get('queue_depth')}, dead letters waiting "
             f"{status.get('dead_letter_depth')} (dead-lettered since start "
             f"{status.get('dead_letters')}), lag {status.get('lag_seconds')} s "
             f"(max {status.get('lag_max_seconds')} s)"]
    totals = ", ".join(f"{outcome} {status.get(f'total_{outcome}', 0)}" for outcome in OUTCOMES)
    lines.append(f"  totals: {totals}")
    for event_type, outcomes in sorted(status["counts"].items()):
        text = ", ".join(f"{outcome} {count}" for outcome, count in sorted(outcomes.items()))
        lines.append(f"    {event_type}: {text}")
    if status.get("last_error"):
        lines.append(f"  last error ({status.get('last_error_at')}): {status['last_error']}")
    return lines

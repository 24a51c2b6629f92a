"""Benchmark: Sensu check results applied through ``POST /sensu/events`` and the handler
command.

    python -m bench.sensu [--objects 20000] [--batch 100] [--concurrency 4] [--workers 2]

Loads a demo environment (``bench-sensu``; reused when there), takes every check name the
provisioning (``topology sensu-config``) writes for it, starts ``topology serve`` on a free
loopback port and sends results, each round flipping every check's status (OK <-> Error,
newer each round), so that every result is a change that writes (status, history, the
otep and vEdge-pNIC roll-ups):

- ``batched``: lists of ``--batch`` results per request from ``--concurrency`` clients;
- ``one_per_request`` (the baseline, same run): one result per request, same clients;
- ``handler_command``: ``topology sensu-handler`` as Sensu 1.x runs a pipe handler, one
  process per event (wall time per event), and one process for a list.

Every answer is checked: HTTP 200 and each result applied; after the rounds the graph
holds the status sent for every target (an otep: its ports' roll-up). The target (issue
#19) is at least 1,000 results/s through the endpoint. JSON in ``bench/results/``.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from bench.common import (
    ensure_demo_environment,
    machine,
    start_server,
    timestamp,
    warm_up,
    write_result,
)
from topology.config import load_config
from topology.net import free_port
from topology.runtime import open_store
from topology.sensu.provision import build_plan
from topology.store.graph_store import GraphStore

ENVIRONMENT = "bench-sensu"
TARGET_RESULTS_PER_SECOND = 1000.0
EXECUTED_BASE = 1_800_000_000  # epoch seconds; each round is a second newer


def _events(names: Sequence[str], status: int, executed: int) -> list[dict[str, Any]]:
    """Sensu Go events (what its HTTP handler posts) for ``names``."""
    return [{"entity": {"metadata": {"name": "bench", "labels": {"environment": ENVIRONMENT}}},
             "check": {"metadata": {"name": name}, "status": status,
                       "output": "bench", "executed": executed}} for name in names]


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class Rounds:
    """Sends rounds of results; each round flips every status and is a second newer."""

    def __init__(self, url: str, token: str, names: Sequence[str], concurrency: int) -> None:
        self.url = url
        self.headers = {"Authorization": f"Bearer {token}"}
        self.names = names
        self.concurrency = concurrency
        self.round = 0

    def next_status(self) -> tuple[int, int]:
        self.round += 1
        return (2 if self.round % 2 else 0), EXECUTED_BASE + self.round

    def send(self, names: Sequence[str], per_request: int) -> dict[str, Any]:
        """One round over ``names``; every answer checked."""
        status, executed = self.next_status()
        bodies = [_events(chunk, status, executed) for chunk in _chunks(names, per_request)]

        def post(client: httpx.Client, body: list[dict[str, Any]]) -> None:
            answer = client.post(self.url, json=body if len(body) > 1 else body[0],
                                 headers=self.headers)
            _check_answer(answer, len(body))

        started = time.perf_counter()
        with httpx.Client(timeout=120, limits=httpx.Limits(
                max_connections=self.concurrency)) as client, \
                ThreadPoolExecutor(self.concurrency) as pool:
            list(pool.map(lambda body: post(client, body), bodies))
        seconds = time.perf_counter() - started
        return {"results": len(names), "requests": len(bodies), "seconds": round(seconds, 3),
                "results_per_second": round(len(names) / seconds, 1), "status": status}


def _check_answer(answer: httpx.Response, expected: int) -> None:
    if answer.status_code != 200:
        raise SystemExit(f"POST /sensu/events answered {answer.status_code}: "
                         f"{answer.text[:300]}")
    outcomes = answer.json()["results"]
    if len(outcomes) != expected:
        raise SystemExit(f"{expected} results sent, {len(outcomes)} outcomes answered")
    for outcome in outcomes:  # an otep's later ports leave its roll-up unchanged
        if outcome.get("outcome") not in ("changed", "unchanged"):
            raise SystemExit(f"a result was not applied: {outcome}")


def _check_graph(store: GraphStore, names: Sequence[str], status: int) -> None:
    """Every target of ``names`` holds ``status`` (otep ports: the otep's roll-up)."""
    from topology.sensu.handler import SensuHandler
    from topology.sensu.names import LinkReading

    targets = SensuHandler(store).targets(ENVIRONMENT, names)
    objects = sorted({t.object_id for t in targets.values()
                      if not isinstance(t, LinkReading | Exception)})
    links = [{"s": t.source_id, "t": t.target_id} for t in targets.values()
             if isinstance(t, LinkReading)]
    wrong = store.read("""
        CALL () { UNWIND $objects AS id
                  MATCH (n:Object {environment: $e, id: id}) WHERE n.status_value <> $v
                  RETURN count(n) AS a }
        CALL () { UNWIND $links AS l
                  MATCH (:Object {environment: $e, id: l.s})-[r]->(:Object {id: l.t})
                  WHERE r.status_value <> $v RETURN count(r) AS b }
        RETURN a + b AS wrong""", e=ENVIRONMENT, objects=objects, links=links, v=status)
    if wrong[0]["wrong"]:
        raise SystemExit(f"{wrong[0]['wrong']} targets do not hold the status sent")


def _handler_command(names: Sequence[str], runs: int, list_size: int) -> dict[str, Any]:
    """``topology sensu-handler`` wall time: one process per event, and one for a list."""
    command = [sys.executable, "-m", "topology.cli", "--log-level", "WARNING",
               "sensu-handler"]
    timings = []
    for i in range(runs):
        event = _events([names[i % len(names)]], i % 2 * 2, EXECUTED_BASE + 10_000 + i)[0]
        started = time.perf_counter()
        done = subprocess.run(command, input=json.dumps(event), text=True,
                              capture_output=True, env=os.environ.copy())
        timings.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise SystemExit(f"sensu-handler failed: {done.stderr.strip()}")
    batch = _events(names[:list_size], 1, EXECUTED_BASE + 20_000)
    started = time.perf_counter()
    done = subprocess.run(command, input=json.dumps(batch), text=True, capture_output=True)
    list_seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"sensu-handler failed on a list: {done.stderr.strip()}")
    return {"one_event_per_process_ms": {
                "runs": runs, "p50": round(statistics.median(timings) * 1000, 1),
                "min": round(min(timings) * 1000, 1), "max": round(max(timings) * 1000, 1)},
            "list_per_process": {"events": len(batch), "seconds": round(list_seconds, 3),
                                 "ms_per_event": round(list_seconds * 1000 / len(batch), 2)}}


def run(objects: int, batch: int, concurrency: int, workers: int, baseline_results: int,
        handler_runs: int, warm_up_seconds: float) -> dict[str, Any]:
    config = load_config()
    token = secrets.token_urlsafe(24)
    port = free_port()
    with open_store(config) as store:
        loaded = ensure_demo_environment(store, ENVIRONMENT, objects)
        names = [check.name for check in build_plan(store, ENVIRONMENT).checks]
        print(f"{len(names):,} check names provisioned for {ENVIRONMENT}", file=sys.stderr)
        server = start_server(port, token, workers)
        try:
            rounds = Rounds(f"http://127.0.0.1:{port}/sensu/events", token, names,
                            concurrency)
            warm = warm_up("(results/s)", lambda: rounds.send(
                names[:2000], batch)["results_per_second"], warm_up_seconds)
            batched = [rounds.send(names, batch) for _ in range(3)]
            _check_graph(store, names, batched[-1]["status"])
            one = rounds.send(names[:baseline_results], 1)
            _check_graph(store, names[:baseline_results], one["status"])
        finally:
            server.terminate()
            server.wait(timeout=60)
        command = _handler_command(names, handler_runs, min(len(names), 1000))
    median = sorted(batched, key=lambda r: r["results_per_second"])[1]
    speedup = round(median["results_per_second"] / one["results_per_second"], 1)
    met = median["results_per_second"] >= TARGET_RESULTS_PER_SECOND
    print(f"batched ({batch} per request, {concurrency} clients): "
          f"{median['results_per_second']:,} results/s (median of 3); one per request: "
          f"{one['results_per_second']:,} results/s ({speedup}x); handler command: "
          f"{command['one_event_per_process_ms']['p50']} ms per event (p50), "
          f"{command['list_per_process']['ms_per_event']} ms per event in a list; target "
          f">= {TARGET_RESULTS_PER_SECOND:g}/s {'met' if met else 'not met'}",
          file=sys.stderr)
    return {"benchmark": "sensu", "timestamp": timestamp(), "machine": machine(),
            "neo4j": config.bolt_uri, "objects": loaded, "check_names": len(names),
            "uvicorn_workers": workers, "clients": concurrency, "results_per_request": batch,
            "warm_up_results_per_second": warm, "batched_rounds": batched,
            "batched": median, "one_per_request": one,
            "speedup_batched_vs_one_per_request": speedup, "handler_command": command,
            "target": {"results_per_second_at_least": TARGET_RESULTS_PER_SECOND,
                       "met": met}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sensu", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objects", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=100, help="results per request")
    parser.add_argument("--concurrency", type=int, default=4, help="concurrent clients")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="uvicorn worker processes (default: one per CPU)")
    parser.add_argument("--baseline-results", type=int, default=1000,
                        help="results sent one per request (the baseline)")
    parser.add_argument("--handler-runs", type=int, default=10,
                        help="handler processes timed, one event each")
    parser.add_argument("--warm-up-seconds", type=float, default=20.0)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    result = run(args.objects, args.batch, args.concurrency, args.workers,
                 args.baseline_results, args.handler_runs, args.warm_up_seconds)
    write_result("sensu", result, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())

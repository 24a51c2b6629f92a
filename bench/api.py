"""Benchmark: the instance ``clique`` query over HTTP (GraphQL API under uvicorn).

    python -m bench.api [--objects 100000] [--requests 2000] [--workers 1]

Loads the clique benchmark's environment (``bench.cliques``; reused when there), starts
``topology serve`` on a free loopback port, and sends the instance ``clique`` query for
randomly chosen focal points at concurrency 1 and 16 (a bounded number of requests,
loopback only). The baseline in the same run is the same clique through the Python
service directly (no HTTP, no GraphQL). Reports requests/s and p50/p95/p99 in ms; JSON in
``bench/results/``.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from bench.cliques import ENVIRONMENT, _ensure_environment, _percentiles
from bench.common import machine, timestamp, write_result
from topology.cliques.service import CliqueService
from topology.config import load_config
from topology.runtime import open_store

QUERY = """query($e: String!, $f: String!) { clique(environment: $e, focalPoint: $f) {
  status focalPoint { id type } nodes { id type name status }
  links { linkType sourceId targetId state status network } } }"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_server(port: int, token: str, workers: int) -> subprocess.Popen[str]:
    env = dict(os.environ, TOPOLOGY_ADMIN_TOKEN=token)
    process = subprocess.Popen(
        [sys.executable, "-m", "topology.cli", "--log-level", "WARNING", "serve", "--port",
         str(port), "--workers", str(workers)], env=env, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        if process.poll() is not None:
            raise SystemExit("topology serve exited before it answered")
        time.sleep(0.3)
    process.kill()
    raise SystemExit("topology serve did not answer within 120 s")


def _http_round(url: str, token: str, focal: list[str], concurrency: int) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    per_worker = [focal[i::concurrency] for i in range(concurrency)]

    def worker(ids: list[str]) -> list[float]:
        timings = []
        with httpx.Client(headers=headers, timeout=30) as client:
            for focal_id in ids:
                started = time.perf_counter()
                response = client.post(url, json={"query": QUERY, "variables": {
                    "e": ENVIRONMENT, "f": focal_id}})
                timings.append((time.perf_counter() - started) * 1000)
                body = response.json()
                if response.status_code != 200 or body.get("errors"):
                    raise SystemExit(f"request failed: {response.status_code} {body}")
        return timings

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        timings = [t for part in pool.map(worker, per_worker) for t in part]
    elapsed = time.perf_counter() - started
    return {"concurrency": concurrency, "requests": len(timings),
            "requests_per_second": round(len(timings) / elapsed, 1),
            "latency_ms": _percentiles(timings)}


def run(objects: int, requests: int, workers: int, seed: int) -> dict[str, Any]:
    config = load_config()
    with open_store(config) as store:
        loaded = _ensure_environment(store, objects)
        service = CliqueService(store)
        ids = service.focal_points(ENVIRONMENT, ["instance"])["instance"]
        rng = random.Random(seed)
        focal = [rng.choice(ids) for _ in range(requests)]
        for focal_id in focal[:50]:
            service.clique(ENVIRONMENT, focal_id)
        direct = []
        for focal_id in focal[: min(requests, 500)]:
            started = time.perf_counter()
            service.clique(ENVIRONMENT, focal_id)
            direct.append((time.perf_counter() - started) * 1000)
    token = secrets.token_urlsafe(24)
    port = _free_port()
    server = _start_server(port, token, workers)
    url = f"http://127.0.0.1:{port}/graphql"
    try:
        _http_round(url, token, focal[: min(200, requests)], 4)  # warm-up
        rounds = [_http_round(url, token, focal, c) for c in (1, 16)]
    finally:
        server.terminate()
        server.wait(timeout=60)
    for entry in rounds:
        print(f"concurrency {entry['concurrency']}: {entry['requests_per_second']} req/s, "
              f"p50 {entry['latency_ms']['p50']} ms, p99 {entry['latency_ms']['p99']} ms",
              file=sys.stderr)
    return {"benchmark": "api", "timestamp": timestamp(), "machine": machine(),
            "neo4j": config.bolt_uri, "objects": loaded, "uvicorn_workers": workers,
            "query": QUERY, "direct_service_ms": _percentiles(direct),
            "http": {f"concurrency_{r['concurrency']}": r for r in rounds}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.api", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=2000,
                        help="requests per concurrency level")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    write_result("api", run(args.objects, args.requests, args.workers, args.seed),
                 args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())

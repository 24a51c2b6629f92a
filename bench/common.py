"""What every benchmark shares: where results go and what machine produced them."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from loaders.calipso import transform
from topology.demo import generate, shape_for_objects
from topology.store import GraphStore

RESULTS = Path(__file__).resolve().parent / "results"


def timestamp() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def machine() -> dict[str, Any]:
    return {"python": platform.python_version(), "cpus": os.cpu_count(),
            "platform": platform.platform()}


def write_result(name: str, result: dict[str, Any], output: Path | None = None) -> Path:
    """Write ``bench/results/<name>-<timestamp>.json`` (or ``output``) and
    ``<name>-latest.json``; print the JSON on stdout."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = result["timestamp"].replace(":", "").replace("-", "")
    path = output or RESULTS / f"{name}-{stamp}.json"
    text = json.dumps(result, indent=2, sort_keys=True) + "\n"
    path.write_text(text, encoding="utf-8")
    (RESULTS / f"{name}-latest.json").write_text(text, encoding="utf-8")
    print(text, end="")
    print(f"written to {path}", file=sys.stderr)
    return path


def warm_up(what: str, one_round: Callable[[], float], least_seconds: float) -> list[float]:
    """Run ``one_round`` (which returns a figure: a median, a rate) for at least
    ``least_seconds``, then on until a round's figure is within 10% of the one before,
    at most three times as long; returns the figures.

    A Neo4j just started answers several times slower until its JIT has compiled the
    queries (thousands of runs, minutes on 2 cores) and its page cache holds the data.
    """
    figures: list[float] = []
    started = time.monotonic()
    while True:
        figures.append(one_round())
        elapsed = time.monotonic() - started
        settled = (len(figures) >= 2 and figures[-2] > 0
                   and abs(figures[-1] - figures[-2]) <= 0.1 * figures[-2])
        if (elapsed >= least_seconds and settled) or elapsed >= 3 * least_seconds:
            break
    print(f"warm-up {what}: {len(figures)} rounds in {elapsed:.0f} s, last "
          f"{[round(f, 2) for f in figures[-4:]]}", file=sys.stderr)
    return figures


def start_server(port: int, token: str, workers: int) -> subprocess.Popen[str]:
    """``topology serve`` on a loopback port with ``token`` as its admin token, once it
    answers ``/healthz``; the caller terminates it."""
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


def ensure_demo_environment(store: GraphStore, environment: str, objects: int) -> int:
    """A demo environment of at least ``objects`` objects, reused when there (loading
    100,000 objects takes a while); returns how many objects it holds."""
    have = store.count_labels(environment).get("Object", 0)
    if have >= objects:
        print(f"reusing environment {environment} ({have:,} objects)", file=sys.stderr)
        return have
    print(f"loading about {objects:,} objects into {environment}...", file=sys.stderr)
    store.drop_environment(environment)
    collections = generate(shape_for_objects(objects, environment=environment))
    env_props, _ = transform.environment_config(collections["environments_config"][0])
    store.upsert_environment(environment, env_props)
    records = [transform.inventory_object(environment, d) for d in collections["inventory"]]
    assert store.upsert_objects(records).ok
    assert store.upsert_links(
        [transform.link(environment, d) for d in collections["links"]]).ok
    return len(records)

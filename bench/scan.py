"""Benchmark: a full scan of a sandbox cloud, and where its time goes.

    python -m bench.scan [--hosts 200] [--instances 4000] [--rescans 1] [--no-baseline]

Starts a sandbox (``topology sandbox start``: its OpenStack API over HTTP, its MariaDB, its
hosts over SSH) in a temporary folder, then scans it in process into an empty environment
(the first scan creates every node and relationship), and again (``--rescans``: the
steady state, where every object is seen again and nothing is created). The baseline, in
the same run: importing the same cloud's Calipso export (what writing the same graph costs
without reading any source).

Every answer is checked: each scan must end ``completed`` and the graph must hold exactly
the objects (ids) and links (type, ends) of the cloud's Calipso view. Reports objects/s,
links/s and seconds per phase (api, db, inventory, ssh, links, write, cleanup, implicit
links). The target (issue "Loaders"): 200 hosts / 4,000 instances in under 3 minutes.
JSON in ``bench/results/``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import machine, timestamp, write_result
from loaders.calipso.importer import CalipsoImporter
from loaders.scan.scanner import Scanner, ScanOutcome
from topology.config import load_config
from topology.demo import write_export
from topology.demo.generator import generate_cloud
from topology.environments import load_environments
from topology.runtime import open_store
from topology.sandbox.model import build
from topology.sandbox.settings import SandboxSettings
from topology.store import GraphStore

ENVIRONMENT = "bench-scan"
BASELINE = "bench-scan-import"
TARGET_SECONDS = {(200, 4000): 180.0, (1000, 20000): 900.0}


def _sandbox(state_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, TOPOLOGY_STATE_DIR=str(state_dir))
    return subprocess.run([sys.executable, "-m", "topology.cli", "sandbox", *args], env=env,
                          capture_output=True, text=True, timeout=1800, check=False)


def _graph(store: GraphStore, environment: str) -> tuple[set[str], set[tuple[str, str, str]]]:
    objects = {row["id"] for row in store.read(
        "MATCH (n:Object) WHERE n.environment = $e AND n.id IS NOT NULL RETURN n.id AS id",
        e=environment)}
    links = {(row["t"], row["s"], row["d"]) for row in store.read(
        "MATCH (s:Object)-[r]->(d:Object) WHERE s.environment = $e AND s.id IS NOT NULL "
        "AND r.link_type IS NOT NULL AND NOT r.implicit "
        "RETURN r.link_type AS t, s.id AS s, d.id AS d", e=environment)}
    return objects, links


def _check(store: GraphStore, environment: str, expected_objects: set[str],
           expected_links: set[tuple[str, str, str]]) -> None:
    objects, links = _graph(store, environment)
    if objects != expected_objects:
        raise SystemExit(f"{environment}: {len(objects ^ expected_objects)} objects differ "
                         f"from the cloud's (e.g. {sorted(objects ^ expected_objects)[:5]})")
    if links != expected_links:
        raise SystemExit(f"{environment}: {len(links ^ expected_links)} links differ from "
                         f"the cloud's (e.g. {sorted(links ^ expected_links)[:5]})")


def _scan_figures(outcome: ScanOutcome) -> dict[str, Any]:
    total = outcome.timings.get("total", 0.0)
    return {"status": outcome.status, "seconds": round(total, 2),
            "objects": outcome.objects, "links": outcome.links,
            "objects_per_second": round(outcome.objects / total, 1) if total else None,
            "links_per_second": round(outcome.links / total, 1) if total else None,
            "phases": {k: round(v, 2) for k, v in outcome.timings.items() if k != "total"},
            "errors": outcome.errors[:10]}


def run(hosts: int, instances: int, rescans: int, baseline: bool) -> dict[str, Any]:
    config = load_config()
    with tempfile.TemporaryDirectory(prefix="bench-scan-") as folder:
        state_dir = Path(folder)
        clock = time.perf_counter()
        started = _sandbox(state_dir, "start", "--environment", ENVIRONMENT, "--hosts",
                           str(hosts), "--instances", str(instances), "--amqp", "none",
                           "--clouds-yaml", "none")
        if started.returncode != 0:
            raise SystemExit(f"the sandbox did not start:\n{started.stdout}{started.stderr}")
        sandbox_seconds = time.perf_counter() - clock
        try:
            settings = SandboxSettings.from_json(
                (state_dir / "sandbox" / "settings.json").read_text(encoding="utf-8"))
            view = generate_cloud(build(settings.shape))
            expected_objects = {doc["id"] for doc in view["inventory"]}
            expected_links = {(d["link_type"], d["source_id"], d["target_id"])
                              for d in view["links"]}
            os.environ["TOPOLOGY_STATE_DIR"] = str(state_dir)
            environment = load_environments(load_config())[ENVIRONMENT]
            result: dict[str, Any] = {
                "benchmark": "scan", "timestamp": timestamp(), "machine": machine(),
                "hosts": hosts, "instances": instances,
                "cloud": {"objects": len(expected_objects), "links": len(expected_links)},
                "sandbox_start_seconds": round(sandbox_seconds, 1), "scans": []}
            with open_store(config) as store:
                store.drop_environment(ENVIRONMENT)
                for round_ in range(1 + rescans):
                    outcome = Scanner(store, environment).run()
                    figures = _scan_figures(outcome)
                    figures["graph"] = "empty" if round_ == 0 else "rescan"
                    print(f"scan {round_ + 1}: {figures}", file=sys.stderr)
                    if outcome.status != "completed":
                        raise SystemExit(f"scan {round_ + 1} ended {outcome.status}: "
                                         f"{outcome.errors[:5]}")
                    _check(store, ENVIRONMENT, expected_objects, expected_links)
                    result["scans"].append(figures)
                if baseline:
                    store.drop_environment(BASELINE)
                    paths = write_export(state_dir / "export",
                                         {k: view[k] for k in ("inventory", "links")})
                    clock = time.perf_counter()
                    report = CalipsoImporter(store, BASELINE).run(paths.values())
                    seconds = time.perf_counter() - clock
                    if not report.ok:
                        raise SystemExit("the baseline import failed:\n" + report.format())
                    _check(store, BASELINE, expected_objects, expected_links)
                    result["baseline_import"] = {"seconds": round(seconds, 2)}
                    result["first_scan_vs_import"] = round(
                        result["scans"][0]["seconds"] / seconds, 2)
                    store.drop_environment(BASELINE)
                store.drop_environment(ENVIRONMENT)
        finally:
            _sandbox(state_dir, "stop")
    target = TARGET_SECONDS.get((hosts, instances))
    if target is not None:
        result["target_seconds"] = target
        result["target_met"] = result["scans"][0]["seconds"] < target
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--instances", type=int, default=4000)
    parser.add_argument("--rescans", type=int, default=1,
                        help="scans after the first (the steady state; default 1)")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip importing the cloud's Calipso export")
    parser.add_argument("--output", type=Path, help="JSON file (default bench/results/)")
    args = parser.parse_args(argv)
    result = run(args.hosts, args.instances, args.rescans, not args.no_baseline)
    write_result("scan", result, args.output)
    return 0 if result.get("target_met", True) else 1


if __name__ == "__main__":
    sys.exit(main())

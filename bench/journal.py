"""Benchmark: what the topology journal adds to each change set's transaction.

    python -m bench.journal [--change-sets 2000] [--block 250] [--warm-up 200]
                            [--batches 40] [--batch-size 200]

Applies ``--change-sets`` small change sets one after the other, each in its own
transaction (``GraphStore.apply``): an instance, its vNIC and their link, all new, as an
``instance create`` event writes them. Half of them with the journal (one
``(:TopologyChange)`` per change set, written in its transaction), half without
(``journal_items=0``), alternating in blocks of ``--block`` so that drift (the JIT, the
page cache, the shared machine) falls on both alike, after ``--warm-up`` of each.
Reports per change set the mean, median and p95 in milliseconds, and the difference.
Then the listener's way, ``--batches`` batches of ``--batch-size`` such change sets merged
into one (``apply_all(merged(...))``: one transaction, one journal entry listing them all),
alternating likewise.
Everything it writes (a ``bench-journal-*`` environment, its journal entries) is removed
at the end; the journal's index is created if missing (``cypher/schema.cypher``). JSON in
``bench/results/``.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
import uuid
from typing import Any

from bench.common import machine, timestamp, write_result
from topology.config import load_config
from topology.runtime import ensure_neo4j
from topology.store import ChangeSet, GraphStore, Provenance, link_record, object_record
from topology.store.changes import merged
from topology.store.driver import open_driver
from topology.store.queries import statements


def _change_set(environment: str, n: int) -> ChangeSet:
    vm, tap = f"vm-{n}", f"tap-{n}"
    change = ChangeSet(environment, Provenance("event", "nova"))
    change.upsert_object(object_record(environment, {
        "id": vm, "type": "instance", "name": vm, "parent_id": "host-1"}))
    change.upsert_object(object_record(environment, {
        "id": tap, "type": "vnic", "name": tap, "parent_id": vm}))
    change.upsert_link(link_record(environment, {
        "source_id": vm, "target_id": tap, "link_type": "instance-vnic"}))
    return change


def _summary(seconds: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in seconds)
    return {"count": len(ms), "mean_ms": round(statistics.fmean(ms), 3),
            "median_ms": round(statistics.median(ms), 3),
            "p95_ms": round(ms[int(len(ms) * 0.95) - 1], 3)}


def run(change_sets: int, block: int, warm_up: int, batches: int = 40,
        batch_size: int = 200) -> dict[str, Any]:
    config = load_config()
    driver = open_driver(config, ensure_neo4j(config))
    stores = {"journal": GraphStore(driver, database=config.neo4j.database),
              "none": GraphStore(driver, database=config.neo4j.database, journal_items=0)}
    environment = f"bench-journal-{uuid.uuid4().hex[:8]}"
    index = [s for s in statements("schema") if "topology_change_recorded" in s]
    stores["none"].write(index[0])
    counter = itertools.count()
    times: dict[str, list[float]] = {"journal": [], "none": []}
    batch_times: dict[str, list[float]] = {"journal": [], "none": []}
    try:
        stores["none"].apply(ChangeSet(environment).upsert_object(object_record(
            environment, {"id": "host-1", "type": "host", "name": "host-1",
                          "parent_id": environment, "parent_type": "environment"})))
        for store in stores.values():
            for _ in range(warm_up):
                store.apply(_change_set(environment, next(counter)))
        for round_ in range(max(1, change_sets // (2 * block))):
            order = list(stores.items()) if round_ % 2 == 0 else list(stores.items())[::-1]
            for mode, store in order:
                for _ in range(block):
                    started = time.perf_counter()
                    store.apply(_change_set(environment, next(counter)))
                    times[mode].append(time.perf_counter() - started)
        for round_ in range(batches):
            order = list(stores.items()) if round_ % 2 == 0 else list(stores.items())[::-1]
            for mode, store in order:
                batch = merged([_change_set(environment, next(counter))
                                for _ in range(batch_size)])
                started = time.perf_counter()
                store.apply_all(batch)
                batch_times[mode].append(time.perf_counter() - started)
        entries = stores["none"].read(
            "MATCH (c:TopologyChange) WHERE c.environment = $e AND c.recorded_at IS NOT "
            "NULL RETURN count(c) AS n", e=environment)[0]["n"]
    finally:
        stores["none"].drop_environment(environment)
        driver.close()
    with_journal, without = _summary(times["journal"]), _summary(times["none"])
    return {
        "benchmark": "journal", "timestamp": timestamp(), "machine": machine(),
        "neo4j": config.bolt_uri, "change_sets": len(times["journal"]) + len(times["none"]),
        "block": block, "warm_up": warm_up,
        "change_set": "an instance, its vNIC and their link, all new",
        "with_journal": with_journal, "without_journal": without,
        "journal_entries_written": entries,
        "added_mean_ms": round(with_journal["mean_ms"] - without["mean_ms"], 3),
        "added_median_ms": round(with_journal["median_ms"] - without["median_ms"], 3),
        "added_percent_of_mean": round(
            100 * (with_journal["mean_ms"] / without["mean_ms"] - 1), 1),
        "batches": {"count": batches, "change_sets_per_batch": batch_size,
                    "with_journal": _summary(batch_times["journal"]),
                    "without_journal": _summary(batch_times["none"])},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--change-sets", type=int, default=2000)
    parser.add_argument("--block", type=int, default=250)
    parser.add_argument("--warm-up", type=int, default=200)
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=200)
    args = parser.parse_args(argv)
    write_result("journal", run(args.change_sets, args.block, args.warm_up, args.batches,
                                args.batch_size))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark: clique latency, compiled Cypher vs Calipso's strategy, on the same Neo4j.

    python -m bench.cliques [--objects 100000] [--samples 300] [--calipso-samples 60]
                            [--warm-up-seconds 20]

Loads a generated environment of about ``--objects`` inventory objects (the demo
generator: Calipso's shapes) unless it is already there, then for instance, vservice and
network focal points measures, through the Python driver:

* the compiled query (``CliqueService.clique``: one round trip per focal point);
* Calipso's strategy on the same data: per link type, one query to choose the direction,
  then one query per known node, constraints checked in Python (``calipso_clique`` below).

Each is warmed up first (``--warm-up-seconds``, then until its median settles); then the
two are timed in turn on the same focal points. Both must give the same links for every
sampled focal point. Reports p50/p95/p99 in ms
and Neo4j ``PROFILE`` db hits of the compiled query; JSON in ``bench/results/``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import ensure_demo_environment, machine, timestamp, warm_up, write_result
from topology import catalogue
from topology.cliques.definitions import CliqueType
from topology.cliques.service import CliqueService
from topology.config import load_config
from topology.runtime import open_store
from topology.store import GraphStore

ENVIRONMENT = "bench-cliques"
FOCAL_TYPES = ("instance", "vservice", "network")
WARM_UP_SECONDS = 20.0  # per focal point type, compiled query (a third for Calipso's)


# -- Calipso's strategy, on Neo4j -------------------------------------------------------

def _matches(focal_value: Any, link_value: Any) -> bool:
    if link_value is None:
        return True
    if isinstance(focal_value, list):
        return link_value in focal_value
    return focal_value is not None and link_value == focal_value


def calipso_clique(store: GraphStore, clique_type: CliqueType, constraints: tuple[str, ...],
                   focal_id: str) -> tuple[set[tuple[str, str, str]], int]:
    """Calipso's clique finder, query for query: returns the links and the query count."""
    queries = 1
    focal = store.read("MATCH (f:Object {environment: $e, id: $id}) RETURN properties(f) AS p",
                       e=ENVIRONMENT, id=focal_id)[0]["p"]
    values = {c: focal.get(c) for c in constraints}
    known: dict[str, set[str]] = {clique_type.focal_point_type: {focal_id}}
    taken: set[tuple[str, str, str]] = set()
    implicit = "" if clique_type.use_implicit_links else " AND NOT coalesce(r.implicit, false)"
    for name in clique_type.link_types:
        link = catalogue.link_type(name)
        reverse = catalogue.link_type(link.reverse_name)
        backwards = False
        if reverse.name != link.name:
            queries += 1
            backwards = bool(store.read(
                f"MATCH (s:Object)-[r:{reverse.relationship_type}]->() "  # catalogue names
                f"WHERE s.environment = $e{implicit} RETURN 1 AS found LIMIT 1",
                e=ENVIRONMENT))
        stored = reverse if backwards else link
        added = False
        for node in sorted(known.get(link.source_type, set())):
            queries += 1
            arrow = (f"(a)<-[r:{stored.relationship_type}]-(b)" if backwards
                     else f"(a)-[r:{stored.relationship_type}]->(b)")
            rows = store.read(
                f"MATCH (a:Object {{environment: $e, id: $id}}) MATCH {arrow} "
                f"WHERE true{implicit} RETURN startNode(r).id AS s, endNode(r).id AS t, "
                "b.id AS far, properties(r) AS p", e=ENVIRONMENT, id=node)
            for row in rows:
                triple = (row["s"], stored.name, row["t"])
                if triple in taken:
                    continue
                if not all(_matches(values[c], row["p"].get(c)) for c in constraints):
                    continue
                taken.add(triple)
                known.setdefault(link.target_type, set()).add(row["far"])
                added = True
        if not added:
            break
    return taken, queries


# -- measurement ------------------------------------------------------------------------

def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)

    return {"p50": pick(0.50), "p95": pick(0.95), "p99": pick(0.99),
            "mean": round(statistics.fmean(ordered), 3), "samples": len(ordered)}


def _db_hits(store: GraphStore, text: str, focal_id: str) -> int:
    with store.driver.session(database=store.database) as session:
        summary = session.run("PROFILE " + text, environment=ENVIRONMENT,
                              focal_point=focal_id).consume()

    def total(plan: dict[str, Any]) -> int:
        return int(plan.get("dbHits", 0)) + sum(total(c) for c in plan.get("children", []))

    return total(summary.profile or {})


def _median_ms(call: Callable[[], Any], size: int) -> float:
    timings = []
    for _ in range(size):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def run(objects: int, samples: int, calipso_samples: int, seed: int,
        warm_up_seconds: float = WARM_UP_SECONDS) -> dict[str, Any]:
    config = load_config()
    result: dict[str, Any] = {}
    with open_store(config) as store:
        loaded = ensure_demo_environment(store, ENVIRONMENT, objects)
        service = CliqueService(store)
        focal = service.focal_points(ENVIRONMENT, list(FOCAL_TYPES))
        rng = random.Random(seed)
        for focal_type in FOCAL_TYPES:
            ids = focal[focal_type]
            picked = [rng.choice(ids) for _ in range(samples)]
            clique_type = service.clique_type_for(ENVIRONMENT, focal_type)
            constraints = service.constraints_for(focal_type)
            warm_up(f"{focal_type} (median ms of 50)", lambda ids=ids: _median_ms(
                lambda: service.clique(ENVIRONMENT, rng.choice(ids)), 50), warm_up_seconds)
            warm_up(f"{focal_type}, Calipso's strategy (median ms of 3)",
                    lambda ids=ids, definition=clique_type, names=constraints: _median_ms(
                        lambda: calipso_clique(store, definition, names, rng.choice(ids)), 3),
                    warm_up_seconds / 3)
            # Interleaved, so that a drift of the machine's speed touches both alike.
            compiled_ms, sizes, calipso_ms, queries = [], [], [], []
            for number, focal_id in enumerate(picked):
                started = time.perf_counter()
                clique = service.clique(ENVIRONMENT, focal_id)
                compiled_ms.append((time.perf_counter() - started) * 1000)
                sizes.append(len(clique.links))
                if number >= calipso_samples:
                    continue
                started = time.perf_counter()
                links, count = calipso_clique(store, clique_type, constraints, focal_id)
                calipso_ms.append((time.perf_counter() - started) * 1000)
                queries.append(count)
                mine = {(r["source_id"], r["link_type"], r["target_id"]) for r in clique.links}
                if mine != links:
                    raise SystemExit(f"{focal_type} {focal_id}: compiled and Calipso differ")
            text = service.compiled(ENVIRONMENT, clique_type)
            compiled = _percentiles(compiled_ms)
            calipso = _percentiles(calipso_ms)
            result[focal_type] = {
                "clique_type": clique_type.name,
                "focal_points_with_clique": len(ids),
                "links_per_clique": _percentiles([float(s) for s in sizes]),
                "compiled_ms": compiled,
                "calipso_strategy_ms": calipso,
                "calipso_queries_per_clique": _percentiles([float(q) for q in queries]),
                "speedup_p50": round(calipso["p50"] / compiled["p50"], 1),
                "compiled_db_hits": _db_hits(store, text, picked[0]),
            }
            print(f"{focal_type}: compiled p50 {compiled['p50']} ms p99 {compiled['p99']} ms; "
                  f"Calipso p50 {calipso['p50']} ms ({result[focal_type]['speedup_p50']}x)",
                  file=sys.stderr)
    return {
        "benchmark": "cliques",
        "timestamp": timestamp(),
        "machine": machine(),
        "neo4j": config.bolt_uri,
        "objects": loaded,
        "results": result,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cliques", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=300,
                        help="focal points timed per type with the compiled query")
    parser.add_argument("--calipso-samples", type=int, default=60,
                        help="focal points timed per type with Calipso's strategy")
    parser.add_argument("--warm-up-seconds", type=float, default=WARM_UP_SECONDS,
                        help="least warm-up per focal point type before timing "
                             f"(default: {WARM_UP_SECONDS:g})")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    result = run(args.objects, args.samples, args.calipso_samples, args.seed,
                 args.warm_up_seconds)
    write_result("cliques", result, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())

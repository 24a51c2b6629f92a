"""How the write scheduler hands batches to its writers (no Neo4j: the write is a stub)."""

from __future__ import annotations

import threading
import time
from typing import Any

from topology.store.graph_store import GraphStore
from topology.store.reports import WriteReport
from topology.store.scheduler import Batch, Lane, run_lanes


class _Recorder:
    """An ``execute`` that records which lanes run at once, at each start."""

    def __init__(self, seconds: float = 0.0, barrier: threading.Barrier | None = None):
        self.seconds = seconds
        self.barrier = barrier
        self.lock = threading.Lock()
        self.running: dict[str, int] = {}
        self.overlaps: list[tuple[str, ...]] = []

    def __call__(self, batch: Batch) -> dict[str, Any]:
        what = batch.params["lane"]
        with self.lock:
            self.running[what] = self.running.get(what, 0) + 1
            self.overlaps.append(tuple(sorted(
                name for name, count in self.running.items() for _ in range(count))))
        if self.barrier is not None:
            self.barrier.wait()  # breaks (and fails the test) unless two run at once
        time.sleep(self.seconds)
        with self.lock:
            self.running[what] -= 1
        return {"n": len(batch.rows)}


def _lane(name: str, batches: int, seen: list[str],
          labels: frozenset[str] = frozenset()) -> Lane:
    def on_result(rows: Any, result: dict[str, Any]) -> None:
        seen.append(name)

    return Lane(iter([Batch(name, "RETURN 1", [{"i": i}], [i], {"lane": name}, on_result)
                      for i in range(batches)]), rows_left=batches, labels=labels)


def _fail(batch: Batch, exc: Exception) -> None:
    raise AssertionError(f"{batch.what} failed: {exc}")


def test_every_batch_of_a_lane_runs_once_even_when_writes_finish_together() -> None:
    """Instant writes often finish together: the writers must still take the rest."""
    for _ in range(20):
        seen: list[str] = []
        ran = run_lanes([_lane("objects", 50, seen)], _Recorder(), _fail, concurrency=2)
        assert seen == ["objects"] * 50 and ran == 50


def test_lanes_do_not_run_two_of_their_batches_at_once_while_others_have_work() -> None:
    execute, seen = _Recorder(seconds=0.01), []
    run_lanes([_lane("big", 6, seen), _lane("small", 3, seen)], execute, _fail,
              concurrency=2)
    assert sorted(seen) == ["big"] * 6 + ["small"] * 3
    # Two of one lane at once only after the other lane ran out of batches.
    first_double = next((k for k, ran in enumerate(execute.overlaps)
                         if ran in (("big", "big"), ("small", "small"))), None)
    last_small = max(k for k, ran in enumerate(execute.overlaps) if "small" in ran)
    assert first_double is None or first_double > last_small


def test_a_single_lane_keeps_both_writers_busy() -> None:
    execute = _Recorder(barrier=threading.Barrier(2, timeout=30))
    seen: list[str] = []
    run_lanes([_lane("objects", 2, seen)], execute, _fail, concurrency=2)
    assert seen == ["objects", "objects"]


def test_one_writer_runs_every_batch_one_at_a_time() -> None:
    execute, seen = _Recorder(), []
    run_lanes([_lane("a", 2, seen), _lane("b", 3, seen)], execute, _fail, concurrency=1)
    assert sorted(seen) == ["a", "a", "b", "b", "b"]
    assert all(len(ran) == 1 for ran in execute.overlaps)


def test_a_failed_batch_goes_to_on_failure_and_the_others_run() -> None:
    seen: list[str] = []
    failures: list[str] = []

    def execute(batch: Batch) -> dict[str, Any] | Exception:
        return RuntimeError("boom") if batch.indices == [1] else {}

    ran = run_lanes([_lane("a", 3, seen)], execute,
                    lambda batch, exc: failures.append(f"{batch.indices}: {exc}"),
                    concurrency=2)
    assert ran == 3 and seen == ["a", "a"] and failures == ["[1]: boom"]


def test_progress_counts_rows_across_calls() -> None:
    counts: list[tuple[int, int]] = []
    done = [0]
    for _ in range(2):
        run_lanes([_lane("a", 2, [])], _Recorder(), _fail, concurrency=2,
                  progress=lambda d, t: counts.append((d, t)), total=4, done=done)
    assert [d for d, _ in counts] == [1, 2, 3, 4] and {t for _, t in counts} == {4}


def test_a_lane_sharing_no_labels_with_the_running_one_goes_first() -> None:
    """vnic-vconnector runs; of the idle lanes, the one locking other nodes is taken even
    though the one sharing Vconnector has more rows left."""
    execute, seen = _Recorder(seconds=0.01), []
    run_lanes([
        _lane("vnic-vconnector", 4, seen, frozenset({"Vnic", "Vconnector"})),
        _lane("vconnector-vedge", 3, seen, frozenset({"Vconnector", "Vedge"})),
        _lane("host_pnic-network", 2, seen, frozenset({"HostPnic", "Network"})),
    ], execute, _fail, concurrency=2)
    assert execute.overlaps[:2] == [("vnic-vconnector",),
                                    ("host_pnic-network", "vnic-vconnector")]


class _StubTransactions:
    def __init__(self) -> None:
        self.captured: list[list[dict[str, Any]]] = []
        self.sizes: list[int] = []

    def write_query(self, text: Any, params: dict[str, Any], **_: Any) -> list[dict]:
        self.sizes.append(len(params["rows"]))
        self.captured.append(params["rows"])
        return [{"n": len(params["rows"])}]


def test_the_rows_handed_to_the_driver_are_emptied_after_the_write() -> None:
    """The driver may keep its parameters in reference cycles; they must not hold rows,
    and its debug log must not print them."""
    store = GraphStore(driver=None, write_concurrency=1)  # type: ignore[arg-type]
    stub = _StubTransactions()
    store.transactions = stub  # type: ignore[assignment]
    seen: list[str] = []
    store.run_lanes([_lane("a", 2, seen)], WriteReport())
    assert seen == ["a", "a"] and stub.sizes == [1, 1]
    assert all(rows == [] for rows in stub.captured)
    assert repr(type(stub.captured[0])([{"secret": 1}])) == "<1 rows>"

"""How the graph store hands batches to its writers (no Neo4j: the write is a stub)."""

from __future__ import annotations

import threading
import time
from typing import Any

from topology.store.graph_store import GraphStore, WriteReport, _Batch, _Lane


class _StubStore(GraphStore):
    """A store whose write records what runs at once instead of talking to Neo4j."""

    def __init__(self, write_concurrency: int, seconds: float = 0.0) -> None:
        super().__init__(driver=None, write_concurrency=write_concurrency)  # type: ignore[arg-type]
        self.seconds = seconds
        self.lock = threading.Lock()
        self.running: dict[str, int] = {}
        self.overlaps: list[tuple[str, ...]] = []  # what ran at once, at each start
        self.rows_seen: list[list[dict[str, Any]]] = []

    def write(self, text: Any, **params: Any) -> list[dict[str, Any]]:
        what = params["lane"]
        with self.lock:
            self.running[what] = self.running.get(what, 0) + 1
            self.overlaps.append(tuple(sorted(
                name for name, count in self.running.items() for _ in range(count))))
            self.rows_seen.append(list(params["rows"]))
        time.sleep(self.seconds)
        with self.lock:
            self.running[what] -= 1
        return [{"n": len(params["rows"])}]


def _lane(name: str, batches: int, seen: list[str],
          labels: frozenset[str] = frozenset()) -> _Lane:
    def on_result(rows: Any, result: dict[str, Any]) -> None:
        seen.append(name)

    return _Lane(iter([_Batch(name, "RETURN 1", [{"i": i}], [i], {"lane": name}, on_result)
                       for i in range(batches)]), rows_left=batches, labels=labels)


def test_every_batch_of_a_lane_runs_once_even_when_writes_finish_together() -> None:
    """Instant writes often finish together: the writers must still take the rest."""
    for _ in range(20):
        store, seen = _StubStore(write_concurrency=2), []
        report = WriteReport()
        store._run_lanes([_lane("objects", 50, seen)], report)
        assert seen == ["objects"] * 50 and report.batches == 50


def test_lanes_do_not_run_two_of_their_batches_at_once_while_others_have_work() -> None:
    store, seen = _StubStore(write_concurrency=2, seconds=0.01), []
    store._run_lanes([_lane("big", 6, seen), _lane("small", 3, seen)], WriteReport())
    assert sorted(seen) == ["big"] * 6 + ["small"] * 3
    both = [ran for ran in store.overlaps if len(ran) == 2]
    assert ("big", "small") in both
    # Two of one lane at once only after the other lane ran out of batches.
    first_double = next((k for k, ran in enumerate(store.overlaps)
                         if ran in (("big", "big"), ("small", "small"))), None)
    last_small = max(k for k, ran in enumerate(store.overlaps) if "small" in ran)
    assert first_double is None or first_double > last_small


def test_a_single_lane_keeps_both_writers_busy() -> None:
    store, seen = _StubStore(write_concurrency=2, seconds=0.01), []
    store._run_lanes([_lane("objects", 6, seen)], WriteReport())
    assert ("objects", "objects") in store.overlaps


def test_one_writer_runs_every_batch_one_at_a_time() -> None:
    store, seen = _StubStore(write_concurrency=1), []
    store._run_lanes([_lane("a", 2, seen), _lane("b", 3, seen)], WriteReport())
    assert sorted(seen) == ["a", "a", "b", "b", "b"]
    assert all(len(ran) == 1 for ran in store.overlaps)


def test_the_rows_handed_to_the_driver_are_emptied_after_the_write() -> None:
    """The driver may keep its parameters in reference cycles; they must not hold rows."""
    store = _StubStore(write_concurrency=1)
    captured: list[list[dict[str, Any]]] = []
    original = store.write

    def keep(text: Any, **params: Any) -> list[dict[str, Any]]:
        captured.append(params["rows"])
        return original(text, **params)

    store.write = keep  # type: ignore[method-assign]
    store._run_lanes([_lane("a", 2, [])], WriteReport())
    assert [len(rows) for rows in store.rows_seen] == [1, 1]
    assert captured and all(rows == [] for rows in captured)
    assert repr(type(captured[0])([{"secret": 1}])) == "<1 rows>"


def test_a_lane_sharing_no_labels_with_the_running_one_goes_first() -> None:
    """vnic-vconnector runs; of the idle lanes, the one locking other nodes is taken even
    though the one sharing Vconnector has more rows left."""
    store, seen = _StubStore(write_concurrency=2, seconds=0.01), []
    store._run_lanes([
        _lane("vnic-vconnector", 4, seen, frozenset({"Vnic", "Vconnector"})),
        _lane("vconnector-vedge", 3, seen, frozenset({"Vconnector", "Vedge"})),
        _lane("host_pnic-network", 2, seen, frozenset({"HostPnic", "Network"})),
    ], WriteReport())
    assert store.overlaps[:2] == [("vnic-vconnector",),
                                  ("host_pnic-network", "vnic-vconnector")]

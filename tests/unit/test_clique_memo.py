"""The clique service's caches: expiry after ttl, predicate clears, LRU eviction, threads."""

from __future__ import annotations

import threading
from collections.abc import Callable

from topology.cliques.memo import LruMap, TimedMemo


class Clock:
    """A clock that moves only when told, so expiry is tested without waiting."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def counting(value: object) -> tuple[list[int], Callable[[], object]]:
    calls: list[int] = []

    def compute() -> object:
        calls.append(1)
        return value

    return calls, compute


def test_a_value_is_kept_until_ttl_then_computed_again() -> None:
    clock = Clock()
    memo = TimedMemo(ttl=30, timer=clock)
    calls, compute = counting("types")
    assert memo.get("clique_types", compute) == "types"
    clock.now += 29.9
    assert memo.get("clique_types", compute) == "types"
    assert len(calls) == 1
    clock.now += 0.1
    assert memo.get("clique_types", compute) == "types"
    assert len(calls) == 2


def test_ttl_zero_keeps_nothing() -> None:
    memo = TimedMemo(ttl=0, timer=Clock())
    calls, compute = counting("fresh")
    memo.get("k", compute)
    memo.get("k", compute)
    assert len(calls) == 2


def test_none_is_a_value_like_any_other() -> None:
    memo = TimedMemo(ttl=30, timer=Clock())
    calls, compute = counting(None)
    assert memo.get(("chosen", "env", "switch"), compute) is None
    assert memo.get(("chosen", "env", "switch"), compute) is None
    assert len(calls) == 1


def test_clear_with_a_predicate_forgets_only_matching_keys() -> None:
    memo = TimedMemo(ttl=30, timer=Clock())
    keys = ["clique_types", ("chosen", "a", "instance"), ("environment", "a"),
            ("environment", "b")]
    for key in keys:
        memo.get(key, lambda: "old")
    memo.clear(lambda key: isinstance(key, tuple) and "a" in key)
    assert [memo.get(key, lambda: "new") for key in keys] == ["old", "new", "new", "old"]
    memo.clear()
    assert [memo.get(key, lambda: "newer") for key in keys] == ["newer"] * 4


def test_the_least_recently_used_keys_go_first() -> None:
    memo = TimedMemo(ttl=30, maxsize=2, timer=Clock())
    memo.get("a", lambda: 1)
    memo.get("b", lambda: 2)
    memo.get("a", lambda: 0)  # a is used again: b is now the oldest
    memo.get("c", lambda: 3)
    assert memo.get("a", lambda: -1) == 1
    assert memo.get("b", lambda: -2) == -2


def test_lru_map_evicts_the_least_recently_used_and_pops() -> None:
    types: LruMap[tuple[str, str], str] = LruMap(2)
    types.put(("env", "vm-1"), "instance")
    types.put(("env", "net-1"), "network")
    assert types.get(("env", "vm-1")) == "instance"
    types.put(("env", "vs-1"), "vservice")
    assert types.get(("env", "net-1")) is None
    assert types.get(("env", "vm-1")) == "instance"
    types.pop(("env", "vm-1"))
    types.pop(("env", "missing"))
    assert types.get(("env", "vm-1")) is None


def test_threads_share_one_memo() -> None:
    memo = TimedMemo(ttl=30, maxsize=64)
    errors: list[BaseException] = []

    def worker(offset: int) -> None:
        try:
            for i in range(2000):
                key = (offset + i) % 100
                assert memo.get(key, lambda k=key: k * 2) == key * 2
                if i % 50 == 0:
                    memo.clear(lambda k: k % 7 == 0)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n * 13,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []

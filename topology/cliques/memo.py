"""Values computed on demand and kept for a while, shared by the threads of one process.

The clique service keeps what decides a compiled query's text (definitions, environment
profiles, link directions) for ``ttl`` seconds, and forgets part of it when definitions
change. cachetools' caches are not thread-safe by themselves: every access holds a lock,
but a value is computed outside it, so one slow query does not hold up the other threads
(two threads missing the same key at once both compute it; the last one stored wins).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from cachetools import LRUCache, TTLCache

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_MISSING = object()


class TimedMemo:
    """``get(key, compute)``: the value stored under ``key`` less than ``ttl`` seconds ago,
    else ``compute()`` stored. ``ttl`` 0 keeps nothing. At most ``maxsize`` keys; the least
    recently used go first."""

    def __init__(self, ttl: float, maxsize: int = 4096,
                 timer: Callable[[], float] = time.monotonic) -> None:
        self._values: TTLCache[Hashable, object] = TTLCache(maxsize, ttl, timer=timer)
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            value = self._values.get(key, _MISSING)
        if value is not _MISSING:
            return value  # type: ignore[return-value]
        value = compute()
        with self._lock:
            self._values[key] = value
        return value

    def clear(self, predicate: Callable[[Hashable], bool] | None = None) -> None:
        """Forget every value, or those whose key satisfies ``predicate``."""
        with self._lock:
            if predicate is None:
                self._values.clear()
                return
            for key in [k for k in self._values if predicate(k)]:
                self._values.pop(key, None)


class LruMap(Generic[K, V]):
    """A thread-safe map of at most ``maxsize`` keys; the least recently used go first."""

    def __init__(self, maxsize: int) -> None:
        self._values: LRUCache[K, V] = LRUCache(maxsize)
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            return self._values.get(key)

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._values[key] = value

    def pop(self, key: K) -> None:
        with self._lock:
            self._values.pop(key, None)

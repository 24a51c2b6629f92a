"""The element ids of objects the store wrote or looked up, to find link ends directly.

A link write finds its two ends by element id (a direct lookup) instead of searching the
``(environment, id)`` index twice per link. The memory is only a hint: the link query
checks each end's environment and id, since Neo4j may reuse the element id of a deleted
node, and a row whose ends were not found is tried again with ids looked up afresh.

Shared by the store's writer threads, so every access holds a lock. Values are nested
dicts of plain strings (``environment -> {id: element id}``): strings are no work for
Python's cyclic collector, whereas 200,000 ``(environment, id)`` tuple keys made it walk
every object of the process once a bulk write ended.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence

# About 220 bytes an entry with its id strings, so at most about 55 MB. Past this many the
# memory is cleared and refilled as objects are written or looked up again.
DEFAULT_LIMIT = 250_000


class ElementIdMemory:
    """Object id -> element id, per environment; thread-safe, capped."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._ids: dict[str, dict[str, str]] = {}
        self._size = 0

    def __len__(self) -> int:
        with self._lock:
            return self._size

    def remember(self, environment: str, pairs: Iterable[Sequence[str]]) -> None:
        """Keep ``(id, element id)`` pairs; past the limit, forget everything first."""
        with self._lock:
            if self._size > self.limit:
                self._ids.clear()
                self._size = 0
            known = self._ids.setdefault(environment, {})
            before = len(known)
            known.update(pairs)
            self._size += len(known) - before

    def forget(self, environment: str, ids: Iterable[str]) -> None:
        with self._lock:
            known = self._ids.get(environment)
            if not known:
                return
            for object_id in ids:
                if known.pop(object_id, None) is not None:
                    self._size -= 1

    def forget_environment(self, environment: str) -> None:
        with self._lock:
            self._size -= len(self._ids.pop(environment, {}))

    def split(self, environment: str, ids: Iterable[str]) -> tuple[dict[str, str], list[str]]:
        """``(known, missing)``: the remembered element ids of ``ids``, and the others."""
        known: dict[str, str] = {}
        missing: list[str] = []
        with self._lock:
            remembered = self._ids.get(environment, {})
            for object_id in ids:
                element_id = remembered.get(object_id)
                if element_id is None:
                    missing.append(object_id)
                else:
                    known[object_id] = element_id
        return known, missing

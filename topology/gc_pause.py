"""Pause Python's cyclic garbage collector while bulk work runs.

Bulk work (a batched write, parsing a large export, generating a demo environment)
allocates millions of small containers while the process holds millions of long-lived ones.
The allocations keep triggering the cyclic collector, and each full collection walks every
live object with the GIL held, several times slower than the work itself.

Reference counting still frees every object that is not part of a cycle, so pausing costs
only the cycles made meanwhile, which are collected when the last pause ends. Pauses are
counted: overlapping ones (nested, or in other threads) resume the collector only when the
last of them ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _Pauses:
    """How many holders want the collector paused, and whether it ran before them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.holders = 0
        self.resume = False


_pauses = _Pauses()


@contextmanager
def paused_gc() -> Iterator[None]:
    """Disable the cyclic collector for the block; re-enable it when the last of any
    overlapping blocks (other threads included) ends, and only if it was enabled before."""
    with _pauses.lock:
        if _pauses.holders == 0:
            _pauses.resume = gc.isenabled()
            gc.disable()
        _pauses.holders += 1
    try:
        yield
    finally:
        with _pauses.lock:
            _pauses.holders -= 1
            if _pauses.holders == 0 and _pauses.resume:
                gc.enable()

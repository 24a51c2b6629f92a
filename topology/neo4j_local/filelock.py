"""An exclusive ``fcntl`` lock on a file, shared by processes on the same machine."""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOG = logging.getLogger("topology.neo4j_local")


@contextmanager
def exclusive_lock(lock_file: Path, waiting: str) -> Iterator[None]:
    """Hold the lock for the ``with`` block; log ``waiting`` if another process has it.

    The lock goes away with the process that held it, so a killed holder never leaves a
    stale lock behind (unlike a lock *file* whose existence is the lock).
    """
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_file, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            LOG.info("%s (lock %s)", waiting, lock_file)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

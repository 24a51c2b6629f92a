"""The local Neo4j's process: pid file, identification, and a kill that cannot hit a stranger.

A pid alone is not an identity: after a reboot or a crash the number may belong to another
program. A process counts as *our* Neo4j only when its ``/proc/<pid>/cmdline`` has the
launcher class and the exact home directory as arguments; nothing else is ever signalled.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from pathlib import Path

from topology.neo4j_local.cache import LAUNCHER_CLASS
from topology.processes import PROC, cmdline, is_alive, read_pid, stat_fields, write_pid

# the generic helpers live in topology.processes; the Neo4j code reads them from here
__all__ = ["cmdline", "find_instances", "is_alive", "is_neo4j_of", "read_pid", "stat_fields",
           "terminate", "write_pid"]

LOG = logging.getLogger("topology.neo4j_local")


def is_neo4j_of(pid: int, home: Path) -> bool:
    """True when ``pid`` runs the launcher for exactly this ``home`` (an absolute path)."""
    args = cmdline(pid)
    return args is not None and LAUNCHER_CLASS in args and str(home) in args


def find_instances(home: Path) -> list[int]:
    """Pids of live launchers for ``home``, whatever the pid file says (it may be lost)."""
    found = []
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            pid = int(entry.name)
            if pid != os.getpid() and is_neo4j_of(pid, home) and is_alive(pid):
                found.append(pid)
    return sorted(found)


def _signal(pid: int, home: Path, sig: signal.Signals) -> bool:
    """Send ``sig`` only if ``pid`` is still our Neo4j; checked right before each signal."""
    if not (is_alive(pid) and is_neo4j_of(pid, home)):
        return False
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return False
    return True


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while is_alive(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)
    return True


def terminate(pid: int, home: Path, timeout: float = 60.0) -> bool:
    """SIGTERM our Neo4j and wait for its clean shutdown; SIGKILL after ``timeout``.

    Returns False when ``pid`` was not our running Neo4j (then nothing was signalled).
    """
    if not _signal(pid, home, signal.SIGTERM):
        return False
    if _wait_gone(pid, timeout):
        return True
    LOG.warning(
        "the local Neo4j (pid %d) did not stop within %.0fs; killing it (the next start "
        "will run recovery)", pid, timeout,
    )
    _signal(pid, home, signal.SIGKILL)
    _wait_gone(pid, 10.0)
    return True

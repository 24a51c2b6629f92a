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

LOG = logging.getLogger("topology.neo4j_local")
PROC = Path("/proc")


def read_pid(pid_file: Path) -> int | None:
    """The pid in ``pid_file``, or None when it is missing or not a positive number."""
    try:
        text = pid_file.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() and int(text) > 0 else None


def write_pid(pid_file: Path, pid: int) -> None:
    tmp = pid_file.with_name(f".{pid_file.name}.tmp")
    tmp.write_text(f"{pid}\n", encoding="ascii")
    os.replace(tmp, pid_file)


def cmdline(pid: int) -> list[str] | None:
    """The arguments of ``pid``; None if it is gone (zombies have an empty cmdline)."""
    try:
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return None
    if not raw:
        return None
    return raw.rstrip(b"\0").decode("utf-8", "surrogateescape").split("\0")


def is_neo4j_of(pid: int, home: Path) -> bool:
    """True when ``pid`` runs the launcher for exactly this ``home`` (an absolute path)."""
    args = cmdline(pid)
    return args is not None and LAUNCHER_CLASS in args and str(home) in args


def stat_fields(pid: int) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command name, from the state on
    (``[0]`` state, ``[1]`` parent pid, ``[11]``/``[12]`` user/system CPU ticks); None if
    the process is gone."""
    try:
        stat = (PROC / str(pid) / "stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    # The command name (in parentheses) may contain spaces: the state follows the last ")".
    return stat.rpartition(")")[2].split()


def is_alive(pid: int) -> bool:
    """True while ``pid`` runs; an exited process not yet reaped (a zombie) counts as dead.

    Nothing is reaped here: that would steal the exit status from whoever owns the child.
    """
    fields = stat_fields(pid)
    return bool(fields) and fields[0] not in ("Z", "X")


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

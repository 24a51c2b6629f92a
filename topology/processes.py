"""Processes on Linux, by id: pid files, what a process runs, whether it lives, its
descendants and memory (read from /proc; nothing here signals or reaps)."""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from pathlib import Path

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


def process_tree(root: int) -> list[int]:
    """``root`` and its descendants, parents first."""
    children: dict[int, list[int]] = {}
    for entry in PROC.glob("[0-9]*"):
        fields = stat_fields(int(entry.name))
        if fields:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop(0)
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def rss_mib(pids: Sequence[int]) -> float:
    """Resident memory of processes, in MiB."""
    total = 0
    for pid in pids:
        try:
            for line in (PROC / str(pid) / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return total / 1024


def runner_name() -> str:
    """Who runs something (a scan, a listener): host and process, for the graph's nodes
    and for people."""
    return f"{socket.gethostname()}:{os.getpid()}"

"""Long-running commands (``listen``, ``scan-manager``) started in the background with
``--detach`` and stopped with ``--stop``: a pid file and a log per name in the state
directory, as ``topology neo4j`` and ``topology sandbox`` keep theirs."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from topology.config import Config
from topology.process_control import reap, start_detached, stop_pids
from topology.processes import is_alive, read_pid

DETACH_FLAGS = ("--detach",)


def _files(config: Config, name: str) -> tuple[Path, Path]:
    folder = config.state_dir / "background"
    return folder / f"{name}.pid", folder / f"{name}.log"


def running(config: Config, name: str) -> int | None:
    """The process id of ``name`` when it runs in the background."""
    pid_file, _ = _files(config, name)
    pid = read_pid(pid_file)
    return pid if pid is not None and is_alive(pid) else None


def detach(config: Config, name: str, argv: Sequence[str]) -> str:
    """Start ``topology <argv>`` (without ``--detach``) in the background, unless it runs
    already; a line saying which process and where its log is."""
    pid_file, log_file = _files(config, name)
    pid = running(config, name)
    if pid is not None:
        return f"{name} runs already (pid {pid}; log {log_file})"
    command = [sys.executable, "-m", "topology.cli", *_without_config(argv)]
    environ = {"TOPOLOGY_STATE_DIR": str(config.state_dir)}
    if config.source != "defaults":  # the same file, whatever the child's folder
        environ["TOPOLOGY_CONFIG"] = str(Path(config.source).resolve())
    pid = start_detached(command, user=None, pid_file=pid_file, log_file=log_file,
                         env=environ)
    return f"{name} started in the background (pid {pid}; log {log_file})"


def _without_config(argv: Sequence[str]) -> list[str]:
    """``argv`` less ``--detach`` and ``--config FILE`` (the child gets the file's absolute
    path through ``TOPOLOGY_CONFIG``: it runs from ``/``)."""
    kept: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--config":
            skip = True
        elif not arg.startswith("--config=") and arg not in DETACH_FLAGS:
            kept.append(arg)
    return kept


def stop(config: Config, name: str) -> str:
    pid_file, _ = _files(config, name)
    pid = read_pid(pid_file)
    if pid is None or not is_alive(pid):
        pid_file.unlink(missing_ok=True)
        return f"{name} was not running"
    stop_pids([pid], grace=30.0)
    reap(pid)
    pid_file.unlink(missing_ok=True)
    return f"{name} stopped (pid {pid})"
